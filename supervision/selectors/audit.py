"""Every figure of the cockpit recounted from the raw tables, for one region: the check that
the rollups are right (`manage.py supervision_audit`, bench/dashboard_check.py, the tests).

The recount shares nothing with the refresh but the definitions: months are explicit local
time bounds instead of the database's month truncation, working days are counted in Python
with common.calendar instead of the calendar table, and the tables are compared cell by cell.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from common.calendar import is_working_day
from complaints.models import CLOSED_COMPLAINT_STATES, Complaint, ComplaintState
from complaints.models.complaints import HANDLED_OUTCOMES
from merchants.models import Declaration, Merchant
from merchants.selectors import subtree_q
from ratings.models import EvaluationPolicy, PoolChange
from review.models import Inspection, InspectionResult
from supervision.models import DURATION_CAP
from supervision.selectors import figures as f
from supervision.services.refresh import (
    CROSSING_DAYS,
    MONTHS,
    local_start,
    months_back,
    snapshot_counts,
)


class WorkingDays:
    """Working days between two dates: a running count of working days since a fixed day,
    extended day by day with common.calendar as later days are asked for."""

    BASE = date(1999, 12, 31)

    def __init__(self) -> None:
        self._counts = [0]

    def ordinal(self, day: date) -> int:
        index = (day - self.BASE).days
        while len(self._counts) <= index:
            next_day = self.BASE + timedelta(days=len(self._counts))
            self._counts.append(self._counts[-1] + is_working_day(next_day))
        return self._counts[index]

    def between(self, start: date, end: date) -> int:
        days = self.ordinal(end) - self.ordinal(start) if end >= start else 0
        return max(0, min(days, DURATION_CAP))


def _part(region_id: str, place: f.Place) -> str:
    return region_id[: place.part_length]


def _in(place: f.Place, qs: QuerySet, field: str = "region_id") -> QuerySet:
    return qs.filter(subtree_q(place.region, field))


# Figures for the year so far, per sub-region


def _sum_into(parts: dict[str, dict[str, Any]], rows: Any, place: f.Place) -> None:
    for row in rows:
        part = _part(row.pop("county"), place)
        for name, value in row.items():
            parts[part][name] = parts[part].get(name, 0) + (value or 0)


def _period_sums(place: f.Place, start: datetime, end: datetime) -> dict[str, dict[str, Any]]:
    parts: dict[str, dict[str, Any]] = defaultdict(dict)
    complaints = _in(place, Complaint.objects.all())
    inspections = _in(place, Inspection.objects.all())
    declarations = _in(place, Declaration.objects.all())
    handled = Q(state__in=HANDLED_OUTCOMES, accepted_at__isnull=False)
    settled = Q(state=ComplaintState.SETTLED)
    closed = complaints.filter(
        state__in=CLOSED_COMPLAINT_STATES, closed_at__gte=start, closed_at__lt=end
    )
    # Each raw set of the period with the figures counted over it, per county.
    counted: list[tuple[QuerySet, dict[str, Any]]] = [
        (
            complaints.filter(created_at__gte=start, created_at__lt=end),
            {"complaints_received": Count("id")},
        ),
        (
            closed,
            {
                "complaints_closed": Count("id"),
                "complaints_handled": Count("id", filter=handled),
                "complaints_resolved": Count("id", filter=handled & settled),
                "complaints_on_time": Count(
                    "id", filter=handled & Q(closed_at__date__lte=F("close_due"))
                ),
                "complaints_rated": Count("rating"),
                "rating_sum": Sum("rating"),
                "money_returned": Sum("amount", filter=settled),
            },
        ),
        (
            inspections.filter(campaign__drawn_at__gte=start, campaign__drawn_at__lt=end),
            {"inspections_drawn": Count("id")},
        ),
        (
            inspections.exclude(result="").filter(visited_at__gte=start, visited_at__lt=end),
            {
                "inspections_done": Count("id"),
                "inspections_failed": Count("id", filter=Q(result=InspectionResult.FAIL)),
            },
        ),
        (
            declarations.filter(submitted_at__gte=start, submitted_at__lt=end),
            {"declarations_submitted": Count("id")},
        ),
        (
            declarations.filter(decided_at__gte=start, decided_at__lt=end),
            {"declarations_decided": Count("id")},
        ),
    ]
    for rows, figures in counted:
        grouped = rows.annotate(county=F("region_id")).values("county").annotate(**figures)
        _sum_into(parts, grouped.order_by(), place)
    return parts


def _medians(
    place: f.Place, pairs: Iterator[tuple[str, date, date, int]], days: WorkingDays
) -> dict[str, int | None]:
    histograms: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for county, start, end, count in pairs:
        n = days.between(start, end)
        histograms[_part(county, place)][n] += count
        histograms[""][n] += count
    return {part: f.median_of(h.items()) for part, h in histograms.items()}


def _day_pairs(qs: QuerySet, start_field: str, end_field: str, *keys: str) -> Iterator:
    """(keys…, local start date, local end date, how many): Python counts the working days."""
    return (
        qs.annotate(start_day=TruncDate(start_field), end_day=TruncDate(end_field))
        .values_list(*keys, "start_day", "end_day")
        .annotate(n=Count("id"))
        .order_by()
        .iterator(chunk_size=20000)
    )


def _closed(place: f.Place, start: datetime, end: datetime) -> QuerySet:
    return _in(place, Complaint.objects.all()).filter(
        state__in=CLOSED_COMPLAINT_STATES, closed_at__gte=start, closed_at__lt=end
    )


def _close_pairs(place: f.Place, start: datetime, end: datetime) -> Iterator:
    return _day_pairs(_closed(place, start, end), "created_at", "closed_at", "region_id")


def _review_pairs(place: f.Place, start: datetime, end: datetime) -> Iterator:
    decided = _in(place, Declaration.objects.all()).filter(
        Q(decided_at__gte=F("submitted_at")), decided_at__gte=start, decided_at__lt=end
    )
    return _day_pairs(decided, "submitted_at", "decided_at", "region_id")


def _snapshot(place: f.Place, today: date) -> dict[str, dict[tuple[str, str], int]]:
    parts: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for count in snapshot_counts(today):
        for region_id, key, n in count.by_region(_in(place, count.rows)):
            parts[_part(region_id, place)][(count.measure, key)] += n
    return parts


def expected_figures(place: f.Place, *, since: date, today: date) -> f.Figures:
    start, end = local_start(since), local_start(today + timedelta(days=1))
    days = WorkingDays()
    sums = _period_sums(place, start, end)
    snapshot = _snapshot(place, today)
    close = _medians(place, _close_pairs(place, start, end), days)
    review = _medians(place, _review_pairs(place, start, end), days)
    keys = [c.code[: place.part_length] for c in place.children]

    def figures(part: str) -> f.RegionFigures:
        return f.RegionFigures(
            sums=sums.get(part, {}),
            snapshot=dict(snapshot.get(part, {})),
            median_close=close.get(part),
            median_review=review.get(part),
        )

    total_sums: dict[str, Any] = defaultdict(int)
    total_snapshot: dict[tuple[str, str], int] = defaultdict(int)
    for part in sums:
        for name, value in sums[part].items():
            total_sums[name] += value or 0
    for part in snapshot:
        for key, value in snapshot[part].items():
            total_snapshot[key] += value
    return f.Figures(
        place=place,
        since=since,
        total=f.RegionFigures(total_sums, total_snapshot, close.get(""), review.get("")),
        parts={key: figures(key) for key in keys},
    )


# Tables by month and lists


def _monthly(
    qs: QuerySet, field: str, bounds: list[tuple[datetime, datetime]], **figures: Q
) -> dict[tuple[int, str], int]:
    """Counts per month in one query: one conditional count per month and figure."""
    aggregates = {
        f"{name}_{i}": Count("id", filter=condition & Q(**{f"{field}__gte": a, f"{field}__lt": b}))
        for i, (a, b) in enumerate(bounds)
        for name, condition in figures.items()
    }
    found = qs.order_by().aggregate(**aggregates)
    return {(i, name): found[f"{name}_{i}"] for i in range(len(bounds)) for name in figures}


def expected_trends(place: f.Place, today: date) -> f.Table:
    months = f.month_list(today, MONTHS)
    ends = [*months[1:], months_back(today, -1)]
    bounds = [(local_start(a), local_start(b)) for a, b in zip(months, ends, strict=True)]
    everything = Q()
    handled = Q(state__in=HANDLED_OUTCOMES, accepted_at__isnull=False)
    complaints = _in(place, Complaint.objects.all())
    counts = _monthly(complaints, "created_at", bounds, complaints_received=everything)
    counts |= _monthly(
        complaints.filter(state__in=CLOSED_COMPLAINT_STATES),
        "closed_at",
        bounds,
        complaints_closed=everything,
        complaints_handled=handled,
        complaints_resolved=handled & Q(state=ComplaintState.SETTLED),
    )
    counts |= _monthly(
        _in(place, Inspection.objects.exclude(result="")),
        "visited_at",
        bounds,
        inspections_done=everything,
        inspections_failed=Q(result=InspectionResult.FAIL),
    )
    declarations = _in(place, Declaration.objects.all())
    counts |= _monthly(declarations, "submitted_at", bounds, declarations_submitted=everything)
    counts |= _monthly(declarations, "decided_at", bounds, declarations_decided=everything)
    by_month: dict[date, dict[str, Any]] = defaultdict(dict)
    for (i, name), value in counts.items():
        by_month[months[i]][name] = value
    days = WorkingDays()
    month_of = {month: i for i, month in enumerate(months)}
    histograms: dict[date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    closed = _closed(place, bounds[0][0], bounds[-1][1])
    for start, end, n in _day_pairs(closed, "created_at", "closed_at"):
        month = end.replace(day=1)
        if month in month_of:
            histograms[month][days.between(start, end)] += n
    return f.build_trends(
        months, by_month, {month: list(h.items()) for month, h in histograms.items()}
    )


def expected_flows(place: f.Place, today: date, months: int = f.FLOW_MONTHS) -> list[list[Any]]:
    start = local_start(months_back(today, months - 1))
    rows = (
        _in(place, PoolChange.objects.filter(created_at__gte=start), "merchant__region_id")
        .values("from_pool", "to_pool")
        .annotate(total=Count("id"))
        .order_by("-total", "from_pool", "to_pool")
    )
    return [
        [
            r["from_pool"],
            f.pool_label(r["from_pool"]),
            r["to_pool"],
            f.pool_label(r["to_pool"]),
            r["total"],
        ]
        for r in rows
    ]


def expected_breakdown(place: f.Place, field: str, since: date) -> dict[str, int]:
    rows = (
        _in(place, Complaint.objects.filter(created_at__gte=local_start(since)))
        .values(field)
        .annotate(total=Count("id"))
        .order_by()
    )
    return {row[field] or "": row["total"] for row in rows}


def expected_crossings(place: f.Place, now: datetime) -> dict[int, int]:
    policy = EvaluationPolicy.current()
    threshold, window = policy.warning_accepted_complaints, timedelta(policy.warning_complaint_days)
    before = now - timedelta(days=CROSSING_DAYS)
    counts_now: dict[int, int] = defaultdict(int)
    counts_before: dict[int, int] = defaultdict(int)
    rows = (
        _in(place, Complaint.objects.filter(merchant__isnull=False), "merchant__region_id")
        .filter(accepted_at__gte=before - window)
        .values_list("merchant_id", "accepted_at")
        .order_by()
    )
    for merchant_id, accepted in rows:
        if now - window <= accepted <= now:
            counts_now[merchant_id] += 1
        if before - window <= accepted <= before:
            counts_before[merchant_id] += 1
    return {m: n for m, n in counts_now.items() if n >= threshold and counts_before[m] < threshold}


# Comparing


@dataclass
class Mismatch:
    table: str
    row: str
    column: str
    shown: Any
    counted: Any

    def __str__(self) -> str:
        return (
            f"{self.table} [{self.row}] {self.column}: shown {self.shown}, counted {self.counted}"
        )


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a in (None, 0) and b in (None, 0)
    if isinstance(a, int | float | Decimal) and isinstance(b, int | float | Decimal):
        return abs(Decimal(str(a)) - Decimal(str(b))) < Decimal("0.00001")
    return str(a) == str(b)


def _compare(shown: f.Table, counted_rows: list[list[Any]], out: list[Mismatch]) -> int:
    keys = [c.key for c in shown.columns]
    if len(shown.rows) != len(counted_rows):
        out.append(Mismatch(shown.key, "*", "rows", len(shown.rows), len(counted_rows)))
    compared = 0
    for row, counted in zip(shown.rows, counted_rows, strict=False):
        for key, a, b in zip(keys, row, counted, strict=True):
            compared += 1
            if not _same(a, b):
                out.append(Mismatch(shown.key, str(row[0]) or str(row[1]), key, a, b))
    return compared


@dataclass
class AuditResult:
    region: str
    figures: int
    mismatches: list[Mismatch]


def audit_region(place: f.Place, *, now: datetime | None = None) -> AuditResult:
    """Compare every table of the region's cockpit with a recount over the raw tables."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    since = f.year_start(today)
    out: list[Mismatch] = []
    compared = 0
    shown_figures = f.figures_for(place, since=since)
    counted_figures = expected_figures(place, since=since, today=today)
    for build in (f.headline_table, f.regions_table, f.league_table):
        compared += _compare(build(shown_figures), build(counted_figures).rows, out)
    compared += _compare(
        f.trends_table(place, today=today), expected_trends(place, today).rows, out
    )
    compared += _compare(f.flows_table(place, today=today), expected_flows(place, today), out)
    for table, field in (
        (f.categories_table(place, since=since), "category"),
        (f.industries_table(place, since=since), "merchant__industry"),
    ):
        counts = expected_breakdown(place, field, since)
        total = sum(counts.values())
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: f.TOP]
        labels = {row[0]: row[1] for row in table.rows}
        rows = [[k, labels.get(k, k), n, f.ratio(n, total)] for k, n in ordered]
        compared += _compare(table, rows, out)
    crossings = expected_crossings(place, now)
    shown = f.crossings_table(place)
    counted = dict(Merchant.objects.filter(pk__in=crossings).values_list("uscc", "pk"))
    compared += len(shown.rows)
    if len(crossings) != len(shown.rows) and len(shown.rows) < f.CROSSINGS_SHOWN:
        out.append(Mismatch("thresholds", "*", "rows", len(shown.rows), len(crossings)))
    for row in shown.rows:
        pk = counted.get(row[0])
        if pk is None or crossings[pk] != row[3]:
            out.append(Mismatch("thresholds", row[0], "complaints", row[3], crossings.get(pk)))
    return AuditResult(region=place.region.code, figures=compared, mismatches=out)
