"""Evaluation runs: the nightly run (merchants with new events) and the monthly run (every
merchant in the programme), recorded, never overlapping, safe to start again after a crash.

- No overlap: a run is a row in state "running", and a partial unique constraint allows one such
  row. A running run beats every HEARTBEAT_SECONDS (a thread of its own, besides each stored
  batch) and records its worker ("host:pid"). It is dead when its heartbeat is older than
  STALE_AFTER, or at once when its worker was on this host and the process is gone: the next
  start marks it failed and takes over. A start that finds a live run gives way and is
  recorded as a "skipped" run with the reason (and the task logs a WARNING).
- Set-based on PostgreSQL: one statement (ratings.services.scores) scores every merchant the run
  has to evaluate into a table of the run's own; then, a batch of merchants at a time, one
  statement inserts their evaluation rows and gives their standings the new scores (INSERT …
  SELECT feeding UPDATE … FROM), and the pool rules run in SQL too (ratings.services.moves) for
  the merchants whose score or triggers can move them (a trigger, a star band other than their
  stars, an appeal held, conditions acknowledged): the moved standings, PoolChanges and notices
  written by one more statement.
- Elsewhere (SQLite: `make run`, the tests' default) the same inputs are read by one statement
  (ratings.services.evaluation.inputs_query) and scored in Python, a batch at a time. Both give
  the same rows: tests/ratings/test_scores_sql.py.
- Crash and re-run: each batch is committed with its evaluations and standings together. A
  monthly run started again for the same period skips the merchants that runs of that period
  already evaluated; a nightly run takes the merchants still marked (a batch clears the marks of
  the merchants it evaluated). So a killed run and its re-run end where one clean run ends, with
  one evaluation per merchant.
- Lean rows: an evaluation stores the inputs (without the zeros) and each component's points;
  the lines that explain them are derived again from those when a page shows them.
"""

import io
import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import closing, nullcontext, suppress
from datetime import datetime, timedelta
from operator import attrgetter
from queue import Empty, Queue
from typing import Any

import orjson
from django.db import DatabaseError, DataError, IntegrityError, connection, models, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.messages import label, msg
from merchants.models import Merchant, Pool
from merchants.services.bulk import IdAllocator
from ratings import messages as m
from ratings.models import (
    IN_PROGRAMME,
    Evaluation,
    EvaluationPolicy,
    EvaluationRun,
    Standing,
    Trigger,
)
from ratings.models.evaluation import EXIT_TRIGGERS, STATE_TRIGGERS
from ratings.services.evaluation import (
    UNREADABLE_RETURN_WINDOW,
    InputsQuery,
    Result,
    inputs_query,
    merchant_filter,
    row_scorer,
    score_rows,
    stored_components,
    stored_inputs,
)
from ratings.services.moves import moves_apply
from ratings.services.pools import RUN_FIELDS, pools_apply
from ratings.services.scores import TRIGGER_DATES, evaluation_sql, scores_query

logger = logging.getLogger(__name__)

# A running run beats this often; one silent for STALE_AFTER is dead (well within two minutes).
HEARTBEAT_SECONDS = 15
STALE_AFTER = timedelta(seconds=75)
BATCH_SIZE = 5000
# Merchants per committed batch when the database scores them (set-based): enough batches for
# the storing threads to overlap.
SCORED_BATCH_SIZE = 20_000
# Score in the database and write set-based where it can (PostgreSQL); tests turn it off to
# compare the two ways.
SET_BASED = True
READ_WORK_MEM = "64MB"
STORING_THREADS = 2
FETCH_AHEAD = 4


