"""Finding a complaint again by number and phone (issue 15, point 2): a one-time code sent by
SMS to the complaint's phone opens its tracking page; the same answer whether or not the pair
names a complaint; the code is hashed, good for 10 minutes, 5 wrong attempts and one use."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from common import sms
from common.models import OutboxItem
from complaints.models import ComplaintLookupCode
from complaints.services import complaints as svc
from complaints.services import lookup
from tests.conftest import api

pytestmark = pytest.mark.django_db

ASK = "/api/v1/complaints/lookup/"
VERIFY = "/api/v1/complaints/lookup/verify/"
PAGE = "/complaints/find/"
PHONE = "13812340000"
REFUSED = "The code is wrong or no longer valid. Check the number and phone, or ask for a new code."


@pytest.fixture
def complaint(merchant):
    return svc.complaint_submit(
        merchant=merchant,
        category="quality",
        description="茶叶发霉",
        wanted_outcome="退款",
        complainant_name="刘女士",
        complainant_phone=PHONE,
    )


def _ask(number: str, phone: str = PHONE, ip: str = "10.0.0.1", capture=None):
    with capture(execute=True):
        return api().post(ASK, {"number": number, "phone": phone}, format="json", REMOTE_ADDR=ip)


def _code_sent() -> str:
    to, text = sms.outbox[-1]
    assert to == PHONE
    return re.search(r"\b(\d{6})\b", text.split(":", 1)[1]).group(1)


def _verify(number: str, code: str, phone: str = PHONE):
    return api().post(VERIFY, {"number": number, "phone": phone, "code": code}, format="json")


def test_the_right_code_opens_the_complaint(complaint, django_capture_on_commit_callbacks):
    sms.outbox.clear()
    response = _ask(
        complaint.number, "+86 138 1234 0000", capture=django_capture_on_commit_callbacks
    )
    assert response.status_code == 202
    assert len(sms.outbox) == 1 and complaint.number in sms.outbox[0][1]
    code = _code_sent()
    row = ComplaintLookupCode.objects.get()
    assert row.code_hash == lookup._hash(complaint.pk, code) and len(row.code_hash) == 64
    # The SMS is delivered, and the outbox keeps nothing of it: the code is stored only hashed.
    sent = OutboxItem.objects.get(kind="sms", delivered_at__isnull=False, payload__secret=True)
    assert sent.payload == {"secret": True} and code not in str(sent.payload)
    opened = _verify(complaint.number, code)
    assert opened.status_code == 200
    body = opened.json()
    assert body["tracking_token"] == complaint.tracking_token
    assert body["page_url"].endswith(f"/complaints/t/{complaint.tracking_token}/")
    # Used once.
    assert _verify(complaint.number, code).status_code == 400


def test_a_wrong_code_is_refused_and_counted(complaint, django_capture_on_commit_callbacks):
    _ask(complaint.number, capture=django_capture_on_commit_callbacks)
    code = _code_sent()
    wrong = "000000" if code != "000000" else "111111"
    response = _verify(complaint.number, wrong)
    assert response.status_code == 400 and response.json()["detail"] == [REFUSED]
    assert ComplaintLookupCode.objects.get().attempts == 1
    assert _verify(complaint.number, code).status_code == 200


def test_five_wrong_attempts_spend_the_code(complaint, django_capture_on_commit_callbacks):
    _ask(complaint.number, capture=django_capture_on_commit_callbacks)
    code = _code_sent()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(lookup.MAX_ATTEMPTS):
        assert _verify(complaint.number, wrong).status_code == 400
    refused = _verify(complaint.number, code)
    assert refused.status_code == 400 and refused.json()["detail"] == [REFUSED]


def test_an_expired_code_is_refused(complaint, django_capture_on_commit_callbacks):
    _ask(complaint.number, capture=django_capture_on_commit_callbacks)
    code = _code_sent()
    row = ComplaintLookupCode.objects.get()
    assert row.expires_at - row.created_at == timedelta(minutes=10)
    ComplaintLookupCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = _verify(complaint.number, code)
    assert refused.status_code == 400 and refused.json()["detail"] == [REFUSED]


def test_only_the_latest_code_counts(complaint, django_capture_on_commit_callbacks):
    _ask(complaint.number, capture=django_capture_on_commit_callbacks)
    first = _code_sent()
    _ask(complaint.number, capture=django_capture_on_commit_callbacks)
    second = _code_sent()
    if first != second:
        assert _verify(complaint.number, first).status_code == 400
    assert _verify(complaint.number, second).status_code == 200


def test_an_unknown_pair_gets_the_same_answer_and_no_sms(
    complaint, django_capture_on_commit_callbacks
):
    known = _ask(complaint.number, capture=django_capture_on_commit_callbacks)
    sms.outbox.clear()
    wrong_phone = _ask(complaint.number, "13900000000", capture=django_capture_on_commit_callbacks)
    wrong_number = _ask("330106-2020-999999", capture=django_capture_on_commit_callbacks)
    assert known.status_code == wrong_phone.status_code == wrong_number.status_code == 202
    assert known.json() == wrong_phone.json() == wrong_number.json()
    assert sms.outbox == []
    refused = _verify("330106-2020-999999", "123456")
    assert refused.status_code == 400 and refused.json()["detail"] == [REFUSED]
    assert _verify(complaint.number, "123456", phone="13900000000").json()["detail"] == [REFUSED]


def test_codes_are_limited_per_phone_whether_or_not_it_matches(
    complaint, settings, django_capture_on_commit_callbacks
):
    settings.COMPLAINT_LOOKUP_LIMITS = {"hour": 2, "day": 10}
    for number in (complaint.number, "330106-2020-999999"):
        answers = [
            _ask(number, ip=f"10.0.0.{i}", capture=django_capture_on_commit_callbacks).status_code
            for i in range(3)
        ]
        assert answers == ([202, 202, 429] if number == complaint.number else [429, 429, 429])
    assert ComplaintLookupCode.objects.count() == 2
    assert (
        "Too many codes"
        in _ask("330106-2020-999999", capture=django_capture_on_commit_callbacks).json()["detail"]
    )


def test_codes_are_limited_per_address(settings, django_capture_on_commit_callbacks):
    settings.COMPLAINT_LOOKUP_ADDRESS_LIMITS = {"hour": 2, "day": 10}
    answers = [
        _ask(
            "330106-2020-999999", f"1381234000{i}", capture=django_capture_on_commit_callbacks
        ).status_code
        for i in range(3)
    ]
    assert answers == [202, 202, 429]


def test_the_page_sends_a_code_then_opens_the_tracking_page(
    client, complaint, django_capture_on_commit_callbacks
):
    assert client.get(PAGE).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(PAGE, {"number": complaint.number, "phone": PHONE})
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "a 6-digit code is on its way" in html and 'name="code"' in html
    unknown = client.post(PAGE, {"number": "330106-2020-999999", "phone": PHONE})
    assert "a 6-digit code is on its way" in unknown.content.decode()
    code = _code_sent()
    wrong = client.post(
        PAGE,
        {
            "number": complaint.number,
            "phone": PHONE,
            "code": "0000000"[:6] if code != "000000" else "111111",
        },
    )
    assert wrong.status_code == 200 and REFUSED in wrong.content.decode()
    opened = client.post(PAGE, {"number": complaint.number, "phone": PHONE, "code": code})
    assert opened.status_code == 302
    assert opened["Location"] == f"/complaints/t/{complaint.tracking_token}/"


def test_the_form_and_tracking_pages_link_to_the_lookup(client, complaint, consumer):
    assert PAGE in client.get("/complaints/new/").content.decode()
    assert PAGE in client.get(f"/complaints/t/{complaint.tracking_token}/").content.decode()
    client.force_login(consumer)
    assert PAGE in client.get("/complaints/mine/").content.decode()
