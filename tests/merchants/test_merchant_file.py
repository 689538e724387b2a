"""One file per merchant (一户一档, issue 16 point 4): every section and one timeline on one page,
the same content as JSON (page download and API); the regulators who reach the merchant see
everything, its people their own copy, anyone else a 404."""

import json
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints.services.complaints import (
    complaint_accept,
    complaint_accept_proposal,
    complaint_propose,
)
from complaints.services.return_calls import complaint_return_call_record
from merchants.models import AuditEntry, Membership, Pool, User
from ratings.models import Evaluation, EvaluationPolicy, Nomination, WarningRectification
from review.models import InspectionAssignment, InspectionState, ScreeningCheck, ScreeningRun
from review.services.patrols import patrol_record
from tests.conftest import api, client_for
from tests.factories import (
    AppealFactory,
    ComplaintFactory,
    DeclarationEventFactory,
    DeclarationFactory,
    InspectionFactory,
    MembershipFactory,
    PenaltyRecordFactory,
    PermitFactory,
    PoolChangeFactory,
    RegistryRecordFactory,
    RegulatorFactory,
    StandingFactory,
    UserFactory,
    region,
    scheme,
)

PHONE = "13912345678"
EMAIL = "wang@example.com"
# What the merchant's people never see, each planted where the regulators' copy shows it.
FORBIDDEN = {
    "full phone": PHONE,
    "e-mail": EMAIL,
    "unaccepted complaint": "NOT-YET-ACCEPTED-COMPLAINT",
    "inspection notes": "INTERNAL-INSPECTION-NOTE",
    "coordinator's visit": "PATROL-FINDING-SECRET",
    "return call notes": "RETURN-CALL-NOTE-SECRET",
    "nomination": "NOMINATION-MESSAGE-SECRET",
    "passed screening check": "PASSED-CHECK-REASON-SECRET",
    "inspector": "inspector-zhang",
}
# What both copies show.
SHARED = {
    "complaint": "ACCEPTED-COMPLAINT-TEXT",
    "findings": "CLEAN-THE-SHELVES",
    "warned check": "WARNED-CHECK-REASON",
    "appeal": "APPEAL-STATEMENT-TEXT",
    "rectification": "RECTIFICATION-REPORT-TEXT",
    "penalty": "PENALTY-DESCRIPTION",
    "permit": "JY-PERMIT-0001",
    "declaration event": "DECLARATION-REASON-TEXT",
}


@pytest.fixture
def coordinator(db) -> User:
    return UserFactory(username="coord-xihu", role=User.Role.COORDINATOR, region=region("330106"))


@pytest.fixture
def full_file(merchant, owner, county_regulator, coordinator):
    return build_full_file(
        merchant=merchant, owner=owner, regulator=county_regulator, coordinator=coordinator
    )