class RunInProgress(DomainError):
    """Another live run holds the lock; `skipped` is the row recording this start's giving way."""

    def __init__(self, message: str, *, skipped: EvaluationRun | None = None) -> None:
        super().__init__(message)
        self.skipped = skipped


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_gone(worker: str) -> bool:
    """Whether the run's worker was a process on this host that no longer exists."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another host's process: only its heartbeat tells
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def _stamp(value: datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S}"


def runs_close_dead(*, now: datetime | None = None) -> list[int]:
    """Mark failed the running runs that are dead: silent for STALE_AFTER, or whose worker
    process on this host is gone. Returns their ids."""
    now = now or timezone.now()
    closed = []
    for run in EvaluationRun.objects.filter(state=EvaluationRun.State.RUNNING):
        if run.heartbeat_at < now - STALE_AFTER:
            note = msg(m.RUN_DEAD_SILENT, heartbeat=_stamp(run.heartbeat_at))
        elif run.worker and _process_gone(run.worker):
            note = msg(m.RUN_DEAD_WORKER, worker=run.worker)
        else:
            continue
        if EvaluationRun.objects.filter(pk=run.pk, state=EvaluationRun.State.RUNNING).update(
            state=EvaluationRun.State.FAILED, finished_at=now, note=note
        ):
            logger.warning("evaluation run %d is dead and marked failed (%s)", run.pk, run.worker)
            closed.append(run.pk)
            if set_based():  # the scores it left
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP TABLE IF EXISTS {scores_table(run.pk)}")
    return closed


def run_period(kind: str, now: datetime) -> str:
    local = timezone.localtime(now)
    return f"{local:%Y-%m}" if kind == EvaluationRun.Kind.MONTHLY else f"{local:%Y-%m-%d}"


def evaluation_run_start(*, kind: str, now: datetime | None = None) -> EvaluationRun:
    """Claim the right to run. Raises RunInProgress while another live run holds it."""
    now = now or timezone.now()
    with transaction.atomic():
        runs_close_dead(now=now)
    period = run_period(kind, now)
    note = {}
    if kind != EvaluationRun.Kind.MANUAL:
        stopped = (
            EvaluationRun.objects.filter(kind=kind, period=period, state=EvaluationRun.State.FAILED)
            .order_by("-started_at", "-pk")
            .first()
        )
        if stopped is not None and stopped.merchants_evaluated:
            note = msg(m.RUN_RESUMES, run=stopped.pk)
    try:
        with transaction.atomic():
            return EvaluationRun.objects.create(
                kind=kind,
                period=period,
                policy=EvaluationPolicy.current(),
                started_at=now,
                heartbeat_at=now,
                worker=this_worker(),
                note=note,
            )
    except IntegrityError as exc:
        skipped = _record_skipped(kind=kind, period=period, now=now)
        raise RunInProgress(
            _("An evaluation run is already in progress."), skipped=skipped
        ) from exc


def _record_skipped(*, kind: str, period: str, now: datetime) -> EvaluationRun:
    """A run row in state "skipped" saying which live run it gave way to."""
    live = EvaluationRun.objects.filter(state=EvaluationRun.State.RUNNING).first()
    note = (
        msg(
            m.RUN_SKIPPED,
            run=live.pk,
            kind=label(live.get_kind_display()),
            started=_stamp(live.started_at),
            heartbeat=_stamp(live.heartbeat_at),
        )
        if live is not None
        else {}
    )
    return EvaluationRun.objects.create(
        kind=kind,
        period=period,
        state=EvaluationRun.State.SKIPPED,
        policy=EvaluationPolicy.current(),
        started_at=now,
        heartbeat_at=now,
        finished_at=now,
        worker=this_worker(),
        note=note,
    )


class _Heartbeat:
    """Beats for a running run every HEARTBEAT_SECONDS from a thread of its own (own database
    connection), so that a long read or batch never makes a live run look dead. Not started
    inside the caller's transaction (tests): the batches beat there."""

    def __init__(self, run: EvaluationRun, seconds: float = HEARTBEAT_SECONDS) -> None:
        self.run, self.seconds = run, seconds
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> "_Heartbeat":
        if not connection.in_atomic_block:
            self.thread = threading.Thread(
                target=self._beat, name=f"evaluation-heartbeat-{self.run.pk}", daemon=True
            )
            self.thread.start()
        return self

    def _beat(self) -> None:
        try:
            while not self.stop.wait(self.seconds):
                try:
                    EvaluationRun.objects.filter(
                        pk=self.run.pk, state=EvaluationRun.State.RUNNING
                    ).update(heartbeat_at=timezone.now())
                except Exception as exc:  # a missed beat is not the run's failure
                    logger.warning("evaluation run %d: heartbeat failed: %s", self.run.pk, exc)
        finally:
            connection.close()

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()


