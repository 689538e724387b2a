"""The transactional outbox: every side effect of a write — a mail, an SMS, a task to enqueue, a
cache entry to drop — is recorded as an `OutboxItem` in the same transaction as the write, and
delivered after the commit by one dispatcher. A delivery that fails never reaches the request
that made the write: the item stays pending and is tried again with backoff by the periodic
`common.tasks.outbox_redeliver`, until it is delivered — once: an item is claimed by a
conditional update before its handler runs, and marked delivered in the same transaction.

With OUTBOX_RELAY=true (production, docker-compose) writes only record their items, and the
`outbox_relay` process delivers them in batches a fraction of a second later: a request pays for
one insert per side effect, nothing more — one insert for all of them inside `outbox_batch()`.

Kinds and their handlers are registered with `@handler("kind")`; `common` registers mail, SMS
and task, an app may add its own in its `ready()` (the merchants app mails inbox
messages, rendered in each reader's language).
"""

import datetime
import functools
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Field
from django.utils import timezone, translation

from common import sms
from common.inserts import insert_values
from common.messages import Message, render
from common.models import OutboxItem

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}

# Backoff between attempts: 30 s, 1, 2, 4, … minutes, at most 6 hours.
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 6 * 3600
# An item still undelivered after this long is shown to admins as failing.
FAILING_AFTER = datetime.timedelta(hours=1)
BATCH = 50


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


# A payload holding a secret (a one-time code) is emptied once delivered: only its kind stays.
SECRET = "secret"


def outbox_add(
    kind: str, payload: dict[str, Any], *, key: str | None = None, secret: bool = False
) -> None:
    """Record a side effect in the current transaction; it is delivered after the commit.
    `secret`: the payload is not kept once delivered (a one-time code in an SMS)."""
    outbox_add_many(kind, [payload | {SECRET: True} if secret else payload], keys=[key])


def outbox_add_many(
    kind: str, payloads: Iterable[dict[str, Any]], *, keys: Iterable[str | None] | None = None
) -> None:
    if kind not in HANDLERS:
        raise KeyError(f"no outbox handler for {kind!r}")
    payloads = list(payloads)
    keys = list(keys) if keys is not None else [None] * len(payloads)
    now = timezone.now()
    items = [
        OutboxItem(kind=kind, payload=payload, key=key, created_at=now, due_at=now)
        for payload, key in zip(payloads, keys, strict=True)
    ]
    batch = _batch.get()
    if batch is not None:
        batch.extend(items)
    else:
        _record(items)


_batch: ContextVar[list[OutboxItem] | None] = ContextVar("outbox_batch", default=None)


@contextmanager
def outbox_batch() -> Iterator[None]:
    """Record the items added inside the block with one INSERT when it ends (inside the
    caller's transaction): a write with several side effects pays one round trip for them.
    If the block raises, nothing is recorded."""
    if _batch.get() is not None:  # already batching: the outer block records
        yield
        return
    items: list[OutboxItem] = []
    token = _batch.set(items)
    try:
        yield
    finally:
        _batch.reset(token)
    _record(items)


def _record(items: list[OutboxItem]) -> None:
    """One INSERT for all the items; a key recorded already (before or earlier in the list) is
    a no-op that still answers the row's id (a NULL key never conflicts)."""
    if not items:
        return
    unique: list[OutboxItem] = []
    keys: set[str] = set()
    for item in items:
        if item.key in keys:
            continue
        if item.key:
            keys.add(item.key)
        unique.append(item)
    if connection.vendor == "postgresql":
        sql, fields = _insert_sql()
        rows = [insert_values(item, fields) for item in unique]
        columns = [list(column) for column in zip(*rows, strict=True)]  # arrays, not rows
        with connection.cursor() as cursor:
            cursor.execute(sql, columns)
            for item, (pk,) in zip(unique, cursor.fetchall(), strict=True):
                item.pk = pk
    else:
        OutboxItem.objects.bulk_create(
            unique, update_conflicts=True, unique_fields=["key"], update_fields=["key"]
        )
    _dispatch_on_commit([item.pk for item in unique])


@functools.cache
def _insert_sql() -> tuple[str, list[Field]]:
    """The INSERT of _record on PostgreSQL, written once per process: every column an array
    (UNNEST, as bulk_create writes it for several rows), a recorded key answering its row's id.
    The ORM built and compiled it on every write (a third of an intake's own Python time)."""
    quote = connection.ops.quote_name
    fields = [f for f in OutboxItem._meta.concrete_fields if not f.primary_key]
    arrays = ", ".join(f"%s::{f.db_type(connection).split('(')[0]}[]" for f in fields)
    key = quote(OutboxItem._meta.get_field("key").column)
    sql = (
        f"INSERT INTO {quote(OutboxItem._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) SELECT * FROM UNNEST({arrays}) "
        f"ON CONFLICT ({key}) DO UPDATE SET {key} = EXCLUDED.{key} "
        f"RETURNING {quote(OutboxItem._meta.pk.column)}"
    )
    return sql, fields