def build_full_file(*, merchant, owner, regulator, coordinator) -> dict:
    """A merchant with every kind of record (also used by the browser test)."""
    now = timezone.now()
    county_regulator = regulator
    handler = RegulatorFactory(username="handler-xihu", region=merchant.region)
    PermitFactory(merchant=merchant, number=SHARED["permit"])
    RegistryRecordFactory(uscc=merchant.uscc)
    PenaltyRecordFactory(uscc=merchant.uscc, description=SHARED["penalty"])
    declaration = DeclarationFactory(
        merchant=merchant, created_by=owner, scheme=scheme("assured-unit")
    )
    DeclarationEventFactory(
        declaration=declaration, to_state="submitted", reason=SHARED["declaration event"]
    )
    run = ScreeningRun.objects.create(
        declaration=declaration, outcome=ScreeningRun.Outcome.WARN, finished_at=now
    )
    ScreeningCheck.objects.create(
        run=run,
        rule="not_on_lists",
        outcome="warn",
        reason_zh=SHARED["warned check"],
        reason_en=SHARED["warned check"],
    )
    ScreeningCheck.objects.create(
        run=run,
        rule="uscc_valid",
        outcome="pass",
        reason_zh=FORBIDDEN["passed screening check"],
        reason_en=FORBIDDEN["passed screening check"],
        order=1,
    )
    complaint = ComplaintFactory(
        merchant=merchant,
        complainant_phone=PHONE,
        complainant_email=EMAIL,
        description=SHARED["complaint"],
    )
    complaint_accept(actor=handler, complaint=complaint)
    complaint.refresh_from_db()
    complaint_propose(actor=owner, complaint=complaint, proposal="全额退款")
    complaint.refresh_from_db()
    complaint_accept_proposal(complaint=complaint)
    complaint_return_call_record(
        actor=handler,
        complaint=complaint,
        called_at=timezone.now(),
        reached=True,
        satisfaction="satisfied",
        notes=FORBIDDEN["return call notes"],
    )
    ComplaintFactory(merchant=merchant, description=FORBIDDEN["unaccepted complaint"])
    inspector = RegulatorFactory(
        username=FORBIDDEN["inspector"], region=merchant.region, first_name="", last_name=""
    )
    inspection = InspectionFactory(
        merchant=merchant,
        notes=FORBIDDEN["inspection notes"],
        findings=SHARED["findings"],
        visited_at=now - timedelta(days=3),
        result="rectify",
        score=70,
        state=InspectionState.RECTIFYING,
    )
    InspectionAssignment.of(inspection, inspector_id=inspector.pk, is_lead=True).save()
    patrol_record(
        actor=coordinator,
        merchant=merchant,
        visited_on=timezone.localdate(),
        findings=FORBIDDEN["coordinator's visit"],
    )
    StandingFactory(merchant=merchant, pool=Pool.WARNING, score=58)
    Evaluation.objects.create(
        merchant=merchant,
        policy=EvaluationPolicy.current(),
        score=58,
        components={"complaints": 20, "inspections": 10, "compliance": 18, "commitments": 10},
        triggers=["score_low"],
    )
    PoolChangeFactory(
        merchant=merchant,
        from_pool=Pool.SELECTION,
        to_pool=Pool.CULTIVATION,
        reason_code="nominated",
    )
    warning = PoolChangeFactory(merchant=merchant, actor=handler)
    WarningRectification.objects.create(
        merchant=merchant, warning=warning, report=SHARED["rectification"], submitted_by=owner
    )
    AppealFactory(
        merchant=merchant,
        decision=warning,
        statement=SHARED["appeal"],
        submitted_by=owner,
    )
    Nomination.objects.create(
        uscc=merchant.uscc,
        name=merchant.name,
        region=merchant.region,
        nominated_by=county_regulator,
        merchant=merchant,
        message=FORBIDDEN["nomination"],
    )
    return {"complaint": complaint, "inspection": inspection, "declaration": declaration}


def _page(user, merchant):
    return client_for(user).get(reverse("merchant-file", args=[merchant.pk]))


def _json(user, merchant):
    return client_for(user).get(reverse("merchant-file-json", args=[merchant.pk]))


def _api(user, merchant):
    return api(user).get(f"/api/v1/merchants/{merchant.pk}/file/")


SECTIONS_FOR_ALL = {
    "permits",
    "registry_records",
    "declarations",
    "screening",
    "complaints",
    "inspections",
    "standing",
    "pool_changes",
    "evaluations",
    "warning_rectifications",
    "appeals",
    "people",
}


def test_regulator_sees_every_section_and_one_timeline(full_file, merchant, county_regulator):
    response = _json(county_regulator, merchant)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="merchant-{merchant.pk}-file.json"'
    )
    data = json.loads(response.content)
    assert data["copy"] == "regulator"
    sections = {s["name"]: s for s in data["sections"]}
    assert set(sections) == SECTIONS_FOR_ALL | {"return_calls", "patrols", "nominations"}
    for name in SECTIONS_FOR_ALL - {"people"}:
        assert sections[name]["rows"], f"{name} is empty"
    # One timeline from every section, newest first.
    times = [entry["at"] for entry in data["timeline"]]
    assert times == sorted(times, reverse=True)
    sources = {entry["section"] for entry in data["timeline"]}
    for name in (
        "registry_records",
        "declarations",
        "screening",
        "complaints",
        "return_calls",
        "inspections",
        "patrols",
        "pool_changes",
        "evaluations",
        "warning_rectifications",
        "appeals",
    ):
        assert sections[name]["title"] in sources, name
    # Rows link to the regulators' own pages of the record.
    assert len(sections["complaints"]["rows"]) == 2  # the unaccepted one too
    assert reverse("complaint-queue-detail", args=[full_file["complaint"].pk]) in {
        row["url"] for row in sections["complaints"]["rows"]
    }
    assert sections["inspections"]["rows"][0]["url"] == reverse(
        "inspection-record", args=[full_file["inspection"].pk]
    )


