# ruff: noqa: RUF001  (the expected Chinese texts use Chinese punctuation on purpose)
"""Messages in the reader's language, and who hears of a complaint: the consumer (mail, SMS,
inbox), the merchant's people, the handlers (each, or a daily digest); the migration of rows
stored before message codes."""

import re
from datetime import date, timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.utils import timezone, translation

from common import sms
from common.messages import CATALOG, bilingual, day, label, msg, person, render
from complaints.models import (
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ContactMethod,
    DeclineGround,
    DisclosureDate,
    FlagDecision,
    Province,
    Satisfaction,
)
from complaints.models import ComplaintState as C
from complaints.services import complaints as svc
from merchants.models import Notification, User
from tests.conftest import client_for
from tests.factories import RegulatorFactory, UserFactory, region

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
PHONE = "13812341234"
EMAIL = "liu@example.com"
MIGRATION = import_module("complaints.migrations.0006_texts_to_messages")


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


def _no_english(text: str, *names: str) -> None:
    for name in names:
        text = text.replace(name, "")
    assert not LATIN.search(text), text


def _no_chinese(text: str, *names: str) -> None:
    for name in names:
        text = text.replace(name, "")
    assert not CJK.search(text), text


# Every code, both languages


def test_every_complaints_message_renders_in_both_languages():
    zhou = User(username="reg-xihu", first_name="建华", last_name="周")
    county = region("330106")
    disclosure = DisclosureDate.objects.order_by("date").first()
    params = {
        "name": person(zhou),
        "n": 4,
        "id": 17,
        "number": "330106-2026-000017",
        "passcode": "042917",
        "minutes": 10,
        "ground": label(DeclineGround.TOO_OLD.label),
        "state": label(C.WITH_MERCHANT.label),
        "category": label(ComplaintCategory.REFUND_REFUSED.label),
        "county": bilingual(lambda: county.display_name),
        "business": "西湖茶楼",
        "due": day(date(2026, 12, 15)),
        "day": day(date(2026, 12, 5)),
        "role": label(ComplaintEvent.Role.REGULATOR.label),
        "link": "https://example.org/t/abc/",
        "disclosure": bilingual(lambda: disclosure.display_name),
        "decision": label(FlagDecision.REJECTED.label),
        "reason": "核实无误",
        "satisfaction": label(Satisfaction.BASICALLY_SATISFIED.label),
        "station": "双流村",
        # Handling paths: linking, direct handling, transfers
        "merchant": "西湖茶楼",
        "uscc": "913301067041234567",
        "method": label(ContactMethod.PHONE.label),
        "from": bilingual(lambda: county.display_name),
        "home": bilingual(lambda: county.display_name),
        "authority": "黄浦区市场监督管理局",
        "province": label(Province.SHANGHAI.label),
    }
    codes = [code for code in CATALOG if code.startswith("complaints.")]
    assert len(codes) >= 19
    for code in codes:
        message = msg(code, **params)
        chinese, english = render(message, "zh-hans"), render(message, "en")
        assert chinese and english and chinese != english, code
        _no_english(chinese, "https://example.org/t/abc/")
        _no_chinese(english, "西湖茶楼", "建华 周", "核实无误", "双流村", "黄浦区市场监督管理局")
        assert not re.search(r"[\u3400-\u9fff][:;,]", chinese), chinese  # Chinese punctuation
    claimed = msg("complaints.claimed", name=person(zhou))
    assert render(claimed, "zh-hans").startswith("周建华")
    assert render(claimed, "en") == "建华 周 handles this complaint."


