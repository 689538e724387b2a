"""The uncached store page and its API in at most three queries, showing what the per-app
selectors say (the public inspection record, the complaint figures) for a merchant that has
something in every section."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from complaints.models import ComplaintState
from complaints.selectors.complaints import merchant_complaint_figures
from merchants.models import Declaration, Pool, RegistryRecord
from review.models import InspectionMethod, InspectionState
from review.selectors.inspections import public_inspection_record
from storefront import selectors
from tests.conftest import client_for
from tests.factories import (
    ComplaintFactory,
    DeclarationFactory,
    InspectionFactory,
    PermitFactory,
    RegistryRecordFactory,
    StandingFactory,
    scheme,
)

MAX_QUERIES = 3
pytestmark = pytest.mark.usefixtures("json_features_known")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rich(merchant):
    """A merchant with permits, two approved declarations with commitments (and one not
    approved), visits in and out of the public window, complaints in every state that counts,
    registry records and a star rating."""
    now = timezone.now()
    PermitFactory(merchant=merchant, number="JY-B", valid_until=date(2035, 1, 1))
    PermitFactory(merchant=merchant, number="JY-A", valid_until=date(2021, 6, 30))
    for code, details, days_ago in (
        (
            "no-reason-return",
            {"return_days": 7, "goods_covered": "服装", "goods_excluded": "内衣"},
            3,
        ),
        ("assured-unit", {}, 40),
    ):
        declaration = DeclarationFactory(
            merchant=merchant,
            scheme=scheme(code),
            state=Declaration.State.APPROVED,
            decided_at=now - timedelta(days=days_ago),
            details=details,
        )
        declaration.accepted_commitments.set(declaration.scheme.commitments.all())
    DeclarationFactory(merchant=merchant, scheme=scheme("assured-factory"))
    for days_ago, method, result, state in (
        (2, InspectionMethod.ON_SITE, "pass", InspectionState.CLOSED),
        (30, InspectionMethod.COVERT, "fail", InspectionState.RECTIFYING),
        (30, InspectionMethod.ON_SITE, "rectify", InspectionState.RECTIFYING),
        (400, InspectionMethod.ON_SITE, "pass", InspectionState.CLOSED),
        (5, InspectionMethod.ON_SITE, "pass", InspectionState.CANCELLED),
    ):
        InspectionFactory(
            merchant=merchant,
            method=method,
            result=result,
            state=state,
            visited_at=now - timedelta(days=days_ago, hours=20),
        )
    InspectionFactory(merchant=merchant)  # scheduled, not visited
    for state, rating, closed_days_ago, late in (
        (ComplaintState.SETTLED, 5, 3, False),
        (ComplaintState.SETTLED, 2, 3, True),
        (ComplaintState.MEDIATION_FAILED, None, 1, False),
        (ComplaintState.WITH_MERCHANT, None, None, False),
        (ComplaintState.DECLINED, None, 2, False),
    ):
        closed_at = now - timedelta(days=closed_days_ago) if closed_days_ago else None
        ComplaintFactory(
            merchant=merchant,
            state=state,
            rating=rating,
            accepted_at=now - timedelta(days=20) if state != ComplaintState.DECLINED else None,
            closed_at=closed_at,
            close_due=(closed_at.date() - timedelta(days=1 if late else -1)) if closed_at else None,
        )
    old = ComplaintFactory(merchant=merchant, state=ComplaintState.SETTLED)
    old.__class__.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=400))
    RegistryRecordFactory(
        uscc=merchant.uscc, record_id="R-OLD", credit_level="C", as_of=date(2024, 1, 1)
    )
    RegistryRecordFactory(
        uscc=merchant.uscc,
        record_id="R-NEW",
        credit_level=RegistryRecord.Credit.B,
        as_of=date(2026, 1, 1),
    )
    StandingFactory(merchant=merchant, pool=Pool.STAR_RATED, stars=4, since=now)
    return merchant


def _selects(context: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in context.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_uncached_page_in_three_queries(rich, language):
    with CaptureQueriesContext(connection) as context:
        response = client_for(None).get(
            reverse("store-page", args=[rich.public_code]), HTTP_ACCEPT_LANGUAGE=language
        )
    assert response.status_code == 200
    assert len(context.captured_queries) <= MAX_QUERIES, _selects(context)
    html = response.content.decode()
    assert "JY-A" in html and "JY-B" in html
    assert ("Goods covered: 服装" if language == "en" else "服装") in html
    assert ("Covert inspection" if language == "en" else "暗访") in html


VISITORS_OWN = ("django_session", "merchants_user", "merchants_notification")


def test_signed_in_visitors_page_adds_only_the_visitors_own_reads(rich, consumer):
    """The layout reads the visitor's session, account and unread notices; the page itself
    still reads one row (on PostgreSQL the log shows it as EXECUTE of the prepared query)."""
    client = client_for(consumer)
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("store-page", args=[rich.public_code]))
    assert response.status_code == 200
    page = [
        q["sql"]
        for q in context.captured_queries
        if not any(table in q["sql"] for table in VISITORS_OWN)
    ]
    assert len(page) == 1, page


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_api_in_three_queries(rich, language, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client_for(None).get(
            reverse("api-public-merchant-detail", args=[rich.public_code]),
            HTTP_ACCEPT_LANGUAGE=language,
        )
    assert response.status_code == 200
    assert response.json()["complaints"]["received"] == 5


def _expected(merchant, today: date) -> dict:
    """The page's lists and figures as the per-app selectors and the ORM give them, one query
    each: what the one-query read must equal."""
    return {
        "permits": [
            {
                "type": p.permit_type,
                "type_label": str(p.get_permit_type_display()),
                "number": p.number,
                "valid_until": p.valid_until,
                "expired": p.valid_until < today,
            }
            for p in merchant.permits.order_by("permit_type", "valid_until", "pk")
        ],
        "schemes": [
            {
                "code": d.scheme.code,
                "kind": d.scheme.kind,
                "name": d.scheme.display_name,
                "approved_on": timezone.localdate(d.decided_at),
                "terms": selectors.scheme_terms(d.scheme, d.details),
                "commitments": [
                    c.display_name for c in d.accepted_commitments.order_by("order", "pk")
                ],
            }
            for d in Declaration.objects.filter(
                merchant=merchant, state=Declaration.State.APPROVED
            ).order_by("scheme__order", "scheme__code")
        ],
        "supervision": [
            {
                "date": timezone.localdate(i.visited_at),
                "method": i.method,
                "method_label": str(i.get_method_display()),
                "result": i.result,
                "result_label": str(i.get_result_display()),
            }
            for i in public_inspection_record(merchant_id=merchant.pk, today=today)
        ],
        "complaints": merchant_complaint_figures(merchant_id=merchant.pk, today=today),
        "credit": {
            "level": "B",
            "label": str(RegistryRecord.Credit.B.label),
            "as_of": date(2026, 1, 1),
        },
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_page_shows_what_the_apps_selectors_say(rich, language):
    today = timezone.localdate()
    with translation.override(language):
        data = selectors.store_page_data(
            row=selectors.store_page_row(public_code=rich.public_code, today=today), today=today
        )
        expected = _expected(rich, today)
    for key, value in expected.items():
        assert data[key] == value, key
        assert repr(data[key]) == repr(value), key  # the same keys in the same order
    assert [p["number"] for p in data["permits"]] == ["JY-A", "JY-B"]
    assert [s["code"] for s in data["schemes"]] == ["assured-unit", "no-reason-return"]
    assert [v["result"] for v in data["supervision"]] == ["pass", "rectify", "fail"]
    assert data["complaints"]["received"] == 5
    assert data["badge"]["stars"] == 4


def test_a_merchant_with_nothing_shows_nothing(merchant, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        data = selectors.store_page(public_code=merchant.public_code)
    assert data["permits"] == data["schemes"] == data["supervision"] == []
    assert data["complaints"] is None
    assert data["credit"] is None
    assert data["badge"]["pool"] is None
