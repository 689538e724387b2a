# ruff: noqa: RUF001  (Chinese text with Chinese punctuation, as the reader sees it)
"""The data migrations turn stored texts, in either language, into message codes: declaration
events' system reasons, screening notes, inspection and campaign inbox messages, and the inbox
messages of declaration events (written again from the events)."""

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone, translation

from merchants.models import DeclarationEvent, Notification
from review.models import ScreeningRun
from tests.factories import DeclarationFactory, MerchantFactory, UserFactory

# Migrations commit: a transactional test (run after the others), with the reference data
# loaded again if an earlier transactional test flushed it.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("merchants", "0007_messages_languages_region_names"), ("review", "0005_campaign_pools")]


def _text(value: str) -> dict:
    return {"code": "text", "params": {"text": value}}


def test_stored_texts_become_messages_in_both_languages(reference_data):
    owner = UserFactory(username="alice")
    merchant = MerchantFactory(name="西湖茶楼")
    declaration = DeclarationFactory(merchant=merchant, created_by=owner)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Event = old.get_model("merchants", "DeclarationEvent")
    Run = old.get_model("review", "ScreeningRun")
    Check = old.get_model("review", "ScreeningCheck")
    Note = old.get_model("merchants", "Notification")
    now = timezone.now()

    def event(**fields):
        return Event.objects.create(declaration_id=declaration.pk, created_at=now, **fields)

    resubmitted = event(from_state="returned", to_state="submitted", reason="修改后重新提交")
    released = event(
        from_state="under_review", to_state="pending_review", reason="Released", actor_id=owner.pk
    )
    typed = event(from_state="under_review", to_state="rejected", reason="Released too early")
    run = Run.objects.create(
        declaration_id=declaration.pk,
        started_at=now,
        finished_at=now,
        outcome="fail",
        note="无法连接数据源，将重试初审。",
    )
    Check.objects.create(
        run=run,
        rule="licence_valid",
        outcome="fail",
        reason_zh="营业执照已过期",
        reason_en="The business licence has expired",
    )
    failed = event(
        from_state="screening",
        to_state="screening_failed",
        reason="系统初审发现以下问题，请整改：\n• 营业执照已过期",
    )
    passed = event(
        from_state="screening",
        to_state="pending_review",
        reason="Passed every automatic screening check.",
    )
    incomplete = event(
        from_state="screening",
        to_state="pending_review",
        reason="The automatic screening could not be completed: enterprise registry "
        "(浙江企业在线) could not be reached after every retry. The reviewer checks those points "
        "by hand.",
    )
    Note.objects.create(
        user_id=owner.pk,
        key=f"declaration-event:{failed.pk}",
        subject_message=_text("Your declaration did not pass the automatic screening"),
        body_message=_text("西湖茶楼 — 放心消费单位：初审未通过。\n原因：系统初审发现以下问题"),
    )
    Note.objects.create(
        user_id=owner.pk,
        key="inspection-7-recorded-0",
        subject_message=_text("Inspection result: Fail"),
        body_message=_text(
            "西湖茶楼 — inspection of 2026-05-01: Awaiting rectification.\n"
            "Send a rectification report by 2026-05-31."
        ),
    )
    Note.objects.create(
        user_id=owner.pk,
        key="campaign-3-drawn",
        subject_message=_text("您有新的检查任务"),
        body_message=_text("春季抽查：2 项检查，截止日期 2026-06-30。"),
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    def reason(pk, language):
        with translation.override(language):
            return DeclarationEvent.objects.get(pk=pk).reason_text

    assert DeclarationEvent.objects.get(pk=resubmitted.pk).reason == ""
    assert reason(resubmitted.pk, "en") == "Resubmitted after amendment"
    assert reason(released.pk, "zh-hans") == "已释放，退回待审核"
    assert DeclarationEvent.objects.get(pk=typed.pk).message is None  # the regulator's words
    assert reason(typed.pk, "zh-hans") == "Released too early"
    assert reason(failed.pk, "en") == (
        "The automatic screening found problems to fix:\n• The business licence has expired"
    )
    assert reason(passed.pk, "zh-hans") == "已通过全部系统初审检查。"
    assert "企业登记系统（浙江企业在线）" in reason(incomplete.pk, "zh-hans")
    assert "Zhejiang Enterprise Online" in reason(incomplete.pk, "en")
    with translation.override("en"):
        assert "无法连接" not in ScreeningRun.objects.get(pk=run.pk).note
    notices = {n.key: n for n in Notification.objects.all()}
    with translation.override("zh-hans"):
        screening = notices[f"declaration-event:{failed.pk}"]
        assert not re.search("[A-Za-z]", screening.subject)
        assert "营业执照已过期" in screening.body
        inspection = notices["inspection-7-recorded-0"]
        assert inspection.subject.startswith("检查结果：") and "Fail" not in inspection.subject
        assert "inspection of" not in inspection.body and "2026年5月31日" in inspection.body
    with translation.override("en"):
        assert "The business licence has expired" in screening.body
        assert notices["campaign-3-drawn"].subject == "New inspections assigned to you"
        assert notices["campaign-3-drawn"].body == "春季抽查: 2 visits, due by June 30, 2026."
