# ruff: noqa: RUF001  (the Chinese punctuation is what these tests check)
"""Issue 13 in the ratings app: every text it writes is a message rendered in the reader's
language; every pool and star change reaches the merchant; an allowed appeal stands against
later runs until new evidence; a dead run is recognised at once and carried on; a skipped run
is recorded and shown."""

import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from common.messages import CATALOG, bilingual, day, label, msg, render
from merchants.models import Notification, Pool
from ratings import messages as m
from ratings.models import (
    Evaluation,
    EvaluationPolicy,
    EvaluationRun,
    PoolChange,
    Standing,
    Trigger,
)
from ratings.services import runs
from ratings.services.appeals import appeal_decide, appeal_file
from ratings.services.evaluation import evaluate
from ratings.services.pools import pool_exit, standing_move
from tests.conftest import api, client_for
from tests.factories import ComplaintFactory, MembershipFactory, MerchantFactory
from tests.ratings.test_pool_browser import place

pytestmark = pytest.mark.django_db

MONTHLY = EvaluationRun.Kind.MONTHLY
NIGHTLY = EvaluationRun.Kind.NIGHTLY
LATIN = re.compile(r"[A-Za-z]")
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
ASCII_AFTER_CHINESE = re.compile(r"[\u4e00-\u9fff][:;,]")


def sample_params() -> dict:
    """A value for every parameter a ratings message takes: numbers, labels, both-language
    names, dates, nested messages; typed words and names as digits (no language)."""
    return {
        "scheme": bilingual(
            lambda: "放心消费单位" if translation.get_language() != "en" else "Unit"
        ),
        "score": 86,
        "stars": 3,
        "band": 75,
        "what": m.joined([label(Trigger.COUNTERFEIT.label), label(Trigger.SCORE_BELOW.label), "1"]),
        "due": day(timezone.localdate()),
        "date": day(timezone.localdate()),
        "reason": "12345",
        "first": label(Pool.SELECTION.label),
        "rest": label(Pool.WARNING.label),
        "pool": label(Pool.STAR_RATED.label),
        "merchant": "888",
        "from": m.place(Pool.STAR_RATED, 4),
        "to": m.place(Pool.STAR_RATED, 1),
        "decision": msg(m.STARS_DOWN, score=80, stars=1),
        "name": "888",
        "uscc": "913301060000000001",
        "link": "/1/",
        "run": 7,
        "kind": label(EvaluationRun.Kind.NIGHTLY.label),
        "started": "2026-12-06 10:00:00",
        "heartbeat": "2026-12-06 10:00:15",
        "worker": "10.0.0.1:4242",
        "count": 2,
        "merchants": "#12 888, #13 889",
    }


RATINGS_CODES = sorted(code for code in CATALOG if code.startswith("ratings."))


@pytest.mark.parametrize("code", RATINGS_CODES)
def test_every_ratings_message_renders_in_each_language_only(code):
    template = CATALOG[code]
    names = re.findall(r"%\((\w+)\)", template)
    params = {name: sample_params()[name] for name in names}
    message = msg(code, **params)
    chinese, english = render(message, "zh-hans"), render(message, "en")
    assert not LATIN.search(chinese), chinese
    assert not ASCII_AFTER_CHINESE.search(chinese), chinese
    assert not CJK.search(english), english
    assert chinese and english and chinese != english


def test_the_codes_cover_every_reason_and_notice():
    assert len(RATINGS_CODES) >= 35


# --- every pool and star change reaches the merchant, in each reader's language --------------


