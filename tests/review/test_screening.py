"""Screening end to end: submission → task → rules → stored run → state, flags and inbox;
retries when a source is down, the sweep for stuck declarations, a regulator's re-run."""

import logging
import os
import re
import socket
import subprocess
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from kombu.exceptions import OperationalError

from common.errors import DomainError
from common.models import OutboxItem
from common.outbox import outbox_deliver, outbox_redeliver
from config.celery import app as celery_app
from merchants.models import (
    AuditEntry,
    Declaration,
    Industry,
    Merchant,
    Notification,
    QualityRecord,
)
from merchants.models import DeclarationState as S
from merchants.services import declarations as declaration_services
from review.models import SchemeScreening, ScreeningCheck, ScreeningRuleSetting, ScreeningRun
from review.rules import RULES
from review.services import screening as svc
from review.tasks import screening_sweep
from tests.conftest import client_for
from tests.factories import (
    DeclarationFactory,
    FoodChainRecordFactory,
    MerchantFactory,
    QualityRecordFactory,
    RegistryRecordFactory,
    pdf_upload,
    scheme,
)
from tests.review.fake_sources import sources_down

pytestmark = pytest.mark.django_db


def complete(declaration: Declaration, actor: Any) -> Declaration:
    s = declaration.scheme
    declaration_services.declaration_update(
        actor=actor, declaration=declaration, commitments=s.commitments.all()
    )
    for doc in s.required_documents.filter(is_mandatory=True):
        declaration_services.declaration_attach_document(
            actor=actor, declaration=declaration, required_document=doc, upload=pdf_upload()
        )
    return declaration


@pytest.fixture
def draft(owner, merchant) -> Declaration:
    d = declaration_services.declaration_create(
        actor=owner, merchant=merchant, scheme=scheme("assured-unit")
    )
    return complete(d, owner)


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    def _submit(declaration: Declaration, actor: Any) -> Declaration:
        with django_capture_on_commit_callbacks(execute=True):
            declaration_services.declaration_submit(actor=actor, declaration=declaration)
        declaration.refresh_from_db()
        return declaration

    return _submit


def registry(merchant: Merchant, **fields: Any) -> None:
    RegistryRecordFactory(uscc=merchant.uscc, **fields)


def outcomes(run: ScreeningRun) -> dict[str, str]:
    return {c.rule: c.outcome for c in run.checks.all()}


def test_clean_declaration_goes_to_review_unflagged(draft, owner, submit):
    registry(draft.merchant)
    submit(draft, owner)
    assert draft.state == S.PENDING_REVIEW
    assert not draft.flagged and not draft.screening_incomplete
    events = list(draft.events.values_list("from_state", "to_state"))
    assert events[-2:] == [(S.SUBMITTED, S.SCREENING), (S.SCREENING, S.PENDING_REVIEW)]
    assert draft.events.last().reason_text == "Passed every automatic screening check."
    run = svc.screening_run_latest(declaration=draft)
    assert run.outcome == "pass" and run.attempt == 1 and run.finished_at
    assert set(outcomes(run)) == set(RULES)
    assert outcomes(run)["permit_valid"] == "skipped"  # a retail shop needs no permit
    assert outcomes(run)["entity_active"] == "pass"
    check = run.checks.get(rule="entity_active")
    assert check.data["registry"]["uscc"] == draft.merchant.uscc
    assert check.reason_en and check.reason_zh


def test_a_warning_goes_to_review_flagged(draft, owner, submit):
    submit(draft, owner)  # the registry knows nothing of this merchant
    assert draft.state == S.PENDING_REVIEW
    assert draft.flagged and not draft.screening_incomplete
    reason = draft.events.last().reason_text
    assert reason.startswith("Passed the automatic screening with warnings for the reviewer:")
    assert "No registry record was found" in reason
    assert svc.screening_run_latest(declaration=draft).outcome == "warn"
    # The merchant is told of outcomes, not of flags (only of its move into the selection
    # pool: ratings tells of every pool change).
    assert not Notification.objects.exclude(key__startswith="pool-change-").exists()