def _values(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)


def test_owner_copy_holds_nothing_the_owner_may_not_see(
    full_file, merchant, owner, county_regulator
):
    staff = UserFactory(username="dave", role=User.Role.MERCHANT)
    MembershipFactory(user=staff, merchant=merchant, role=Membership.Role.STAFF)
    regulator_json = _json(county_regulator, merchant).content.decode()
    regulator_page = unescape(_page(county_regulator, merchant).content.decode())
    for value in (*FORBIDDEN.values(), *SHARED.values()):
        assert value in regulator_json, value
        assert value in regulator_page, value
    for reader in (owner, staff):
        response = _json(reader, merchant)
        assert response.status_code == 200
        data = json.loads(response.content)
        assert data["copy"] == "owner"
        page = unescape(_page(reader, merchant).content.decode())
        owner_api = _api(reader, merchant).content.decode()
        for what, value in FORBIDDEN.items():
            assert value not in response.content.decode(), what
            assert value not in page, what
            assert value not in owner_api, what
        for value in SHARED.values():
            assert value in _values(data) and value in page, value
        assert full_file["complaint"].masked_phone in page
        names = {s["name"] for s in data["sections"]}
        assert names == SECTIONS_FOR_ALL  # no patrols, return calls or nominations
        [complaint] = next(s for s in data["sections"] if s["name"] == "complaints")["rows"]
        assert complaint["url"] == reverse(
            "complaint-merchant-detail", args=[full_file["complaint"].pk]
        )


def test_page_json_and_api_hold_the_same_content(full_file, merchant, county_regulator):
    data = json.loads(_json(county_regulator, merchant).content)
    from_api = _api(county_regulator, merchant).json()
    for key in ("copy", "merchant", "profile", "sections"):
        assert from_api[key] == data[key], key
    assert [(e["section"], e["text"]) for e in from_api["timeline"]] == [
        (e["section"], e["text"]) for e in data["timeline"]
    ]
    page = unescape(_page(county_regulator, merchant).content.decode())
    for section in data["sections"]:
        assert section["title"] in page
        for row in section["rows"]:
            for cell in row["cells"]:
                for line in cell.splitlines():
                    assert line in page, (section["name"], line)
    for entry in data["timeline"]:
        for line in entry["text"].splitlines():
            assert line in page, line
    for item in data["profile"]:
        assert item["value"] in page


