"""Issue 14, findings 9 and 10: what used to be a server error is a clear 4xx, and a corpus of
bad input driven into the writable fields of the declaration, merchant, campaign and complaint
intake endpoints never gives a server error."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from common.parsers import BoundedJSONParser, json_depth
from complaints.models import Complaint
from merchants.models import User
from merchants.services.declarations import declaration_create
from review.models import Campaign
from tests.conftest import api, client_for
from tests.factories import checklist, scheme

pytestmark = pytest.mark.django_db

API = "/api/v1"
INTAKE = f"{API}/complaints/intake/"
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def supervisor(city_regulator) -> User:
    city_regulator.can_supervise = True
    city_regulator.save(update_fields=["can_supervise"])
    return city_regulator


def _campaign(**changes: object) -> dict[str, object]:
    return {
        "name": "Bounds check",
        "region": "330106",
        "schemes": ["assured-unit"],
        "method": "covert",
        "checklist": checklist().pk,
        "sample_size": 3,
        "inspectors_per_visit": 1,
        "due_date": (timezone.localdate() + timedelta(days=14)).isoformat(),
    } | changes


def _complaint(merchant, **changes: object) -> dict[str, object]:
    return {
        "merchant": merchant.public_code,
        "category": "refund_refused",
        "description": "购买的茶叶未拆封。七日内要求退货被拒绝。",
        "wanted_outcome": "退货退款",
        "amount": "268.00",
        "purchase_date": "2026-11-20",
        "complainant_name": "刘女士",
        "complainant_phone": "13812341234",
        "consent_to_contact": True,
    } | changes


# --- the five server errors (finding 9) -------------------------------------------------------


@pytest.mark.parametrize("action", ["flag", "reply"])
@pytest.mark.parametrize("pk", ["abc", "²", "\u0661", "0", "99999999999999999999999"])
def test_disclosure_preview_actions_with_a_bad_id_are_404(owner, action, pk):
    response = api(owner).post(
        f"{API}/complaints/disclosure-preview/{pk}/{action}/", {"comment": "x", "text": "x"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("pk", ["²", "¹²", "\u0663", "\U0001d7d9"])
def test_unicode_digits_in_an_id_are_404(owner, county_regulator, pk):
    assert api(county_regulator).get(f"{API}/complaints/{pk}/").status_code == 404
    assert api(owner).get(f"{API}/declarations/{pk}/").status_code == 404


def test_campaign_sample_size_is_bounded_in_the_api_and_on_the_page(supervisor):
    response = api(supervisor).post(
        f"{API}/review/campaigns/", _campaign(sample_size=3_000_000_000), format="json"
    )
    assert response.status_code == 400
    assert "sample_size" in response.json()
    response = api(supervisor).post(
        f"{API}/review/campaigns/",
        _campaign(due_date=(timezone.localdate() + timedelta(days=4000)).isoformat()),
        format="json",
    )
    assert response.status_code == 400
    assert "within two years" in str(response.json())
    from tests.review.test_inspection_pages import _campaign_form

    page = client_for(supervisor).post(
        "/review/campaigns/", _campaign_form(sample_size="3000000000", sample_percent="")
    )
    assert page.status_code == 400 and "sample_size" in page.context["form"].errors
    assert not Campaign.objects.exists()


def test_the_database_refuses_an_absurd_sample_size(supervisor):
    from django.db import IntegrityError

    from tests.factories import CampaignFactory

    campaign = CampaignFactory(created_by=supervisor, sample_size=3)
    with pytest.raises(IntegrityError):
        Campaign.objects.filter(pk=campaign.pk).update(sample_size=200_000)


def test_nul_in_declaration_details_is_400(owner, merchant):
    declaration = declaration_create(
        actor=owner, merchant=merchant, scheme=scheme("no-reason-return")
    )
    response = api(owner).patch(
        f"{API}/declarations/{declaration.pk}/",
        {"details": {"return_days": 15, "goods_covered": "\u0000"}},
        format="json",
    )
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


@pytest.mark.parametrize("who", ["anonymous", "owner"])
def test_deep_json_is_400_on_any_json_endpoint(who, owner, merchant):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if who == "owner":
        client.force_authenticate(owner)
    for url, method in [
        (INTAKE, "post"),
        (f"{API}/merchants/{merchant.pk}/", "patch"),
        (f"{API}/declarations/", "post"),
    ]:
        response = getattr(client, method)(url, DEEP, content_type="application/json")
        if who == "anonymous" and url != INTAKE:
            assert response.status_code in (401, 403)
            continue
        assert response.status_code == 400, (url, response.content[:200])
        assert "nested deeper than 32 levels" in response.json()["detail"]


def test_deep_json_message_in_chinese(merchant):
    response = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        INTAKE, DEEP, content_type="application/json"
    )
    assert response.status_code == 400 and "嵌套超过32层" in response.json()["detail"]


def test_the_parser_bounds_size_depth_and_constants(merchant):
    assert json_depth(b'{"a": "[[[[[[", "b": [[1]]}') == 3
    assert json_depth(b'"\\\\" ') == 0
    big = json.dumps(_complaint(merchant, description="x" * (BoundedJSONParser.max_bytes + 1)))
    response = APIClient().post(INTAKE, big, content_type="application/json")
    assert response.status_code == 413
    for raw in ('{"amount": NaN}', '{"a": Infinity}', '{"a": "\\ud800"', b"\xff\xfe"):
        response = APIClient().post(INTAKE, raw, content_type="application/json")
        assert response.status_code == 400, raw
    assert not Complaint.objects.exists()


# --- accepted though absurd (finding 10): the purchase date ---------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "1989-12-31", "9999-12-31"])
def test_purchase_date_is_bounded_in_the_api_and_the_form(merchant, day):
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").post(
        INTAKE, _complaint(merchant, purchase_date=day), format="json"
    )
    assert response.status_code == 400, response.content
    assert "purchase date" in str(response.json())
    from tests.complaints.test_public import _form

    page = client_for(None).post(
        f"/complaints/new/?merchant={merchant.public_code}", _form(purchase_date=day)
    )
    assert page.status_code in (200, 400)
    assert "purchase date" in page.content.decode().lower() or "购买日期" in page.content.decode()
    assert not Complaint.objects.exists()


# --- the corpus ---------------------------------------------------------------------------


CORPUS = [
    3_000_000_000,
    10**30,
    -1,
    -(10**30),
    1.5,
    "9999-12-31",
    "0001-01-01",
    "a\u0000b",
    "x" * 100_000,
    {"a": {"b": {"c": [1, 2, {"d": 3}]}}},
    [[[[[]]]]],
    "²",
    "\u0661\u0662\u0663",
    "🙂\u202eevil",
    '=HYPERLINK("http://x")',
    None,
    True,
    "",
]


def _statuses(send, fields, base) -> list[tuple[str, object, int]]:
    results = []
    for name in fields:
        for value in CORPUS:
            response = send(base | {name: value})
            results.append((name, repr(value)[:30], response.status_code))
    return results


def test_bad_input_corpus_never_gives_a_server_error(owner, merchant, supervisor, settings):
    # Not the rate limits under test.
    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 10**6, "day": 10**6}
    settings.COMPLAINT_ADDRESS_LIMITS = {"hour": 10**6, "day": 10**6}
    owner_api, supervisor_api, anonymous = api(owner), api(supervisor), APIClient()
    declaration = declaration_create(
        actor=owner, merchant=merchant, scheme=scheme("no-reason-return")
    )
    results = []
    results += _statuses(
        lambda data: owner_api.patch(
            f"{API}/declarations/{declaration.pk}/", {"details": data}, format="json"
        ),
        ["return_days", "goods_covered", "goods_excluded", "cross_store_returns"],
        {"return_days": 15},
    )
    results += _statuses(
        lambda data: owner_api.patch(f"{API}/declarations/{declaration.pk}/", data, format="json"),
        ["details", "commitments", "member_merchants"],
        {},
    )
    results += _statuses(
        lambda data: owner_api.patch(f"{API}/merchants/{merchant.pk}/", data, format="json"),
        [
            "name",
            "legal_representative",
            "address",
            "contact_phone",
            "licence_valid_from",
            "licence_valid_until",
            "industry",
            "permits",
        ],
        {},
    )
    results += _statuses(
        lambda data: supervisor_api.post(f"{API}/review/campaigns/", data, format="json"),
        [
            "name",
            "sample_size",
            "sample_ratio",
            "inspectors_per_visit",
            "exclude_recent_days",
            "due_date",
            "checklist",
            "schemes",
        ],
        _campaign(),
    )
    results += _statuses(
        lambda data: anonymous.post(INTAKE, data, format="json"),
        [
            "merchant",
            "amount",
            "purchase_date",
            "description",
            "wanted_outcome",
            "complainant_name",
            "complainant_phone",
            "complainant_email",
        ],
        _complaint(merchant),
    )
    errors = [r for r in results if r[2] >= 500]
    assert errors == []
    assert len(results) > 500
