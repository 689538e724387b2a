"""The complaint API through the front door: intake, tracking by token, the desks, the outsiders."""

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from common.models import OutboxItem
from complaints.api.serializers import IntakeSerializer
from complaints.models import Complaint, ComplaintEvidence
from complaints.models import ComplaintState as C
from complaints.services import complaints as svc
from merchants.models import Notification, User
from tests.complaints.statements import statements_run
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory, png_upload, region

pytestmark = pytest.mark.django_db

INTAKE = "/api/v1/complaints/intake/"
PHONE = "13812341234"
EMAIL = "liu@example.com"


def _form(target, **overrides) -> dict:
    return {
        "merchant": target.public_code,
        "category": "refund_refused",
        "description": "购买的茶叶未拆封, 七日内要求退货被拒绝。",
        "wanted_outcome": "退货退款",
        "amount": "268.00",
        "purchase_date": "2026-11-20",
        "complainant_name": "刘女士",
        "complainant_phone": PHONE,
        "complainant_email": EMAIL,
        "consent_to_contact": True,
    } | overrides


def _lodge(merchant, **overrides) -> Complaint:
    data = {
        "merchant": merchant,
        "category": "quality",
        "description": "茶叶发霉",
        "wanted_outcome": "退款",
        "complainant_name": "刘女士",
        "complainant_phone": PHONE,
        "complainant_email": EMAIL,
        "amount": Decimal("50.00"),
        "purchase_date": date(2026, 11, 20),
    }
    return svc.complaint_submit(**(data | overrides))


@pytest.fixture
def complaint(merchant) -> Complaint:
    return _lodge(merchant)


def _url(complaint: Complaint, action: str = "") -> str:
    return f"/api/v1/complaints/{complaint.pk}/" + (f"{action}/" if action else "")


def _track(complaint: Complaint, action: str = "") -> str:
    return f"/api/v1/complaints/track/{complaint.tracking_token}/" + (
        f"{action}/" if action else ""
    )


# Intake


