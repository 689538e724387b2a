"""The REST API through the front door: an endpoint-by-user matrix (pretix
tests/api/test_permissions.py), scoping of lists, the declaration workflow, query counts and
the schema and docs."""

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from knox.models import AuthToken
from rest_framework.test import APIClient

from merchants.models import (
    Declaration,
    DeclarationDocument,
    Industry,
    Membership,
    Merchant,
    Permit,
    User,
)
from merchants.services.declarations import (
    declaration_attach_document,
    declaration_create,
    declaration_update,
)
from merchants.uscc import build_uscc
from tests.conftest import PASSWORD, api
from tests.factories import (
    DeclarationFactory,
    MembershipFactory,
    MerchantFactory,
    PermitFactory,
    UserFactory,
    pdf_upload,
    region,
    scheme,
)

API = "/api/v1"


def errors(response) -> str:
    """All messages of an error response, flattened, to look for a phrase in."""
    return str(response.json())


@pytest.fixture
def draft(owner, merchant) -> Declaration:
    return declaration_create(actor=owner, merchant=merchant, scheme=scheme("assured-unit"))


@pytest.fixture
def complete_draft(owner, draft) -> Declaration:
    """Every commitment accepted and every mandatory document attached: ready to submit."""
    declaration_update(actor=owner, declaration=draft, commitments=draft.scheme.commitments.all())
    for required in draft.scheme.required_documents.filter(is_mandatory=True):
        declaration_attach_document(
            actor=owner, declaration=draft, required_document=required, upload=pdf_upload()
        )
    return draft


def merchant_payload(**overrides) -> dict:
    payload = {
        "uscc": build_uscc("330106", 77_000_001),
        "name": "龙井茶馆",
        "legal_representative": "李四",
        "address": "龙井路1号",
        "region": "330106",
        "industry": Industry.CATERING,
        "licence_valid_from": "2021-01-01",
        "licence_valid_until": None,
        "contact_phone": "0571-88888888",
        "permits": [
            {
                "permit_type": Permit.Type.FOOD_BUSINESS,
                "number": "JY1330106001",
                "valid_until": "2030-06-30",
            }
        ],
    }
    payload.update(overrides)
    return payload


# The matrix. Seers see alice's merchant; only members act on it. Everyone else gets a 404,
# as if it did not exist.

OUTSIDERS = ["other_owner", "other_county_regulator", "consumer"]
SEERS_NOT_MEMBERS = ["county_regulator", "city_regulator", "admin_user"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [("owner", 200), *((u, 200) for u in SEERS_NOT_MEMBERS), *((u, 404) for u in OUTSIDERS)],
)
def test_merchant_detail_matrix(request, merchant, other_merchant, who, expected):
    response = api(request.getfixturevalue(who)).get(f"{API}/merchants/{merchant.pk}/")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["uscc"] == merchant.uscc


@pytest.mark.parametrize(
    ("who", "expected"),
    [("owner", 200), *((u, 403) for u in SEERS_NOT_MEMBERS), *((u, 404) for u in OUTSIDERS)],
)
def test_merchant_patch_matrix(request, merchant, other_merchant, who, expected):
    response = api(request.getfixturevalue(who)).patch(
        f"{API}/merchants/{merchant.pk}/", {"name": "改名茶楼"}, format="json"
    )
    assert response.status_code == expected
    merchant.refresh_from_db()
    assert (merchant.name == "改名茶楼") is (expected == 200)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("owner", 200), *((u, 200) for u in SEERS_NOT_MEMBERS), *((u, 404) for u in OUTSIDERS)],
)
def test_declaration_detail_matrix(request, draft, other_merchant, who, expected):
    response = api(request.getfixturevalue(who)).get(f"{API}/declarations/{draft.pk}/")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["state"] == "draft"


WRITE_ACTIONS = {
    "patch": ("patch", "", lambda d: {"commitments": ["honest-pricing"]}, 200),
    "documents": (
        "post",
        "documents/",
        lambda d: {"required_document": "storefront", "file": pdf_upload()},
        201,
    ),
    "submit": ("post", "submit/", lambda d: {}, 200),
    "withdraw": ("post", "withdraw/", lambda d: {"reason": "changed my mind"}, 200),
}