def _scope(run: EvaluationRun) -> QuerySet[Standing]:
    """The standings this run still has to evaluate: read from the standings alone (the
    nightly run's through the index of the dirty ones), less the merchants that runs of this
    kind and period evaluated already."""
    standings = Standing.objects.filter(pool__in=IN_PROGRAMME)
    if run.kind == EvaluationRun.Kind.NIGHTLY:
        standings = standings.filter(needs_evaluation=True)
        # A stopped nightly run cleared the marks of the merchants it evaluated: the rest are
        # left, and a merchant with new events since is evaluated again.
        return standings
    # A run started by hand evaluates everyone again; a monthly one carries on a stopped run.
    if run.kind == EvaluationRun.Kind.MANUAL:
        runs = [run.pk]
    else:
        runs = list(
            EvaluationRun.objects.filter(kind=run.kind, period=run.period).values_list(
                "pk", flat=True
            )
        )
    done = Evaluation.objects.filter(merchant_id=OuterRef("merchant_id"), run_id__in=runs)
    return standings.exclude(Exists(done))


def set_based() -> bool:
    """Whether runs score in the database and write set-based (PostgreSQL)."""
    return SET_BASED and connection.vendor == "postgresql"


def evaluation_run(
    *, kind: str, now: datetime | None = None, batch_size: int | None = None
) -> EvaluationRun:
    """Run an evaluation of this kind to the end, batch by batch (`batch_size` merchants:
    by default BATCH_SIZE, or SCORED_BATCH_SIZE when set-based)."""
    run = evaluation_run_start(kind=kind, now=now)
    now = now or run.started_at
    skipped: dict[int, str] = {}
    try:
        with _Heartbeat(run):
            _evaluate(run, now=now, batch_size=batch_size, skipped=skipped)
    except Exception as exc:
        EvaluationRun.objects.filter(pk=run.pk).update(
            state=EvaluationRun.State.FAILED,
            finished_at=timezone.now(),
            error=repr(exc)[:2000],
            note=_skipped_note(run, skipped),
        )
        raise
    EvaluationRun.objects.filter(pk=run.pk).update(
        state=EvaluationRun.State.FINISHED,
        finished_at=timezone.now(),
        note=_skipped_note(run, skipped),
    )
    run.refresh_from_db()
    return run


# The skipped merchants a run's note names (the log names every one).
SKIPPED_NAMED = 20


def _skipped_note(run: EvaluationRun, skipped: dict[int, str]) -> Any:
    """The run's note with the merchants it skipped (their data could not be scored) added."""
    if not skipped:
        return run.note
    ids = sorted(skipped)
    names = dict(Merchant.objects.filter(pk__in=ids[:SKIPPED_NAMED]).values_list("pk", "name"))
    named = ", ".join(f"#{pk} {names.get(pk, '')}".strip() for pk in ids[:SKIPPED_NAMED])
    if len(ids) > SKIPPED_NAMED:
        named += " …"
    note = msg(m.RUN_MERCHANTS_SKIPPED, count=len(ids), merchants=named)
    return [run.note, note] if run.note else note


def _evaluate(
    run: EvaluationRun, *, now: datetime, batch_size: int | None, skipped: dict[int, str]
) -> None:
    # The ids first: the statement then knows how many merchants it reads for.
    merchants = list(_scope(run).values_list("merchant_id", flat=True))
    if not merchants:
        return
    if set_based():
        _evaluate_scored(
            run, merchants, now=now, batch_size=batch_size or SCORED_BATCH_SIZE, skipped=skipped
        )
        return
    batch_size = batch_size or BATCH_SIZE
    alongside = connection.vendor == "postgresql" and not connection.in_atomic_block
    query = inputs_query(merchants, policy=run.policy, now=now)
    score = row_scorer(run.policy, now)
    with closing(_input_batches(query, batch_size, fetch_ahead=alongside)) as batches:
        scored = (score_rows(rows, score, skipped=skipped) for rows in batches)
        if alongside:
            _store_alongside(run=run, scored=scored, now=now, skipped=skipped)
        else:
            for results in scored:
                _store_batch(run=run, results=results, now=now, skipped=skipped)


