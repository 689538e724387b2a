"""External records made by `generate_province` (demo/province/records.py)."""

from io import StringIO

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from demo.province.records import RECORD_MODELS
from merchants.models import (
    ColdChainRecord,
    FoodChainRecord,
    Industry,
    Merchant,
    PenaltyRecord,
    QualityRecord,
    RegistryRecord,
)
from merchants.sources import get_source


def generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_province", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_records_belong_to_the_generated_merchants_in_realistic_shares(db):
    output = generate("--merchants", "3000", "--seed", "3", "--batch", "1000", "--no-declarations")
    merchants = dict(Merchant.objects.values_list("uscc", "industry"))
    today = timezone.localdate()

    registry = list(RegistryRecord.objects.all())
    assert 0.98 * len(merchants) < len(registry) <= len(merchants)
    assert {r.uscc for r in registry} <= set(merchants)
    active = sum(r.entity_status == RegistryRecord.Status.ACTIVE for r in registry)
    assert 0.94 < active / len(registry) < 0.99
    assert 0.005 < sum(r.on_abnormal_list for r in registry) / len(registry) < 0.04
    expired = sum(1 for r in registry if r.licence_valid_until and r.licence_valid_until < today)
    assert 0 < expired / len(registry) < 0.03
    good_credit = sum(r.credit_level in ("A", "B") for r in registry)
    assert good_credit / len(registry) > 0.9
    assert all(r.as_of <= today for r in registry)

    checked = set(QualityRecord.objects.values_list("uscc", flat=True))
    assert checked and {merchants[u] for u in checked} <= {
        Industry.MANUFACTURING,
        Industry.RETAIL,
        Industry.SUPERMARKET,
    }
    food = set(FoodChainRecord.objects.values_list("uscc", flat=True))
    caterers = [u for u, industry in merchants.items() if industry == Industry.CATERING]
    assert food <= set(caterers)
    assert 0.85 < len(food) / len(caterers) < 0.95
    assert ColdChainRecord.objects.exists()
    penalised = set(PenaltyRecord.objects.values_list("uscc", flat=True))
    assert 0.015 < len(penalised) / len(merchants) < 0.045
    assert set(PenaltyRecord.objects.values_list("severity", flat=True)) <= {
        "minor",
        "ordinary",
        "serious",
    }
    assert "registry records" in output

    # The default adapters read them.
    some = next(iter(penalised))
    assert get_source("enforcement").penalties(some, today.replace(year=today.year - 4))


def test_no_records_option_and_records_leave_the_merchants_unchanged(db):
    # Two batches: records drawing on the merchants' random stream would change the second.
    args = ("--merchants", "400", "--seed", "5", "--batch", "200", "--no-declarations")
    with transaction.atomic():
        generate(*args, "--no-records")
        assert not RegistryRecord.objects.exists()
        without = sorted(Merchant.objects.values_list("uscc", "name", "industry"))
        transaction.set_rollback(True)
    generate(*args)
    assert sorted(Merchant.objects.values_list("uscc", "name", "industry")) == without
    assert RegistryRecord.objects.exists()


def test_record_tables_keep_their_indexes_and_constraints(db):
    def constraints() -> dict[str, set[str]]:
        with connection.cursor() as cursor:
            return {
                model._meta.db_table: set(
                    connection.introspection.get_constraints(cursor, model._meta.db_table)
                )
                for model in RECORD_MODELS
            }

    before = constraints()
    generate("--merchants", "300", "--seed", "9", "--no-declarations")
    assert constraints() == before
    assert all(len(names) >= 3 for names in before.values())  # primary key, uscc, record_id