def test_a_fail_goes_back_to_the_merchant_with_the_reasons(draft, owner, submit):
    registry(draft.merchant, licence_valid_until=date(2025, 3, 1))
    submit(draft, owner)
    assert draft.state == S.SCREENING_FAILED
    event = draft.events.last()
    assert event.to_state == S.SCREENING_FAILED and event.actor is None
    assert event.reason_text.startswith("The automatic screening found problems to fix:")
    assert (
        "The business licence expired on 2025-03-01 — renew it at the registry" in event.reason_text
    )
    notification = Notification.objects.get(user=owner)
    assert notification.declaration == draft
    assert "expired on 2025-03-01" in notification.body
    run = svc.screening_run_latest(declaration=draft)
    assert run.outcome == "fail" and outcomes(run)["licence_valid"] == "fail"

    # Renewed at the registry, resubmitted: screening runs again from the first attempt.
    RegistryRecordFactory(uscc=draft.merchant.uscc, licence_valid_until=date(2045, 1, 1))
    submit(draft, owner)
    assert draft.state == S.PENDING_REVIEW and not draft.flagged
    latest = svc.screening_run_latest(declaration=draft)
    assert latest.outcome == "pass" and latest.attempt == 1
    assert draft.screening_runs.count() == 2


def test_a_source_down_is_retried_then_goes_to_review_incomplete(draft, owner, submit, settings):
    sources_down(settings, "registry")
    submit(draft, owner)  # eager Celery: the retries run at once
    assert draft.state == S.PENDING_REVIEW
    assert draft.screening_incomplete and draft.flagged
    runs = list(draft.screening_runs.order_by("attempt"))
    assert [r.attempt for r in runs] == [1, 2, 3, 4]
    assert {r.outcome for r in runs} == {"incomplete"}
    assert runs[0].note and not runs[-1].note
    last = outcomes(runs[-1])
    assert last["entity_active"] == last["licence_valid"] == last["not_on_lists"] == "unavailable"
    assert last["uscc_check_digit"] == "pass"
    reason = draft.events.last().reason_text
    assert "could not be completed" in reason and "enterprise registry" in reason
    # Only the final move to review is an event; the retries stayed in `screening`.
    assert list(draft.events.values_list("to_state", flat=True)) == [
        S.DRAFT,
        S.SUBMITTED,
        S.SCREENING,
        S.PENDING_REVIEW,
    ]


def test_a_fail_wins_over_a_source_that_is_down(draft, owner, submit, settings):
    sources_down(settings, "quality")
    Merchant.objects.filter(pk=draft.merchant_id).update(
        licence_valid_from=date(2015, 1, 1), licence_valid_until=date(2020, 1, 1)
    )
    submit(draft, owner)
    assert draft.state == S.SCREENING_FAILED
    assert draft.screening_runs.count() == 1  # no retry: the fail is certain already


def test_source_recovering_between_retries(draft, owner, settings, monkeypatch):
    registry(draft.merchant)
    sources_down(settings, "registry")
    declaration_services.declaration_submit(actor=owner, declaration=draft)
    with pytest.raises(svc.ScreeningSourcesUnavailable) as excinfo:
        svc.declaration_screen(declaration_id=draft.pk)
    assert excinfo.value.sources == ["registry"]
    draft.refresh_from_db()
    assert draft.state == S.SCREENING
    assert svc.screening_run_latest(declaration=draft) is None  # no report while it retries
    settings.EXTERNAL_SOURCE_ADAPTERS = {}
    run = svc.declaration_screen(declaration_id=draft.pk)
    draft.refresh_from_db()
    assert run.attempt == 2 and run.outcome == "pass"
    assert draft.state == S.PENDING_REVIEW and not draft.flagged


