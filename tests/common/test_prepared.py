"""Prepared statements (common.prepared) and queries compiled once (common.precompiled)."""

import pytest
from django.db import connection
from django.db.models import Count, F, OuterRef, Subquery
from django.test.utils import CaptureQueriesContext

from common.precompiled import Slot, _compiled, values_compiled
from common.prepared import _positional, prepared_statements
from merchants.models import Merchant, Permit
from tests.factories import MerchantFactory, PermitFactory


def test_placeholders_become_positional_and_a_literal_percent_stays():
    sql = "SELECT 1 WHERE a = %s AND b LIKE '%%x%%' AND c IN (%s, %s)"
    assert _positional(sql) == "SELECT 1 WHERE a = $1 AND b LIKE '%x%' AND c IN ($2, $3)"


def _merchant_with_permits(bound: int, code: str | None = None):
    """Compiled with a Slot for the code; with a code, the plain ORM query to compare with."""
    permits = Permit.objects.filter(merchant=OuterRef("pk"), number__gt=str(bound))
    return (
        Merchant.objects.filter(public_code=Slot() if code is None else code)
        .order_by()
        .values(
            "name",
            "licence_valid_from",
            county=F("region__name"),
            permit_count=Subquery(permits.values("merchant").annotate(n=Count("pk")).values("n")),
        )
    )


@pytest.mark.django_db
def test_a_compiled_query_gives_what_the_orm_gives():
    merchant = MerchantFactory()
    PermitFactory(merchant=merchant, number="5")
    PermitFactory(merchant=merchant, number="7")
    other = MerchantFactory()
    _compiled.cache_clear()
    for bound, code in (
        (6, merchant.public_code),
        (6, other.public_code),
        (0, merchant.public_code),
    ):
        row = values_compiled(_merchant_with_permits, bound).first(code)
        expected = _merchant_with_permits(bound, code).get()
        assert row == expected
        assert list(row) == list(expected)  # the same names in the same order
    assert _compiled.cache_info().currsize == 2  # once per bound
    assert (
        values_compiled(_merchant_with_permits, 6).first(merchant.public_code)["permit_count"] == 1
    )
    assert values_compiled(_merchant_with_permits, 6).first("no-such-code") is None


def test_a_compiled_query_takes_at_least_one_slot():
    with pytest.raises(ValueError, match="at least one Slot"):
        values_compiled(lambda: Merchant.objects.values("name"))


@pytest.mark.django_db
def test_a_prepared_query_answers_as_the_plain_one():
    merchants = MerchantFactory.create_batch(3)
    with CaptureQueriesContext(connection) as context:
        for merchant in merchants * 3:
            with prepared_statements():
                assert Merchant.objects.get(public_code=merchant.public_code).pk == merchant.pk
    assert len(context.captured_queries) == 9
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'acp_prepared_%%'"
            )
            assert cursor.fetchone()[0] >= 1
