"""External data adapters (merchants/sources.py): the default table adapters, their bulk
variants, the setting that swaps an adapter, and a source that is down."""

import json
from datetime import date

import pytest

from merchants.models import QualityRecord, RegistryRecord
from merchants.sources import (
    ColdChainCheck,
    FoodPermit,
    Penalty,
    RegistryFacts,
    RegistryTableSource,
    SourceUnavailable,
    SpotCheck,
    get_source,
)
from merchants.uscc import build_uscc
from tests.factories import (
    ColdChainRecordFactory,
    FoodChainRecordFactory,
    PenaltyRecordFactory,
    QualityRecordFactory,
    RegistryRecordFactory,
)

ACME = build_uscc("330106", 1001)
BETA = build_uscc("330106", 1002)
UNKNOWN = build_uscc("330106", 1003)
SINCE = date(2026, 1, 1)


@pytest.fixture
def records(db) -> None:
    """Two entities with records in every source, some older than SINCE."""
    RegistryRecordFactory(uscc=ACME, record_id="QY-1", as_of=date(2025, 6, 1), credit_level="B")
    RegistryRecordFactory(uscc=ACME, record_id="QY-2", as_of=date(2026, 6, 1), credit_level="A")
    RegistryRecordFactory(uscc=ACME, record_id="QY-0", as_of=date(2024, 1, 1), credit_level="D")
    RegistryRecordFactory(
        uscc=BETA,
        record_id="QY-3",
        as_of=date(2026, 5, 1),
        entity_status=RegistryRecord.Status.REVOKED,
        on_abnormal_list=True,
        licence_valid_until=None,
    )
    for uscc, prefix in ((ACME, "A"), (BETA, "B")):
        QualityRecordFactory(
            uscc=uscc, record_id=f"ZL-{prefix}1", checked_on=date(2025, 12, 31), as_of=SINCE
        )
        QualityRecordFactory(
            uscc=uscc,
            record_id=f"ZL-{prefix}2",
            checked_on=date(2026, 3, 1),
            result=QualityRecord.Result.FAIL,
        )
        QualityRecordFactory(uscc=uscc, record_id=f"ZL-{prefix}3", checked_on=SINCE)
        ColdChainRecordFactory(uscc=uscc, record_id=f"LL-{prefix}1", checked_on=date(2025, 1, 1))
        ColdChainRecordFactory(
            uscc=uscc, record_id=f"LL-{prefix}2", checked_on=date(2026, 2, 1), compliant=False
        )
        PenaltyRecordFactory(uscc=uscc, record_id=f"CF-{prefix}1", decided_on=date(2023, 5, 1))
        PenaltyRecordFactory(uscc=uscc, record_id=f"CF-{prefix}2", decided_on=date(2026, 4, 1))
        PenaltyRecordFactory(uscc=uscc, record_id=f"CF-{prefix}3", decided_on=date(2026, 2, 1))
    # ACME's permit was renewed: two records of the same permit, and a second permit.
    FoodChainRecordFactory(
        uscc=ACME,
        record_id="ZSL-1",
        permit_number="JY13301060000001",
        permit_valid_until=date(2026, 1, 31),
        as_of=date(2025, 1, 1),
    )
    FoodChainRecordFactory(
        uscc=ACME,
        record_id="ZSL-2",
        permit_number="JY13301060000001",
        permit_valid_until=date(2031, 1, 31),
        as_of=date(2026, 2, 1),
    )
    FoodChainRecordFactory(
        uscc=ACME,
        record_id="ZSL-3",
        permit_number="JY23301060000002",
        permit_valid_until=date(2028, 1, 1),
        as_of=date(2026, 1, 1),
        traceability_compliant=False,
    )
    FoodChainRecordFactory(uscc=BETA, record_id="ZSL-4", permit_number="JY13301060000009")


# Registry


def test_registry_latest_record_wins(records):
    facts = get_source("registry").entity(ACME)
    assert isinstance(facts, RegistryFacts)
    assert (facts.record_id, facts.as_of, facts.credit_level) == ("QY-2", date(2026, 6, 1), "A")
    assert facts.uscc == ACME


def test_registry_carries_every_field(records):
    facts = get_source("registry").entity(BETA)
    assert facts == RegistryFacts(
        record_id="QY-3",
        as_of=date(2026, 5, 1),
        uscc=BETA,
        entity_status="revoked",
        licence_valid_until=None,
        on_abnormal_list=True,
        on_dishonest_list=False,
        credit_level="A",
    )


def test_registry_unknown_entity_is_none(records):
    assert get_source("registry").entity(UNKNOWN) is None


# Lists with a since filter: quality, cold chain, enforcement


def test_spot_checks_since_is_inclusive_and_newest_first(records):
    checks = get_source("quality").spot_checks(ACME, SINCE)
    assert [c.record_id for c in checks] == ["ZL-A2", "ZL-A3"]
    assert all(isinstance(c, SpotCheck) for c in checks)
    assert checks[0].result == "fail"
    assert [c.record_id for c in get_source("quality").spot_checks(ACME, date(2020, 1, 1))] == [
        "ZL-A2",
        "ZL-A3",
        "ZL-A1",
    ]


