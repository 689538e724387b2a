"""Evaluation runs: the nightly run (merchants with new events) and the monthly run (every
merchant in the programme), recorded, never overlapping, safe to start again after a crash.

- No overlap: a run is a row in state "running", and a partial unique constraint allows one such
  row. A run whose heartbeat is older than STALE_AFTER died; the next start marks it failed.
- Crash and re-run: merchants are evaluated in batches, each batch committed with its
  evaluations and standings together. A run started again for the same kind and period skips the
  merchants that runs of that kind and period already evaluated, so a killed run and its re-run
  end where one clean run ends, with one evaluation per merchant.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from merchants.errors import DomainError
from merchants.models import Merchant
from ratings.evaluation import evaluate
from ratings.models import Evaluation, EvaluationPolicy, EvaluationRun, Standing
from ratings.pools import IN_PROGRAMME, RUN_FIELDS, pools_apply

STALE_AFTER = timedelta(minutes=15)
BATCH_SIZE = 5000


class RunInProgress(DomainError):
    pass


def run_period(kind: str, now: datetime) -> str:
    local = timezone.localtime(now)
    return f"{local:%Y-%m}" if kind == EvaluationRun.Kind.MONTHLY else f"{local:%Y-%m-%d}"


def evaluation_run_start(*, kind: str, now: datetime | None = None) -> EvaluationRun:
    """Claim the right to run. Raises RunInProgress while another live run holds it."""
    now = now or timezone.now()
    with transaction.atomic():
        EvaluationRun.objects.filter(
            state=EvaluationRun.State.RUNNING, heartbeat_at__lt=now - STALE_AFTER
        ).update(
            state=EvaluationRun.State.FAILED,
            finished_at=now,
            error="No sign of life: the process running it stopped.",
        )
    try:
        with transaction.atomic():
            return EvaluationRun.objects.create(
                kind=kind,
                period=run_period(kind, now),
                policy=EvaluationPolicy.current(),
                started_at=now,
                heartbeat_at=now,
            )
    except IntegrityError as exc:
        raise RunInProgress(_("An evaluation run is already in progress.")) from exc


def _scope(run: EvaluationRun) -> QuerySet[Merchant]:
    """The merchants this run still has to evaluate, by id."""
    in_programme = Standing.objects.filter(merchant=OuterRef("pk"), pool__in=IN_PROGRAMME)
    if run.kind == EvaluationRun.Kind.NIGHTLY:
        in_programme = in_programme.filter(needs_evaluation=True)
    done = Evaluation.objects.filter(merchant=OuterRef("pk"))
    # A run started by hand evaluates everyone again; scheduled ones carry on a stopped run.
    if run.kind == EvaluationRun.Kind.MANUAL:
        done = done.filter(run=run)
    else:
        done = done.filter(run__kind=run.kind, run__period=run.period)
    return Merchant.objects.filter(Exists(in_programme)).exclude(Exists(done)).order_by("pk")


def evaluation_run(
    *, kind: str, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> EvaluationRun:
    """Run an evaluation of this kind to the end, batch by batch."""
    run = evaluation_run_start(kind=kind, now=now)
    now = now or run.started_at
    try:
        last_pk = 0
        while True:
            batch = list(
                _scope(run).filter(pk__gt=last_pk).values_list("pk", flat=True)[:batch_size]
            )
            if not batch:
                break
            evaluation_batch(run=run, merchant_ids=batch, now=now)
            last_pk = batch[-1]
    except Exception as exc:
        EvaluationRun.objects.filter(pk=run.pk).update(
            state=EvaluationRun.State.FAILED, finished_at=timezone.now(), error=repr(exc)[:2000]
        )
        raise
    EvaluationRun.objects.filter(pk=run.pk).update(
        state=EvaluationRun.State.FINISHED, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


def evaluation_batch(*, run: EvaluationRun, merchant_ids: list[int], now: datetime) -> int:
    """Evaluate one batch and store it: evaluation rows, the standings' scores, the run's
    counters and heartbeat, in one transaction."""
    results = evaluate(Merchant.objects.filter(pk__in=merchant_ids), policy=run.policy, now=now)
    with transaction.atomic():
        rows = Evaluation.objects.bulk_create(
            [
                Evaluation(
                    merchant_id=r.merchant_id,
                    policy=run.policy,
                    run=run,
                    evaluated_at=now,
                    score=r.score,
                    inputs=r.inputs,
                    components=r.components,
                    triggers=r.triggers,
                )
                for r in results.values()
            ]
        )
        standings = list(Standing.objects.select_for_update().filter(merchant_id__in=results))
        by_merchant = {row.merchant_id: row for row in rows}
        stamp = timezone.now()
        for standing in standings:
            standing.updated_at = stamp
            evaluation = by_merchant[standing.merchant_id]
            standing.score = evaluation.score
            standing.last_evaluation = evaluation
            standing.needs_evaluation = False
        changes = pools_apply(
            run=run, standings=standings, results=results, evaluations=by_merchant, now=now
        )
        Standing.objects.bulk_update(standings, RUN_FIELDS)
        EvaluationRun.objects.filter(pk=run.pk).update(
            heartbeat_at=timezone.now(),
            merchants_evaluated=run.merchants_evaluated + len(rows),
            pool_changes=run.pool_changes + changes,
        )
        run.merchants_evaluated += len(rows)
        run.pool_changes += changes
    return len(rows)