def test_intake_returns_201_with_the_tracking_token(merchant):
    response = client_for(None).post(INTAKE, _form(merchant), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    complaint = Complaint.objects.get()
    assert body["tracking_token"] == complaint.tracking_token
    assert body["tracking_url"].endswith(f"/api/v1/complaints/track/{complaint.tracking_token}/")
    assert complaint.merchant == merchant and complaint.region_id == "330106"
    assert complaint.submitted_ip == "127.0.0.1" and complaint.complainant_email == EMAIL


def test_intake_takes_a_fixed_handful_of_statements(merchant, county_regulator):
    """Intake (issue 17): the merchant, the limits' read, then in one transaction the complaint
    with its number and its event (one statement on PostgreSQL: the counter's upsert and both
    INSERTs; on SQLite four), the standing marked, the handlers and their inbox message, every
    side effect in one outbox INSERT (store page, mail, SMS, the handler's mail) and the limits'
    count — whatever the day's volume, so it cannot creep back."""
    client = client_for(None)
    assert client.post(INTAKE, _form(merchant), content_type="application/json").status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            INTAKE,
            _form(merchant, complainant_phone="13912345678"),
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    sqls = [sql for sql in statements_run(queries) if not sql.startswith(("SAVEPOINT", "RELEASE"))]
    sqls = [sql for sql in sqls if sql not in ("BEGIN", "COMMIT")]
    assert len(sqls) == (8 if connection.vendor == "postgresql" else 11), sqls
    outbox = [sql for sql in sqls if sql.startswith('INSERT INTO "common_outboxitem"')]
    assert len(outbox) == 1
    complaint = Complaint.objects.get(tracking_token=response.json()["tracking_token"])
    kinds = OutboxItem.objects.filter(created_at__gte=complaint.created_at).values_list(
        "kind", flat=True
    )
    assert sorted(kinds) == ["mail", "notification-mail", "sms", "store-pages-forget"]
    assert complaint.number.endswith("-000002")
    assert Notification.objects.filter(user=county_regulator).count() == 2


def test_intake_refusals_are_worded_as_a_new_serializer_words_them(merchant):
    """Valid input is read by one serializer kept per process (issue 17); what it refuses is
    read again by a new one: the same errors, also right after a valid intake and in either
    language, and the kept serializer carries nothing from one request to the next."""
    client = client_for(None)
    assert client.post(INTAKE, _form(merchant), content_type="application/json").status_code == 201
    bad = _form(
        merchant,
        merchant="NOSUCHCODE",
        category="nope",
        amount="-1",
        complainant_phone="123",
        channel="hotline",
        description="",
    )
    for language in ("en", "zh-hans"):
        response = client.post(
            INTAKE, bad, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
        )
        with translation.override(language):
            fresh = IntakeSerializer(data=bad)
            assert not fresh.is_valid()
            expected = json.loads(json.dumps(fresh.errors))
        assert response.status_code == 400 and response.json() == expected
        assert set(expected) == {
            "merchant",
            "category",
            "amount",
            "complainant_phone",
            "description",
        }
    other = _form(merchant, complainant_phone="13912340000", channel="qr")
    response = client.post(INTAKE, other, content_type="application/json")
    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get(tracking_token=response.json()["tracking_token"])
    assert complaint.channel == "qr" and complaint.complainant_phone == "13912340000"


def test_intake_by_uscc_with_evidence_as_multipart(merchant):
    data = _form(merchant, merchant=merchant.uscc, evidence=[png_upload(), png_upload("b.png")])
    response = client_for(None).post(INTAKE, data)
    assert response.status_code == 201, response.content
    assert Complaint.objects.get().evidence.count() == 2


def _form_base() -> dict:
    return {
        "category": "quality",
        "description": "水果变质",
        "wanted_outcome": "退款",
        "complainant_name": "刘女士",
        "complainant_phone": PHONE,
    }


def test_intake_for_a_business_not_on_the_platform(db):
    data = _form_base() | {
        "business_name": "路边水果摊",
        "business_address": "文三路口",
        "county": "330106",
    }
    response = client_for(None).post(INTAKE, data, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Complaint.objects.get().business_display == "路边水果摊"


def test_intake_for_an_unknown_business_needs_a_county(db):
    data = _form_base() | {"business_name": "路边水果摊"}
    response = client_for(None).post(INTAKE, data, content_type="application/json")
    assert response.status_code == 400 and "Name the business" in response.content.decode()


def test_intake_unknown_merchant_code_is_400(db):
    data = {**_form_base(), "merchant": "no-such-code"}
    response = client_for(None).post(INTAKE, data, content_type="application/json")
    assert response.status_code == 400 and "merchant" in response.json()
    assert not Complaint.objects.exists()


def test_bad_evidence_is_400_and_nothing_is_saved(merchant, settings):
    fake = SimpleUploadedFile("receipt.pdf", b"this is not a pdf", "application/pdf")
    response = client_for(None).post(INTAKE, _form(merchant, evidence=[png_upload(), fake]))
    assert response.status_code == 400
    assert "not a PDF" in response.content.decode()
    assert not Complaint.objects.exists() and not ComplaintEvidence.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_intake_limit_is_429_with_the_message(merchant, settings):
    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 1, "day": 20}
    client = client_for(None)
    assert client.post(INTAKE, _form(merchant), content_type="application/json").status_code == 201
    response = client.post(INTAKE, _form(merchant), content_type="application/json")
    assert response.status_code == 429
    assert "Too many complaints" in response.json()["detail"]
    assert Complaint.objects.count() == 1


def test_intake_needs_no_csrf_token_when_anonymous(merchant):
    client = client_for(None)
    client.handler.enforce_csrf_checks = True
    response = client.post(INTAKE, _form(merchant), content_type="application/json")
    assert response.status_code == 201


# Tracking by token


def test_track_unknown_token_is_404(complaint):
    response = client_for(None).get("/api/v1/complaints/track/" + "x" * 32 + "/")
    assert response.status_code == 404
    response = client_for(None).post("/api/v1/complaints/track/" + "x" * 32 + "/withdraw/")
    assert response.status_code == 404


def test_track_shows_state_deadlines_and_timeline_but_no_contact(complaint):
    response = client_for(None).get(_track(complaint))
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == C.SUBMITTED and body["accept_due"]
    assert [e["to_state"] for e in body["timeline"]] == [C.SUBMITTED]
    assert PHONE not in response.content.decode() and EMAIL not in response.content.decode()


def test_consumer_flow_by_token(complaint, county_regulator, owner):
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    svc.complaint_propose(actor=owner, complaint=complaint, proposal="全额退款50元")
    client = client_for(None)
    client.handler.enforce_csrf_checks = True
    body = client.get(_track(complaint)).json()
    assert body["state"] == C.PROPOSED and body["proposal"] == "全额退款50元"

    response = client.post(
        _track(complaint, "message"), {"text": "请尽快退款"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["timeline"][-1]["text"] == "请尽快退款"
    assert response.json()["timeline"][-1]["role"] == "consumer"

    response = client.post(_track(complaint, "accept-proposal"))
    assert response.status_code == 200 and response.json()["state"] == C.SETTLED

    response = client.post(
        _track(complaint, "rate"), {"rating": 5, "comment": "及时"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["rating"] == 5
    response = client.post(_track(complaint, "rate"), {"rating": 4}, "application/json")
    assert response.status_code == 400 and "already been rated" in response.content.decode()

    response = client.post(
        _track(complaint, "reopen"), {"text": "未退款"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["state"] == C.MEDIATION


def test_consumer_rejects_proposal_and_withdraws(complaint, county_regulator, owner):
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    svc.complaint_propose(actor=owner, complaint=complaint, proposal="退款一半")
    client = client_for(None)
    response = client.post(_track(complaint, "reject-proposal"), {"text": ""}, "application/json")
    assert response.status_code == 400
    response = client.post(
        _track(complaint, "reject-proposal"), {"text": "要全额"}, "application/json"
    )
    assert response.status_code == 200 and response.json()["state"] == C.MEDIATION
    response = client.post(_track(complaint, "withdraw"), {}, "application/json")
    assert response.status_code == 200 and response.json()["state"] == C.WITHDRAWN
    response = client.post(_track(complaint, "accept-proposal"))
    assert response.status_code == 400


# The desks: masking


def test_merchant_never_receives_the_raw_phone_or_email(complaint, owner, county_regulator):
    client = client_for(owner)
    assert client.get(_url(complaint)).status_code == 404  # not accepted yet: not theirs to see
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    responses = [client.get("/api/v1/complaints/"), client.get(_url(complaint))]
    responses.append(
        client.post(_url(complaint, "propose"), {"proposal": "退款"}, "application/json")
    )
    responses.append(client.post(_url(complaint, "message"), {"text": "好的"}, "application/json"))
    for response in responses:
        assert response.status_code == 200, response.content
        text = response.content.decode()
        assert PHONE not in text and EMAIL not in text
        assert "*******1234" in text
    assert responses[0].json()["results"][0]["email"] == ""


def test_regulator_sees_the_full_contact(complaint, county_regulator):
    body = client_for(county_regulator).get(_url(complaint)).json()
    assert body["phone"] == PHONE and body["email"] == EMAIL


# The desks: scope


def test_list_is_scoped(complaint, owner, other_owner, county_regulator, city_regulator):
    other = _lodge(
        None, business_name="滨江小店", region=region("330108"), complainant_phone="13900000001"
    )

    def ids(user):
        return {row["id"] for row in client_for(user).get("/api/v1/complaints/").json()["results"]}

    # The merchant's people see a complaint once the regulator accepted it.
    assert ids(owner) == set()
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    assert ids(owner) == {complaint.pk}
    assert ids(other_owner) == set()
    assert ids(county_regulator) == {complaint.pk}
    assert ids(city_regulator) == {complaint.pk, other.pk}


def test_list_filters(complaint, county_regulator):
    Complaint.objects.filter(pk=complaint.pk).update(is_overdue=True)
    client = client_for(county_regulator)

    def count(query: str) -> int:
        return client.get("/api/v1/complaints/?" + query).json()["count"]

    assert count("state=submitted") == 1 and count("state=settled") == 0
    assert count("category=quality") == 1 and count("category=price") == 0
    assert count("county=330106") == 1 and count("county=330108") == 0
    assert count("county=330100") == 1
    assert count("overdue=true") == 1 and count("overdue=false") == 0


def test_anonymous_gets_401(complaint):
    assert client_for(None).get("/api/v1/complaints/").status_code == 401


ACTIONS = [
    ("accept", {}),
    ("decline", {"ground": "too_old"}),
    ("settle", {"agreement": "退款"}),
    ("fail", {"text": "未达成"}),
    ("propose", {"proposal": "退款"}),
    ("dispute", {"text": "不同意"}),
    ("message", {"text": "你好"}),
]


@pytest.mark.parametrize("outsider", ["other_owner", "other_county_regulator", "consumer"])
def test_outsider_gets_404(complaint, outsider, request):
    client = client_for(request.getfixturevalue(outsider))
    assert client.get(_url(complaint)).status_code == 404
    assert client.get("/api/v1/complaints/").json()["count"] == 0
    for action, data in ACTIONS:
        response = client.post(_url(complaint, action), data, content_type="application/json")
        assert response.status_code == 404, action
    complaint.refresh_from_db()
    assert complaint.state == C.SUBMITTED and complaint.events.count() == 1


def test_wrong_side_gets_403(complaint, owner, county_regulator):
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    merchant_client = client_for(owner)
    for action, data in ACTIONS[:4]:
        response = merchant_client.post(_url(complaint, action), data, "application/json")
        assert response.status_code == 403, action
    regulator_client = client_for(county_regulator)
    for action, data in ACTIONS[4:6]:
        response = regulator_client.post(_url(complaint, action), data, "application/json")
        assert response.status_code == 403, action


def test_non_numeric_pk_is_404(county_regulator):
    assert client_for(county_regulator).get("/api/v1/complaints/abc/").status_code == 404


# The desks: actions


def test_regulator_accepts_merchant_disputes_regulator_settles(complaint, county_regulator, owner):
    regulator, merchant_side = client_for(county_regulator), client_for(owner)
    response = regulator.post(_url(complaint, "accept"))
    assert response.status_code == 200 and response.json()["state"] == C.WITH_MERCHANT
    assert response.json()["merchant_due"]
    response = merchant_side.post(
        _url(complaint, "dispute"), {"text": "已按规定"}, "application/json"
    )
    assert response.status_code == 200 and response.json()["state"] == C.MEDIATION
    response = regulator.post(_url(complaint, "message"), {"text": "约谈"}, "application/json")
    assert response.json()["timeline"][-1]["role"] == "regulator"
    response = regulator.post(_url(complaint, "settle"), {"agreement": ""}, "application/json")
    assert response.status_code == 400
    response = regulator.post(
        _url(complaint, "settle"), {"agreement": "退款30元"}, "application/json"
    )
    assert response.status_code == 200 and response.json()["state"] == C.SETTLED
    assert response.json()["agreement"] == "退款30元"


def test_regulator_declines_with_a_ground(complaint, county_regulator):
    client = client_for(county_regulator)
    response = client.post(_url(complaint, "decline"), {"ground": "other"}, "application/json")
    assert response.status_code == 400 and "Explain why" in response.content.decode()
    response = client.post(_url(complaint, "decline"), {"ground": "too_old"}, "application/json")
    assert response.status_code == 200 and response.json()["state"] == C.DECLINED
    assert response.json()["decline_ground"] == "too_old"
    response = client.post(_url(complaint, "accept"))
    assert response.status_code == 400


def test_regulator_closes_failed_mediation(complaint, county_regulator):
    Complaint.objects.filter(pk=complaint.pk).update(state=C.MEDIATION)
    client = client_for(county_regulator)
    response = client.post(_url(complaint, "fail"), {"text": "双方分歧大"}, "application/json")
    assert response.status_code == 200 and response.json()["state"] == C.MEDIATION_FAILED


def test_list_query_count_is_constant(merchant, owner, county_regulator):
    for i in range(60):
        lodged = _lodge(merchant, complainant_phone=f"1390000{i:04d}")
        svc.complaint_accept(actor=county_regulator, complaint=lodged)
    for user in (county_regulator, owner):
        client = client_for(user)
        client.get("/api/v1/complaints/")  # session and user loaded once
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/complaints/?page_size=60")
        assert response.status_code == 200 and len(response.json()["results"]) == 60
        assert len(queries) <= 6, [q["sql"] for q in queries]
        masked = json.dumps(response.json()).count("****")
        assert masked == (60 if user is owner else 0)


def test_masking_is_decided_by_role(merchant, consumer, county_regulator):
    """A consumer account that also works for the merchant is one of the merchant's people: it
    holds no complaint and sees every contact masked, its own complaint included."""

    MembershipFactory(user=consumer, merchant=merchant)
    theirs = _lodge(merchant, complainant_phone="13911112222", consumer=consumer)
    other = _lodge(merchant)
    assert theirs.consumer_id is None
    for lodged in (theirs, other):
        svc.complaint_accept(actor=county_regulator, complaint=lodged)
    client = client_for(consumer)
    assert client.get(_url(theirs)).json()["phone"] == "*******2222"
    response = client.get(_url(other))
    assert response.json()["phone"] == "*******1234" and PHONE not in response.content.decode()
    listing = client.get("/api/v1/complaints/").content.decode()
    assert PHONE not in listing and "13911112222" not in listing


def test_merchant_complaint_figures_are_public_and_hold_no_personal_data(
    merchant, county_regulator, owner
):
    from rest_framework.test import APIClient

    settle = svc.complaint_submit(
        merchant=merchant,
        category="price",
        description="多收费",
        wanted_outcome="退差价",
        complainant_name="赵女士",
        complainant_phone="13600006666",
    )
    svc.complaint_accept(actor=county_regulator, complaint=settle)
    svc.complaint_propose(actor=owner, complaint=settle, proposal="退差价20元")
    svc.complaint_accept_proposal(complaint=settle)
    svc.complaint_rate(complaint=settle, rating=4)
    svc.complaint_submit(
        merchant=merchant,
        category="service",
        description="态度差",
        wanted_outcome="道歉",
        complainant_name="钱先生",
        complainant_phone="13600007777",
    )
    client = APIClient()
    response = client.get(f"/api/v1/complaints/figures/{merchant.public_code}/")
    assert response.status_code == 200
    data = response.json()
    assert (data["received"], data["accepted"], data["settled"], data["open"]) == (2, 1, 1, 1)
    assert data["resolution_rate"] == 1.0 and data["on_time_rate"] == 1.0
    assert data["average_rating"] == 4.0
    text = response.content.decode()
    assert "136000" not in text and "赵" not in text
    assert client.get("/api/v1/complaints/figures/no-such-code/").status_code == 404


# Evidence downloads and attaching to an account


@pytest.fixture
def with_evidence(merchant) -> Complaint:
    return _lodge(merchant, evidence=[png_upload("receipt.png")])


def _download(response) -> bytes:
    return b"".join(response.streaming_content)


def test_token_holder_downloads_evidence_listed_on_the_track(with_evidence):
    item = with_evidence.evidence.get()
    body = client_for(None).get(_track(with_evidence)).json()
    url = body["evidence"][0]["url"]
    assert url.endswith(_track(with_evidence, f"evidence/{item.pk}"))
    response = client_for(None).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert 'attachment; filename="receipt.png"' in response["Content-Disposition"]
    assert _download(response) == item.file.open("rb").read()


def test_evidence_needs_the_token_of_its_complaint(with_evidence, complaint):
    item = with_evidence.evidence.get()
    client = client_for(None)
    assert client.get(_track(complaint, f"evidence/{item.pk}")).status_code == 404
    assert client.get(_track(with_evidence, f"evidence/{item.pk + 1000}")).status_code == 404


def test_merchant_owner_downloads_evidence_by_pk(with_evidence, owner, county_regulator):
    svc.complaint_accept(actor=county_regulator, complaint=with_evidence)
    item = with_evidence.evidence.get()
    client = client_for(owner)
    url = client.get(_url(with_evidence)).json()["evidence"][0]["url"]
    assert url.endswith(_url(with_evidence, f"evidence/{item.pk}"))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment")
    assert _download(response) == item.file.open("rb").read()


def test_evidence_by_pk_is_scoped(with_evidence, other_owner, county_regulator, other_merchant):
    item = with_evidence.evidence.get()
    path = _url(with_evidence, f"evidence/{item.pk}")
    assert client_for(other_owner).get(path).status_code == 404
    assert client_for(None).get(path).status_code == 401
    assert client_for(county_regulator).get(path).status_code == 200


def test_evidence_of_another_complaint_is_404(with_evidence, complaint, owner):
    item = with_evidence.evidence.get()
    response = client_for(owner).get(_url(complaint, f"evidence/{item.pk}"))
    assert response.status_code == 404


def test_attach_to_account_then_another_account_is_refused(complaint, consumer):
    response = client_for(consumer).post(_track(complaint, "attach"))
    assert response.status_code == 200, response.content
    complaint.refresh_from_db()
    assert complaint.consumer == consumer
    assert client_for(consumer).get(_url(complaint)).status_code == 200
    # Again by the same account: nothing changes.
    assert client_for(consumer).post(_track(complaint, "attach")).status_code == 200

    second = UserFactory(username="dave", role=User.Role.CONSUMER)
    response = client_for(second).post(_track(complaint, "attach"))
    assert response.status_code == 400
    assert response.json()["detail"]
    complaint.refresh_from_db()
    assert complaint.consumer == consumer


def test_attach_needs_a_signed_in_user(complaint):
    response = client_for(None).post(_track(complaint, "attach"))
    assert response.status_code == 401
    complaint.refresh_from_db()
    assert complaint.consumer_id is None


def test_evidence_photo_is_stored_and_served_without_exif(merchant):
    """Issue 14, finding 11: a consumer's photo loses its GPS position; it is turned upright."""
    from PIL import Image

    from tests.factories import assert_no_metadata, gps_jpeg_bytes

    original = gps_jpeg_bytes(size=(4, 2), orientation=6)
    assert b"Phone X" in original
    photo = SimpleUploadedFile("receipt.jpg", original, content_type="image/jpeg")
    data = _form(merchant, merchant=merchant.uscc, evidence=[photo])
    assert client_for(None).post(INTAKE, data).status_code == 201
    item = Complaint.objects.get().evidence.get()
    stored = item.file.open("rb").read()
    assert_no_metadata(stored)
    assert item.content_type == "image/jpeg" and item.size == len(stored)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (2, 4)  # orientation applied
    complaint = Complaint.objects.get()
    body = client_for(None).get(_track(complaint)).json()
    served = _download(client_for(None).get(body["evidence"][0]["url"]))
    assert served == stored
    assert_no_metadata(served)
