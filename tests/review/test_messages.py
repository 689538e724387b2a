# ruff: noqa: RUF001  (Chinese text with Chinese punctuation, as the reader sees it)
"""Every text review and merchants write is a message code rendered in the reader's language:
no English on a Chinese page or mail, no Chinese on an English one (merchant names and other
people's own words aside)."""

import re
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation

from common.messages import CATALOG, TEXT, bilingual, day, label, msg, person, render
from merchants.models import DeclarationState, Membership, Notification
from merchants.services import messages as merchant_messages
from merchants.services import notifications as notification_messages
from review import messages as review_messages
from review.models import InspectionEvent, InspectionResult, ScreeningRun
from review.services.campaigns import campaign_close, campaign_draw
from review.services.inspections import inspection_record
from review.services.screening import _sources_param
from tests.conftest import client_for
from tests.factories import CampaignFactory, InspectionFactory, region
from tests.review.test_campaign_draw import approved_merchants
from tests.review.test_screening import draft, registry, submit  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
LATIN = re.compile(r"[A-Za-z]")
ASCII_PUNCTUATION_AFTER_CHINESE = re.compile(r"[\u4e00-\u9fff][:;,]")

# People's own words and names: shown as they are in both languages.
MERCHANT, CAMPAIGN = "西湖茶楼", "春季抽查"


def _codes(module: Any) -> list[str]:
    return [
        v
        for k, v in vars(module).items()
        if k.isupper() and isinstance(v, str) and v in CATALOG and v != TEXT
    ]


CODES = sorted(
    {
        *_codes(review_messages),
        *_codes(merchant_messages),
        *notification_messages.SUBJECTS.values(),
        notification_messages.OUTCOME,
        notification_messages.REASON,
    }
)


def _sample(name: str, template: str) -> Any:
    if f"%({name})d" in template:
        return 3
    samples = {
        "merchant": MERCHANT,
        "campaign": CAMPAIGN,
        "scheme": bilingual(
            lambda: (
                "No-reason-return commitment unit"
                if translation.get_language().startswith("en")
                else "无理由退货承诺单位"
            )
        ),
        "county": bilingual(
            lambda: "Binjiang District" if translation.get_language().startswith("en") else "滨江区"
        ),
        "from_county": bilingual(
            lambda: "Xihu District" if translation.get_language().startswith("en") else "西湖区"
        ),
        "state": label(DeclarationState.APPROVED.label),
        "result": label(InspectionResult.FAIL.label),
        "role": label(Membership.Role.STAFF.label),
        "inviter": person(
            SimpleNamespace(last_name="周", first_name="建华", get_username=lambda: "z")
        ),
        "date": day(date(2026, 5, 1)),
        "day": day(date(2026, 5, 1)),
        "count": 3,
        "label": label(InspectionResult.FAIL.label),
        "due": day(date(2026, 5, 15)),
        "sources": _sources_param(["registry", "quality"]),
        "reason": msg(review_messages.SCREENING_PASSED),
    }
    return samples[name]


def _check(text: str, language: str) -> None:
    shown = text
    for name in (MERCHANT, CAMPAIGN, "周", "建华"):
        shown = shown.replace(name, "")
    if language == "en":
        assert not CJK.search(shown), text
    else:
        assert not LATIN.search(shown), text
        assert not ASCII_PUNCTUATION_AFTER_CHINESE.search(text), text


@pytest.mark.parametrize("code", CODES)
def test_every_code_renders_in_both_languages(code):
    template = CATALOG[code]
    params = {name: _sample(name, template) for name in re.findall(r"%\((\w+)\)", template)}
    message = msg(code, **params)
    english, chinese = render(message, "en"), render(message, "zh-hans")
    assert (english and chinese and english != chinese) or code == review_messages.SCREENING_POINT
    _check(english, "en")
    _check(chinese, "zh-hans")


def test_a_screening_point_shows_the_check_reason_in_the_reader_language():
    point = msg(
        review_messages.SCREENING_POINT,
        reason={"l": {"zh-hans": "营业执照已过期", "en": "The business licence has expired"}},
    )
    assert render(point, "en") == "• The business licence has expired"
    assert render(point, "zh-hans") == "• 营业执照已过期"


# Through the front door