def test_timeline_shows_each_step_in_the_readers_language(merchant, owner, county_regulator):
    county_regulator.first_name, county_regulator.last_name = "建华", "周"
    county_regulator.save()
    complaint = _lodge(merchant)
    svc.complaint_claim(actor=county_regulator, complaint=complaint)
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    svc.complaint_propose(actor=owner, complaint=complaint, proposal="全额退款")
    svc.complaint_accept_proposal(complaint=complaint)
    svc.complaint_rate(complaint=complaint, rating=4, comment="满意")
    events = list(complaint.events.all())
    assert events[1].message["code"] == "complaints.claimed" and events[1].text == ""
    rated = events[-1]
    assert rated.message == msg("complaints.rated", n=4) and rated.text == "满意"

    url = f"/complaints/t/{complaint.tracking_token}/"
    chinese = client_for(None).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client_for(None).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "消费者已接受商户的和解方案。" in chinese and "评价 4 分（满分 5 分）。" in chinese
    assert "The consumer accepted the merchant" not in chinese and "Rated 4 of 5" not in chinese
    assert "The consumer accepted the merchant&#x27;s proposal." in english
    assert "Rated 4 of 5." in english and "消费者已接受" not in english

    desk = client_for(county_regulator)
    page = desk.get(f"/complaints/queue/{complaint.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "周建华 承办该投诉。" in page.content.decode()
    page = desk.get(f"/complaints/queue/{complaint.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "建华 周 handles this complaint." in page.content.decode()

    api = client_for(None).get(
        f"/api/v1/complaints/track/{complaint.tracking_token}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    timeline = api.json()["timeline"]
    assert timeline[-1]["message"] == "评价 4 分（满分 5 分）。" and timeline[-1]["text"] == "满意"


def test_decline_keeps_the_typed_reason_beside_the_ground(complaint_in_xihu, county_regulator):
    svc.complaint_decline(
        actor=county_regulator, complaint=complaint_in_xihu, ground="other", text="重复投诉"
    )
    event = complaint_in_xihu.events.get(to_state=C.DECLINED)
    assert event.text == "重复投诉"
    with translation.override("zh-hans"):
        assert event.message_text == "不予受理的理由：其他（需说明）"
    with translation.override("en"):
        assert event.message_text == "Ground for declining: Other (explained)"


@pytest.fixture
def complaint_in_xihu(merchant) -> Complaint:
    return _lodge(merchant)


# The merchant's inbox


def test_merchant_inbox_renders_in_the_page_language(
    merchant, owner, county_regulator, django_capture_on_commit_callbacks
):
    complaint = _lodge(merchant)
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    svc.complaint_propose(actor=owner, complaint=complaint, proposal="退款")
    svc.complaint_accept_proposal(complaint=complaint)
    settled = Notification.objects.get(
        user=owner,
        key__startswith="complaint-event:",
        subject_message__params__state={"t": "Settled"},
    )
    with translation.override("zh-hans"):
        assert settled.subject == f"投诉 {complaint.number}：已和解"
        assert settled.body == "消费者已接受商户的和解方案。"
    with translation.override("en"):
        assert settled.subject == f"Complaint {complaint.number}: Settled"
        assert settled.body == "The consumer accepted the merchant's proposal."


def test_silent_merchant_and_overdue_notices_are_codes(merchant, owner, county_regulator):
    complaint = _lodge(merchant)
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    Complaint.objects.filter(pk=complaint.pk).update(
        merchant_due=date(2026, 1, 1), close_due=date(2026, 1, 1)
    )
    assert svc.complaints_sweep_deadlines(today=date(2026, 12, 1)) == {
        "overdue": 1,
        "to_mediation": 1,
    }
    silent = Notification.objects.get(user=owner, key=f"complaint-silent:{complaint.pk}")
    overdue = Notification.objects.get(
        user=county_regulator, key=f"complaint-overdue:{complaint.pk}"
    )
    with translation.override("zh-hans"):
        assert silent.body == "商户逾期未答复，转由监管部门调解。"
        assert overdue.subject == "有投诉已超过办理期限"
        assert complaint.events.last().message_text == "商户逾期未答复，转由监管部门调解。"
    with translation.override("en"):
        assert silent.subject == f"Complaint {complaint.number}: In mediation"
        assert overdue.body == f"Complaint {complaint.number}"


# The consumer


def test_consumer_hears_of_each_step_by_mail_and_sms_in_their_language(
    merchant, owner, county_regulator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(None).post(
            f"/complaints/new/?merchant={merchant.public_code}",
            {
                "category": "quality",
                "description": "茶叶发霉",
                "wanted_outcome": "退款",
                "complainant_name": "刘女士",
                "complainant_phone": PHONE,
                "complainant_email": EMAIL,
                "consent_to_contact": "on",
            },
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.language == "zh-hans"
    link = f"/complaints/t/{complaint.tracking_token}/"
    # The receipt: one mail and one SMS, in Chinese, with the tracking link.
    receipts = [m for m in mail.outbox if m.to == [EMAIL]]
    assert len(receipts) == 1 and receipts[0].subject == f"您的投诉 {complaint.number} 已收到"
    assert link in receipts[0].body
    _no_english(receipts[0].body.split("\n\n")[0], "西湖茶楼")
    assert len(sms.outbox) == 1 and sms.outbox[0][0] == PHONE
    assert link in sms.outbox[0][1] and "已提交" in sms.outbox[0][1]

    with django_capture_on_commit_callbacks(execute=True):
        svc.complaint_accept(actor=county_regulator, complaint=complaint)
    with django_capture_on_commit_callbacks(execute=True):
        svc.complaint_message(
            complaint=complaint, role=ComplaintEvent.Role.MERCHANT, text="请提供小票", actor=owner
        )
    texts = [text for to, text in sms.outbox]
    assert len(texts) == 4  # received, accepted, with the merchant, the merchant's message
    assert "已受理" in texts[1] and "商户有新留言" in texts[3]
    for text in texts:
        _no_english(text.replace(settings_site(link), ""))
    mails = [m for m in mail.outbox if m.to == [EMAIL]]
    assert len(mails) == 4 and "请提供小票" in mails[3].body

    # The consumer's own steps are not sent back to them.
    with django_capture_on_commit_callbacks(execute=True):
        svc.complaint_message(complaint=complaint, role=ComplaintEvent.Role.CONSUMER, text="好")
    assert len(sms.outbox) == 4 and len([m for m in mail.outbox if m.to == [EMAIL]]) == 4


def settings_site(path: str) -> str:
    from django.conf import settings

    return settings.SITE_URL.rstrip("/") + path


def test_api_intake_takes_the_request_language_and_sms_needs_no_email(
    merchant, county_regulator, django_capture_on_commit_callbacks
):
    data = {
        "merchant": merchant.public_code,
        "category": "quality",
        "description": "Mouldy tea",
        "wanted_outcome": "Refund",
        "complainant_name": "Liu",
        "complainant_phone": PHONE,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(None).post(
            "/api/v1/complaints/intake/",
            data,
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 201
    complaint = Complaint.objects.get()
    assert complaint.language == "en"
    assert not [m for m in mail.outbox if "Liu" in m.body]
    with django_capture_on_commit_callbacks(execute=True):
        svc.complaint_decline(actor=county_regulator, complaint=complaint, ground="too_old")
    assert [to for to, _text in sms.outbox] == [PHONE, PHONE]
    assert sms.outbox[1][1].startswith(f"Complaint {complaint.number}: Declined. Follow it: http")
    _no_chinese(sms.outbox[1][1])


def test_a_signed_in_consumer_hears_in_their_inbox(
    merchant, county_regulator, django_capture_on_commit_callbacks
):
    carol = UserFactory(username="carol", email="carol@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(carol).post(
            f"/complaints/new/?merchant={merchant.public_code}",
            {
                "category": "quality",
                "description": "Mouldy tea",
                "wanted_outcome": "Refund",
                "complainant_name": "Carol",
                "complainant_phone": PHONE,
                "complainant_email": "carol@example.com",
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
    complaint = Complaint.objects.get()
    assert complaint.consumer == carol
    with django_capture_on_commit_callbacks(execute=True):
        svc.complaint_accept(actor=county_regulator, complaint=complaint)
    inbox = Notification.objects.filter(user=carol).order_by("pk")
    assert inbox.count() == 3  # received, accepted, with the merchant
    with translation.override("zh-hans"):
        assert inbox[1].subject == f"投诉 {complaint.number}：已受理"
    assert inbox[1].link == f"/complaints/t/{complaint.tracking_token}/"
    # One mail per step: the inbox's, not a second one to the same address.
    assert len([m for m in mail.outbox if m.to == ["carol@example.com"]]) == 3
    page = client_for(carol).get("/inbox/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and f"投诉 {complaint.number}：已受理" in page.content.decode()


# The handlers


def test_new_complaints_reach_each_handler_at_once_or_in_the_digest(
    merchant,
    county_regulator,
    city_regulator,
    other_county_regulator,
    django_capture_on_commit_callbacks,
):
    city_regulator.complaint_notices = User.ComplaintNotices.DIGEST
    city_regulator.language = "zh-hans"
    city_regulator.save()
    RegulatorFactory(username="reg-province", region=region("330000"))
    not_handler = RegulatorFactory(username="reg-reviewer", can_handle_complaints=False)
    with django_capture_on_commit_callbacks(execute=True):
        first = _lodge(merchant)
        second = _lodge(None, business_name="路边水果摊", region=region("330106"))
    told = set(
        Notification.objects.filter(key=f"complaint-new:{first.pk}").values_list(
            "user__username", flat=True
        )
    )
    assert told == {"reg-xihu", "reg-province"}
    assert not Notification.objects.filter(user__in=[other_county_regulator, not_handler])
    note = Notification.objects.get(user=county_regulator, key=f"complaint-new:{second.pk}")
    with translation.override("zh-hans"):
        assert note.subject == f"西湖区新投诉 {second.number}"
        assert note.body.startswith("路边水果摊：质量。请于")
    with translation.override("en"):
        assert note.subject == f"New complaint {second.number} in Xihu District"
    assert [m.subject for m in mail.outbox if m.to == [county_regulator.email]] == [
        f"New complaint {first.number} in Xihu District",
        f"New complaint {second.number} in Xihu District",
    ]
    assert not [m for m in mail.outbox if m.to == [city_regulator.email]]

    # The digest, the next morning: yesterday's complaints of the city, in one message.
    tomorrow = timezone.localdate() + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.complaints_send_digests(today=tomorrow) == 1
    digest = Notification.objects.get(user=city_regulator)
    assert digest.key == f"complaint-digest:{timezone.localdate().isoformat()}"
    with translation.override("en"):
        assert digest.subject.endswith(": 2")
        assert f"{first.number} Xihu District · 西湖茶楼: Quality" in digest.body
    (digest_mail,) = [m for m in mail.outbox if m.to == [city_regulator.email]]
    assert "：2 件" in digest_mail.subject and f"{second.number} 西湖区 · 路边水果摊：" in (
        digest_mail.body
    )
    _no_english(digest_mail.subject)
    # Once a day; and nothing on a day without complaints.
    assert svc.complaints_send_digests(today=tomorrow) == 1
    assert Notification.objects.filter(user=city_regulator).count() == 1
    assert svc.complaints_send_digests(today=tomorrow + timedelta(days=1)) == 0


def test_the_digest_is_a_scheduled_task():
    from config.schedules import SCHEDULES

    (entry,) = [s for s in SCHEDULES if s.task == "complaints.tasks.new_complaints_digest"]
    assert entry.crontab == {"minute": "0", "hour": "8"}
    from complaints.tasks import new_complaints_digest

    assert new_complaints_digest.name == entry.task


# The migration of rows stored before message codes


def test_migration_recognises_system_texts_in_both_languages(merchant, owner, county_regulator):
    county_regulator.first_name, county_regulator.last_name = "建华", "周"
    county_regulator.save()
    complaint = _lodge(merchant)
    declined = _lodge(merchant, complainant_phone="13900000000")
    Complaint.objects.filter(pk=declined.pk).update(decline_ground="other")

    def old(text, complaint=complaint, **fields):
        return ComplaintEvent.objects.create(
            complaint=complaint, role="regulator", text=text, **fields
        )

    rows = {
        "claim_en": old("reg-xihu handles this complaint.", actor=county_regulator),
        "claim_zh": old("reg-xihu 承办该投诉。", actor=county_regulator),
        "accepted_en": old("The consumer accepted the merchant's proposal.", to_state="settled"),
        "accepted_zh": old("消费者已接受商户的和解方案。", to_state="settled"),
        "silent_en": old("No answer by the due date: the regulator mediates."),
        "silent_zh": old("商户逾期未答复，转由监管部门调解。"),
        "rated_en": old("Rated 4 of 5. Quick and fair"),
        "rated_zh": old("评价 3 分（满分 5 分）。"),
        "ground_en": old("More than three years since the dispute arose", to_state="declined"),
        "ground_zh": old("不属于消费者权益争议", to_state="declined"),
        "ground_typed": old("重复投诉", complaint=declined, to_state="declined"),
        "typed": old("请商家尽快答复"),
    }
    event_note = Notification.objects.create(
        user=owner,
        key=f"complaint-event:{rows['accepted_zh'].pk}",
        subject="投诉 #1：已和解",
        body="消费者已接受商户的和解方案。",
    )
    silent_note = Notification.objects.create(
        user=owner,
        key=f"complaint-silent:{complaint.pk}",
        subject="Complaint: In mediation",
        body="No answer by the due date: the regulator mediates.",
    )
    overdue_note = Notification.objects.create(
        user=county_regulator, key=f"complaint-overdue:{complaint.pk}", subject="x", body="y"
    )
    MIGRATION.events_to_messages(django_apps, None)
    MIGRATION.notifications_to_messages(django_apps, None)

    got = {name: ComplaintEvent.objects.get(pk=row.pk) for name, row in rows.items()}
    for name in ("claim_en", "claim_zh"):
        assert got[name].message["code"] == "complaints.claimed" and got[name].text == ""
        assert render(got[name].message, "zh-hans") == "周建华 承办该投诉。"
        assert render(got[name].message, "en") == "建华 周 handles this complaint."
    for name in ("accepted_en", "accepted_zh"):
        assert got[name].message == msg("complaints.proposal_accepted") and not got[name].text
    for name in ("silent_en", "silent_zh"):
        assert got[name].message == msg("complaints.silent") and not got[name].text
    assert got["rated_en"].message == msg("complaints.rated", n=4)
    assert got["rated_en"].text == "Quick and fair"
    assert got["rated_zh"].message == msg("complaints.rated", n=3) and got["rated_zh"].text == ""
    assert (
        render(got["ground_en"].message, "zh-hans") == "不予受理的理由：自争议发生之日起已超过三年"
    )
    assert render(got["ground_zh"].message, "en") == "Ground for declining: Not a consumer dispute"
    assert not got["ground_en"].text and not got["ground_zh"].text
    assert got["ground_typed"].text == "重复投诉"
    assert render(got["ground_typed"].message, "en") == "Ground for declining: Other (explained)"
    assert got["typed"].message == {} and got["typed"].text == "请商家尽快答复"

    event_note.refresh_from_db()
    silent_note.refresh_from_db()
    overdue_note.refresh_from_db()
    with translation.override("en"):
        assert event_note.subject == f"Complaint #{complaint.pk}: Settled"
        assert event_note.body == "The consumer accepted the merchant's proposal."
        assert overdue_note.body == f"Complaint #{complaint.pk}"
    with translation.override("zh-hans"):
        assert silent_note.subject == f"投诉 #{complaint.pk}：调解中"
        assert silent_note.body == "商户逾期未答复，转由监管部门调解。"
        assert overdue_note.subject == "有投诉已超过办理期限"