def test_chinese_reader_gets_the_file_in_chinese(full_file, merchant, county_regulator):
    client = client_for(county_regulator)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("merchant-file", args=[merchant.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert "一户一档" in text and "投诉" in text and "时间线" in text


def test_regulators_json_download_is_audited_not_the_owners(
    full_file, merchant, owner, county_regulator
):
    _json(owner, merchant)
    _api(owner, merchant)
    _page(county_regulator, merchant)
    assert not AuditEntry.objects.filter(action="merchant.file_export").exists()
    export = f"/api/v1/merchants/{merchant.pk}/export/"
    assert client_for(owner).get(export).status_code == 200
    _json(county_regulator, merchant)
    _api(county_regulator, merchant)
    assert client_for(county_regulator).get(export).status_code == 200
    entries = AuditEntry.objects.filter(action="merchant.file_export").order_by("pk")
    assert [(e.actor, e.merchant, e.data["source"]) for e in entries] == [
        (county_regulator, merchant, "page"),
        (county_regulator, merchant, "api"),
        (county_regulator, merchant, "history-zip"),
    ]


def test_city_regulator_and_admin_see_the_regulators_copy(merchant, city_regulator, admin_user):
    for user in (city_regulator, admin_user):
        assert json.loads(_json(user, merchant).content)["copy"] == "regulator"


@pytest.mark.parametrize(
    "who", ["other_owner", "other_county_regulator", "consumer", "coordinator"]
)
def test_others_get_404(merchant, who, request):
    user = request.getfixturevalue(who)
    assert _page(user, merchant).status_code == 404
    assert _json(user, merchant).status_code == 404
    assert _api(user, merchant).status_code == 404


def test_anonymous_is_sent_to_log_in(merchant):
    for response in (_page(None, merchant), _json(None, merchant)):
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert _api(None, merchant).status_code == 401


def test_unknown_merchant_is_404(county_regulator):
    assert client_for(county_regulator).get("/merchants/999999/file/").status_code == 404


def test_file_query_count_does_not_grow_with_records(merchant, county_regulator, coordinator):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert _page(county_regulator, merchant).status_code == 200
        return len(captured)

    def add_records() -> None:
        complaint = ComplaintFactory(merchant=merchant)
        complaint_accept(actor=county_regulator, complaint=complaint)
        InspectionFactory(merchant=merchant, inspector=county_regulator)
        DeclarationEventFactory(declaration=declaration, to_state="submitted")
        ScreeningRun.objects.create(
            declaration=declaration, outcome=ScreeningRun.Outcome.PASS, finished_at=timezone.now()
        )
        PoolChangeFactory(merchant=merchant)
        patrol_record(
            actor=coordinator,
            merchant=merchant,
            visited_on=timezone.localdate(),
            findings="价目表缺失。",
        )

    declaration = DeclarationFactory(merchant=merchant, created_by=county_regulator)
    add_records()
    once = queries()
    for _ in range(5):
        add_records()
    assert queries() == once


def test_demo_merchant_file_shows_every_section(db, settings):
    """`make run`: the demo merchant DEMO_FILE_OWNER has every kind of record."""
    from demo.demo_data.cast import DEMO_FILE_CALL_NOTES, DEMO_FILE_NOTES, DEMO_FILE_OWNER
    from merchants.models import Merchant
    from tests.demo.conftest import run

    settings.DEBUG = True
    run("load_demo")
    merchant = Merchant.objects.get(memberships__user__username=DEMO_FILE_OWNER)
    regulator = User.objects.get(username="reg-xihu")
    data = json.loads(_json(regulator, merchant).content)
    sections = {s["name"]: s for s in data["sections"]}
    assert set(sections) == SECTIONS_FOR_ALL | {"return_calls", "patrols", "nominations"}
    for name in sections:
        assert sections[name]["rows"], f"{name} is empty in the demo"
    kinds = {row["cells"][0] for row in sections["registry_records"]["rows"]}
    assert kinds == {"Registry record", "Administrative penalty"}
    text = _values(data)
    assert DEMO_FILE_CALL_NOTES in text and DEMO_FILE_NOTES in text
    owner = User.objects.get(username=DEMO_FILE_OWNER)
    owners = _json(owner, merchant).content.decode()
    assert DEMO_FILE_CALL_NOTES not in owners and DEMO_FILE_NOTES not in owners
    assert _page(owner, merchant).status_code == _page(regulator, merchant).status_code == 200


def test_pages_that_name_the_merchant_link_its_file_where_the_reader_may_open_it(
    full_file, merchant, owner, county_regulator, coordinator
):
    file_url = reverse("merchant-file", args=[merchant.pk])
    complaint = full_file["complaint"]
    for user, pages in (
        (
            county_regulator,
            [
                reverse("regulator-merchants"),
                reverse("merchant-detail", args=[merchant.pk]),
                reverse("complaint-queue"),
                reverse("complaint-queue-detail", args=[complaint.pk]),
                reverse("pool-browser"),
                reverse("pool-merchant", args=[merchant.pk]),
                reverse("appeal-queue"),
            ],
        ),
        (
            owner,
            [
                reverse("merchant-detail", args=[merchant.pk]),
                reverse("standing-merchant", args=[merchant.pk]),
                reverse("complaint-merchant-detail", args=[complaint.pk]),
                reverse("declaration-detail", args=[full_file["declaration"].pk]),
            ],
        ),
    ):
        for page in pages:
            response = client_for(user).get(page)
            assert response.status_code == 200, page
            assert file_url in response.content.decode(), page
    # A coordinator sees the merchant (its page, their visit) but may not open its file.
    page = client_for(coordinator).get(reverse("merchant-detail", args=[merchant.pk]))
    assert page.status_code == 200 and file_url not in page.content.decode()