class _Dispatch:
    """One record's after-commit hand-over. The hand-overs of one transaction form a group:
    the first to run takes its own items and those recorded after it, so at the commit one
    batch goes out, and a test that runs only the callbacks of an inner block hands over only
    what that block recorded."""

    def __init__(self, group: list["_Dispatch"], ids: list[int]) -> None:
        self.group, self.ids, self.done = group, ids, False
        group.append(self)

    def __call__(self) -> None:
        ids: list[int] = []
        for dispatch in self.group[self.group.index(self) :]:
            if not dispatch.done:
                dispatch.done = True
                ids.extend(dispatch.ids)
        if ids:
            _dispatch_after_commit(ids)


def _dispatch_on_commit(ids: list[int]) -> None:
    if settings.OUTBOX_RELAY:  # the relay process picks them up
        return
    group: list[_Dispatch] = []
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _savepoints, callback, _robust in connection.run_on_commit:
            if isinstance(callback, _Dispatch):
                group = callback.group
                break
    transaction.on_commit(_Dispatch(group, ids))


def _dispatch_after_commit(ids: list[int]) -> None:
    """Hand the new items to the dispatcher task (run at once where tasks run eagerly); if the
    broker cannot take it, they stay pending for the periodic re-delivery."""
    from common.tasks import outbox_deliver as deliver_task  # that module imports this one

    try:
        if current_app.conf.task_always_eager:  # no broker: deliver here, without the task
            outbox_deliver(ids)
        else:
            deliver_task.apply_async((ids,), retry=False)
    except Exception as exc:  # the write is committed: never turn a delivery into an error
        logger.warning("outbox: %d item(s) left for re-delivery (%s)", len(ids), exc)


def _backoff(attempts: int) -> datetime.timedelta:
    seconds = FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, MAX_RETRY_SECONDS))


def outbox_deliver(ids: Iterable[int]) -> int:
    """Deliver these items if due and not yet delivered; returns how many were delivered.

    One transaction per batch: its first statement marks the attempt on every pending item,
    which locks those rows (PostgreSQL) or the database (SQLite) until the outcome is recorded,
    so a second dispatcher handed the same items waits and then finds them delivered. A
    database error rolls the whole batch back: its items stay pending for the next try."""
    ids = list(ids)
    if not ids:
        return 0
    now = timezone.now()
    delivered: list[int] = []
    with transaction.atomic():
        pending = OutboxItem.objects.filter(pk__in=ids, delivered_at__isnull=True, due_at__lte=now)
        if not pending.update(attempts=F("attempts") + 1):
            return 0
        for item in pending.order_by("pk"):
            try:
                HANDLERS[item.kind](item.payload)
            except DatabaseError:
                raise
            except Exception as exc:  # any other failure: keep the item, try again later
                logger.warning("outbox: %s failed (attempt %d): %s", item, item.attempts, exc)
                OutboxItem.objects.filter(pk=item.pk).update(
                    due_at=timezone.now() + _backoff(item.attempts),
                    last_error=f"{type(exc).__name__}: {exc}"[:2000],
                )
                continue
            delivered.append(item.pk)
        done = OutboxItem.objects.filter(pk__in=delivered)
        done.update(delivered_at=timezone.now())
        done.filter(payload__secret=True).update(payload={SECRET: True})
    return len(delivered)


def outbox_redeliver(limit: int = BATCH * 10) -> int:
    """Deliver what is due and still pending (the periodic task)."""
    delivered = 0
    while limit > 0:
        now = timezone.now()
        ids = list(
            OutboxItem.objects.filter(delivered_at__isnull=True, due_at__lte=now)
            .order_by("due_at")
            .values_list("pk", flat=True)[: min(BATCH, limit)]
        )
        if not ids:
            break
        delivered += outbox_deliver(ids)
        limit -= len(ids)
        if len(ids) < BATCH:
            break
    return delivered


def outbox_retry_now(ids: Iterable[int]) -> int:
    """Make these pending items due at once (the admin action)."""
    return OutboxItem.objects.filter(pk__in=list(ids), delivered_at__isnull=True).update(
        due_at=timezone.now()
    )


# --- the handlers common provides -------------------------------------------------------------


def mail_payload(
    *, to: list[str], subject: Message, body: Message, language: str, link: str = ""
) -> dict[str, Any]:
    return {"to": to, "subject": subject, "body": body, "language": language, "link": link}


@handler("mail")
def _mail(payload: dict[str, Any]) -> None:
    """A mail rendered in its reader's language when it is sent."""
    language = payload.get("language")
    with translation.override(language):
        subject = render(payload["subject"])
        body = render(payload["body"])
    if payload.get("link"):
        body = f"{body}\n\n{payload['link']}"
    send_mail(subject, body, None, payload["to"])


@handler("sms")
def _sms(payload: dict[str, Any]) -> None:
    with translation.override(payload.get("language")):
        text = render(payload["body"])
    sms.send(payload["to"], text)


@handler("task")
def _task(payload: dict[str, Any]) -> None:
    """Enqueue a Celery task; with the broker down this raises and the item waits."""
    task = current_app.tasks[payload["name"]]
    task.apply_async(payload.get("args", []), payload.get("kwargs", {}), retry=False)