def test_disabling_a_rule_in_the_database_changes_the_outcome(draft, owner, submit):
    ScreeningRuleSetting.objects.filter(scheme=draft.scheme, rule="entity_active").update(
        enabled=False
    )
    submit(draft, owner)
    assert draft.state == S.PENDING_REVIEW and not draft.flagged
    assert "entity_active" not in outcomes(svc.screening_run_latest(declaration=draft))


def test_a_threshold_changed_in_the_database_changes_the_outcome(draft, owner, submit):
    registry(draft.merchant)
    QualityRecordFactory(
        uscc=draft.merchant.uscc,
        checked_on=timezone.localdate() - timedelta(days=500),
        result=QualityRecord.Result.FAIL,
    )
    ScreeningRuleSetting.objects.filter(scheme=draft.scheme, rule="no_failed_quality_check").update(
        on_breach="fail", params={"months": 24}
    )
    submit(draft, owner)
    assert draft.state == S.SCREENING_FAILED
    assert "have the product checked again" in draft.events.last().reason_text


def test_screening_a_declaration_twice_does_nothing(draft, owner, submit):
    registry(draft.merchant)
    submit(draft, owner)
    assert svc.declaration_screen(declaration_id=draft.pk) is None
    assert svc.declarations_screen_bulk([draft.pk]).runs == []
    assert draft.screening_runs.count() == 1
    assert draft.events.count() == 4


def test_a_draft_is_not_screened(draft):
    assert svc.declaration_screen(declaration_id=draft.pk) is None
    assert not ScreeningRun.objects.exists()


def test_a_run_that_crashed_is_resumed(draft, owner):
    registry(draft.merchant)
    declaration_services.declaration_submit(actor=owner, declaration=draft)
    declaration_services.declaration_screening_start(declaration=draft)
    ScreeningRun.objects.create(declaration=draft, attempt=1)  # the worker died here
    run = svc.declaration_screen(declaration_id=draft.pk)
    draft.refresh_from_db()
    assert run.attempt == 2 and run.outcome == "pass"
    assert draft.state == S.PENDING_REVIEW
    assert svc.screening_run_latest(declaration=draft) == run


def test_of_two_concurrent_runs_only_the_newer_lands(draft, owner):
    registry(draft.merchant)
    declaration_services.declaration_submit(actor=owner, declaration=draft)
    older = svc._claim([draft.pk])
    newer = svc._claim([draft.pk])
    fresh = Declaration.objects.select_related("merchant").get(pk=draft.pk)
    svc.share_schemes([fresh])
    evaluations = svc.evaluate([fresh])
    svc._record(evaluations, older, final_attempt=False)
    draft.refresh_from_db()
    assert draft.state == S.SCREENING
    assert not ScreeningRun.objects.filter(pk=older[draft.pk].pk).exists()
    svc._record(evaluations, newer, final_attempt=False)
    draft.refresh_from_db()
    assert draft.state == S.PENDING_REVIEW
    assert draft.events.filter(to_state=S.PENDING_REVIEW).count() == 1
    assert ScreeningCheck.objects.filter(run_id=newer[draft.pk].pk).count() == len(RULES)


# A regulator runs the screening again


@pytest.fixture
def pending(draft, owner, submit) -> Declaration:
    submit(draft, owner)  # no registry record: flagged
    assert draft.state == S.PENDING_REVIEW and draft.flagged
    return draft


def test_a_reviewer_reruns_screening_and_the_flags_follow(pending, county_regulator):
    registry(pending.merchant)  # the registry has caught up
    run = svc.declaration_rescreen(actor=county_regulator, declaration=pending)
    assert run.triggered_by == county_regulator and run.outcome == "pass" and run.attempt == 2
    assert pending.state == S.PENDING_REVIEW
    assert not pending.flagged and not pending.screening_incomplete
    assert svc.screening_run_latest(declaration=pending) == run
    entry = AuditEntry.objects.get(action="declaration.rescreen")
    assert entry.actor == county_regulator and entry.data["run"] == run.pk
    assert entry.merchant == pending.merchant


