"""Automatic first-pass screening (系统初审): run the scheme's rules, store the result, move on.

A run goes in three steps, so that nothing stays stuck and no lock is held while sources are
asked: (1) claim — lock, move `submitted` to `screening`, write the run row and commit, so even a
crash leaves a trace the sweep can count; (2) evaluate — fetch the facts for the whole batch (one
query per source) and run the rules; (3) record — lock again, store the checks and end screening,
unless another worker's newer run has taken over.

Outcome: any fail → `screening_failed` (back to the merchant with the reasons); a source down →
retried by the task, and after the last attempt → `pending_review` flagged "screening
incomplete"; warnings → `pending_review` flagged; else `pending_review`.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.errors import require
from common.messages import Message, bilingual, msg
from common.outbox import outbox_add
from merchants.models import Declaration, User
from merchants.models import DeclarationState as S
from merchants.permissions import can_review
from merchants.services.audit import audit_log
from merchants.services.bulk import bulk_write
from merchants.services.declarations import (
    Move,
    declaration_screening_finish,
    declaration_screening_start,
    declarations_transition_many,
)
from merchants.signals import DeclarationChange
from review.messages import (
    SCREENING_FAILED,
    SCREENING_GAVE_UP,
    SCREENING_INCOMPLETE,
    SCREENING_INTERRUPTED,
    SCREENING_PASSED,
    SCREENING_POINT,
    SCREENING_RETRYING,
    SCREENING_WARNED,
)
from review.models import ScreeningCheck, ScreeningRun
from review.rules.base import SOURCE_LABELS, CheckOutcome
from review.rules.engine import Evaluation, evaluate, render_reasons, share_schemes

logger = logging.getLogger(__name__)

# The first try and three retries; the sweep gives up on a declaration after this many runs.
MAX_ATTEMPTS = 4
BATCH_SIZE = 500
SCREENABLE_STATES = (S.SUBMITTED, S.SCREENING)
CHECK_COLUMNS = ("run_id", "rule", "outcome", "reason_zh", "reason_en", "data", "order")
# A run still unfinished this long after it started has lost its worker (a run of a batch takes
# seconds; a source that hangs times out well within this).
STALE_RUN_MINUTES = 5


class ScreeningSourcesUnavailable(Exception):
    """A data source was down and this was not the last attempt: retry later."""

    def __init__(self, declaration_id: int, sources: list[str]) -> None:
        super().__init__(f"declaration {declaration_id}: unavailable {', '.join(sources)}")
        self.declaration_id = declaration_id
        self.sources = sources


@dataclass
class ScreeningSummary:
    runs: list[ScreeningRun] = field(default_factory=list)
    # Declarations left in `screening` because a source was down (and which sources); the task
    # or the sweep retries them.
    retry: dict[int, list[str]] = field(default_factory=dict)

    def count(self, outcome: str) -> int:
        return sum(1 for run in self.runs if run.outcome == outcome)


def declaration_screen(*, declaration_id: int, final_attempt: bool = False) -> ScreeningRun | None:
    """Screen one declaration in `submitted` (or `screening`, when retrying after a crash or a
    source failure). Anything else is left alone, so a repeated call does nothing.

    Raises ScreeningSourcesUnavailable when a source is down, unless this is the final attempt
    (by the caller's word or by the number of runs since submission): then the declaration goes
    to review flagged "screening incomplete".
    """
    summary = _screen_batch([declaration_id], final_attempt=final_attempt)
    if summary.retry:
        raise ScreeningSourcesUnavailable(declaration_id, summary.retry[declaration_id])
    return summary.runs[0] if summary.runs else None


def declarations_screen_bulk(
    declaration_ids: Iterable[int], *, final_attempt: bool = False, batch_size: int = BATCH_SIZE
) -> ScreeningSummary:
    """Screen many declarations, `batch_size` at a time, each source asked once per batch.

    Declarations whose sources were down stay in `screening` (listed in `retry`) unless
    `final_attempt`; the sweep picks them up.
    """
    ids = list(dict.fromkeys(declaration_ids))
    summary = ScreeningSummary()
    for start in range(0, len(ids), batch_size):
        part = _screen_batch(ids[start : start + batch_size], final_attempt=final_attempt)
        summary.runs.extend(part.runs)
        summary.retry.update(part.retry)
    return summary


def _screen_batch(ids: list[int], *, final_attempt: bool) -> ScreeningSummary:
    runs = _claim(ids)
    if not runs:
        return ScreeningSummary()
    declarations = list(
        Declaration.objects.filter(pk__in=runs)
        .select_related("merchant")
        # What declaration_missing_items reads, for the whole batch at once.
        .prefetch_related("accepted_commitments", "documents", "member_merchants")
        .order_by("pk")
    )
    share_schemes(declarations)
    evaluations = evaluate(declarations)
    return _record(evaluations, runs, final_attempt=final_attempt)


def _attempts_since_submission(declaration_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        ScreeningRun.objects.filter(
            declaration_id__in=list(declaration_ids),
            started_at__gte=F("declaration__submitted_at"),
        )
        .values("declaration_id")
        .annotate(n=Count("id"))
    )
    return {row["declaration_id"]: row["n"] for row in rows}


@transaction.atomic
def _claim(ids: list[int]) -> dict[int, ScreeningRun]:
    # skip_locked: a declaration another worker is finishing right now is theirs.
    locked = list(
        Declaration.objects.select_for_update(skip_locked=True)
        .filter(pk__in=ids, state__in=SCREENABLE_STATES)
        .only("pk", "state", "submitted_at")
        .order_by("pk")
    )
    if not locked:
        return {}
    now = timezone.now()
    retrying = [d.pk for d in locked if d.state == S.SCREENING]
    declarations_transition_many(
        [(d, S.SCREENING, "", {}) for d in locked if d.state == S.SUBMITTED], now=now
    )
    if retrying:
        # The sweep looks for declarations nobody has touched for a while.
        Declaration.objects.filter(pk__in=retrying).update(updated_at=now)
    attempts = _attempts_since_submission(d.pk for d in locked)
    host, pid = socket.gethostname()[:100], os.getpid()
    runs = ScreeningRun.objects.bulk_create(
        ScreeningRun(
            declaration=d,
            attempt=attempts.get(d.pk, 0) + 1,
            started_at=now,
            worker_host=host,
            worker_pid=pid,
        )
        for d in locked
    )
    return {run.declaration_id: run for run in runs}


def _sources_param(sources: list[str]) -> dict[str, Any]:
    """The unavailable sources' names, listed in each language's way."""

    def names() -> str:
        separator = "、" if (translation.get_language() or "").startswith("zh") else ", "
        return separator.join(str(SOURCE_LABELS.get(s, s)) for s in sources)

    return bilingual(names)


def _summary_message(
    evaluation: Evaluation, reasons: list[tuple[str, str]], outcome: str
) -> list[Message]:
    """The event's reason, what the merchant or reviewer must know, as messages: a first line,
    then each failed or warned check's reason (stored in both languages)."""

    def points(*outcomes: str) -> list[Message]:
        return [
            msg(SCREENING_POINT, reason={"l": {"zh-hans": zh, "en": en}})
            for check, (zh, en) in zip(evaluation.checks, reasons, strict=True)
            if check.outcome in outcomes
        ]

    if outcome == ScreeningRun.Outcome.FAIL:
        return [msg(SCREENING_FAILED), *points(CheckOutcome.FAIL)]
    if outcome == ScreeningRun.Outcome.INCOMPLETE:
        return [
            msg(SCREENING_INCOMPLETE, sources=_sources_param(evaluation.unavailable_sources)),
            *points(CheckOutcome.WARN),
        ]
    if outcome == ScreeningRun.Outcome.WARN:
        return [msg(SCREENING_WARNED), *points(CheckOutcome.WARN)]
    return [msg(SCREENING_PASSED)]


def _record(
    evaluations: list[Evaluation], runs: dict[int, ScreeningRun], *, final_attempt: bool
) -> ScreeningSummary:
    reasons = render_reasons(evaluations)
    summary = ScreeningSummary()
    now = timezone.now()
    with transaction.atomic():
        states = dict(
            Declaration.objects.select_for_update()
            .filter(pk__in=runs)
            .order_by("pk")
            .values_list("pk", "state")
        )
        moves: list[Move] = []
        latest = dict(
            ScreeningRun.objects.filter(declaration_id__in=runs)
            .values("declaration_id")
            .annotate(latest=Max("pk"))
            .values_list("declaration_id", "latest")
        )
        checks: list[tuple[Any, ...]] = []
        superseded: list[int] = []
        for evaluation in evaluations:
            declaration = evaluation.declaration
            run = runs[declaration.pk]
            if states.get(declaration.pk) != S.SCREENING or latest.get(declaration.pk) != run.pk:
                superseded.append(run.pk)  # another worker's run has finished or taken over
                continue
            texts = []
            for position, check in enumerate(evaluation.checks):
                zh, en = reasons[(declaration.pk, position)]
                texts.append((zh, en))
                checks.append(
                    (
                        run.pk,
                        check.setting.rule.code,
                        check.outcome,
                        zh,
                        en,
                        check.result.data,
                        position,
                    )
                )
            outcome = evaluation.outcome
            run.outcome, run.finished_at = outcome, now
            summary.runs.append(run)
            final = final_attempt or run.attempt >= MAX_ATTEMPTS
            if outcome == ScreeningRun.Outcome.INCOMPLETE and not final:
                run.note_message = msg(SCREENING_RETRYING)
                summary.retry[declaration.pk] = evaluation.unavailable_sources
                continue
            reason = _summary_message(evaluation, texts, outcome)
            incomplete = outcome == ScreeningRun.Outcome.INCOMPLETE
            declaration.state = S.SCREENING
            moves.append(
                (
                    declaration,
                    S.SCREENING_FAILED
                    if outcome == ScreeningRun.Outcome.FAIL
                    else S.PENDING_REVIEW,
                    reason,
                    {
                        "flagged": incomplete or outcome != ScreeningRun.Outcome.PASS,
                        "screening_incomplete": incomplete,
                    },
                )
            )
        declarations_transition_many(moves, now=now)
        bulk_write(ScreeningCheck, CHECK_COLUMNS, checks, json_columns=(5,))
        finished: dict[tuple[str, str], list[int]] = defaultdict(list)
        for run in summary.runs:
            finished[(run.outcome, json.dumps(run.note_message))].append(run.pk)
        for (outcome, note), pks in finished.items():
            ScreeningRun.objects.filter(pk__in=pks).update(
                outcome=outcome, note_message=json.loads(note), finished_at=now
            )
        if superseded:
            ScreeningRun.objects.filter(pk__in=superseded).delete()
    return summary


def declaration_rescreen(*, actor: User, declaration: Declaration) -> ScreeningRun:
    """A reviewer runs the screening again (e.g. after the registry corrected a record).

    Stores a new run and updates the flags; the declaration stays where it is in review, and
    the reviewer decides with the new report in front of them.
    """
    require(can_review(actor, declaration), _("You are not a reviewer for this merchant's region."))

    def check_state(current: Declaration) -> None:
        require(
            current.state == S.PENDING_REVIEW
            or (current.state == S.UNDER_REVIEW and current.reviewer_id == actor.pk),
            _(
                "Screening can be run again only on a declaration waiting for review, or one "
                "under review that you hold."
            ),
        )

    check_state(declaration)
    fresh = Declaration.objects.select_related("merchant").get(pk=declaration.pk)
    share_schemes([fresh])
    [evaluation] = evaluate([fresh])
    reasons = render_reasons([evaluation])
    now = timezone.now()
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
        check_state(locked)
        attempt = _attempts_since_submission([locked.pk]).get(locked.pk, 0) + 1
        run = ScreeningRun.objects.create(
            declaration=locked,
            attempt=attempt,
            started_at=now,
            finished_at=now,
            outcome=evaluation.outcome,
            triggered_by=actor,
        )
        ScreeningCheck.objects.bulk_create(
            ScreeningCheck(
                run=run,
                rule=check.setting.rule.code,
                outcome=check.outcome,
                reason_zh=reasons[(locked.pk, position)][0],
                reason_en=reasons[(locked.pk, position)][1],
                data=check.result.data,
                order=position,
            )
            for position, check in enumerate(evaluation.checks)
        )
        incomplete = bool(evaluation.having(CheckOutcome.UNAVAILABLE))
        locked.flagged = incomplete or bool(evaluation.having(CheckOutcome.WARN, CheckOutcome.FAIL))
        locked.screening_incomplete = incomplete
        locked.save(update_fields=["flagged", "screening_incomplete", "updated_at"])
        audit_log(
            actor=actor,
            action="declaration.rescreen",
            merchant=fresh.merchant,
            obj=locked,
            data={
                "run": run.pk,
                "outcome": run.outcome,
                "flagged": locked.flagged,
                "screening_incomplete": incomplete,
            },
        )
    declaration.refresh_from_db()
    return run


@dataclass
class SweepResult:
    requeued: list[int] = field(default_factory=list)
    given_up: list[int] = field(default_factory=list)
    interrupted: list[int] = field(default_factory=list)  # declarations whose run was closed


def declarations_screening_sweep(*, older_than_minutes: int = 10, limit: int = 2000) -> SweepResult:
    """Pick up declarations stuck in `submitted` or `screening` (the worker was down, an enqueue
    was lost, a run crashed): enqueue them again, or after MAX_ATTEMPTS runs send them to review
    flagged "screening incomplete".

    Runs whose worker died first are closed as interrupted (`screening_runs_close_stale`), and
    their declarations are screened again at once rather than after `older_than_minutes`.

    Each declaration is claimed with a conditional update of `updated_at`, so two sweeps running
    at once never both handle it, and a claimed one is not seen again for `older_than_minutes`.
    """
    interrupted = screening_runs_close_stale()
    now = timezone.now()
    candidates = list(
        Declaration.objects.filter(state__in=SCREENABLE_STATES)
        .filter(
            Q(updated_at__lt=now - timedelta(minutes=older_than_minutes)) | Q(pk__in=interrupted)
        )
        .order_by("updated_at", "pk")
        .values_list("pk", "updated_at")[:limit]
    )
    attempts = _attempts_since_submission(pk for pk, _updated in candidates)
    result = SweepResult()
    for pk, updated_at in candidates:
        claimed = Declaration.objects.filter(
            pk=pk, state__in=SCREENABLE_STATES, updated_at=updated_at
        ).update(updated_at=now)
        if not claimed:
            continue
        if attempts.get(pk, 0) >= MAX_ATTEMPTS:
            _screening_give_up(declaration_id=pk)
            result.given_up.append(pk)
        else:
            result.requeued.append(pk)
    for pk in result.requeued:
        try:
            screening_enqueue(declaration_id=pk)
        except Exception:  # eager mode runs the task here; one failure must not stop the sweep
            logger.exception("screening sweep: declaration %s could not be screened", pk)
    result.interrupted = interrupted
    if result.requeued or result.given_up or interrupted:
        logger.info(
            "screening sweep: %d interrupted run(s) closed, %d re-enqueued, %d sent to review "
            "unscreened",
            len(interrupted),
            len(result.requeued),
            len(result.given_up),
        )
    return result


def _worker_alive(host: str, pid: int | None) -> bool:
    """False only when the run's worker is known dead: it ran on this host and its process is
    gone. (A worker on another host is judged by the run's age alone.)"""
    if not pid or host != socket.gethostname()[:100]:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process: it exists
        return True
    return True


def screening_runs_close_stale(*, older_than_minutes: int = STALE_RUN_MINUTES) -> list[int]:
    """Close the runs whose worker died: unfinished and started more than `older_than_minutes`
    ago, or their worker's process gone from this host. Each is marked interrupted with a note
    saying so; returns the declarations whose runs were closed (the sweep screens them again)."""
    now = timezone.now()
    cutoff = now - timedelta(minutes=older_than_minutes)
    stale = [
        pk
        for pk, started_at, host, pid in ScreeningRun.objects.filter(
            finished_at__isnull=True
        ).values_list("pk", "started_at", "worker_host", "worker_pid")
        if started_at < cutoff or not _worker_alive(host, pid)
    ]
    if not stale:
        return []
    declarations = []
    for pk in stale:
        # Conditional: a run whose worker finishes it right now keeps its own outcome.
        closed = ScreeningRun.objects.filter(pk=pk, finished_at__isnull=True).update(
            outcome=ScreeningRun.Outcome.INTERRUPTED,
            note_message=msg(SCREENING_INTERRUPTED),
            finished_at=now,
        )
        if closed:
            declarations.append(
                ScreeningRun.objects.values_list("declaration_id", flat=True).get(pk=pk)
            )
    logger.warning("screening: %d interrupted run(s) closed", len(declarations))
    return list(dict.fromkeys(declarations))


@transaction.atomic
def _screening_give_up(*, declaration_id: int) -> None:
    declaration = (
        Declaration.objects.select_for_update()
        .filter(pk=declaration_id, state__in=SCREENABLE_STATES)
        .first()
    )
    if declaration is None:
        return
    attempts = _attempts_since_submission([declaration.pk]).get(declaration.pk, 0)
    if declaration.state == S.SUBMITTED:
        declaration_screening_start(declaration=declaration)
    reason = msg(SCREENING_GAVE_UP, n=attempts)
    now = timezone.now()
    ScreeningRun.objects.create(
        declaration=declaration,
        attempt=attempts + 1,
        started_at=now,
        finished_at=now,
        outcome=ScreeningRun.Outcome.INCOMPLETE,
        note_message=reason,
    )
    declaration_screening_finish(
        declaration=declaration, passed=True, message=reason, incomplete=True
    )


def screening_follow_declarations(*, changes: list[DeclarationChange]) -> None:
    """Each submitted declaration is screened once the submission has committed (the worker
    must see it): the task is an outbox item of the submission's transaction, so a broker that
    is down delays the screening, never loses it."""
    for change in changes:
        if change.to_state == S.SUBMITTED:
            screening_enqueue(declaration_id=change.declaration.pk)


SCREEN_TASK = "review.tasks.screen_declaration"


def screening_enqueue(*, declaration_id: int) -> None:
    """Queue the screening task through the outbox (delivered after the current transaction
    commits, or at once outside one; again later if the broker was down)."""
    outbox_add("task", {"name": SCREEN_TASK, "args": [declaration_id], "kwargs": {}})


def screening_run_latest(*, declaration: Declaration) -> ScreeningRun | None:
    """The report to show: the latest finished run, its checks loaded. None while screening is
    under way (a run waiting for a retry, or the last submission's, would be out of date)."""
    if declaration.state in SCREENABLE_STATES:
        return None
    return (
        ScreeningRun.objects.filter(declaration=declaration)
        .exclude(outcome__in=["", ScreeningRun.Outcome.INTERRUPTED])
        .select_related("triggered_by")
        .prefetch_related("checks")
        .order_by("-started_at", "-id")
        .first()
    )