def test_cold_chain_since(records):
    checks = get_source("cold_chain").records(ACME, SINCE)
    assert checks == [
        ColdChainCheck(
            record_id="LL-A2",
            as_of=checks[0].as_of,
            uscc=ACME,
            checked_on=date(2026, 2, 1),
            compliant=False,
            note="",
        )
    ]


def test_penalties_since_newest_first(records):
    penalties = get_source("enforcement").penalties(ACME, SINCE)
    assert [(p.record_id, p.decided_on) for p in penalties] == [
        ("CF-A2", date(2026, 4, 1)),
        ("CF-A3", date(2026, 2, 1)),
    ]
    assert all(isinstance(p, Penalty) and p.severity == "ordinary" for p in penalties)


def test_lists_of_an_unknown_entity_are_empty(records):
    assert get_source("quality").spot_checks(UNKNOWN, SINCE) == []
    assert get_source("cold_chain").records(UNKNOWN, SINCE) == []
    assert get_source("enforcement").penalties(UNKNOWN, SINCE) == []
    assert get_source("food_chain").permits(UNKNOWN) == []


# Food chain


def test_food_permit_latest_record_wins(records):
    permits = get_source("food_chain").permits(ACME)
    assert all(isinstance(p, FoodPermit) for p in permits)
    assert [(p.permit_number, p.record_id, p.permit_valid_until) for p in permits] == [
        ("JY13301060000001", "ZSL-2", date(2031, 1, 31)),
        ("JY23301060000002", "ZSL-3", date(2028, 1, 1)),
    ]
    assert permits[1].traceability_compliant is False


# Bulk variants: the same answers, one query however many entities


BULK_CASES = [
    ("registry", "entity", "entity_bulk", ()),
    ("quality", "spot_checks", "spot_checks_bulk", (SINCE,)),
    ("food_chain", "permits", "permits_bulk", ()),
    ("cold_chain", "records", "records_bulk", (SINCE,)),
    ("enforcement", "penalties", "penalties_bulk", (SINCE,)),
]


@pytest.mark.parametrize(("source", "single", "bulk", "args"), BULK_CASES)
def test_bulk_equals_single_lookups(records, source, single, bulk, args):
    adapter = get_source(source)
    usccs = [ACME, BETA, UNKNOWN]
    answers = getattr(adapter, bulk)(usccs, *args)
    assert answers == {uscc: getattr(adapter, single)(uscc, *args) for uscc in usccs}
    assert answers[ACME]  # the comparison is not between empty answers
    assert list(answers) == usccs


@pytest.mark.parametrize(("source", "single", "bulk", "args"), BULK_CASES)
def test_bulk_is_one_query(records, source, single, bulk, args, django_assert_num_queries):
    adapter = get_source(source)
    usccs = [ACME, BETA, UNKNOWN] + [build_uscc("330108", n) for n in range(300)]
    with django_assert_num_queries(1):
        answers = getattr(adapter, bulk)(usccs, *args)
    assert len(answers) == len(usccs)
    with django_assert_num_queries(0):
        assert getattr(adapter, bulk)([], *args) == {}


def test_to_json_is_serialisable_with_iso_dates(records):
    facts = get_source("registry").entity(BETA)
    data = facts.to_json()
    assert data["as_of"] == "2026-05-01"
    assert data["licence_valid_until"] is None
    assert data["record_id"] == "QY-3"
    assert json.loads(json.dumps(data)) == data
    permit = get_source("food_chain").permits(ACME)[0]
    assert permit.to_json()["permit_valid_until"] == "2031-01-31"


def test_facts_are_frozen(records):
    facts = get_source("registry").entity(ACME)
    with pytest.raises(AttributeError):
        facts.credit_level = "D"


# Configuration


class DownRegistry:
    """A client of the real registry whose service does not answer."""

    def entity(self, uscc: str) -> RegistryFacts | None:
        raise SourceUnavailable("registry", "connection refused")

    def entity_bulk(self, usccs: list[str]) -> dict[str, RegistryFacts | None]:
        raise SourceUnavailable("registry", "connection refused")


class FixedRegistry:
    def entity(self, uscc: str) -> RegistryFacts | None:
        return RegistryFacts("EXT-1", date(2026, 1, 1), uscc, "active", None, False, False, "A")

    def entity_bulk(self, usccs: list[str]) -> dict[str, RegistryFacts | None]:
        return {uscc: self.entity(uscc) for uscc in usccs}


def test_default_adapters_read_the_tables():
    assert isinstance(get_source("registry"), RegistryTableSource)


def test_adapter_configured_in_settings_is_used(settings, records):
    settings.EXTERNAL_SOURCE_ADAPTERS = {"registry": f"{__name__}.FixedRegistry"}
    adapter = get_source("registry")
    assert isinstance(adapter, FixedRegistry)
    assert adapter.entity(ACME).record_id == "EXT-1"
    # Sources the setting leaves out keep their default adapter.
    assert get_source("enforcement").penalties(ACME, SINCE)


def test_source_unavailable_propagates(settings):
    settings.EXTERNAL_SOURCE_ADAPTERS = {"registry": f"{__name__}.DownRegistry"}
    with pytest.raises(SourceUnavailable) as caught:
        get_source("registry").entity_bulk([ACME])
    assert caught.value.source == "registry"


def test_unknown_source_name():
    with pytest.raises(LookupError, match="Unknown external data source"):
        get_source("weather")