@pytest.mark.parametrize("action", WRITE_ACTIONS)
@pytest.mark.parametrize(
    ("who", "allowed"),
    [("owner", True), *((u, 403) for u in SEERS_NOT_MEMBERS), *((u, 404) for u in OUTSIDERS)],
)
def test_declaration_write_matrix(
    request,
    complete_draft,
    other_merchant,
    who,
    allowed,
    action,
    django_capture_on_commit_callbacks,
):
    method, suffix, body, success = WRITE_ACTIONS[action]
    client = api(request.getfixturevalue(who))
    fmt = "multipart" if action == "documents" else "json"
    events_before = complete_draft.events.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client, method)(
            f"{API}/declarations/{complete_draft.pk}/{suffix}", body(complete_draft), format=fmt
        )
    expected = success if allowed is True else allowed
    assert response.status_code == expected, response.content
    if expected != success:
        complete_draft.refresh_from_db()
        assert complete_draft.state == "draft"
        assert complete_draft.events.count() == events_before
        assert complete_draft.documents.count() == 2


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/regions/"),
        ("get", "/regions/330106/"),
        ("get", "/schemes/"),
        ("get", "/schemes/assured-unit/"),
        ("get", "/merchants/"),
        ("post", "/merchants/"),
        ("get", "/merchants/{m}/"),
        ("patch", "/merchants/{m}/"),
        ("get", "/declarations/"),
        ("post", "/declarations/"),
        ("get", "/declarations/{d}/"),
        ("patch", "/declarations/{d}/"),
        ("post", "/declarations/{d}/documents/"),
        ("post", "/declarations/{d}/submit/"),
        ("post", "/declarations/{d}/withdraw/"),
    ],
)
def test_anonymous_is_refused(draft, method, path):
    url = API + path.format(m=draft.merchant_id, d=draft.pk)
    response = getattr(api(), method)(url, {}, format="json")
    assert response.status_code == 401
    draft.refresh_from_db()
    assert draft.state == "draft"


# Lists are scoped like the pages.


def _ids(response) -> set[int]:
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("who", "sees_alice", "sees_bob"),
    [
        ("owner", True, False),
        ("other_owner", False, True),
        ("county_regulator", True, True),
        ("city_regulator", True, True),
        ("other_county_regulator", False, False),
        ("admin_user", True, True),
        ("consumer", False, False),
    ],
)
def test_merchant_list_is_scoped(request, merchant, other_merchant, who, sees_alice, sees_bob):
    ids = _ids(api(request.getfixturevalue(who)).get(f"{API}/merchants/"))
    assert (merchant.pk in ids) is sees_alice
    assert (other_merchant.pk in ids) is sees_bob


@pytest.mark.parametrize(
    ("who", "sees_alice"),
    [
        ("owner", True),
        ("other_owner", False),
        ("county_regulator", True),
        ("city_regulator", True),
        ("other_county_regulator", False),
        ("admin_user", True),
        ("consumer", False),
    ],
)
def test_declaration_list_is_scoped(request, draft, who, sees_alice):
    ids = _ids(api(request.getfixturevalue(who)).get(f"{API}/declarations/"))
    assert ids == ({draft.pk} if sees_alice else set())


def test_merchant_filters(city_regulator, merchant):
    binjiang = MerchantFactory(
        name="滨江超市", region=region("330108"), industry=Industry.SUPERMARKET
    )
    ningbo = MerchantFactory(name="宁波酒家", region=region("330203"))
    admin_client = api(UserFactory(username="root", role=User.Role.ADMIN))
    client = api(city_regulator)

    def ids(**params) -> set[int]:
        return _ids(client.get(f"{API}/merchants/", params))

    assert ids() == {merchant.pk, binjiang.pk}
    assert ids(region="330108") == {binjiang.pk}
    assert ids(industry=Industry.SUPERMARKET) == {binjiang.pk}
    assert ids(search="西湖") == {merchant.pk}
    assert ids(search=merchant.uscc[:12]) == {merchant.pk}
    assert ids(city="330100") == {merchant.pk, binjiang.pk}
    assert _ids(admin_client.get(f"{API}/merchants/", {"city": "330200"})) == {ningbo.pk}
    assert client.get(f"{API}/merchants/", {"industry": "nonsense"}).status_code == 400