def _store_batch(
    *, run: EvaluationRun, results: dict[int, Result], now: datetime, skipped: dict[int, str]
) -> int:
    """Store a scored batch; if the database refuses its data (a value out of range), store
    each half on its own, down to the merchant it refuses, which is skipped and reported."""
    try:
        return evaluation_batch(run=run, results=results, now=now)
    except DataError as exc:
        if len(results) == 1:
            merchant_id = next(iter(results))
            skipped[merchant_id] = str(exc).strip() or type(exc).__name__
            logger.warning("Evaluation skipped merchant %s: %s", merchant_id, exc)
            return 0
    items = list(results.items())
    halves = (dict(items[: len(items) // 2]), dict(items[len(items) // 2 :]))
    return sum(_store_batch(run=run, results=h, now=now, skipped=skipped) for h in halves)


def _input_batches(
    query: InputsQuery, batch_size: int, *, fetch_ahead: bool = False
) -> Iterator[list[tuple]]:
    """The rows of the inputs query, `batch_size` at a time. On PostgreSQL through a cursor
    in a read transaction of this connection (unless the caller's transaction is open); with
    `fetch_ahead`, fed by a thread that fetches while the batches are scored (_fetched_ahead:
    only when nothing else uses this connection meanwhile, as the batches are then stored on
    others). Elsewhere (small data) read at once. Close the iterator when done with it: that
    ends the reading and the read transaction."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(query.sql, query.params)
            rows = cursor.fetchall()
        for start in range(0, len(rows), batch_size):
            yield query.convert(rows[start : start + batch_size])
        return
    # A transaction of its own, unless the caller's is open (then the batches are stored
    # inside that one too, each in a savepoint that does not depend on this read).
    with nullcontext() if connection.in_atomic_block else transaction.atomic():
        with connection.cursor() as session:
            # For this one statement: hash tables in memory rather than spilled to disk, no
            # JIT compilation (seconds of it for a statement that runs once), and a plan for
            # all the rows rather than the first few (the cursor's default).
            session.execute(
                f"SET LOCAL work_mem = '{READ_WORK_MEM}'; SET LOCAL jit = off; "
                "SET LOCAL cursor_tuple_fraction = 0.1"
            )
        cursor = connection.connection.cursor(name=f"evaluation_{uuid.uuid4().hex}")
        try:
            cursor.execute(query.sql, query.params)
            if not fetch_ahead:
                while rows := cursor.fetchmany(batch_size):
                    yield query.convert(rows)
                return
            with closing(_fetched_ahead(cursor, batch_size)) as fetched:
                for rows in fetched:
                    yield query.convert(rows)
        finally:
            cursor.close()


def _fetched_ahead(cursor: Any, batch_size: int) -> Iterator[list[tuple]]:
    """The cursor's rows, a batch at a time, fetched by a thread of their own up to
    FETCH_AHEAD batches ahead: a cursor's server computes rows only when asked, so without it
    the database would wait while Python scores and Python while the database computes.
    Closing the iterator stops the thread."""
    batches: Queue[list[tuple] | BaseException | None] = Queue(maxsize=FETCH_AHEAD)
    stop = threading.Event()

    def fetch() -> None:
        try:
            while not stop.is_set() and (rows := cursor.fetchmany(batch_size)):
                batches.put(rows)
            batches.put(None)
        except BaseException as exc:  # handed over to the reading thread
            batches.put(exc)

    fetcher = threading.Thread(target=fetch, name="evaluation-fetch", daemon=True)
    fetcher.start()
    try:
        while (item := batches.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while fetcher.is_alive():  # let it finish a put() it may be blocked in
            with suppress(Empty):
                batches.get(timeout=0.1)


def _store_alongside(
    *,
    run: EvaluationRun,
    scored: Iterator[dict[int, Result]],
    now: datetime,
    skipped: dict[int, str],
) -> None:
    """Store the scored batches in storing threads while this thread reads and scores the next
    ones (_alongside)."""
    _alongside(
        scored, lambda results: _store_batch(run=run, results=results, now=now, skipped=skipped)
    )


def _alongside(batches: Iterable[Any], store: Callable[[Any], int]) -> None:
    """Store the batches in STORING_THREADS threads, each with its own connection: the
    database works on some batches while Python works on another, two cores instead of one
    taking turns. The batches have no merchant in common; each commits on its own; the first
    error stops the run once the batches under way are stored."""

    def store_closing(batch: Any) -> int:
        try:
            return store(batch)
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(STORING_THREADS, thread_name_prefix="evaluation-store") as storers:
        under_way: set[Future[int]] = set()
        for batch in batches:
            if len(under_way) >= STORING_THREADS:
                done, under_way = wait(under_way, return_when=FIRST_COMPLETED)
                for future in done:
                    future.result()
            under_way.add(storers.submit(store_closing, batch))
        for future in under_way:
            future.result()


def evaluation_batch(*, run: EvaluationRun, results: dict[int, Result], now: datetime) -> int:
    """Store one scored batch: evaluation rows, the standings' scores and any pool moves, the
    run's counters and heartbeat, in one transaction."""
    with transaction.atomic():
        by_merchant = _evaluations_write(run=run, results=results, now=now)
        standings = _standings_evaluated(by_merchant)
        before = [_moved_fields(standing) for standing in standings]
        changes = pools_apply(
            run=run, standings=standings, results=results, evaluations=by_merchant, now=now
        )
        # Only the standings the pool rules changed (a move, a condition forgotten) are
        # written again.
        moved = [s for s, was in zip(standings, before, strict=True) if _moved_fields(s) != was]
        _standings_save(moved, MOVED_FIELDS)
        EvaluationRun.objects.filter(pk=run.pk).update(
            heartbeat_at=timezone.now(),
            merchants_evaluated=F("merchants_evaluated") + len(by_merchant),
            pool_changes=F("pool_changes") + changes,
        )
        run.merchants_evaluated += len(by_merchant)
        run.pool_changes += changes
    return len(by_merchant)


# What every evaluation changes on a standing; the pool rules change the others.
EVALUATED_FIELDS = ["score", "last_evaluation", "needs_evaluation", "updated_at"]
MOVED_FIELDS = [name for name in RUN_FIELDS if name not in EVALUATED_FIELDS]
_moved_fields = attrgetter(*MOVED_FIELDS)

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

    On PostgreSQL the ids are taken from the sequence first and the rows written with COPY;
    elsewhere bulk_create. The JSON is encoded as the model's fields encode it."""
    related = {"policy": run.policy, "run": run}
    if connection.vendor != "postgresql" or not results:
        evaluations = [
            Evaluation(
                merchant_id=r.merchant_id,
                evaluated_at=now,
                score=r.score,
                inputs=stored_inputs(r.inputs),
                components=stored_components(r),
                triggers=r.triggers,
                **related,
            )
            for r in results.values()
        ]
        Evaluation.objects.bulk_create(evaluations)
        return {e.merchant_id: e for e in evaluations}
    ids = IdAllocator().take(Evaluation, len(results))
    evaluations = [
        _instance(
            Evaluation,
            {
                "id": pk,
                "merchant_id": r.merchant_id,
                "policy_id": run.policy_id,
                "run_id": run.pk,
                "evaluated_at": now,
                "score": r.score,
                "inputs": stored_inputs(r.inputs),
                "components": stored_components(r),
                "triggers": r.triggers,
            },
            related,
        )
        for r, pk in zip(results.values(), ids, strict=True)
    ]
    # orjson: dates as ISO strings like the field's encoder (to the microsecond, "Z" for
    # UTC), several times faster than the standard library.
    dumps, utc_z = orjson.dumps, orjson.OPT_UTC_Z
    prefix = f"\t{run.policy_id}\t{run.pk}\t{now.isoformat()}\t"
    lines = []
    for evaluation in evaluations:
        # COPY's text format: tabs between columns; a backslash (JSON's escapes) doubled.
        json_columns = (
            b"\t".join(
                (
                    dumps(evaluation.inputs, option=utc_z),
                    dumps(evaluation.components),
                    dumps(evaluation.triggers),
                )
            )
            .decode()
            .replace("\\", "\\\\")
        )
        lines.append(
            f"{evaluation.pk}\t{evaluation.merchant_id}{prefix}{evaluation.score}\t{json_columns}\n"
        )
    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(Evaluation._meta.db_table)} "
        f"({', '.join(quote(c) for c in EVALUATION_COLUMNS)}) FROM STDIN"
    )
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, io.StringIO("".join(lines)), size=1 << 20)
    return {e.merchant_id: e for e in evaluations}


