"""Rebuilding the cockpit's rollups from the raw tables, set-based.

Each figure is one aggregate query grouped by county and month in the database (the ORM's
`values().annotate()`, which SQLite and PostgreSQL both run); Python only files the grouped rows
(90 counties by 36 months at most) into rollup rows. The working-day histograms are one
INSERT … SELECT each, joining the raw rows to the calendar table (CalendarDay) by their local
dates. A full refresh rebuilds every month of the window; a recent one the current and the
previous month; both rebuild the snapshot. Each runs in one transaction: readers see the old
figures or the new ones, never half. Two runs never overlap (RefreshState.running_since is
claimed by a conditional update).
"""

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, DateField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from common.calendar import is_working_day
from complaints.models import CLOSED_COMPLAINT_STATES, Complaint, ComplaintState
from complaints.models.complaints import HANDLED_OUTCOMES
from merchants.models import Declaration, DeclarationState, Merchant, Station, User
from ratings.models import EvaluationPolicy, PoolChange, Standing
from ratings.models.pools import Pool
from review.models import Inspection, InspectionResult
from review.selectors.queue import OPEN_REVIEW_STATES, overdue_q
from supervision.models import (
    DURATION_CAP,
    Breakdown,
    BreakdownCount,
    CalendarDay,
    Duration,
    DurationCount,
    MonthlyFigures,
    PoolFlow,
    RefreshState,
    SnapshotFigure,
    ThresholdCrossing,
)

logger = logging.getLogger(__name__)

# Months kept in the rollups (the trends show this many).
MONTHS = 36
# The calendar table starts here: no record of the platform is older.
CALENDAR_START = date(2000, 1, 1)
# A run that has not finished after this long is taken to have died.
STALE_RUN = timedelta(minutes=30)
# "Newly" crossing a complaint threshold: within this many days.
CROSSING_DAYS = 7


class RefreshInProgress(Exception):
    """Another refresh holds the rollups."""


