"""Issue 14, findings 1, 9 and 10 for merchants: numbers, dates and text people type are
bounded, on the page and in the API, with a clear message in the reader's language."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from merchants.models import Declaration, User
from merchants.services.declarations import declaration_create
from tests.conftest import api, client_for
from tests.factories import PermitFactory, UserFactory, scheme
from tests.merchants.test_views import PASSWORD, merchant_data

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def returns_draft(owner, merchant) -> Declaration:
    return declaration_create(actor=owner, merchant=merchant, scheme=scheme("no-reason-return"))


# --- the return window (finding 1) ------------------------------------------------------------


@pytest.mark.parametrize("days", [3_000_000_000, 10**30, 366, 1e400])
def test_api_refuses_an_absurd_return_window(owner, returns_draft, days):
    url = f"{API}/declarations/{returns_draft.pk}/"
    if days == 1e400:  # JSON's 1e400 is infinity to Python's parser
        response = api(owner).generic(
            "PATCH", url, '{"details": {"return_days": 1e400}}', content_type="application/json"
        )
    else:
        response = api(owner).patch(url, {"details": {"return_days": days}}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["return_days"][0] in (
        "The return window must be at most 365 days.",
        "The return window must be a whole number of days.",
    )
    returns_draft.refresh_from_db()
    assert returns_draft.details == {}


def test_api_message_follows_the_readers_language(owner, returns_draft):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_authenticate(owner)
    response = client.patch(
        f"{API}/declarations/{returns_draft.pk}/",
        {"details": {"return_days": 3_000_000_000}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["return_days"] == ["退货期限最长为365天。"]


def test_api_accepts_a_year(owner, returns_draft):
    response = api(owner).patch(
        f"{API}/declarations/{returns_draft.pk}/",
        {"details": {"return_days": 365, "goods_covered": "服装"}},
        format="json",
    )
    assert response.status_code == 200 and response.json()["details"]["return_days"] == 365


@pytest.mark.parametrize("days", ["3000000000", str(10**30), "-5"])
def test_form_refuses_an_absurd_return_window(owner, returns_draft, days):
    response = client_for(owner).post(
        reverse("declaration-edit", args=[returns_draft.pk]),
        {"return_days": days, "goods_covered": "x"},
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["return_days"])
    assert "at most 365 days" in errors or "at least 7 days" in errors
    returns_draft.refresh_from_db()
    assert returns_draft.details == {}


# --- text in the details (findings 9, 10) -----------------------------------------------------


def test_api_refuses_nul_and_overlong_text_and_oversized_details(owner, returns_draft):
    client = api(owner)
    url = f"{API}/declarations/{returns_draft.pk}/"
    nul = client.patch(url, {"details": {"goods_covered": "茶\u0000叶"}}, format="json")
    assert nul.status_code == 400 and "NUL" in str(nul.json())
    long = client.patch(
        url, {"details": {"return_days": 15, "goods_covered": "x" * 10_000}}, format="json"
    )
    assert long.status_code == 400
    assert "At most 4000 characters" in long.json()["goods_covered"][0]
    huge = client.patch(
        url, {"details": {"return_days": 15, "goods_covered": "x" * 100_000}}, format="json"
    )
    assert huge.status_code == 400 and "too large" in huge.json()["details"][0]
    nested = client.patch(
        url, {"details": {"return_days": 15, "goods_covered": {"a": [1, {"b": 2}]}}}, format="json"
    )
    assert nested.status_code == 400 and nested.json()["goods_covered"] == [
        "This field takes text."
    ]
    many = client.patch(url, {"details": {f"k{i}": i for i in range(500)}}, format="json")
    assert many.status_code == 400 and "too large" in many.json()["details"][0]
    returns_draft.refresh_from_db()
    assert returns_draft.details == {}


def test_form_refuses_nul_and_overlong_text(owner, returns_draft):
    url = reverse("declaration-edit", args=[returns_draft.pk])
    client = client_for(owner)
    response = client.post(url, {"return_days": "15", "goods_covered": "x" * 100_000})
    assert response.status_code == 200
    assert "goods_covered" in response.context["form"].errors
    response = client.post(url, {"return_days": "15", "goods_covered": "a\x00b"})
    assert response.status_code == 200
    assert "goods_covered" in response.context["form"].errors


def test_the_service_refuses_nul_written_around_the_form(owner, returns_draft):
    from common.errors import DomainError
    from merchants.services.declarations import declaration_update

    with pytest.raises(DomainError) as refused:
        declaration_update(
            actor=owner,
            declaration=returns_draft,
            commitments=[],
            details={"return_days": 15, "goods_excluded": "\x00"},
        )
    assert refused.value.field == "goods_excluded"


# --- permits, licence dates, phones (finding 10) ----------------------------------------------


def test_api_caps_permits_and_bounds_their_dates(owner, merchant):
    PermitFactory(merchant=merchant, number="KEEP-1")
    client = api(owner)
    url = f"{API}/merchants/{merchant.pk}/"
    many = [
        {"permit_type": "other", "number": f"P-{i}", "valid_until": "2031-01-01"}
        for i in range(10_000)
    ]
    response = client.patch(url, {"permits": many}, format="json")
    assert response.status_code == 400
    assert response.json()["permits"] == ["At most 50 permits per merchant."]
    far = [{"permit_type": "other", "number": "P-1", "valid_until": "9999-12-31"}]
    response = client.patch(url, {"permits": far}, format="json")
    assert response.status_code == 400 and "between 1949-10-01 and 2100-12-31" in str(
        response.json()
    )
    assert list(merchant.permits.values_list("number", flat=True)) == ["KEEP-1"]


@pytest.mark.parametrize(
    "changes",
    [
        {"licence_valid_until": "9999-12-31"},
        {"licence_valid_from": "0001-01-01"},
        {"licence_valid_from": "2030-01-01", "licence_valid_until": "2029-01-01"},
    ],
)
def test_api_bounds_licence_dates(owner, merchant, changes):
    response = api(owner).patch(f"{API}/merchants/{merchant.pk}/", changes, format="json")
    assert response.status_code == 400, response.content
    merchant.refresh_from_db()
    assert merchant.licence_valid_from == date(2020, 1, 1)


@pytest.mark.parametrize(
    "phone",
    [
        "<b>abc</b>",
        "\u0661\u0663\u0668\u0660\u0660\u0661\u0663\u0668\u0660\u0660\u0660",
        "12",
        "138--0000",
        "+86 138 0013 8000x",
    ],
)
def test_api_and_form_refuse_what_is_not_a_phone(owner, merchant, phone):
    response = api(owner).patch(
        f"{API}/merchants/{merchant.pk}/", {"contact_phone": phone}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "mainland China phone number" in response.json()["contact_phone"][0]
    data = merchant_data(contact_phone=phone)
    data.pop("uscc")
    response = client_for(owner).post(reverse("merchant-edit", args=[merchant.pk]), data)
    assert "contact_phone" in response.context["form"].errors
    merchant.refresh_from_db()
    assert merchant.contact_phone != phone


@pytest.mark.parametrize("phone", ["13900139000", "+86 139-0013-9000", "0571-8888 1234"])
def test_phones_as_people_write_them_are_kept(owner, merchant, phone):
    response = api(owner).patch(
        f"{API}/merchants/{merchant.pk}/", {"contact_phone": phone}, format="json"
    )
    assert response.status_code == 200, response.content


def test_form_refuses_far_licence_dates_and_too_many_permits(owner, merchant):
    data = merchant_data(licence_valid_until="9999-12-31")
    data.pop("uscc")
    response = client_for(owner).post(reverse("merchant-edit", args=[merchant.pk]), data)
    assert "licence_valid_until" in response.context["form"].errors
    data = merchant_data(**{"permits-TOTAL_FORMS": "60"})
    for i in range(60):
        data |= {
            f"permits-{i}-permit_type": "other",
            f"permits-{i}-number": f"P-{i}",
            f"permits-{i}-valid_until": "2031-01-01",
        }
    data.pop("uscc")
    response = client_for(owner).post(reverse("merchant-edit", args=[merchant.pk]), data)
    assert response.status_code == 200
    assert not merchant.permits.exists()


# --- sign-up (finding 10) ---------------------------------------------------------------------


def _signup(**changes):
    return Client(HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("signup"),
        {
            "username": "erin",
            "email": "erin@example.com",
            "phone": "13700137000",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "role": "consumer",
        }
        | changes,
    )


def test_signup_with_an_email_already_used_is_refused():
    UserFactory(username="first", email="Erin@Example.com")
    response = _signup()
    assert response.status_code == 200
    assert "An account with this e-mail address exists already" in " ".join(
        response.context["form"].errors["email"]
    )
    assert not User.objects.filter(username="erin").exists()


def test_signup_refuses_markup_as_a_phone():
    response = _signup(phone="<b>abc</b>")
    assert response.status_code == 200 and "phone" in response.context["form"].errors
    assert _signup().status_code == 302