def test_declaration_filters(admin_user, owner, merchant, draft):
    ningbo = MerchantFactory(region=region("330203"))
    other = DeclarationFactory(merchant=ningbo, scheme=scheme("no-reason-return"))
    client = api(admin_user)

    def ids(**params) -> set[int]:
        return _ids(client.get(f"{API}/declarations/", params))

    assert ids() == {draft.pk, other.pk}
    assert ids(scheme="assured-unit") == {draft.pk}
    assert ids(merchant=ningbo.pk) == {other.pk}
    assert ids(region="330100") == {draft.pk}
    assert ids(region="330106") == {draft.pk}
    assert ids(region="330000") == {draft.pk, other.pk}
    assert ids(region="999999") == set()
    assert ids(state="draft") == {draft.pk, other.pk}
    assert ids(state="approved") == set()


def test_regions_and_filters(consumer):
    client = api(consumer)
    cities = client.get(f"{API}/regions/", {"level": "city"}).json()
    assert cities["count"] == 11
    hangzhou = client.get(f"{API}/regions/", {"parent": "330100", "page_size": 200}).json()
    codes = {r["code"] for r in hangzhou["results"]}
    assert {"330106", "330108"} <= codes
    assert all(r["parent"] == "330100" and r["level"] == "county" for r in hangzhou["results"])
    xihu = client.get(f"{API}/regions/330106/").json()
    assert xihu == {"code": "330106", "name": xihu["name"], "level": "county", "parent": "330100"}


def test_schemes_list_commitments_and_documents(consumer):
    client = api(consumer)
    listing = client.get(f"{API}/schemes/").json()
    assert {"assured-unit", "no-reason-return"} <= {s["code"] for s in listing["results"]}
    unit = client.get(f"{API}/schemes/no-reason-return/").json()
    assert unit["commitments"][0].keys() == {"code", "name", "name_en"}
    documents = {d["code"]: d for d in unit["required_documents"]}
    assert documents["return-policy"]["mandatory"] is True
    assert documents["posted-notice"]["mandatory"] is False
    assert client.post(f"{API}/schemes/", {}, format="json").status_code == 405


# Merchants: self-registration and profile.


