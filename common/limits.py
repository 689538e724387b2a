"""Rate limits counted in the database, atomic under any concurrency, in O(1) per use.

A use is counted by one upsert (`INSERT … ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING
hits`) into the key's current 5-minute bucket, in its own short transaction, so two parallel
uses can never both see room for one: each gets its own number. The window's total is that number
plus the key's earlier buckets in the window, which no longer change. A use over a limit, or whose
work then fails, is given back at once, so refused and failed attempts do not count.

The windows are measured in whole buckets and never shorter than asked: "an hour" is the
current bucket and the 12 before it (60 to 65 minutes), "a day" the current and 288 before it.

    with limits_reserved([Limit(key=limit_key("phone", phone), hour=5, day=20)]):
        ...  # the work; LimitExceeded was raised before it if a limit was reached
"""

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from common.models import LimitCounter

BUCKET_MINUTES = 5
WINDOW_BUCKETS = {"hour": 60 // BUCKET_MINUTES, "day": 24 * 60 // BUCKET_MINUTES}
KEEP_BUCKETS = WINDOW_BUCKETS["day"] + 12  # purged beyond a day and an hour


@dataclass(frozen=True)
class Limit:
    """At most `hour` uses in any hour and `day` in any day for this key."""

    key: str
    hour: int
    day: int


class LimitExceeded(Exception):
    def __init__(self, limit: Limit, window: str) -> None:
        super().__init__(f"{limit.key}: over {getattr(limit, window)} per {window}")
        self.limit = limit
        self.window = window  # "hour" or "day"


def limit_key(kind: str, value: str) -> str:
    """The stored key of a value (a phone, an address): a hash, so the table holds neither."""
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _bucket(now: datetime) -> int:
    return int(now.timestamp()) // 60 // BUCKET_MINUTES


def _count(keys: list[str], bucket: int, step: int) -> dict[str, int]:
    """Add `step` to each key's bucket in one statement; the new totals of the bucket."""
    table, key, hits = (
        connection.ops.quote_name(name) for name in (LimitCounter._meta.db_table, "key", "hits")
    )
    rows = ", ".join(["(%s, %s, %s)"] * len(keys))
    params = [value for key in keys for value in (key, bucket, max(step, 0))]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key}, bucket, {hits}) VALUES {rows} "
            f"ON CONFLICT ({key}, bucket) DO UPDATE SET {hits} = {table}.{hits} + %s "
            f"RETURNING {key}, {hits}",
            [*params, step],
        )
        return dict(cursor.fetchall())


def _earlier(keys: list[str], bucket: int) -> dict[str, dict[str, int]]:
    """Each key's uses in the window's buckets before the current one."""
    hour_from = bucket - WINDOW_BUCKETS["hour"]
    rows = (
        LimitCounter.objects.filter(
            key__in=keys, bucket__gte=bucket - WINDOW_BUCKETS["day"], bucket__lt=bucket
        )
        .values("key")
        .annotate(hour=Sum("hits", filter=Q(bucket__gte=hour_from)), day=Sum("hits"))
    )
    return {row["key"]: {"hour": row["hour"] or 0, "day": row["day"] or 0} for row in rows}


def _give_back(keys: list[str], bucket: int) -> None:
    if not connection.needs_rollback:  # otherwise the count rolls back with the transaction
        _count(keys, bucket, -1)


@contextmanager
def limits_reserved(limits: Sequence[Limit], *, now: datetime | None = None) -> Iterator[None]:
    """Count one use against every limit, or raise LimitExceeded (the hour's limit first)
    counting none; the use is given back if the block raises."""
    keys = sorted({limit.key for limit in limits})  # one order: parallel upserts never deadlock
    bucket = _bucket(now or timezone.now())
    current = _count(keys, bucket, 1)
    earlier = _earlier(keys, bucket)
    for window in ("hour", "day"):
        for limit in limits:
            used = current[limit.key] + earlier.get(limit.key, {}).get(window, 0)
            if used > getattr(limit, window):
                _give_back(keys, bucket)
                raise LimitExceeded(limit, window)
    try:
        yield
    except BaseException:
        _give_back(keys, bucket)
        raise


def limits_purge(*, now: datetime | None = None) -> int:
    """Delete the buckets no window reaches any more; how many were deleted."""
    oldest = _bucket(now or timezone.now()) - KEEP_BUCKETS
    deleted, _ = LimitCounter.objects.filter(bucket__lt=oldest).delete()
    return deleted