def test_a_star_change_within_the_pool_is_told_to_each_member_in_their_language(
    merchant, owner, county_regulator, django_capture_on_commit_callbacks
):
    owner.language = "en"
    owner.save(update_fields=["language"])
    staff = MembershipFactory(merchant=merchant, user__language="zh-hans").user
    place(merchant, Pool.STAR_RATED, stars=5)
    Standing.objects.filter(merchant=merchant).update(
        since=timezone.now() - timedelta(days=400), stars_changed_at=None, needs_evaluation=True
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        runs.evaluation_run(kind=NIGHTLY)  # score 90: four stars
    change = PoolChange.objects.filter(merchant=merchant).first()
    assert (change.reason_code, change.from_stars, change.to_stars) == ("stars_down", 5, 4)
    notices = Notification.objects.filter(key=f"pool-change-{change.pk}")
    assert {n.user for n in notices} == {owner, staff}
    with translation.override("en"):
        notice = notices.get(user=owner)
        assert notice.subject == "Your stars have changed"
        assert notice.body.splitlines() == [
            f"{merchant.name}: from Star-rated pool, 5 stars to Star-rated pool, 4 stars.",
            "Reason: Score 90: 4 stars.",
        ]
    with translation.override("zh-hans"):
        body = notices.get(user=staff).body
        assert "星级库（5星）" in body and "星级库（4星）" in body and "原因：" in body
        assert not LATIN.search(body)
    by_reader = {message.to[0]: message for message in mail.outbox}
    assert by_reader[owner.email].subject == "Your stars have changed"
    assert by_reader[staff.email].subject == "您的星级已变动"
    assert not LATIN.search(by_reader[staff.email].body.split("http")[0])


def test_every_move_is_told_once_exit_included(merchant, owner, county_regulator):
    place(merchant, Pool.CULTIVATION)
    changes = list(PoolChange.objects.filter(merchant=merchant))
    assert len(changes) == 2
    for change in changes:
        assert Notification.objects.filter(key=f"pool-change-{change.pk}", user=owner).count() == 1
    change = pool_exit(actor=county_regulator, merchant=merchant, reason="假冒商品。")
    notice = Notification.objects.get(key=f"pool-change-{change.pk}", user=owner)
    with translation.override("zh-hans"):
        assert notice.subject == "您的经营主体已退出放心消费培育"
        assert "监管部门决定退出：假冒商品。" in notice.body
        assert "假冒商品" in change.reason
    with translation.override("en"):
        assert change.reason == "Exited by the regulator: 假冒商品。"  # typed words as typed


def test_the_history_and_api_render_the_reason_in_the_readers_language(
    merchant, owner, county_regulator
):
    place(merchant, Pool.CULTIVATION)
    pool_exit(actor=county_regulator, merchant=merchant, reason="12345")
    client = client_for(owner)
    url = reverse("standing-merchant", args=[merchant.pk])
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "监管部门决定退出：12345" in chinese and "Exited by the regulator: 12345" not in chinese
    assert "Exited by the regulator: 12345" in english and "监管部门决定退出" not in english


def test_a_nomination_mail_to_an_unregistered_merchant_goes_through_the_outbox(
    county_regulator, django_capture_on_commit_callbacks, settings
):
    from common.models import OutboxItem
    from ratings.services.nominations import nomination_create
    from tests.factories import RegistryRecordFactory, region

    record = RegistryRecordFactory()
    settings.LANGUAGE_CODE = "zh-hans"  # no account yet: the site's language
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        nomination = nomination_create(
            actor=county_regulator,
            uscc=record.uscc,
            name="新店",
            region=region("330106"),
            email="new@example.com",
            message="欢迎申报。",
        )
    item = OutboxItem.objects.get(key=f"nomination-{nomination.pk}-invitation")
    assert item.payload["subject"]["code"] == m.INVITATION_SUBJECT
    assert [message.to for message in mail.outbox] == [["new@example.com"]]
    assert mail.outbox[0].subject == "邀请您加入放心消费培育"


# --- an allowed appeal stands until new evidence --------------------------------------------


def test_an_allowed_appeal_stands_against_the_next_runs_until_new_evidence(
    merchant, owner, county_regulator
):
    place(merchant, Pool.STAR_RATED, stars=5)
    Standing.objects.filter(merchant=merchant).update(
        since=timezone.now() - timedelta(days=400), stars_changed_at=None, needs_evaluation=True
    )
    runs.evaluation_run(kind=NIGHTLY)  # score 90: down to four stars
    decision = PoolChange.objects.filter(merchant=merchant).first()
    assert decision.reason_code == "stars_down"
    appeal = appeal_file(actor=owner, decision=decision, statement="Our record is clean.")
    appeal_decide(actor=county_regulator, appeal=appeal, overturn=True, reason="Agreed.")
    standing = Standing.objects.get(merchant=merchant)
    assert (standing.pool, standing.stars) == (Pool.STAR_RATED, 5)
    assert standing.appeal_held_at is not None and standing.appeal_held_score == 90
    allowed = Notification.objects.get(key=f"appeal-{appeal.pk}-decided", user=owner)
    with translation.override("en"):
        assert "from Star-rated pool, 4 stars to Star-rated pool, 5 stars" in allowed.body

    # The next nightly run (something marked it) and the monthly run: the stars stay.
    Standing.objects.filter(merchant=merchant).update(needs_evaluation=True)
    nightly = runs.evaluation_run(kind=NIGHTLY)
    monthly = runs.evaluation_run(kind=MONTHLY)
    assert nightly.merchants_evaluated == monthly.merchants_evaluated == 1
    standing.refresh_from_db()
    assert (standing.pool, standing.stars, standing.score) == (Pool.STAR_RATED, 5, 90)
    assert PoolChange.objects.filter(merchant=merchant).first().reason_code == "appeal_overturned"

    # A complaint accepted after the decision is new evidence: the rules apply again.
    ComplaintFactory(merchant=merchant, accepted_at=timezone.now(), state="with_merchant")
    Standing.objects.filter(merchant=merchant).update(needs_evaluation=True)
    runs.evaluation_run(kind=NIGHTLY)
    standing.refresh_from_db()
    latest = PoolChange.objects.filter(merchant=merchant).first()
    assert latest.reason_code == "stars_down" and standing.stars < 5
    assert standing.appeal_held_at is None


@pytest.mark.parametrize("set_based", [False, True], ids=["python", "set-based"])
def test_an_event_after_an_allowed_appeal_is_new_evidence_whatever_the_score(
    merchant, monkeypatch, set_based
):
    """A complaint accepted after the appeal was allowed lifts the hold even when the score
    stays above the one the appeal was decided at (the dated inputs are each source's
    "last_…", nested by source in the result). Both ways of running (set-based: PostgreSQL)."""
    monkeypatch.setattr(runs, "SET_BASED", set_based)
    place(merchant, Pool.STAR_RATED, stars=5)
    now = timezone.now()
    Standing.objects.filter(merchant=merchant).update(
        since=now - timedelta(days=400),
        stars_changed_at=None,
        needs_evaluation=True,
        appeal_held_at=now - timedelta(days=5),
        appeal_held_score=50,  # the score then; the merchant scores far above it now
    )
    runs.evaluation_run(kind=NIGHTLY)  # nothing new since the appeal: the five stars stay
    standing = Standing.objects.get(merchant=merchant)
    assert (standing.stars, standing.score) == (5, 90) and standing.appeal_held_at is not None

    # One complaint accepted after the appeal (no trigger: one is not "too many"): 87 points,
    # still above 50, but an event dated after the appeal. The hold lifts; three stars.
    ComplaintFactory(merchant=merchant, accepted_at=timezone.now(), state="with_merchant")
    Standing.objects.filter(merchant=merchant).update(needs_evaluation=True)
    runs.evaluation_run(kind=NIGHTLY)
    standing.refresh_from_db()
    latest = PoolChange.objects.filter(merchant=merchant).first()
    assert Evaluation.objects.filter(merchant=merchant).first().triggers == []
    assert (standing.stars, standing.score, standing.appeal_held_at) == (3, 87, None)
    assert latest is not None and latest.reason_code == "stars_down"


def test_an_allowed_appeal_against_an_exit_is_not_undone_by_the_run(
    merchant, owner, county_regulator, city_regulator
):
    place(merchant, Pool.STAR_RATED, stars=5)
    Standing.objects.filter(merchant=merchant).update(
        since=timezone.now() - timedelta(days=400), stars_changed_at=None
    )
    change = pool_exit(actor=county_regulator, merchant=merchant, reason="Counterfeit.")
    appeal = appeal_file(actor=owner, decision=change, statement="Genuine.")
    appeal_decide(actor=city_regulator, appeal=appeal, overturn=True, reason="Genuine.")
    runs.evaluation_run(kind=NIGHTLY)
    runs.evaluation_run(kind=MONTHLY)
    standing = Standing.objects.get(merchant=merchant)
    assert (standing.pool, standing.stars) == (Pool.STAR_RATED, 5)


# --- runs recover at once ---------------------------------------------------------------------


def programme(count: int) -> list:
    merchants = [MerchantFactory() for _ in range(count)]
    for merchant in merchants:
        standing_move(merchant=merchant, to=Pool.SELECTION, reason_code="t", reason="t")
    return merchants


def killed_run(merchants: list, evaluated: int, **fields) -> EvaluationRun:
    """A monthly run that evaluated the first `evaluated` merchants, then its process died
    (the row left "running")."""
    dead = runs.evaluation_run_start(kind=MONTHLY)
    results = evaluate([x.pk for x in merchants], policy=EvaluationPolicy.current())
    done = {x.pk: results[x.pk] for x in merchants[:evaluated]}
    runs.evaluation_batch(run=dead, results=done, now=timezone.now())
    EvaluationRun.objects.filter(pk=dead.pk).update(**fields)
    return dead


def gone_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_run_whose_worker_is_gone_is_carried_on_at_once(settings):
    merchants = programme(5)
    dead = killed_run(merchants, 2, worker=f"{runs.socket.gethostname()}:{gone_pid()}")
    run = runs.evaluation_run(kind=MONTHLY)  # heartbeat fresh: the pid tells
    dead.refresh_from_db()
    assert dead.state == EvaluationRun.State.FAILED and "is gone" in dead.note_text
    assert (run.state, run.merchants_evaluated) == (EvaluationRun.State.FINISHED, 3)
    assert f"run {dead.pk}" in run.note_text
    for merchant in merchants:
        assert Evaluation.objects.filter(merchant=merchant).count() == 1


def test_a_silent_run_is_dead_within_two_minutes_and_carried_on():
    merchants = programme(4)
    dead = killed_run(
        merchants,
        1,
        worker="elsewhere:1",
        heartbeat_at=timezone.now() - timedelta(seconds=100),
    )
    run = runs.evaluation_run(kind=MONTHLY)
    dead.refresh_from_db()
    assert dead.state == EvaluationRun.State.FAILED and "No sign of life" in dead.note_text
    assert run.merchants_evaluated == 3
    assert Evaluation.objects.count() == 4
    assert timedelta(seconds=90) >= runs.STALE_AFTER
    assert runs.HEARTBEAT_SECONDS <= 20


def test_a_live_run_on_another_host_is_not_taken_over():
    merchants = programme(2)
    live = killed_run(merchants, 1, worker="elsewhere:1", heartbeat_at=timezone.now())
    with pytest.raises(runs.RunInProgress):
        runs.evaluation_run(kind=MONTHLY)
    live.refresh_from_db()
    assert live.state == EvaluationRun.State.RUNNING


def test_the_heartbeat_beats_while_the_run_works(transactional_db):
    run = EvaluationRun.objects.create(
        kind=MONTHLY,
        policy=EvaluationPolicy.current(),
        heartbeat_at=timezone.now() - timedelta(minutes=5),
    )
    before = EvaluationRun.objects.get(pk=run.pk).heartbeat_at
    with runs._Heartbeat(run, seconds=0.05):
        import time

        time.sleep(0.3)
    assert EvaluationRun.objects.get(pk=run.pk).heartbeat_at > before


def test_a_skipped_run_is_recorded_and_shown_with_its_reason(caplog, city_regulator):
    from ratings.tasks import evaluate_nightly

    city_regulator.can_supervise = True
    city_regulator.save(update_fields=["can_supervise"])
    live = runs.evaluation_run_start(kind=MONTHLY)
    with caplog.at_level("WARNING", logger="ratings.tasks"):
        assert evaluate_nightly() is None
    assert any(r.levelname == "WARNING" for r in caplog.records)
    skipped = EvaluationRun.objects.get(state=EvaluationRun.State.SKIPPED)
    assert skipped.kind == NIGHTLY and skipped.finished_at is not None
    client = client_for(city_regulator)
    english = client.get(reverse("run-list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Skipped: run {live.pk} (Monthly (all merchants))" in english
    chinese = client.get(reverse("run-list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"已跳过：第{live.pk}号评价批次" in chinese
    rows = api(city_regulator).get("/api/v1/ratings/runs/", HTTP_ACCEPT_LANGUAGE="en").json()
    row = next(r for r in rows["results"] if r["state"] == "skipped")
    assert row["note"].startswith(f"Skipped: run {live.pk}")


# --- the data migration of existing rows -----------------------------------------------------


def _migration():
    import importlib

    return importlib.import_module("ratings.migrations.0010_messages_held_appeals_run_workers")


def test_existing_reasons_become_messages_where_the_rows_say_what_they_said():
    from types import SimpleNamespace

    migration = _migration()

    def old(code, reason, evidence=None, to_stars=0):
        return SimpleNamespace(
            reason_code=code, reason=reason, evidence=evidence or {}, to_stars=to_stars
        )

    schemes = {3: ("无理由退货承诺单位", "No-reason-return commitment unit")}
    decided = timezone.now()
    cases = [
        (
            old("declaration_approved", "x", {"declaration": 3}),
            "“无理由退货承诺单位”申报已审核通过。",
            "The declaration for “No-reason-return commitment unit” was approved.",
        ),
        (old("stars_down", "x", {"score": 86}, 2), "得分 86：2 星。", "Score 86: 2 stars."),
        (
            old("below_first_band", "Score 70 is below the first star band (75).", {"score": 70}),
            "得分 70，低于一星分数线（75）。",
            "Score 70 is below the first star band (75).",
        ),
        (
            old(
                "warning",
                "Warning: a. Rectify by 2026-12-01.",
                {"score": 70, "triggers": ["counterfeit", "score_below"]},
            ),
            "预警：",
            "Warning: counterfeit goods found at an inspection; score below the warning line.",
        ),
        (
            old("exited_by_regulator", "售假。"),
            "监管部门决定退出：售假。",
            "Exited by the regulator: 售假。",
        ),
        (
            old("appeal_overturned", "x", {"appeal": 1, "decision": 2}),
            "申诉成立：",
            "Appeal allowed: the decision of",
        ),
        (old("t", "kept as it was"), "kept as it was", "kept as it was"),
    ]
    for row, chinese, english in cases:
        message = migration._change_message(row, schemes, {1: "同意。"}, {2: decided})
        assert chinese in render(message, "zh-hans"), (row, render(message, "zh-hans"))
        assert english in render(message, "en"), (row, render(message, "en"))
    warning = migration._change_message(cases[3][0], schemes, {}, {})
    assert "；" in render(warning, "zh-hans") and warning["params"]["due"] == {"d": "2026-12-01"}


def test_existing_ratings_notices_are_derived_again(merchant, owner, county_regulator):
    from django.apps import apps

    place(merchant, Pool.STAR_RATED, stars=3)
    change = pool_exit(actor=county_regulator, merchant=merchant, reason="12345")
    Notification.objects.filter(key=f"pool-change-{change.pk}").update(
        subject_message={"code": "text", "params": {"text": "Your pool has changed"}},
        body_message={"code": "text", "params": {"text": "12345"}},
    )
    _migration().notifications_to_messages(apps, None)
    notice = Notification.objects.get(key=f"pool-change-{change.pk}", user=owner)
    with translation.override("zh-hans"):
        assert notice.subject == "您的经营主体已退出放心消费培育"
        assert "由星级库（3星）调整为" in notice.body and "监管部门决定退出：12345" in notice.body
    with translation.override("en"):
        assert notice.body.startswith(f"{merchant.name}: from Star-rated pool, 3 stars to Exited.")