def _instance(model: type[models.Model], values: dict[str, Any], related: dict[str, Any]) -> Any:
    """A model instance for a row as the database has it, built as Django unpickles one (its
    attributes set directly): Model.__init__ costs about 20 µs a row, much of a batch's Python
    time."""
    instance = model.__new__(model)
    state = ModelState()
    state.adding, state.db, state.fields_cache = False, connection.alias, dict(related)
    instance.__dict__.update(values, _state=state)
    return instance


def _standings_evaluated(evaluations: dict[int, Evaluation]) -> list[Standing]:
    """Give the batch's standings their new evaluation (score, last evaluation, no new events
    left) and return them, locked, in merchant order. On PostgreSQL one UPDATE … FROM
    unnest(…) RETURNING the rows; elsewhere a locked read and bulk_update."""
    stamp = timezone.now()
    if connection.vendor != "postgresql":
        standings = list(
            Standing.objects.select_for_update()
            .filter(merchant_filter(list(evaluations)))
            .order_by("merchant_id")
        )
        for standing in standings:
            evaluation = evaluations[standing.merchant_id]
            standing.score, standing.last_evaluation = evaluation.score, evaluation
            standing.needs_evaluation, standing.updated_at = False, stamp
        Standing.objects.bulk_update(standings, EVALUATED_FIELDS)
        return standings
    fields = list(Standing._meta.concrete_fields)
    quote = connection.ops.quote_name
    merchant_ids = sorted(evaluations)
    field = Standing._meta.get_field
    types = (
        field("merchant").rel_db_type(connection),
        field("score").db_type(connection),
        field("last_evaluation").rel_db_type(connection),
    )
    sql = (
        f"UPDATE {quote(Standing._meta.db_table)} AS s SET score = v.score, "
        "last_evaluation_id = v.evaluation_id, needs_evaluation = false, updated_at = %s "
        "FROM unnest({}) AS v(merchant_id, score, evaluation_id) ".format(
            ", ".join(f"%s::{t}[]" for t in types)
        )
        + "WHERE s.merchant_id = v.merchant_id AND s.merchant_id >= %s AND s.merchant_id <= %s "
        f"RETURNING {', '.join('s.' + quote(f.column) for f in fields)}"
    )
    params = [
        stamp,
        merchant_ids,
        [evaluations[m].score for m in merchant_ids],
        [evaluations[m].pk for m in merchant_ids],
        merchant_ids[0],
        merchant_ids[-1],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    json_fields = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    names = [f.attname for f in fields]
    standings = []
    for row in rows:
        values = dict(zip(names, row, strict=True))
        for i in json_fields:
            value = row[i]
            values[names[i]] = json.loads(value) if isinstance(value, str) else value
        standings.append(
            _instance(Standing, values, {"last_evaluation": evaluations[values["merchant_id"]]})
        )
    standings.sort(key=attrgetter("merchant_id"))
    return standings


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


# Set-based (PostgreSQL): scored by the database, written by a few statements per batch.


def _evaluate_scored(
    run: EvaluationRun,
    merchants: list[int],
    *,
    now: datetime,
    batch_size: int,
    skipped: dict[int, str],
) -> None:
    """Score the merchants into a table of the run's own in one statement, then store them a
    batch (a range of merchant ids) at a time, each batch committed on its own: in
    STORING_THREADS threads (_alongside), so that two batches' statements run at once (a
    database backend each, one core each), unless the caller's transaction is open
    (then one after another in it). The table is unlogged (a crash loses it, and the next run
    drops it: runs_close_dead) and visible to the threads' connections."""
    table = scores_table(run.pk)
    query = scores_query(merchants, policy=run.policy, now=now)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # For this one statement: hash tables in memory rather than spilled to disk, and
            # no JIT compilation (seconds of it for a statement that runs once).
            cursor.execute(f"SET LOCAL work_mem = '{READ_WORK_MEM}'; SET LOCAL jit = off")
            cursor.execute(f"CREATE UNLOGGED TABLE {table} AS {query.sql}", query.params)
            cursor.execute(f"CREATE UNIQUE INDEX ON {table} (merchant_id)")
            cursor.execute(f"ANALYZE {table} (merchant_id)")
            cursor.execute(f"SELECT merchant_id FROM {table} WHERE unreadable")
            unreadable = {row[0] for row in cursor.fetchall()}
        for merchant_id in sorted(unreadable):
            skipped[merchant_id] = UNREADABLE_RETURN_WINDOW
            logger.warning("Evaluation skipped merchant %s: %s", merchant_id, skipped[merchant_id])
        ids = sorted(pk for pk in merchants if pk not in unreadable)
        batches = (ids[start : start + batch_size] for start in range(0, len(ids), batch_size))

        def store(batch: list[int]) -> int:
            return _store_scored(run=run, table=table, merchants=batch, now=now, skipped=skipped)

        if connection.in_atomic_block:
            for batch in batches:
                store(batch)
        else:
            _alongside(batches, store)
    finally:
        if not connection.needs_rollback:
            with suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")


def scores_table(run_id: int) -> str:
    """The table of a set-based run's scores, quoted."""
    return connection.ops.quote_name(f"ratings_evaluation_scored_{run_id}")


def _store_scored(
    *,
    run: EvaluationRun,
    table: str,
    merchants: list[int],
    now: datetime,
    skipped: dict[int, str],
) -> int:
    """Store a batch of scored merchants; if the database refuses its data, store each half on
    its own, down to the merchant it refuses, which is skipped and reported."""
    try:
        return evaluation_batch_scored(run=run, table=table, merchants=merchants, now=now)
    except DataError as exc:
        if len(merchants) == 1:
            skipped[merchants[0]] = str(exc).strip() or type(exc).__name__
            logger.warning("Evaluation skipped merchant %s: %s", merchants[0], exc)
            return 0
    half = len(merchants) // 2
    return sum(
        _store_scored(run=run, table=table, merchants=part, now=now, skipped=skipped)
        for part in (merchants[:half], merchants[half:])
    )


def evaluation_batch_scored(
    *, run: EvaluationRun, table: str, merchants: list[int], now: datetime
) -> int:
    """Store one batch of merchants (sorted ids) from the run's table of scores, in one
    transaction: their evaluation rows and standings in one statement, then the pool rules (in
    SQL: moves_apply) for the merchants they can move, and the run's counters and heartbeat."""
    low, high = merchants[0], merchants[-1]
    quote = connection.ops.quote_name
    stamp = timezone.now()
    stored, stored_params = evaluation_sql(now)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"WITH e AS (INSERT INTO {quote(Evaluation._meta.db_table)} "
            "(merchant_id, policy_id, run_id, evaluated_at, score, inputs, components, triggers) "
            f"SELECT merchant_id, %s, %s, %s, score, {stored} "
            f"FROM {table} WHERE merchant_id BETWEEN %s AND %s AND NOT unreadable "
            "ORDER BY merchant_id RETURNING id, merchant_id, score) "
            f"UPDATE {quote(Standing._meta.db_table)} AS s SET score = e.score, "
            "last_evaluation_id = e.id, needs_evaluation = false, updated_at = %s "
            "FROM e WHERE s.merchant_id = e.merchant_id",
            [run.policy_id, run.pk, now, *stored_params, low, high, stamp],
        )
        evaluated = cursor.rowcount
        changes = moves_apply(
            run=run,
            table=table,
            movable=_movable_sql(run, low, high, now),
            span=(low, high),
            now=now,
        )
        EvaluationRun.objects.filter(pk=run.pk).update(
            heartbeat_at=timezone.now(),
            merchants_evaluated=F("merchants_evaluated") + evaluated,
            pool_changes=F("pool_changes") + changes,
        )
        run.merchants_evaluated += evaluated
        run.pool_changes += changes
    return evaluated