def _page(user, url: str, language: str) -> str:
    client = client_for(user)
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_screening_reason_on_the_declaration_page_follows_the_page_language(
    draft,  # noqa: F811
    owner,
    submit,  # noqa: F811
):
    registry(draft.merchant)
    submit(draft, owner)
    assert draft.state == DeclarationState.PENDING_REVIEW
    event = draft.events.last()
    assert event.reason == "" and event.message == [{"code": "screening.passed", "params": {}}]
    url = reverse("declaration-detail", args=[draft.pk])
    english, chinese = _page(owner, url, "en"), _page(owner, url, "zh-hans")
    assert "Passed every automatic screening check." in english
    assert "已通过全部系统初审检查" not in english
    assert "已通过全部系统初审检查。" in chinese
    assert "Passed every automatic screening check" not in chinese


def test_a_screening_failure_reaches_the_merchant_in_each_reader_language(
    draft,  # noqa: F811
    owner,
    submit,  # noqa: F811
):
    registry(draft.merchant, licence_valid_until=timezone.localdate() - timedelta(days=30))
    owner.language = "zh-hans"
    owner.save(update_fields=["language"])
    submit(draft, owner)
    assert draft.state == DeclarationState.SCREENING_FAILED
    notice = Notification.objects.get(user=owner, key__startswith="declaration-event:")
    with translation.override("en"):
        assert "The automatic screening found problems to fix:" in notice.body
        assert not CJK.search(notice.body.replace(MERCHANT, "").replace("放心消费单位", ""))
    with translation.override("zh-hans"):
        assert "系统初审发现以下问题，请整改：" in notice.body
    [sent] = mail.outbox
    assert "系统初审发现以下问题" in sent.body and not LATIN.search(sent.subject)


def test_an_inspection_result_is_told_in_the_reader_language(merchant, owner, county_regulator):
    owner.language = "zh-hans"
    owner.save(update_fields=["language"])
    inspection = InspectionFactory(merchant=merchant, inspector=county_regulator)
    answers = {item["code"]: "yes" for item in inspection.checklist}
    answers["licence-displayed"] = "no"
    with TestCase.captureOnCommitCallbacks(execute=True):
        inspection_record(
            actor=county_regulator,
            inspection=inspection,
            answers=answers,
            result="fail",
            findings="营业执照未悬挂。",
        )
    notice = Notification.objects.get(user=owner)
    with translation.override("en"):
        assert notice.subject == "Inspection result: Fail"
        assert "Send a rectification report by" in notice.body
    with translation.override("zh-hans"):
        assert notice.subject.startswith("检查结果") and not LATIN.search(notice.subject)
        assert not LATIN.search(notice.body.replace(MERCHANT, ""))
    # The mail to the Chinese-speaking owner is in Chinese, subject included.
    [sent] = mail.outbox
    assert sent.subject.startswith("检查结果") and "Inspection" not in sent.body
    # Pages follow the account's language when it names one; without, the browser's.
    owner.language = ""
    owner.save(update_fields=["language"])
    inbox_en = _page(owner, reverse("inbox"), "en")
    assert "Inspection result: Fail" in inbox_en and "检查结果" not in inbox_en
    inbox_zh = _page(owner, reverse("inbox"), "zh-hans")
    assert "检查结果" in inbox_zh and "Inspection result" not in inbox_zh


def test_a_campaign_closed_before_the_visit_notes_it_in_the_reader_language(city_regulator):
    city_regulator.can_supervise = True
    city_regulator.save(update_fields=["can_supervise"])
    approved_merchants(1)
    campaign = CampaignFactory(created_by=city_regulator, region=region("330106"), sample_size=1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        campaign_draw(actor=city_regulator, campaign=campaign)
    drawn = Notification.objects.filter(key=f"campaign-{campaign.pk}-drawn").first()
    if drawn is not None:
        with translation.override("zh-hans"):
            assert not LATIN.search(drawn.subject)
        with translation.override("en"):
            assert drawn.subject == "New inspections assigned to you"
    campaign_close(actor=city_regulator, campaign=campaign)
    event = InspectionEvent.objects.get(action="cancelled")
    assert event.note == "" and event.message["code"] == "campaign.closed_before_visit"
    with translation.override("en"):
        assert event.note_text == "The campaign was closed before the visit."
    with translation.override("zh-hans"):
        assert event.note_text == "检查前抽查任务已结束。"


def test_an_interrupted_run_is_an_outcome_of_its_own():
    assert ScreeningRun.Outcome.INTERRUPTED == "interrupted"
    with translation.override("zh-hans"):
        assert not LATIN.search(str(ScreeningRun.Outcome.INTERRUPTED.label))
