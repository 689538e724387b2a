"""Rate limits counted in the database: atomic under any concurrency, O(1) per use.

A use is counted by one upsert (`INSERT … ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING
hits`) into the key's current 5-minute bucket. It is the last statement of the work's own
transaction, so the row it locks is held only while that transaction commits, and two parallel
uses can never both see room for one: the second waits for the first's commit and counts on top
of it. A use over a limit raises, which rolls the work back with its count; so does any failure of
the work: refused and failed attempts never count.

The window's total is the current bucket's count plus the key's earlier buckets in the window.
Windows are measured in whole buckets and never shorter than asked: "an hour" is the current
bucket and the 12 before it (60 to 65 minutes), "a day" the current and the 288 before it.

Before the work, one read of the earlier buckets refuses a key already at its limit, so a flood
costs one query per request. The read leaves the current bucket alone: under load its row is
rewritten hundreds of times a second (an address behind a proxy), and reading it meant walking
its dead versions. A key the count refused in the current bucket is refused by the process at
once for the rest of it (its count only grows until the bucket ends). Buckets before the
previous one are settled, nothing counts into them any more: a key seen with settled uses (an
address, a phone that complains daily) keeps their sums in the process for the rest of the
current bucket, and its read then takes the previous bucket's row alone instead of up to 289
(issue 17: the read was most of the intake's time in the database).

    use = limits_use([Limit(key=limit_key("phone", phone), hour=5, day=20)])  # may refuse
    with transaction.atomic():
        ...  # the work
        use.count()  # last: may refuse, rolling the work back
"""

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from common.counters import counters_add
from common.models import LimitCounter

BUCKET_MINUTES = 5
WINDOW_BUCKETS = {"hour": 60 // BUCKET_MINUTES, "day": 24 * 60 // BUCKET_MINUTES}
KEEP_BUCKETS = WINDOW_BUCKETS["day"] + 12  # purged beyond a day and an hour
WINDOWS = ("hour", "day")  # the hour's limit is named first when both are reached


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

    @property
    def window_text(self) -> str:
        """The window in the reader's words, for the refusal."""
        return _("hour") if self.window == "hour" else _("day")


def limit_key(kind: str, value: str) -> str:
    """The stored key of a value (a phone, an address): a hash, so the table holds neither."""
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def phone_and_address(
    kind: str,
    *,
    phone: str,
    ip: str | None,
    per_phone: Mapping[str, int],
    per_address: Mapping[str, int],
) -> list[Limit]:
    """The limits of a public form: its phone's (normalised) and, when the client's address is
    counted, the address's ("complaint", "lookup", …: each form counts apart). The phone's
    limit comes first."""
    limits = [Limit(key=limit_key(f"{kind}-phone", phone), **per_phone)]
    if ip:
        limits.append(Limit(key=limit_key(f"{kind}-address", ip), **per_address))
    return limits


def _bucket(now: datetime) -> int:
    return int(now.timestamp()) // 60 // BUCKET_MINUTES


def _names() -> tuple[str, str, str]:
    quote = connection.ops.quote_name
    return quote(LimitCounter._meta.db_table), quote("key"), quote("hits")


class _Known:
    """What the process knows of keys for one current bucket: the settled uses (buckets before
    the previous one) in the hour and the day window of the keys that have some, and the limits
    the count refused (a limit, not a key: another limit of the same key may still have room).
    Forgotten when the bucket ends."""

    MAX_KEYS = 10_000

    def __init__(self) -> None:
        self.bucket: int | None = None
        self.settled: dict[str, tuple[int, int]] = {}
        self.refused: dict[Limit, str] = {}  # the limit and its window

    def of(self, bucket: int) -> "_Known":
        if bucket != self.bucket:
            self.bucket, self.settled, self.refused = bucket, {}, {}
        return self

    def keep(self, key: str, hour: int, day: int) -> None:
        if day and len(self.settled) < self.MAX_KEYS:
            self.settled[key] = (hour, day)


_known = _Known()


def limits_forget_known() -> None:
    """Forget what this process knows of keys (tests that write counters themselves)."""
    _known.bucket = None


class Use:
    """One use of some limits: read at creation, counted by `count()`."""

    def __init__(self, limits: Sequence[Limit], now: datetime) -> None:
        self.limits = list(limits)
        self.keys = sorted({limit.key for limit in self.limits})  # one order: no deadlocks
        self.bucket = _bucket(now)
        known = _known.of(self.bucket)
        for limit in self.limits:
            if limit in known.refused:
                raise LimitExceeded(limit, known.refused[limit])
        self.earlier = self._read(known)
        self._check(adding=1, current={})

    def _read(self, known: _Known) -> dict[str, dict[str, int]]:
        """Per key: its uses in the hour and in the day before the current bucket. One query,
        an index scan per key: the whole window of a key whose settled sums are not known, the
        previous bucket of one whose are (a plain index scan, unlike a bitmap scan, marks the
        dead versions it meets, so the next read skips them)."""
        table, key, hits = _names()
        previous = self.bucket - 1
        one = f"SELECT {key}, bucket, {hits} FROM {table} WHERE {key} = %s AND bucket >= %s"
        params: list[object] = []
        for name in self.keys:
            first = previous if name in known.settled else self.bucket - WINDOW_BUCKETS["day"]
            params += [name, first, self.bucket]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join([f"{one} AND bucket < %s"] * len(self.keys)), params)
            rows = cursor.fetchall()
        hour_from = self.bucket - WINDOW_BUCKETS["hour"]
        settled = {name: [0, 0] for name in self.keys}
        before = dict.fromkeys(self.keys, 0)
        for name, bucket, count in rows:
            if bucket == previous:
                before[name] += count
            else:
                settled[name][0] += count if bucket >= hour_from else 0
                settled[name][1] += count
        earlier = {}
        for name in self.keys:
            if name in known.settled:
                settled_hour, settled_day = known.settled[name]
            else:
                settled_hour, settled_day = settled[name]
                known.keep(name, settled_hour, settled_day)
            earlier[name] = {
                "hour": settled_hour + before[name],
                "day": settled_day + before[name],
            }
        return earlier

    def _check(self, *, adding: int, current: dict[str, int]) -> None:
        for window in WINDOWS:
            for limit in self.limits:
                earlier = self.earlier[limit.key][window]
                if earlier + current.get(limit.key, 0) + adding > getattr(limit, window):
                    raise LimitExceeded(limit, window)

    def count(self) -> None:
        """Count the use: call it last in the work's transaction. Raises LimitExceeded (the
        caller's transaction then rolls back, count included) when a limit is passed."""
        counted = counters_add(
            LimitCounter,
            keys=("key", "bucket"),
            rows=[(key, self.bucket) for key in self.keys],
            field="hits",
        )
        try:
            self._check(adding=0, current={key: hits for (key, _), hits in counted.items()})
        except LimitExceeded as exc:
            _known.of(self.bucket).refused[exc.limit] = exc.window
            raise


def limits_use(limits: Sequence[Limit], *, now: datetime | None = None) -> Use:
    """Start a use of these limits; raises LimitExceeded at once if one is already reached."""
    return Use(limits, now or timezone.now())


def limits_purge(*, now: datetime | None = None) -> int:
    """Delete the buckets no window reaches any more; how many were deleted."""
    oldest = _bucket(now or timezone.now()) - KEEP_BUCKETS
    deleted, _ = LimitCounter.objects.filter(bucket__lt=oldest).delete()
    return deleted