def test_a_rerun_that_fails_only_flags_the_declaration(pending, city_regulator):
    registry(pending.merchant, entity_status="cancelled")
    run = svc.declaration_rescreen(actor=city_regulator, declaration=pending)
    assert run.outcome == "fail"
    assert pending.state == S.PENDING_REVIEW and pending.flagged


def test_a_rerun_with_a_source_down_marks_it_incomplete(pending, county_regulator, settings):
    sources_down(settings, "enforcement")
    run = svc.declaration_rescreen(actor=county_regulator, declaration=pending)
    assert run.outcome == "incomplete"
    assert pending.screening_incomplete and pending.flagged


def test_a_reviewer_reruns_a_declaration_they_hold(pending, county_regulator):
    declaration_services.declaration_claim(actor=county_regulator, declaration=pending)
    run = svc.declaration_rescreen(actor=county_regulator, declaration=pending)
    assert run.triggered_by == county_regulator and pending.state == S.UNDER_REVIEW


@pytest.mark.parametrize("who", ["other_county_regulator", "owner", "consumer"])
def test_rerun_refused_outside_the_reviewers_scope(pending, who, request):
    actor = request.getfixturevalue(who)
    with pytest.raises(DomainError, match="not a reviewer for this merchant's region"):
        svc.declaration_rescreen(actor=actor, declaration=pending)
    assert pending.screening_runs.count() == 1
    assert not AuditEntry.objects.filter(action="declaration.rescreen").exists()


def test_rerun_refused_on_a_declaration_another_regulator_holds(
    pending, county_regulator, city_regulator
):
    declaration_services.declaration_claim(actor=city_regulator, declaration=pending)
    with pytest.raises(DomainError, match="under review that you hold"):
        svc.declaration_rescreen(actor=county_regulator, declaration=pending)


def test_rerun_refused_after_the_decision(pending, county_regulator):
    declaration_services.declaration_claim(actor=county_regulator, declaration=pending)
    declaration_services.declaration_approve(actor=county_regulator, declaration=pending)
    with pytest.raises(DomainError):
        svc.declaration_rescreen(actor=county_regulator, declaration=pending)


# The sweep for declarations stuck in submitted / screening