def test_consumer_registers_a_merchant(consumer):
    response = api(consumer).post(f"{API}/merchants/", merchant_payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    merchant = Merchant.objects.get(pk=body["id"])
    assert body["region"] == "330106" and body["city"] == "330100"
    assert body["permits"] == [
        {"permit_type": "food_business", "number": "JY1330106001", "valid_until": "2030-06-30"}
    ]
    assert merchant.memberships.get().user == consumer
    assert merchant.memberships.get().role == Membership.Role.OWNER
    consumer.refresh_from_db()
    assert consumer.role == User.Role.MERCHANT


def _with_wrong_check_digit(uscc: str) -> str:
    return uscc[:-1] + ("1" if uscc[-1] != "1" else "2")


@pytest.mark.parametrize(
    ("uscc", "phrase"),
    [
        ("91330106MA2", "has 18 characters"),
        (_with_wrong_check_digit(build_uscc("330106", 77_000_001)), "check digit"),
        ("91330106MA2CIOSVZ8", "cannot have"),
    ],
)
def test_bad_uscc_is_refused_with_the_reason(consumer, uscc, phrase):
    response = api(consumer).post(f"{API}/merchants/", merchant_payload(uscc=uscc), format="json")
    assert response.status_code == 400
    assert phrase in " ".join(response.json()["uscc"])
    assert not Merchant.objects.exists()


def test_duplicate_uscc_is_refused_with_how_to_get_access(consumer, merchant):
    before = Merchant.objects.count()
    response = api(consumer).post(
        f"{API}/merchants/", merchant_payload(uscc=merchant.uscc), format="json"
    )
    assert response.status_code == 400
    assert "ask its owner to invite you" in " ".join(response.json()["uscc"])
    assert Merchant.objects.count() == before
    assert not consumer.memberships.exists()


def test_register_in_a_city_is_refused(consumer):
    response = api(consumer).post(
        f"{API}/merchants/", merchant_payload(region="330100"), format="json"
    )
    assert response.status_code == 400
    assert "county" in errors(response)
    assert not Merchant.objects.exists()


def test_licence_ending_before_it_starts_is_a_400(consumer):
    response = api(consumer).post(
        f"{API}/merchants/",
        merchant_payload(licence_valid_from="2022-01-01", licence_valid_until="2021-01-01"),
        format="json",
    )
    assert response.status_code == 400
    assert "licence_valid_until" in response.json()


def test_owner_updates_profile_and_permits(owner, merchant):
    PermitFactory(merchant=merchant)
    response = api(owner).patch(
        f"{API}/merchants/{merchant.pk}/",
        {
            "contact_phone": "13900000000",
            "permits": [{"permit_type": "other", "number": "X-1", "valid_until": "2031-01-01"}],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    merchant.refresh_from_db()
    assert merchant.contact_phone == "13900000000"
    assert list(merchant.permits.values_list("number", flat=True)) == ["X-1"]
    assert response.json()["permits"][0]["number"] == "X-1"


def test_staff_member_cannot_edit_the_profile_but_can_declare(merchant):
    staff = MembershipFactory(merchant=merchant, role=Membership.Role.STAFF).user
    client = api(staff)
    assert (
        client.patch(f"{API}/merchants/{merchant.pk}/", {"name": "x"}, format="json").status_code
        == 403
    )
    response = client.post(
        f"{API}/declarations/",
        {"merchant": merchant.pk, "scheme": "assured-unit"},
        format="json",
    )
    assert response.status_code == 201


@pytest.mark.parametrize("path", ["/merchants/abc/", "/declarations/abc/", "/regions/33/"])
def test_malformed_ids_are_404(admin_user, path):
    assert api(admin_user).get(API + path).status_code == 404


def test_put_is_not_offered(owner, merchant):
    response = api(owner).put(f"{API}/merchants/{merchant.pk}/", merchant_payload(), format="json")
    assert response.status_code == 405


# Declarations: the workflow through the API.


def test_owner_creates_a_declaration(owner, merchant):
    response = api(owner).post(
        f"{API}/declarations/", {"merchant": merchant.pk, "scheme": "assured-unit"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft"
    assert body["merchant"] == merchant.pk and body["scheme"] == "assured-unit"
    assert [(e["actor"], e["from_state"], e["to_state"]) for e in body["events"]] == [
        ("alice", "", "draft")
    ]
    assert any("Commitment not accepted" in item for item in body["missing_items"])


def test_second_open_declaration_is_refused(owner, merchant, draft):
    response = api(owner).post(
        f"{API}/declarations/", {"merchant": merchant.pk, "scheme": "assured-unit"}, format="json"
    )
    assert response.status_code == 400
    assert "already has an open declaration" in errors(response)
    assert Declaration.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("other_owner", 404),
        ("consumer", 404),
        ("other_county_regulator", 404),
        ("county_regulator", 403),
        ("admin_user", 403),
    ],
)
def test_only_members_create_declarations(request, merchant, other_merchant, who, expected):
    response = api(request.getfixturevalue(who)).post(
        f"{API}/declarations/", {"merchant": merchant.pk, "scheme": "assured-unit"}, format="json"
    )
    assert response.status_code == expected
    assert not Declaration.objects.exists()


def test_declaration_for_unknown_scheme_is_a_400(owner, merchant):
    response = api(owner).post(
        f"{API}/declarations/", {"merchant": merchant.pk, "scheme": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "scheme" in response.json()


def test_patch_sets_commitments_and_details(owner, merchant):
    declaration = declaration_create(
        actor=owner, merchant=merchant, scheme=scheme("no-reason-return")
    )
    response = api(owner).patch(
        f"{API}/declarations/{declaration.pk}/",
        {
            "commitments": ["return-window", "refund-promptly"],
            "details": {"return_days": 15, "goods_covered": "服装", "cross_store_returns": True},
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted(body["accepted_commitments"]) == ["refund-promptly", "return-window"]
    assert body["details"]["return_days"] == 15
    assert body["details"]["cross_store_returns"] is True
    # Omitted fields keep their value.
    response = api(owner).patch(
        f"{API}/declarations/{declaration.pk}/", {"commitments": ["return-window"]}, format="json"
    )
    assert response.json()["details"]["return_days"] == 15
    assert response.json()["accepted_commitments"] == ["return-window"]


def test_patch_refuses_a_short_return_window_and_unknown_codes(owner, merchant):
    declaration = declaration_create(
        actor=owner, merchant=merchant, scheme=scheme("no-reason-return")
    )
    client = api(owner)
    url = f"{API}/declarations/{declaration.pk}/"
    short = client.patch(url, {"details": {"return_days": 3}}, format="json")
    assert short.status_code == 400
    assert "at least 7 days" in errors(short)
    unknown = client.patch(url, {"commitments": ["honest-pricing"]}, format="json")
    assert unknown.status_code == 400
    assert "honest-pricing" in errors(unknown)
    assert not declaration.accepted_commitments.exists()


def test_district_members_by_id(owner, merchant, other_merchant):
    third = MerchantFactory()
    declaration = declaration_create(
        actor=owner, merchant=merchant, scheme=scheme("assured-district")
    )
    client = api(owner)
    url = f"{API}/declarations/{declaration.pk}/"
    response = client.patch(url, {"member_merchants": [other_merchant.pk, third.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert sorted(response.json()["member_merchants"]) == sorted([other_merchant.pk, third.pk])
    missing = client.patch(url, {"member_merchants": [999_999]}, format="json")
    assert missing.status_code == 400
    assert "999999" in errors(missing)


def test_upload_a_document(owner, draft):
    response = api(owner).post(
        f"{API}/declarations/{draft.pk}/documents/",
        {"required_document": "business-licence", "file": pdf_upload("执照.pdf")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    document = DeclarationDocument.objects.get(pk=response.json()["id"])
    assert document.content_type == "application/pdf"
    assert response.json()["name"] == "执照.pdf"
    assert response.json()["required_document"] == "business-licence"
    detail = api(owner).get(f"{API}/declarations/{draft.pk}/").json()
    assert [d["id"] for d in detail["documents"]] == [document.pk]


def test_upload_with_wrong_content_is_refused(owner, draft):
    fake = SimpleUploadedFile(
        "licence.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    response = api(owner).post(
        f"{API}/declarations/{draft.pk}/documents/",
        {"required_document": "business-licence", "file": fake},
        format="multipart",
    )
    assert response.status_code == 400
    assert "not a PDF, JPEG or PNG" in " ".join(response.json()["file"])
    assert not DeclarationDocument.objects.exists()


def test_upload_for_a_document_the_scheme_does_not_ask_for(owner, draft):
    response = api(owner).post(
        f"{API}/declarations/{draft.pk}/documents/",
        {"required_document": "return-policy", "file": pdf_upload()},
        format="multipart",
    )
    assert response.status_code == 400
    assert "required_document" in response.json()
    assert not DeclarationDocument.objects.exists()


def test_submit_runs_screening(owner, complete_draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(owner).post(f"{API}/declarations/{complete_draft.pk}/submit/")
    assert response.status_code == 200, response.content
    complete_draft.refresh_from_db()
    assert complete_draft.state == Declaration.State.PENDING_REVIEW
    detail = api(owner).get(f"{API}/declarations/{complete_draft.pk}/").json()
    assert [e["to_state"] for e in detail["events"]] == [
        "draft",
        "submitted",
        "screening",
        "pending_review",
    ]
    assert detail["events"][1]["actor"] == "alice"
    assert detail["events"][2]["actor"] is None
    assert detail["missing_items"] == []
    # Submitted content is frozen.
    frozen = api(owner).patch(
        f"{API}/declarations/{complete_draft.pk}/", {"commitments": []}, format="json"
    )
    assert frozen.status_code == 400


def test_submit_with_a_missing_commitment_is_refused(owner, complete_draft):
    codes = list(complete_draft.scheme.commitments.values_list("code", flat=True))
    client = api(owner)
    client.patch(
        f"{API}/declarations/{complete_draft.pk}/", {"commitments": codes[1:]}, format="json"
    )
    response = client.post(f"{API}/declarations/{complete_draft.pk}/submit/")
    assert response.status_code == 400
    assert "Commitment not accepted" in errors(response)
    complete_draft.refresh_from_db()
    assert complete_draft.state == Declaration.State.DRAFT


def test_withdraw_twice_is_refused(owner, draft):
    client = api(owner)
    url = f"{API}/declarations/{draft.pk}/withdraw/"
    first = client.post(url, {"reason": "wrong scheme"}, format="json")
    assert first.status_code == 200
    assert first.json()["state"] == "withdrawn"
    assert first.json()["events"][-1]["reason"] == "wrong scheme"
    second = client.post(url, {}, format="json")
    assert second.status_code == 400
    assert "cannot become" in errors(second)
    assert draft.events.count() == 2


def test_withdrawn_declaration_makes_room_for_a_new_one(owner, merchant, draft):
    client = api(owner)
    client.post(f"{API}/declarations/{draft.pk}/withdraw/", {}, format="json")
    response = client.post(
        f"{API}/declarations/", {"merchant": merchant.pk, "scheme": "assured-unit"}, format="json"
    )
    assert response.status_code == 201


# Query counts stay constant: 60 rows, a fixed bound.

ROWS = 60


@pytest.fixture
def many_merchants(owner) -> list[Merchant]:
    merchants = MerchantFactory.create_batch(ROWS, region=region("330106"))
    for m in merchants:
        MembershipFactory(user=owner, merchant=m)
        PermitFactory(merchant=m)
        PermitFactory(merchant=m, permit_type=Permit.Type.OTHER)
        DeclarationFactory(merchant=m, created_by=owner)
    return merchants


@pytest.mark.parametrize("who", ["owner", "county_regulator", "city_regulator", "admin_user"])
def test_merchant_list_query_count(request, many_merchants, who, django_assert_max_num_queries):
    client = api(request.getfixturevalue(who))
    with django_assert_max_num_queries(4):
        response = client.get(f"{API}/merchants/", {"page_size": 100})
    assert len(response.json()["results"]) == ROWS


@pytest.mark.parametrize("who", ["owner", "county_regulator", "city_regulator", "admin_user"])
def test_declaration_list_query_count(request, many_merchants, who, django_assert_max_num_queries):
    client = api(request.getfixturevalue(who))
    with django_assert_max_num_queries(4):
        response = client.get(f"{API}/declarations/", {"page_size": 100})
    assert len(response.json()["results"]) == ROWS


def test_region_and_scheme_lists_query_count(consumer, django_assert_max_num_queries):
    client = api(consumer)
    with django_assert_max_num_queries(2):
        assert len(client.get(f"{API}/regions/", {"page_size": 200}).json()["results"]) > 60
    with django_assert_max_num_queries(4):
        assert client.get(f"{API}/schemes/").json()["count"] >= 5


def test_declaration_detail_query_count(owner, complete_draft, django_assert_max_num_queries):
    client = api(owner)
    with django_assert_max_num_queries(12):
        assert client.get(f"{API}/declarations/{complete_draft.pk}/").status_code == 200


# Token authentication.


def test_token_auth(owner, merchant, other_merchant):
    anonymous = APIClient()
    response = anonymous.post(
        f"{API}/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert AuthToken.objects.get(token_key=token[:15]).user == owner

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert _ids(client.get(f"{API}/merchants/")) == {merchant.pk}
    assert client.get(f"{API}/merchants/{other_merchant.pk}/").status_code == 404

    wrong = anonymous.post(
        f"{API}/auth/token/", {"username": "alice", "password": "wrong"}, format="json"
    )
    assert wrong.status_code == 400
    assert "token" not in wrong.json()

    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token nonsense")
    assert bad.get(f"{API}/merchants/").status_code == 401


# Schema and docs.


def test_schema_is_valid_and_lists_the_endpoints(db):
    from drf_spectacular.validation import validate_schema

    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/regions/",
        "/api/v1/schemes/{code}/",
        "/api/v1/merchants/{id}/",
        "/api/v1/declarations/{id}/documents/",
        "/api/v1/declarations/{id}/submit/",
        "/api/v1/declarations/{id}/withdraw/",
    ):
        assert path in schema["paths"]


def test_schema_generates_without_warnings(db, tmp_path):
    """Warnings hide real problems (clashing enum names, unannotated views): none allowed."""
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert (tmp_path / "schema.yml").read_text().startswith("openapi:")


EXTERNAL_URL = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}""", re.IGNORECASE)


def test_docs_load_nothing_from_outside(db):
    client = APIClient()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert not EXTERNAL_URL.search(html), EXTERNAL_URL.search(html)
    assert "/static/drf_spectacular_sidecar/" in html
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert not EXTERNAL_URL.search(script.content.decode())
    assert '"validatorUrl": null' in script.content.decode()


def test_list_dates_are_iso(owner, merchant):
    body = api(owner).get(f"{API}/merchants/{merchant.pk}/").json()
    assert body["licence_valid_from"] == date(2020, 1, 1).isoformat()
