"""Every route of the URL resolver and every operation of the OpenAPI schema, asked by each member
of the cast, answers as tests/permission_matrix.py says (STYLE.md §9: every page and endpoint has
an outsider test). A route or operation without an entry fails, and so does an entry without one.

The cast and one world of objects are built once for the module; each route runs in its own
transaction and each request in a savepoint rolled back after it, so an action one member of the
cast takes (a claim, a logout) never changes what the next one is asked.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.schemas.generators import EndpointEnumerator
from rest_framework.test import APIClient

from complaints.models import (
    ComplaintEvidence,
    ComplaintState,
    DisclosureDate,
    DisclosureMerchantRow,
    DisclosureSnapshot,
)
from complaints.services.complaints import complaint_accept
from merchants.models import (
    CountyChangeRequest,
    Declaration,
    DeclarationDocument,
    Membership,
    Pool,
    User,
)
from merchants.services.stations import station_create
from merchants.services.tokens import api_token_create
from ratings.services.appeals import appeal_file
from ratings.services.warnings import warning_rectification_submit
from review.models import InspectionFile
from review.services.campaigns import campaign_draw
from review.services.inspections import inspection_record, rectification_submit
from review.services.patrols import patrol_record
from tests.factories import (
    PDF_BYTES,
    PNG_BYTES,
    CampaignFactory,
    ComplaintFactory,
    DeclarationFactory,
    InvitationFactory,
    MembershipFactory,
    MerchantFactory,
    NotificationFactory,
    RegulatorFactory,
    UserFactory,
    pdf_upload,
    png_upload,
    region,
    scheme,
)
from tests.permission_matrix import API, CAST, PAGES, RULES, expected
from tests.ratings.test_pool_browser import place, warn

UNSAFE_REFUSALS = {400, 409, 415}
FORMAT_SUFFIX = re.compile(r"\(\?P<format>|<drf_format_suffix:format>")
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)|\{(\w+)\}")


# The routes and operations


def _walk(patterns: list, prefix: str = "") -> list[tuple[str, str | None]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.append((prefix + str(pattern.pattern), pattern.name))
    return found


def _shape(path: str) -> str:
    """A path with its parameters unnamed: the resolver says {pk} where the schema says {id}."""
    return PARAMETER.sub("{}", path)


def schema_operations() -> list[str]:
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def resolver_pages() -> dict[str, str]:
    """Each named route outside admin/ and the API schema's operations, by name: its route."""
    in_schema = {_shape(op.split(" ", 1)[1]) for op in schema_operations()}
    to_path = EndpointEnumerator().get_path_from_regex
    pages: dict[str, str] = {}
    for route, name in _walk(get_resolver().url_patterns):
        if route.startswith("admin/") or FORMAT_SUFFIX.search(route):
            continue
        if _shape(to_path(route)) in in_schema:
            continue
        pages.setdefault(name or route, route)
    return pages


PAGE_ROUTES = resolver_pages()
OPERATIONS = schema_operations()


def test_every_route_and_operation_has_an_entry_and_every_entry_a_route():
    missing = sorted(set(PAGE_ROUTES) - set(PAGES)) + sorted(set(OPERATIONS) - set(API))
    stale = sorted(set(PAGES) - set(PAGE_ROUTES)) + sorted(set(API) - set(OPERATIONS))
    assert not missing, f"routes without an entry in tests/permission_matrix.py: {missing}"
    assert not stale, f"entries in tests/permission_matrix.py without a route: {stale}"


def test_every_rule_answers_for_the_whole_cast_and_is_used():
    used = set(PAGES.values()) | set(API.values())
    assert used == set(RULES)
    for rule in RULES:
        assert set(expected(rule)[1].values()) <= {"allow", "login", "deny", "hidden"}


# The cast and its world


@dataclass
class World:
    media: Path
    users: dict[str, User | None]
    values: dict[tuple[str, str], str]
    sessions: dict[str, SimpleCookie]