def sweep(**kwargs: Any) -> svc.SweepResult:
    """The sweep as the periodic task runs it, outside a transaction: what it enqueues through
    the outbox is delivered at once."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return svc.declarations_screening_sweep(**kwargs)


def stuck(declaration: Declaration, owner: Any, minutes: int = 30) -> Declaration:
    """Submitted, but the screening task never ran (enqueue lost, worker down)."""
    declaration_services.declaration_submit(actor=owner, declaration=declaration)
    Declaration.objects.filter(pk=declaration.pk).update(
        updated_at=timezone.now() - timedelta(minutes=minutes)
    )
    return declaration


def test_the_sweep_screens_a_stuck_declaration_exactly_once(draft, owner):
    registry(draft.merchant)
    stuck(draft, owner)
    result = sweep()
    assert result.requeued == [draft.pk] and result.given_up == []
    draft.refresh_from_db()
    assert draft.state == S.PENDING_REVIEW
    again = sweep()
    assert again.requeued == [] and again.given_up == []
    assert draft.screening_runs.count() == 1


def test_the_sweep_leaves_recent_submissions_to_their_task(draft, owner):
    stuck(draft, owner, minutes=2)
    assert sweep().requeued == []
    draft.refresh_from_db()
    assert draft.state == S.SUBMITTED


def test_a_declaration_claimed_by_another_sweep_is_skipped(draft, owner, monkeypatch):
    stuck(draft, owner)
    count_attempts = svc._attempts_since_submission

    def another_sweep_claims_first(ids: Any) -> dict[int, int]:
        ids = list(ids)
        Declaration.objects.filter(pk__in=ids).update(updated_at=timezone.now())
        return count_attempts(ids)

    monkeypatch.setattr(svc, "_attempts_since_submission", another_sweep_claims_first)
    result = sweep()
    assert result.requeued == [] and result.given_up == []
    draft.refresh_from_db()
    assert draft.state == S.SUBMITTED


def test_the_sweep_gives_up_after_every_attempt_crashed(draft, owner):
    stuck(draft, owner)
    declaration_services.declaration_screening_start(declaration=draft)
    for attempt in range(1, svc.MAX_ATTEMPTS + 1):
        ScreeningRun.objects.create(declaration=draft, attempt=attempt)
    Declaration.objects.filter(pk=draft.pk).update(
        updated_at=timezone.now() - timedelta(minutes=30)
    )
    result = sweep()
    assert result.given_up == [draft.pk]
    draft.refresh_from_db()
    assert draft.state == S.PENDING_REVIEW
    assert draft.screening_incomplete and draft.flagged
    run = svc.screening_run_latest(declaration=draft)
    assert run.outcome == "incomplete" and run.attempt == svc.MAX_ATTEMPTS + 1
    assert "did not finish after 4 attempts" in run.note
    assert "did not finish after 4 attempts" in draft.events.last().reason_text


def test_the_sweep_task(draft, owner):
    registry(draft.merchant)
    stuck(draft, owner)
    assert screening_sweep.delay().get() == {"interrupted": 0, "requeued": 1, "given_up": 0}


def test_every_scheduled_task_exists():
    from config.schedules import SCHEDULES

    celery_app.loader.import_default_modules()
    assert {entry.task for entry in SCHEDULES} <= set(celery_app.tasks)


def test_a_broker_that_is_down_delays_the_screening_never_loses_it(
    draft, owner, submit, monkeypatch, caplog
):
    """The enqueue is an outbox item of the submission's transaction: with the broker down the
    submission still succeeds and the item waits; the re-delivery enqueues it once."""

    def broker_down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    registry(draft.merchant)
    with monkeypatch.context() as patched, caplog.at_level(logging.WARNING, logger="common.outbox"):
        patched.setattr("celery.app.task.Task.apply_async", broker_down)
        submit(draft, owner)
    assert draft.state == S.SUBMITTED
    # Tasks run eagerly here: the dispatcher ran after the commit, and the broker refused the
    # screening task itself, so the item waits with its error.
    assert "failed (attempt 1)" in caplog.text
    item = OutboxItem.objects.get(kind="task")
    assert item.payload == {
        "name": "review.tasks.screen_declaration",
        "args": [draft.pk],
        "kwargs": {},
    }
    assert (
        item.delivered_at is None and item.attempts == 1 and "OperationalError" in item.last_error
    )
    assert outbox_deliver([item.pk]) == 0  # not due before its backoff has passed
    # The broker is back: the periodic re-delivery enqueues it, once.
    OutboxItem.objects.filter(pk=item.pk).update(due_at=timezone.now())
    assert outbox_redeliver() >= 1
    item.refresh_from_db()
    assert item.delivered_at is not None and item.attempts == 2
    outbox_redeliver()  # what the screening itself recorded (notices, cache) goes too; not this
    item.refresh_from_db()
    assert item.attempts == 2
    draft.refresh_from_db()
    assert draft.state == S.PENDING_REVIEW
    assert draft.screening_runs.count() == 1


# Runs whose worker died


def test_the_sweep_closes_a_run_whose_worker_died_and_screens_again(draft, owner, submit):
    registry(draft.merchant)
    stuck(draft, owner, minutes=1)
    # A worker claimed it and died: its run is left unfinished, the declaration in screening.
    [run] = svc._claim([draft.pk]).values()
    long_ago = timezone.now() - timedelta(minutes=svc.STALE_RUN_MINUTES + 1)
    Declaration.objects.filter(pk=draft.pk).update(submitted_at=long_ago)
    ScreeningRun.objects.filter(pk=run.pk).update(started_at=long_ago)
    result = sweep()
    assert result.interrupted == [draft.pk] and result.requeued == [draft.pk]
    run.refresh_from_db()
    assert run.outcome == ScreeningRun.Outcome.INTERRUPTED and run.finished_at
    assert run.note_message == {"code": "screening.interrupted", "params": {}}
    with translation.override("en"):
        assert "interrupted" in run.note
    with translation.override("zh-hans"):
        assert "中断" in run.note and not re.search("[A-Za-z]", run.note)
    draft.refresh_from_db()
    assert draft.state == S.PENDING_REVIEW
    latest = svc.screening_run_latest(declaration=draft)
    assert latest.outcome == ScreeningRun.Outcome.PASS and latest.attempt == 2
    # Nothing left to close the next time.
    assert sweep().interrupted == []


def test_a_run_of_a_dead_process_on_this_host_is_closed_at_once(draft, owner):
    registry(draft.merchant)
    stuck(draft, owner, minutes=1)
    [run] = svc._claim([draft.pk]).values()
    assert run.worker_host == socket.gethostname() and run.worker_pid == os.getpid()
    dead = subprocess.Popen(["true"])
    dead.wait()
    ScreeningRun.objects.filter(pk=run.pk).update(worker_pid=dead.pid)
    assert sweep().interrupted == [draft.pk]
    run.refresh_from_db()
    assert run.outcome == ScreeningRun.Outcome.INTERRUPTED


def test_a_recent_run_of_a_live_worker_is_left_alone(draft, owner):
    registry(draft.merchant)
    stuck(draft, owner, minutes=1)
    [run] = svc._claim([draft.pk]).values()  # this process: alive, and just started
    result = sweep()
    assert result.interrupted == [] and result.requeued == []
    run.refresh_from_db()
    assert run.finished_at is None and run.outcome == ""


# Bulk


def submitted_declarations(n: int, owner: Any) -> list[Declaration]:
    declarations = []
    for i in range(n):
        if i % 3 == 0:
            merchant = MerchantFactory()
            registry(merchant)
        elif i % 3 == 1:
            merchant = MerchantFactory()
            registry(merchant, entity_status="revoked")
        else:  # a restaurant the registry does not know; its food permit is in the food chain
            merchant = MerchantFactory(industry=Industry.CATERING)
            FoodChainRecordFactory(uscc=merchant.uscc)
        declarations.append(
            DeclarationFactory(
                merchant=merchant,
                created_by=owner,
                state=S.SUBMITTED,
                submitted_at=timezone.now(),
            )
        )
    # These declarations were built without their content; this test is about the sources.
    ScreeningRuleSetting.objects.filter(rule="commitments_and_documents").update(enabled=False)
    return declarations


SOURCE_TABLES = (
    "merchants_registryrecord",
    "merchants_qualityrecord",
    "merchants_coldchainrecord",
    "merchants_penaltyrecord",
    "merchants_permit",
    "merchants_foodchainrecord",
)


def test_bulk_screening_asks_each_source_once_per_batch(owner):
    declarations = submitted_declarations(24, owner)
    with CaptureQueriesContext(connection) as queries:
        summary = svc.declarations_screen_bulk([d.pk for d in declarations], batch_size=12)
    for table in SOURCE_TABLES:
        reads = [q for q in queries if f'FROM "{table}"' in q["sql"]]
        assert len(reads) == 2, table  # two batches
    assert summary.count("pass") == 8
    assert summary.count("warn") == 8
    assert summary.count("fail") == 8
    assert summary.retry == {}
    states = Counter(Declaration.objects.values_list("state", flat=True))
    assert states == {S.PENDING_REVIEW: 16, S.SCREENING_FAILED: 8}


def test_bulk_screening_leaves_declarations_with_a_source_down_for_retry(owner, settings):
    declarations = submitted_declarations(3, owner)
    sources_down(settings, "registry")
    summary = svc.declarations_screen_bulk([d.pk for d in declarations])
    assert set(summary.retry) == {d.pk for d in declarations}
    assert set(Declaration.objects.values_list("state", flat=True)) == {S.SCREENING}
    final = svc.declarations_screen_bulk([d.pk for d in declarations], final_attempt=True)
    assert final.count("incomplete") == 3 and final.retry == {}
    assert Declaration.objects.filter(screening_incomplete=True).count() == 3


# The report


def test_the_report_shows_the_merchant_what_to_fix(draft, owner, submit, django_assert_num_queries):
    registry(draft.merchant, licence_valid_until=date(2025, 3, 1), on_abnormal_list=True)
    submit(draft, owner)
    with django_assert_num_queries(2):
        run = svc.screening_run_latest(declaration=draft)
        html = render_to_string(
            "review/queue/_screening_report.html", {"run": run, "audience": "merchant"}
        )
    assert "To fix before the declaration can go to review" in html
    assert "The business licence expired on 2025-03-01" in html
    assert "Passed on to the reviewer as warnings" in html
    assert "abnormal-operations list" in html
    assert "check digit is right" not in html  # passed checks are not listed for the merchant
    assert "<details>" not in html


def test_the_report_shows_the_regulator_every_check_and_its_data(draft, owner, submit):
    registry(draft.merchant, record_id="REG-77")
    submit(draft, owner)
    run = svc.screening_run_latest(declaration=draft)
    html = render_to_string(
        "review/queue/_screening_report.html", {"run": run, "audience": "regulator"}
    )
    assert html.count('<tr class="check-') == len(RULES)
    assert "check digit is right" in html
    assert "<details>" in html and "REG-77" in html
    assert "attempt 1" in html


def test_the_run_as_json_for_the_api(draft, owner, submit):
    submit(draft, owner)
    data = svc.screening_run_latest(declaration=draft).to_json()
    assert data["outcome"] == "warn" and data["attempt"] == 1
    entity = next(c for c in data["checks"] if c["rule"] == "entity_active")
    assert entity["outcome"] == "warn" and entity["label"] == "Entity active in the registry"
    assert entity["reason"] == entity["reason_en"]


# Admin


def _admin(model: Any, view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_admin_edits_a_schemes_rules_on_one_page(admin_user):
    unit = SchemeScreening.objects.get(code="assured-unit")
    client = client_for(admin_user)
    page = client.get(_admin(SchemeScreening, "change", unit.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Business licence not expired" in html and "warn_within_days" in html
    assert client.get(_admin(SchemeScreening, "add")).status_code == 403


def test_admin_refuses_bad_parameters_and_saves_good_ones(admin_user):
    setting = ScreeningRuleSetting.objects.get(
        scheme__code="assured-unit", rule="no_recent_penalty"
    )
    client = client_for(admin_user)
    url = _admin(ScreeningRuleSetting, "change", setting.pk)
    form = {
        "scheme": setting.scheme_id,
        "rule": setting.rule,
        "enabled": "on",
        "on_breach": "warn",
        "order": 50,
    }
    refused = client.post(url, {**form, "params": '{"months": "twelve"}'})
    assert refused.status_code == 200
    assert "must look like its default" in refused.content.decode()
    saved = client.post(url, {**form, "params": '{"months": 24}'})
    assert saved.status_code == 302
    setting.refresh_from_db()
    assert setting.params == {"months": 24} and setting.on_breach == "warn"


def test_admin_shows_runs_read_only(admin_user, draft, owner, submit):
    submit(draft, owner)
    run = svc.screening_run_latest(declaration=draft)
    client = client_for(admin_user)
    assert client.get(_admin(ScreeningRun, "changelist")).status_code == 200
    page = client.get(_admin(ScreeningRun, "change", run.pk))
    assert page.status_code == 200 and "No registry record was found" in page.content.decode()
    assert client.get(_admin(ScreeningRun, "add")).status_code == 403
    assert client.post(_admin(ScreeningRun, "delete", run.pk), {"post": "yes"}).status_code == 403
    check = run.checks.first()
    assert client.get(_admin(ScreeningCheck, "change", check.pk)).status_code == 200
