"""The public, read-only open-data API: /api/v1/public/merchants/."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from merchants.models import Declaration
from tests.factories import (
    DeclarationFactory,
    InspectionFactory,
    MerchantFactory,
    PermitFactory,
    RegistryRecordFactory,
    region,
    scheme,
)

LIST = reverse("api-public-merchant-list")


def detail(code: str) -> str:
    return reverse("api-public-merchant-detail", args=[code])


def approve(merchant, scheme_code: str, **kwargs) -> Declaration:
    declaration = DeclarationFactory(
        merchant=merchant,
        scheme=scheme(scheme_code),
        state=Declaration.State.APPROVED,
        decided_at=timezone.now(),
        **kwargs,
    )
    declaration.accepted_commitments.set(declaration.scheme.commitments.all())
    return declaration


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


def test_list_needs_no_login_and_filters(merchant, other_merchant, anonymous):
    approve(merchant, "no-reason-return", details={"return_days": 7})
    MerchantFactory(name="宁波茶行", region=region("330203"))

    response = anonymous.get(LIST, {"region": "330100"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["name"] for row in body["results"]] == sorted([merchant.name, other_merchant.name])
    row = next(r for r in body["results"] if r["public_code"] == merchant.public_code)
    assert row["county"] == {"code": "330106", "name": merchant.region.name}
    assert row["city"]["code"] == "330100"
    assert row["schemes"] == [
        {"code": "no-reason-return", "name": "No-reason-return commitment unit"}
    ]
    assert row["url"].endswith(f"/s/{merchant.public_code}/")
    assert set(row) == {
        "public_code",
        "name",
        "address",
        "county",
        "city",
        "schemes",
        "pool",
        "stars",
        "rating",
        "url",
    }
    assert (row["pool"], row["stars"], row["rating"]) == (None, None, "")

    by_scheme = anonymous.get(LIST, {"scheme": "no-reason-return"}).json()
    assert [r["public_code"] for r in by_scheme["results"]] == [merchant.public_code]
    by_uscc = anonymous.get(LIST, {"uscc": other_merchant.uscc}).json()
    assert [r["public_code"] for r in by_uscc["results"]] == [other_merchant.public_code]
    by_name = anonymous.get(LIST, {"q": "茶行"}).json()
    assert [r["name"] for r in by_name["results"]] == ["宁波茶行"]


def test_bad_filters_are_a_clear_400(db, anonymous):
    response = anonymous.get(LIST, {"uscc": "12345", "region": "999999", "scheme": "nope"})
    assert response.status_code == 400
    errors = response.json()
    assert errors["uscc"] == ["A unified social credit code has 18 characters; this one has 5."]
    assert "Select a valid choice" in errors["region"][0]
    assert "Select a valid choice" in errors["scheme"][0]


def test_list_is_paginated_without_n_plus_one(db, anonymous, django_assert_max_num_queries):
    for n in range(30):
        merchant = MerchantFactory(name=f"开放数据{n:02d}")
        approve(merchant, "assured-unit")
        approve(merchant, "no-reason-return", details={"return_days": 7})
    with django_assert_max_num_queries(6):
        response = anonymous.get(LIST, {"q": "开放数据"})
    body = response.json()
    assert body["count"] == 30
    assert len(body["results"]) == 20
    assert body["next"] and "page=2" in body["next"]
    assert all(len(r["schemes"]) == 2 for r in body["results"])


def test_detail_is_the_store_page_as_data(merchant, anonymous):
    PermitFactory(merchant=merchant, number="JY-OLD", valid_until=date(2020, 1, 1))
    approve(
        merchant,
        "no-reason-return",
        details={"return_days": 7, "goods_covered": "服装", "cross_store_returns": True},
    )
    RegistryRecordFactory(uscc=merchant.uscc, credit_level="A")
    InspectionFactory(merchant=merchant, visited_at=timezone.now(), result="pass", notes="secret")

    response = anonymous.get(detail(merchant.public_code))
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == merchant.name
    assert body["uscc"] == merchant.uscc
    assert body["permits"] == [
        {
            "type": "food_business",
            "type_label": "Food business licence",
            "number": "JY-OLD",
            "valid_until": "2020-01-01",
            "expired": True,
        }
    ]
    (nrr,) = body["schemes"]
    assert nrr["terms"][0] == "7-day no-reason returns, also at our other stores"
    assert body["badge"] == {
        "schemes": [{"code": "no-reason-return", "name": "No-reason-return commitment unit"}],
        "pool": None,
        "stars": None,
        "label": "",
        "since": None,
        "rectify_by": None,
        "appeal": None,
    }
    assert body["credit"]["level"] == "A"
    assert body["supervision"] == [
        {
            "date": timezone.localdate().isoformat(),
            "method": "on_site",
            "method_label": "On-site inspection",
            "result": "pass",
            "result_label": "Pass",
        }
    ]
    assert body["complaints"] is None
    assert body["complaint_url"].endswith(f"?merchant={merchant.public_code}&channel=qr")
    assert "secret" not in response.content.decode()
    assert "legal_representative" not in body and "members" not in body


def test_unknown_code_is_404(db, anonymous):
    assert anonymous.get(detail("no-such-code")).status_code == 404


def test_public_api_is_read_only(merchant, anonymous):
    assert anonymous.post(LIST, {}).status_code == 405
    assert anonymous.delete(detail(merchant.public_code)).status_code == 405


def test_schema_documents_the_public_endpoints(db, admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    assert "/api/v1/public/merchants/" in schema["paths"]
    assert "/api/v1/public/merchants/{public_code}/" in schema["paths"]
    parameters = {
        p["name"] for p in schema["paths"]["/api/v1/public/merchants/"]["get"]["parameters"]
    }
    assert {"q", "uscc", "region", "scheme", "min_stars", "page"} <= parameters


def test_anonymous_callers_are_throttled(merchant, anonymous, monkeypatch):
    from django.core.cache import cache

    from storefront.api import PublicThrottle

    cache.clear()
    monkeypatch.setattr(PublicThrottle, "rate", "2/minute")
    url = detail(merchant.public_code)
    assert [anonymous.get(url).status_code for _ in range(3)] == [200, 200, 429]
    cache.clear()
