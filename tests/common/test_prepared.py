"""Prepared statements (common.prepared) and annotations compiled once (common.precompiled)."""

import pytest
from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.test.utils import CaptureQueriesContext

from common.precompiled import annotations_compiled
from common.prepared import _positional, prepared_statements
from merchants.models import Merchant, Permit
from tests.factories import MerchantFactory, PermitFactory


def test_placeholders_become_positional_and_a_literal_percent_stays():
    sql = "SELECT 1 WHERE a = %s AND b LIKE '%%x%%' AND c IN (%s, %s)"
    assert _positional(sql) == "SELECT 1 WHERE a = $1 AND b LIKE '%x%' AND c IN ($2, $3)"


def _permit_count(bound: int) -> dict:
    permits = Permit.objects.filter(merchant=OuterRef("pk"), number__gt=str(bound))
    return {
        "permit_count": Subquery(permits.values("merchant").annotate(n=Count("pk")).values("n"))
    }


@pytest.mark.django_db
def test_compiled_annotations_give_what_the_orm_gives():
    merchant = MerchantFactory()
    PermitFactory(merchant=merchant, number="5")
    PermitFactory(merchant=merchant, number="7")
    for _ in range(2):  # compiled once, then reused
        row = Merchant.objects.annotate(**annotations_compiled(Merchant, _permit_count, 6)).get(
            pk=merchant.pk
        )
        assert row.permit_count == 1
    assert Merchant.objects.annotate(**_permit_count(6)).get(pk=merchant.pk).permit_count == 1
    assert (
        Merchant.objects.annotate(**annotations_compiled(Merchant, _permit_count, 0))
        .get(pk=merchant.pk)
        .permit_count
        == 2
    )


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