def _world(media: Path) -> World:
    owner = UserFactory(username="alice", role=User.Role.MERCHANT)
    staff = UserFactory(username="dave", role=User.Role.MERCHANT)
    other_owner = UserFactory(username="bob", role=User.Role.MERCHANT)
    consumer = UserFactory(username="carol", role=User.Role.CONSUMER)
    county = RegulatorFactory(username="reg-xihu", region=region("330106"), can_supervise=True)
    users: dict[str, User | None] = {
        "anonymous": None,
        "consumer": consumer,
        "owner": owner,
        "staff": staff,
        "other_owner": other_owner,
        "county": county,
        "other_county": RegulatorFactory(
            username="reg-binjiang", region=region("330108"), can_supervise=True
        ),
        "city": RegulatorFactory(
            username="reg-hangzhou", region=region("330100"), can_supervise=True
        ),
        "province": RegulatorFactory(
            username="reg-zhejiang", region=region("330000"), can_supervise=True
        ),
        "coordinator": UserFactory(
            username="coord-xihu", role=User.Role.COORDINATOR, region=region("330106")
        ),
        "admin": UserFactory(
            username="admin", role=User.Role.ADMIN, is_staff=True, is_superuser=True
        ),
    }
    assert tuple(users) == CAST

    merchant = MerchantFactory(name="西湖茶楼", region=region("330106"))
    MembershipFactory(user=owner, merchant=merchant, role=Membership.Role.OWNER)
    staff_membership = MembershipFactory(user=staff, merchant=merchant, role=Membership.Role.STAFF)
    other_merchant = MerchantFactory(name="滨江超市", region=region("330108"))
    MembershipFactory(user=other_owner, merchant=other_merchant, role=Membership.Role.OWNER)

    DeclarationFactory(merchant=merchant, created_by=owner, state=Declaration.State.APPROVED)
    declaration = DeclarationFactory(
        merchant=merchant,
        created_by=owner,
        scheme=scheme("no-reason-return"),
        state=Declaration.State.SUBMITTED,
    )
    document = DeclarationDocument.objects.create(
        declaration=declaration,
        required_document=declaration.scheme.required_documents.first(),
        file=ContentFile(PDF_BYTES, name="licence.pdf"),
        original_name="licence.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        uploaded_by=owner,
    )

    # Accepted below (the merchant's people see a complaint from then on), and one waiting for
    # Binjiang to take over its transfer from Xihu.
    complaint = ComplaintFactory(merchant=merchant, consumer=consumer)
    # The coordinator's own filing: they reach it (and only it) on their desk and in the API.
    filed = ComplaintFactory(merchant=merchant, lodged_by=users["coordinator"], channel="walk_in")
    transfer = ComplaintFactory(
        merchant=None,
        business_name="路边小店",
        region=region("330106"),
        state=ComplaintState.TRANSFER_PENDING,
        transfer_to=region("330108"),
    )
    evidence = ComplaintEvidence.objects.create(
        complaint=complaint,
        file=ContentFile(PNG_BYTES, name="receipt.png"),
        original_name="receipt.png",
        content_type="image/png",
        size=len(PNG_BYTES),
    )
    # Accepted and with the merchant: its people see a complaint only once it is accepted.
    complaint_accept(actor=county, complaint=complaint)

    campaign = campaign_draw(
        actor=county,
        campaign=CampaignFactory(region=region("330106"), created_by=county, sample_size=1),
    )
    inspection = campaign.inspections.get()
    # The draw picks among Xihu's inspectors at random; the visit is the county regulator's.
    inspection.assignments.update(inspector=county, is_lead=True)
    inspection_record(
        actor=county,
        inspection=inspection,
        answers={item["code"]: "no" for item in inspection.checklist},
        result="fail",
        findings="Hang the business licence where customers can see it.",
    )
    rectification_submit(
        actor=owner, inspection=inspection, report="Hung.", files=[png_upload("wall.png")]
    )
    inspection_file = InspectionFile.objects.get(inspection=inspection)

    place(merchant, Pool.STAR_RATED, stars=3, score=86)
    warning = warn(merchant)
    report = warning_rectification_submit(
        actor=owner, merchant=merchant, report="Prices marked again.", files=[pdf_upload()]
    )
    appeal = appeal_file(actor=owner, decision=warning, statement="已整改完毕。")

    published = DisclosureSnapshot.objects.create(
        disclosure_date=DisclosureDate.objects.get(date=date(2026, 3, 15)),
        period_start=date(2025, 10, 1),
        period_end=date(2026, 3, 14),
        merchant_threshold=1,
        state=DisclosureSnapshot.State.PUBLISHED,
        published_at=timezone.now(),
    )
    preview = DisclosureSnapshot.objects.create(
        disclosure_date=DisclosureDate.objects.get(date=date(2026, 5, 1)),
        period_start=date(2026, 3, 15),
        period_end=date(2026, 4, 30),
        merchant_threshold=1,
        state=DisclosureSnapshot.State.PREVIEW,
        preview_opened_on=timezone.localdate() - timedelta(days=1),
    )
    for snapshot in (published, preview):
        DisclosureMerchantRow.objects.create(
            snapshot=snapshot,
            merchant=merchant,
            merchant_name=merchant.name,
            region=merchant.region,
            **dict.fromkeys(("received", "accepted", "resolved", "timed", "on_time"), 1),
            rated=0,
            rating_sum=0,
        )
    row = preview.merchant_rows.get()
    DisclosureMerchantRow.objects.filter(pk=row.pk).update(
        merchant_flag=True, flag_comment="投诉数有误"
    )

    county_change = CountyChangeRequest.objects.create(
        merchant=merchant,
        from_region=region("330106"),
        to_region=region("330108"),
        reason="搬到滨江",
        requested_by=owner,
    )
    invitation = InvitationFactory(merchant=merchant, invited_by=owner, email="erin@example.com")
    notification = NotificationFactory(user=owner)
    token, _secret = api_token_create(user=owner)
    coordinator = users["coordinator"]
    station = station_create(
        actor=county,
        county=region("330106"),
        name="灵隐村",
        address="灵隐路1号",
        phone="0571-87654321",
        coordinators=[coordinator],
    )
    patrol = patrol_record(
        actor=coordinator,
        station=station,
        merchant=merchant,
        visited_on=timezone.localdate(),
        findings="价格未标示。",
        photos=[png_upload("shelf.png")],
    )

    pk = {
        "declarations": declaration.pk,
        "campaigns": campaign.pk,
        "inspections": inspection.pk,
        "merchant-inspections": inspection.pk,
        "merchants": merchant.pk,
        "pools": merchant.pk,
        "standings": merchant.pk,
        "rectifications": report.pk,
        "appeals": appeal.pk,
        "complaints": complaint.pk,
        "transfers": transfer.pk,
        "merchant": complaint.pk,
        "queue": complaint.pk,
        "filed": filed.pk,
        "evidence": evidence.pk,
        "preview": row.pk,
        "disclosure-preview": row.pk,
        "flags": row.pk,
        "disclosure-flags": row.pk,
        "disclosures": published.pk,
        "inbox": notification.pk,
        "county-changes": county_change.pk,
        "stations": station.pk,
        "patrols": patrol.pk,
    }
    values = {(segment, name): str(value) for segment, value in pk.items() for name in ("pk", "id")}
    values |= {
        ("merchants", "merchant_pk"): str(merchant.pk),
        ("pools", "merchant_pk"): str(merchant.pk),
        ("standings", "merchant_pk"): str(merchant.pk),
        ("appeal", "change_pk"): str(warning.pk),
        ("files", "pk"): str(report.files.get().pk),
        ("files", "file_pk"): str(inspection_file.pk),
        ("evidence", "evidence_pk"): str(evidence.pk),
        ("t", "token"): complaint.tracking_token,
        ("track", "token"): complaint.tracking_token,
        ("tokens", "key"): token.token_key,
        ("invitations", "invitation_pk"): str(invitation.pk),
        ("invitations", "token"): invitation.token,
        ("members", "membership_pk"): str(staff_membership.pk),
        ("documents", "doc_pk"): str(document.pk),
        ("photos", "photo_pk"): str(patrol.photos.get().pk),
        ("county-changes", "request_pk"): str(county_change.pk),
        ("s", "public_code"): merchant.public_code,
        ("figures", "public_code"): merchant.public_code,
        ("merchants", "public_code"): merchant.public_code,
        ("reset", "uidb64"): "MQ",
        ("reset", "token"): "set-password",
        ("feeds", "source"): "registry",
        ("regions", "code"): "330106",
        ("schemes", "code"): declaration.scheme.code,
    }
    sessions = {}
    for who, user in users.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        sessions[who] = client.cookies
    return World(media=media, users=users, values=values, sessions=sessions)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once in a transaction that is rolled back when the module ends."""
    media = tmp_path_factory.mktemp("matrix-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        yield _world(media)
        transaction.set_rollback(True)


def fill(route: str, values: dict[tuple[str, str], str]) -> str:
    """The route with each parameter replaced by the id of the object its segment names."""
    parts = []
    segment = ""
    for part in route.strip("/^$").split("/"):
        match = PARAMETER.search(part)
        if match:
            name = next(group for group in match.groups() if group)
            key = (segment, name)
            assert key in values, f"no object for {name} after {segment}/ in {route}"
            part = part[: match.start()] + values[key] + part[match.end() :]
        else:
            segment = part
        parts.append(part)
    path = "/" + "/".join(parts)
    return path + "/" if route.rstrip("$").endswith("/") and path != "/" else path


# Asking


def outcome(response: HttpResponse, method: str) -> str:
    code = response.status_code
    if code in (301, 302, 303) and urlparse(response["Location"]).path == reverse("login"):
        return "login"
    if code == 401:
        return "login"
    if code == 403:
        return "deny"
    if code == 404:
        return "hidden"
    if code < 400 or (method != "GET" and code in UNSAFE_REFUSALS):
        return "allow"
    return f"HTTP {code}"


def _client(world: World, who: str, api: bool) -> Client:
    if api:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if world.users[who] is not None:
            client.force_authenticate(world.users[who])
    else:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.cookies = SimpleCookie()
        client.cookies.load({k: v.value for k, v in world.sessions[who].items()})
    client.raise_request_exception = False
    return client


def send(client: Client, method: str, path: str, api: bool) -> HttpResponse:
    """A read, or a write with an empty body: enough to get the permission's answer."""
    if method in {"GET", "DELETE"}:
        return client.generic(method, path)
    if api:
        return client.generic(method, path, "{}", content_type="application/json")
    return client.post(path, {})


def ask(world: World, who: str, method: str, path: str, api: bool) -> tuple[str, str]:
    """What `who` gets; a page that takes only POST (405 to a GET) is asked with a POST."""
    client = _client(world, who, api)
    with transaction.atomic():
        response = send(client, method, path, api)
        if response.status_code == 405 and method == "GET" and not api:
            method = "POST"
            response = send(client, method, path, api)
        transaction.set_rollback(True)
    return method, outcome(response, method)


def _check(world: World, settings, key: str, method: str, path: str, api: bool) -> None:
    settings.MEDIA_ROOT = world.media
    cache.clear()
    rule, want = expected(PAGES[key] if not api else API[key])
    wrong = []
    for who in CAST:
        sent, got = ask(world, who, method, path, api)
        if got != want[who]:
            wrong.append(f"{who}: {sent} {path} answered {got}, the rule {rule!r} says {want[who]}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", sorted(PAGE_ROUTES))
def test_page(name, world, db, settings):
    route = PAGE_ROUTES[name]
    _check(world, settings, name, "GET", fill(route, world.values), api=False)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_operation(operation, world, db, settings):
    method, path = operation.split(" ", 1)
    _check(world, settings, operation, method, fill(path, world.values), api=True)