def _new_trigger_sql(codes: list[Trigger]) -> tuple[str, list[Any]]:
    """Whether any of these triggers holds for the scored merchant (t) and is new to its
    standing (s): new_triggers in SQL, a condition not acknowledged or an event dated after the
    last cleared warning (or without a date)."""
    parts, params = [], []
    for code in codes:
        if code in STATE_TRIGGERS:
            parts.append("(%s = ANY(t.triggers) AND NOT s.acknowledged_triggers ? %s)")
            params += [code.value, code.value]
        elif code in TRIGGER_DATES:
            when = f"t.{TRIGGER_DATES[code]}"
            parts.append(
                f"(%s = ANY(t.triggers) AND (s.warning_cleared_at IS NULL OR {when} IS NULL "
                f"OR {when} > s.warning_cleared_at))"
            )
            params.append(code.value)
        else:  # an event without a date: always new
            parts.append("%s = ANY(t.triggers)")
            params.append(code.value)
    return "(" + " OR ".join(parts) + ")", params


def _movable_sql(run: EvaluationRun, low: int, high: int, now: datetime) -> tuple[str, list[Any]]:
    """The condition (over the scores' table t and the standings s) that picks the batch's
    merchants whose new score or triggers can move them (what the pool rules can act on): a
    cultivated or star-rated merchant with a new trigger; a warned one with a new serious
    violation; a cultivated one past its observation worth a star; a star-rated one whose score
    is worth fewer stars, none, or more once its star period is over; and whoever has an
    appeal held or conditions acknowledged (the rules forget those that no longer hold)."""
    policy = run.policy
    any_new, any_params = _new_trigger_sql(list(Trigger))
    exit_new, exit_params = _new_trigger_sql(sorted(EXIT_TRIGGERS))
    sql = (
        # The range on both sides: the standings are read through their merchant index.
        "t.merchant_id BETWEEN %s AND %s AND s.merchant_id BETWEEN %s AND %s"
        " AND NOT t.unreadable AND ("
        "s.appeal_held_at IS NOT NULL OR s.acknowledged_triggers <> '[]'::jsonb"
        f" OR (s.pool IN (%s, %s) AND {any_new})"
        f" OR (s.pool = %s AND {exit_new})"
        " OR (s.pool = %s AND t.stars >= 1 AND s.since <= %s)"
        " OR (s.pool = %s AND (t.stars = 0 OR t.stars < s.stars OR (t.stars > s.stars AND"
        " (s.stars_changed_at IS NULL OR s.stars_changed_at <= %s))))"
        ")"
    )
    params = [
        low,
        high,
        low,
        high,
        Pool.CULTIVATION,
        Pool.STAR_RATED,
        *any_params,
        Pool.WARNING,
        *exit_params,
        Pool.CULTIVATION,
        now - timedelta(days=policy.observation_days),
        Pool.STAR_RATED,
        now - timedelta(days=policy.star_period_days),
    ]
    return sql, params
