"""Evaluation runs: the nightly run (merchants with new events) and the monthly run (every
merchant in the programme), recorded, never overlapping, safe to start again after a crash.

- No overlap: a run is a row in state "running", and a partial unique constraint allows one such
  row. A run whose heartbeat is older than STALE_AFTER died; the next start marks it failed.
- Crash and re-run: merchants are evaluated in batches, each batch committed with its
  evaluations and standings together. A run started again for the same kind and period skips the
  merchants that runs of that kind and period already evaluated, so a killed run and its re-run
  end where one clean run ends, with one evaluation per merchant.
"""

import io
import json
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _

from merchants.errors import DomainError
from merchants.services.bulk import IdAllocator
from ratings.evaluation import Result, evaluate, merchant_filter, merchants_by_id
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


def _scope(run: EvaluationRun) -> QuerySet[Standing]:
    """The standings this run still has to evaluate (ordered by merchant): read from the
    standings alone (the nightly run's through the index of the dirty ones), less the merchants
    that runs of this kind and period evaluated already."""
    standings = Standing.objects.filter(pool__in=IN_PROGRAMME)
    if run.kind == EvaluationRun.Kind.NIGHTLY:
        standings = standings.filter(needs_evaluation=True)
    # A run started by hand evaluates everyone again; scheduled ones carry on a stopped run.
    if run.kind == EvaluationRun.Kind.MANUAL:
        runs = [run.pk]
    else:
        runs = list(
            EvaluationRun.objects.filter(kind=run.kind, period=run.period).values_list(
                "pk", flat=True
            )
        )
    done = Evaluation.objects.filter(merchant_id=OuterRef("merchant_id"), run_id__in=runs)
    return standings.exclude(Exists(done)).order_by("merchant_id")


def evaluation_run(
    *,
    kind: str,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
) -> EvaluationRun:
    """Run an evaluation of this kind to the end, batch by batch.

    `workers` (default: the EVALUATION_RUN_WORKERS setting, else 1) batches are evaluated at
    once on PostgreSQL, each in its own thread and connection: while one batch waits for the
    database, another computes (a run is about half Python, half PostgreSQL). Elsewhere, and
    with one worker, one batch after another."""
    if workers is None:
        workers = getattr(settings, "EVALUATION_RUN_WORKERS", 1)
    run = evaluation_run_start(kind=kind, now=now)
    now = now or run.started_at
    try:
        batches = _batches(_scope(run), batch_size)
        if workers > 1 and connection.vendor == "postgresql":
            _run_parallel(run=run, batches=batches, now=now, workers=workers)
        else:
            for batch in batches:
                evaluation_batch(run=run, merchant_ids=batch, now=now)
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


def _batches(scope: QuerySet[Standing], batch_size: int) -> Iterator[list[int]]:
    """The merchants still to evaluate, `batch_size` at a time in merchant order; each batch
    read when the previous one is taken."""
    last_pk = 0
    while True:
        batch = list(
            scope.filter(merchant_id__gt=last_pk).values_list("merchant_id", flat=True)[:batch_size]
        )
        if not batch:
            return
        yield batch
        last_pk = batch[-1]


def _run_parallel(
    *, run: EvaluationRun, batches: Iterator[list[int]], now: datetime, workers: int
) -> None:
    """Evaluate the batches `workers` at a time (threads, one connection each; the batches
    have no merchant in common). At most `workers` batches are in memory; the first error
    stops the run once the batches under way have finished."""

    def work(batch: list[int]) -> int:
        try:
            return evaluation_batch(run=run, merchant_ids=batch, now=now)
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="evaluation") as pool:
        under_way: set[Future[int]] = set()
        for batch in batches:
            under_way.add(pool.submit(work, batch))
            if len(under_way) >= workers:
                done, under_way = wait(under_way, return_when=FIRST_COMPLETED)
                for future in done:
                    future.result()
        for future in under_way:
            future.result()


def evaluation_batch(*, run: EvaluationRun, merchant_ids: list[int], now: datetime) -> int:
    """Evaluate one batch and store it: evaluation rows, the standings' scores, the run's
    counters and heartbeat, in one transaction."""
    results = evaluate(merchants_by_id(merchant_ids), policy=run.policy, now=now)
    with transaction.atomic():
        by_merchant = _evaluations_write(run=run, results=results, now=now)
        standings = list(
            Standing.objects.select_for_update()
            .filter(merchant_filter(list(results)))
            .order_by("merchant_id")
        )
        before = [_moved_fields(standing) for standing in standings]
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
        # Every standing gets its new score; only those the pool rules changed are written
        # whole (the others' remaining fields are as read, and locked).
        moved = [s for s, was in zip(standings, before, strict=True) if _moved_fields(s) != was]
        moved_ids = {s.pk for s in moved}
        _standings_save([s for s in standings if s.pk not in moved_ids], EVALUATED_FIELDS)
        _standings_save(moved, RUN_FIELDS)
        EvaluationRun.objects.filter(pk=run.pk).update(
            heartbeat_at=timezone.now(),
            merchants_evaluated=F("merchants_evaluated") + len(by_merchant),
            pool_changes=F("pool_changes") + changes,
        )
        run.merchants_evaluated += len(by_merchant)  # this copy's view (threads: see the row)
        run.pool_changes += changes
    return len(by_merchant)