@dataclass(frozen=True)
class RefreshResult:
    recent: bool
    since: date
    seconds: float
    months: int


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_back(day: date, months: int) -> date:
    """The first day of the month `months` months before the month of `day`."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def window_start(today: date, *, recent: bool) -> date:
    return months_back(today, 1 if recent else MONTHS - 1)


# The calendar


def calendar_extend(until: date) -> None:
    """Add the days missing up to `until`, each with its running count of working days."""
    last = CalendarDay.objects.order_by("-day").first()
    day, ordinal = (last.day + timedelta(days=1), last.ordinal) if last else (CALENDAR_START, 0)
    rows = []
    while day <= until:
        ordinal += is_working_day(day)
        rows.append(CalendarDay(day=day, month=month_start(day), ordinal=ordinal))
        day += timedelta(days=1)
    CalendarDay.objects.bulk_create(rows, batch_size=2000)


# Monthly figures


def _by_month(
    qs: QuerySet, field: str, since: date, *keys: str, **figures: Any
) -> Iterable[dict[str, Any]]:
    """`figures` of the rows whose `field` falls in the window, per county, local month and
    `keys`."""
    return (
        qs.filter(**{f"{field}__gte": local_start(since)})
        .annotate(month=TruncMonth(field, output_field=DateField()))
        .values("region_id", "month", *keys)
        .annotate(**figures)
        .order_by()
    )


def _monthly_queries(since: date) -> list[Iterable[dict[str, Any]]]:
    complaints = Complaint.objects.all()
    handled = Q(state__in=HANDLED_OUTCOMES, accepted_at__isnull=False)
    settled = Q(state=ComplaintState.SETTLED)
    declarations = Declaration.objects.all()
    return [
        _by_month(complaints, "accepted_at", since, complaints_accepted=Count("id")),
        _by_month(
            complaints.filter(state__in=CLOSED_COMPLAINT_STATES),
            "closed_at",
            since,
            complaints_closed=Count("id"),
            complaints_handled=Count("id", filter=handled),
            complaints_resolved=Count("id", filter=handled & settled),
            complaints_on_time=Count("id", filter=handled & Q(closed_at__date__lte=F("close_due"))),
            complaints_rated=Count("rating"),
            rating_sum=Sum("rating", default=0),
            money_returned=Sum("amount", filter=settled, default=Decimal(0)),
        ),
        _by_month(
            Inspection.objects.all(), "campaign__drawn_at", since, inspections_drawn=Count("id")
        ),
        _by_month(
            Inspection.objects.exclude(result=""),
            "visited_at",
            since,
            inspections_done=Count("id"),
            inspections_failed=Count("id", filter=Q(result=InspectionResult.FAIL)),
        ),
        _by_month(declarations, "submitted_at", since, declarations_submitted=Count("id")),
        _by_month(
            declarations,
            "decided_at",
            since,
            declarations_decided=Count("id"),
            declarations_approved=Count("id", filter=Q(state=DeclarationState.APPROVED)),
        ),
    ]


def _monthly_rows(since: date, received: dict[tuple[str, date], int]) -> list[MonthlyFigures]:
    merged: dict[tuple[str, date], dict[str, Any]] = defaultdict(dict)
    for key, count in received.items():
        merged[key]["complaints_received"] = count
    for query in _monthly_queries(since):
        for row in query:
            key = (row.pop("region_id"), row.pop("month"))
            merged[key].update(row)
    return [
        MonthlyFigures(region_id=region, month=month, **figures)
        for (region, month), figures in sorted(merged.items())
    ]


# Working-day histograms


def _duration_insert(measure: str, rows: QuerySet, since: date) -> None:
    """One INSERT … SELECT: each row's working days from `start_day` to `end_day` (ordinals of
    the calendar), counted per county, month of the end and number of days."""
    inner, params = rows.values("region_id", "start_day", "end_day").query.sql_with_params()
    table = connection.ops.quote_name(DurationCount._meta.db_table)
    calendar = connection.ops.quote_name(CalendarDay._meta.db_table)
    days = (
        f"CASE WHEN e.ordinal - b.ordinal > {DURATION_CAP} THEN {DURATION_CAP} "
        "WHEN e.ordinal < b.ordinal THEN 0 ELSE e.ordinal - b.ordinal END"
    )
    sql = (
        f"INSERT INTO {table} (region_id, month, measure, days, count) "
        f"SELECT s.region_id, e.month, %s, {days}, COUNT(*) FROM ({inner}) s "
        f"JOIN {calendar} b ON b.day = s.start_day JOIN {calendar} e ON e.day = s.end_day "
        f"WHERE e.month >= %s GROUP BY s.region_id, e.month, {days}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [measure, *params, since])


def _durations(since: date) -> None:
    start = local_start(since)
    _duration_insert(
        Duration.COMPLAINT_CLOSE,
        Complaint.objects.filter(state__in=CLOSED_COMPLAINT_STATES, closed_at__gte=start)
        .annotate(start_day=TruncDate("created_at"), end_day=TruncDate("closed_at"))
        .order_by(),
        since,
    )
    _duration_insert(
        Duration.DECLARATION_REVIEW,
        Declaration.objects.filter(Q(decided_at__gte=F("submitted_at")), decided_at__gte=start)
        .annotate(start_day=TruncDate("submitted_at"), end_day=TruncDate("decided_at"))
        .order_by(),
        since,
    )


# Breakdowns and pool flows


def _received(since: date) -> Iterable[dict[str, Any]]:
    """Complaints received per county, month, category and industry: one pass over the month's
    complaints gives the received counts and both breakdowns."""
    return _by_month(
        Complaint.objects.annotate(industry=Coalesce(F("merchant__industry"), Value(""))),
        "created_at",
        since,
        "category",
        "industry",
        count=Count("id"),
    )


def _received_rows(
    since: date,
) -> tuple[dict[tuple[str, date], int], list[BreakdownCount]]:
    """The received counts per county and month, and the breakdown rows."""
    received: dict[tuple[str, date], int] = defaultdict(int)
    by_key: dict[tuple[str, str, date, str], int] = defaultdict(int)
    for row in _received(since):
        region, month, count = row["region_id"], row["month"], row["count"]
        received[region, month] += count
        by_key[Breakdown.CATEGORY, region, month, row["category"]] += count
        by_key[Breakdown.INDUSTRY, region, month, row["industry"]] += count
    rows = [
        BreakdownCount(dimension=dimension, region_id=region, month=month, key=key, count=count)
        for (dimension, region, month, key), count in by_key.items()
    ]
    return received, rows


def _flow_rows(since: date) -> list[PoolFlow]:
    grouped = (
        PoolChange.objects.filter(created_at__gte=local_start(since))
        .annotate(
            month=TruncMonth("created_at", output_field=DateField()),
            county=F("merchant__region_id"),
        )
        .values("county", "month", "from_pool", "to_pool")
        .annotate(count=Count("id"))
        .order_by()
    )
    return [
        PoolFlow(
            region_id=row["county"],
            month=row["month"],
            from_pool=row["from_pool"],
            to_pool=row["to_pool"],
            count=row["count"],
        )
        for row in grouped
    ]


# The snapshot


@dataclass(frozen=True)
class SnapshotCount:
    """One current count of the snapshot: the rows counted per county, keyed by the value of
    `key` when there is one; `n` counts them (each row once by default)."""

    measure: str
    rows: QuerySet
    key: str | None = None
    n: Any = None

    def by_region(self, rows: QuerySet | None = None) -> Iterator[tuple[str, str, int]]:
        """(county, key, count) of `rows` (this count's rows, or some of them)."""
        fields = ["region_id", self.key] if self.key else ["region_id"]
        n = self.n or Count("pk")
        grouped = (self.rows if rows is None else rows).values(*fields).annotate(n=n)
        for row in grouped.order_by():
            if row["region_id"]:
                yield row["region_id"], str(row[self.key]) if self.key else "", row["n"]


def snapshot_counts(today: date) -> list[SnapshotCount]:
    """What the snapshot counts: the one definition the refresh stores and the audit recounts."""
    open_complaints = Complaint.objects.exclude(state__in=CLOSED_COMPLAINT_STATES)
    return [
        SnapshotCount("merchants", Merchant.objects.all()),
        SnapshotCount("pool", Standing.objects.all(), "pool"),
        SnapshotCount("stars", Standing.objects.filter(pool=Pool.STAR_RATED), "stars"),
        SnapshotCount(
            "scheme",
            Declaration.objects.filter(state=DeclarationState.APPROVED),
            "scheme__kind",
            Count("merchant_id", distinct=True),
        ),
        SnapshotCount(
            "coordinators", User.objects.filter(role=User.Role.COORDINATOR, is_active=True)
        ),
        SnapshotCount("stations", Station.objects.filter(is_active=True)),
        SnapshotCount(
            "declarations_pending", Declaration.objects.filter(state__in=OPEN_REVIEW_STATES)
        ),
        SnapshotCount("declarations_overdue", Declaration.objects.filter(overdue_q(today))),
        SnapshotCount("complaints_open", open_complaints),
        SnapshotCount("complaints_overdue", open_complaints.filter(is_overdue=True)),
    ]


def _snapshot_rows(today: date) -> list[SnapshotFigure]:
    return [
        SnapshotFigure(region_id=region_id, measure=count.measure, key=key, value=n)
        for count in snapshot_counts(today)
        for region_id, key, n in count.by_region()
    ]


def crossings_query(now: datetime) -> QuerySet:
    """Merchants with the warning's number of accepted complaints within its window now, and
    fewer within the window that ended CROSSING_DAYS ago."""
    policy = EvaluationPolicy.current()
    threshold, window = policy.warning_accepted_complaints, timedelta(policy.warning_complaint_days)
    before = now - timedelta(days=CROSSING_DAYS)
    return (
        Complaint.objects.filter(merchant__isnull=False, accepted_at__gte=before - window)
        .values("merchant_id")
        .annotate(
            county=F("merchant__region_id"),
            now_count=Count("id", filter=Q(accepted_at__gte=now - window, accepted_at__lte=now)),
            before_count=Count(
                "id", filter=Q(accepted_at__gte=before - window, accepted_at__lte=before)
            ),
        )
        .filter(now_count__gte=threshold, before_count__lt=threshold)
        .order_by()
    )


def _crossing_rows(now: datetime) -> list[ThresholdCrossing]:
    return [
        ThresholdCrossing(
            region_id=row["county"], merchant_id=row["merchant_id"], complaints=row["now_count"]
        )
        for row in crossings_query(now)
    ]


# The run


def _claim(now: datetime) -> None:
    RefreshState.objects.get_or_create(pk=1)
    claimed = (
        RefreshState.objects.filter(pk=1)
        .filter(Q(running_since__isnull=True) | Q(running_since__lt=now - STALE_RUN))
        .update(running_since=now)
    )
    if not claimed:
        raise RefreshInProgress


def supervision_refresh(*, recent: bool, now: datetime | None = None) -> RefreshResult:
    """Rebuild the rollups: every month of the window (full) or the current and the previous
    month (recent), and the snapshot."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    since = window_start(today, recent=recent)
    started = time.perf_counter()
    _claim(now)
    try:
        calendar_extend(today + timedelta(days=31))
        with transaction.atomic():
            for model in (MonthlyFigures, DurationCount, BreakdownCount, PoolFlow):
                model.objects.filter(month__gte=since).delete()
            received, breakdowns = _received_rows(since)
            MonthlyFigures.objects.bulk_create(_monthly_rows(since, received), batch_size=2000)
            _durations(since)
            BreakdownCount.objects.bulk_create(breakdowns, batch_size=2000)
            PoolFlow.objects.bulk_create(_flow_rows(since), batch_size=2000)
            SnapshotFigure.objects.all().delete()
            SnapshotFigure.objects.bulk_create(_snapshot_rows(today), batch_size=2000)
            ThresholdCrossing.objects.all().delete()
            ThresholdCrossing.objects.bulk_create(_crossing_rows(now), batch_size=2000)
            # Months that fell out of the window.
            oldest = window_start(today, recent=False)
            for model in (MonthlyFigures, DurationCount, BreakdownCount, PoolFlow):
                model.objects.filter(month__lt=oldest).delete()
        seconds = time.perf_counter() - started
        done = timezone.now()
        finished = {"recent_at": done} if recent else {"full_at": done, "full_seconds": seconds}
        RefreshState.objects.filter(pk=1).update(running_since=None, **finished)
    except BaseException:
        RefreshState.objects.filter(pk=1).update(running_since=None)
        raise
    logger.info("supervision refresh (%s) in %.1f s", "recent" if recent else "full", seconds)
    months = (today.year - since.year) * 12 + today.month - since.month + 1
    return RefreshResult(recent=recent, since=since, seconds=seconds, months=months)