# What every evaluation changes on a standing; the other RUN_FIELDS change when the pool rules
# act (a move, a condition forgotten).
EVALUATED_FIELDS = ["score", "last_evaluation", "needs_evaluation", "updated_at"]
_moved_fields = attrgetter(*(name for name in RUN_FIELDS if name not in EVALUATED_FIELDS))

EVALUATION_COLUMNS = (
    "id",
    "merchant_id",
    "policy_id",
    "run_id",
    "evaluated_at",
    "score",
    "inputs",
    "components",
    "triggers",
)


def _evaluations_write(
    *, run: EvaluationRun, results: dict[int, Result], now: datetime
) -> dict[int, Evaluation]:
    """Store one evaluation row per result; returns them (saved, with their ids) by merchant.

    On PostgreSQL the ids are taken from the sequence first and the rows written with COPY
    (a batch's rows hold megabytes of JSON, which COPY takes fastest); elsewhere bulk_create.
    The JSON is encoded as the model's fields encode it."""
    if connection.vendor != "postgresql" or not results:
        evaluations = [
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
        Evaluation.objects.bulk_create(evaluations)
        return {e.merchant_id: e for e in evaluations}
    evaluations = [
        _saved_evaluation(
            {
                "id": pk,
                "merchant_id": r.merchant_id,
                "policy_id": run.policy_id,
                "run_id": run.pk,
                "evaluated_at": now,
                "score": r.score,
                "inputs": r.inputs,
                "components": r.components,
                "triggers": r.triggers,
            },
            {"policy": run.policy, "run": run},
        )
        for r, pk in zip(
            results.values(), IdAllocator().take(Evaluation, len(results)), strict=True
        )
    ]
    encode_inputs = Evaluation._meta.get_field("inputs").encoder().encode
    dumps = json.dumps
    prefix = f"\t{run.policy_id}\t{run.pk}\t{now.isoformat()}\t"
    lines = []
    for evaluation in evaluations:
        pk = evaluation.pk
        # COPY's text format: tabs between columns; a backslash (JSON's escapes) doubled.
        json_columns = "\t".join(
            (
                encode_inputs(evaluation.inputs),
                dumps(evaluation.components),
                dumps(evaluation.triggers),
            )
        ).replace("\\", "\\\\")
        lines.append(f"{pk}\t{evaluation.merchant_id}{prefix}{evaluation.score}\t{json_columns}\n")
    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(Evaluation._meta.db_table)} "
        f"({', '.join(quote(c) for c in EVALUATION_COLUMNS)}) FROM STDIN"
    )
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, io.StringIO("".join(lines)), size=1 << 20)
    return {e.merchant_id: e for e in evaluations}


def _saved_evaluation(values: dict[str, Any], related: dict[str, Any]) -> Evaluation:
    """An Evaluation instance for a row just written, built as Django unpickles one (its
    attributes set directly): Model.__init__ costs about 20 µs a row, a tenth of a batch's
    Python time."""
    evaluation = Evaluation.__new__(Evaluation)
    state = ModelState()
    state.adding, state.db, state.fields_cache = False, connection.alias, dict(related)
    evaluation.__dict__.update(values, _state=state)
    return evaluation


def _standings_save(standings: list[Standing], names: list[str]) -> None:
    """Save these fields of the standings: `bulk_update` semantics. On PostgreSQL one
    UPDATE … FROM unnest(one array per column), set-based (bulk_update builds a CASE with a
    branch per row for each field, which PostgreSQL evaluates row by row: quadratic in the
    batch)."""
    if not standings:
        return
    if connection.vendor != "postgresql":
        Standing.objects.bulk_update(standings, names)
        return
    key = Standing._meta.get_field("merchant")
    key_values = [s.merchant_id for s in standings]
    columns, arrays = [key.column], [f"%s::{key.rel_db_type(connection)}[]"]
    values: list[Any] = [key_values]
    quote = connection.ops.quote_name
    for f in (Standing._meta.get_field(name) for name in names):
        columns.append(f.column)
        if isinstance(f, models.JSONField):
            arrays.append("%s::jsonb[]")
            encode = f.encoder().encode if f.encoder else json.dumps
            values.append([encode(getattr(s, f.attname)) for s in standings])
        else:  # plain values (numbers, text, dates, aware datetimes): the driver adapts them
            arrays.append(f"%s::{f.db_type(connection)}[]")
            values.append([getattr(s, f.attname) for s in standings])
    assignments = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns[1:])
    # Keyed on the merchant (one standing each), bounded by the batch's range of merchants: a
    # batch of consecutive merchants is then one short index range, whatever the plan.
    k = quote(key.column)
    sql = (
        f"UPDATE {quote(Standing._meta.db_table)} AS s SET {assignments} "
        f"FROM unnest({', '.join(arrays)}) AS v({', '.join(quote(c) for c in columns)}) "
        f"WHERE s.{k} = v.{k} AND s.{k} >= %s AND s.{k} <= %s"
    )
    values += [min(key_values), max(key_values)]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
