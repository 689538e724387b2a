"""The cockpit's figures for one region, read only from the rollups: a handful of grouped
queries whatever the number of merchants. Every figure is a table (`Table`) that the page shows
beside its chart, the API returns and the downloads write."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache, partial
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet, Sum
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints.models import ComplaintCategory
from merchants.models import Industry, Region, Scheme, User
from merchants.permissions import reaches
from merchants.selectors import regions_reaching, subtree_q
from ratings.models import IN_PROGRAMME
from ratings.models.pools import Pool
from supervision.models import (
    LOWER_IS_BETTER,
    Breakdown,
    BreakdownCount,
    Duration,
    DurationCount,
    Measure,
    MonthlyFigures,
    PoolFlow,
    RefreshState,
    SnapshotFigure,
    SupervisionTarget,
    ThresholdCrossing,
)
from supervision.services.refresh import MONTHS, months_back

# Months of pool flows shown by default.
FLOW_MONTHS = 12
TOP = 10
CROSSINGS_SHOWN = 50
# Tables stay cached at most this long (a refresh makes new ones sooner).
CACHE_SECONDS = 3600

SUMMED = (
    "complaints_received",
    "complaints_accepted",
    "complaints_closed",
    "complaints_handled",
    "complaints_resolved",
    "complaints_on_time",
    "complaints_rated",
    "rating_sum",
    "money_returned",
    "inspections_drawn",
    "inspections_done",
    "inspections_failed",
    "declarations_submitted",
    "declarations_decided",
    "declarations_approved",
)


# The region shown


@dataclass
class Place:
    region: Region
    children: list[Region]
    # From the viewer's own region down to this one (links back up).
    trail: list[Region]

    @classmethod
    def of(cls, region: Region, children: list[Region] | None = None) -> "Place":
        """The region seen from itself (the trail holds only it): for jobs, audits and tests,
        which have no viewer. `children` when the caller has already read them."""
        if children is None:
            children = list(region.children.order_by("code"))
        return cls(region=region, children=children, trail=[region])

    @property
    def part_length(self) -> int:
        """How many leading digits of a county code name the sub-region it lies in."""
        return 4 if self.region.level == Region.Level.PROVINCE else 6


def _home(user: User) -> Region:
    if user.region_id:
        return user.region
    return Region.objects.filter(parent__isnull=True).order_by("code").first()


def place_for(*, user: User, code: str | None) -> Place:
    """The region `code` (the viewer's own by default) if the viewer reaches it, else a 404."""
    home = _home(user)
    if home is None:
        raise Http404
    code = code or home.code
    if not code.isdigit() or len(code) != 6 or not reaches(user, code):
        raise Http404
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise Http404
    children = list(region.children.order_by("code"))
    # Province, city, county (in code order: 330000, 330100, 330106), where the user may go.
    above = Region.objects.filter(code__in=regions_reaching(region.code)).order_by("code")
    trail = [r for r in above if reaches(user, r.code)]
    return Place(region=region, children=children, trail=trail)


# Tables


# Columns that hold codes for machines (downloads, the API), not shown in the page's tables.
CODE_COLUMNS = frozenset({"code", "measure", "key", "from_pool", "to_pool"})


@dataclass
class Column:
    key: str
    label: Any
    # text, int, rate (a fraction), decimal, money, days, month, figure (any)
    kind: str = "int"

    @property
    def shown(self) -> bool:
        return self.key not in CODE_COLUMNS


@dataclass
class Cell:
    value: Any
    kind: str
    # A region's code: the cell links to that region's cockpit.
    region: str = ""


@dataclass
class Table:
    key: str
    title: Any
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    note: Any = ""
    # Shown open on the page (the others open on a click or a key).
    open: bool = False
    # How a "figure" column is written in each row, by the row's first cell.
    row_kinds: dict[str, str] = field(default_factory=dict)

    @property
    def shown_columns(self) -> list[Column]:
        return [column for column in self.columns if column.shown]

    @property
    def shown_rows(self) -> list[list[Cell]]:
        """The rows as the page shows them: without code columns, a region's name linked."""
        keys = [column.key for column in self.columns]
        linked = "region" in keys and "code" in keys
        rows = []
        for row in self.rows:
            values = dict(zip(keys, row, strict=True))
            rows.append(
                [
                    Cell(
                        value,
                        self.row_kinds.get(row[0], "int")
                        if column.kind == "figure"
                        else column.kind,
                        values["code"] if linked and column.key == "region" else "",
                    )
                    for column, value in zip(self.columns, row, strict=True)
                    if column.shown
                ]
            )
        return rows


def plain(value: Any) -> Any:
    """A cell as data: lazy texts as text; numbers (Decimal too) and None as they are."""
    if value is None or isinstance(value, int | float | str | Decimal):
        return value
    return str(value)


def ratio(numerator: Any, denominator: Any, places: str = "0.0001") -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal(places), rounding=ROUND_HALF_UP
    )


def median_of(histogram: Iterable[tuple[int, int]]) -> int | None:
    """The lower median of (days, count) pairs: the first value at which half are counted
    (PostgreSQL's percentile_disc(0.5))."""
    pairs = sorted(histogram)
    total = sum(count for _, count in pairs)
    if not total:
        return None
    seen = 0
    for days, count in pairs:
        seen += count
        if seen * 2 >= total:
            return days
    return None


def _in(place: Place, qs: QuerySet) -> QuerySet:
    return qs.filter(subtree_q(place.region)).annotate(
        part=Substr("region_id", 1, place.part_length)
    )


def year_start(today: date | None = None) -> date:
    return (today or timezone.localdate()).replace(month=1, day=1)


def _parts_sum(place: Place, since: date) -> dict[str, dict[str, Any]]:
    rows = (
        _in(place, MonthlyFigures.objects.filter(month__gte=since))
        .values("part")
        .annotate(**{name: Sum(name) for name in SUMMED})
        .order_by()
    )
    return {row.pop("part"): row for row in rows}


def _parts_snapshot(place: Place) -> dict[str, dict[tuple[str, str], int]]:
    rows = (
        _in(place, SnapshotFigure.objects.all())
        .values("part", "measure", "key")
        .annotate(total=Sum("value"))
        .order_by()
    )
    found: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    for row in rows:
        found[row["part"]][(row["measure"], row["key"])] = row["total"]
    return found


def _parts_medians(place: Place, measure: str, since: date) -> dict[str, int | None]:
    rows = (
        _in(place, DurationCount.objects.filter(measure=measure, month__gte=since))
        .values("part", "days")
        .annotate(total=Sum("count"))
        .order_by()
    )
    histograms: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for row in rows:
        histograms[row["part"]].append((row["days"], row["total"]))
        histograms[""].append((row["days"], row["total"]))
    return {part: median_of(pairs) for part, pairs in histograms.items()}


def _total(parts: dict[str, dict[Any, Any]]) -> dict[Any, Any]:
    total: dict[Any, Any] = defaultdict(int)
    for figures in parts.values():
        for name, value in figures.items():
            total[name] += value or 0
    return total


@dataclass
class RegionFigures:
    sums: dict[str, Any]
    snapshot: dict[tuple[str, str], int]
    median_close: int | None
    median_review: int | None

    def snap(self, measure: str, key: str = "") -> int:
        return self.snapshot.get((measure, key), 0)

    @property
    def merchants(self) -> int:
        return self.snap("merchants")

    @property
    def in_programme(self) -> int:
        return sum(self.snap("pool", pool) for pool in IN_PROGRAMME)

    def measure(self, measure: str) -> Decimal | int | None:
        s = self.sums
        return {
            Measure.PROGRAMME_SHARE: lambda: ratio(self.in_programme, self.merchants),
            Measure.RESOLUTION_RATE: lambda: ratio(
                s.get("complaints_resolved", 0), s.get("complaints_handled", 0)
            ),
            Measure.ON_TIME_RATE: lambda: ratio(
                s.get("complaints_on_time", 0), s.get("complaints_handled", 0)
            ),
            Measure.SATISFACTION: lambda: ratio(
                s.get("rating_sum", 0), s.get("complaints_rated", 0), "0.01"
            ),
            Measure.MEDIAN_CLOSE_DAYS: lambda: self.median_close,
            Measure.INSPECTION_DONE_RATE: lambda: ratio(
                s.get("inspections_done", 0), s.get("inspections_drawn", 0)
            ),
        }[measure]()


@dataclass
class Figures:
    """The region's figures for the year so far, and each sub-region's."""

    place: Place
    since: date
    total: RegionFigures
    parts: dict[str, RegionFigures]


def figures_for(place: Place, *, since: date | None = None) -> Figures:
    since = since or year_start()
    sums = _parts_sum(place, since)
    snapshot = _parts_snapshot(place)
    close = _parts_medians(place, Duration.COMPLAINT_CLOSE, since)
    review = _parts_medians(place, Duration.DECLARATION_REVIEW, since)
    keys = [c.code[: place.part_length] for c in place.children]
    parts = {
        key: RegionFigures(
            sums=sums.get(key, {}),
            snapshot=snapshot.get(key, {}),
            median_close=close.get(key),
            median_review=review.get(key),
        )
        for key in keys
    }
    total = RegionFigures(
        sums=_total(sums),
        snapshot=_total(snapshot),
        median_close=close.get(""),
        median_review=review.get(""),
    )
    return Figures(place=place, since=since, total=total, parts=parts)


def refreshed_at() -> datetime | None:
    state = RefreshState.objects.filter(pk=1).first()
    return state.refreshed_at if state else None


# The tables


HEADLINE_KINDS = {
    "resolution_rate": "rate",
    "on_time_rate": "rate",
    "inspection_fail_rate": "rate",
    "satisfaction": "decimal",
    "money_returned": "money",
    "median_close_days": "days",
    "median_review_days": "days",
}


def headline_table(figures: Figures) -> Table:
    f = figures.total
    s = f.sums
    rows: list[list[Any]] = [
        ["merchants", _("Merchants on the platform"), f.merchants],
        ["in_programme", _("Merchants in the programme"), f.in_programme],
    ]
    for kind, label in Scheme.Kind.choices:
        rows.append([f"scheme:{kind}", label, f.snap("scheme", kind)])
    for pool, label in Pool.choices:
        rows.append([f"pool:{pool}", label, f.snap("pool", pool)])
    for stars in range(1, 6):
        rows.append(
            [f"stars:{stars}", _("%(stars)d stars") % {"stars": stars}, f.snap("stars", str(stars))]
        )
    rows += [
        ["coordinators", _("Coordinators"), f.snap("coordinators")],
        ["stations", _("Liaison stations"), f.snap("stations")],
        [
            "complaints_received",
            _("Complaints received this year"),
            s.get("complaints_received", 0),
        ],
        ["complaints_closed", _("Complaints closed this year"), s.get("complaints_closed", 0)],
        ["resolution_rate", _("Share resolved (of handled)"), f.measure(Measure.RESOLUTION_RATE)],
        ["on_time_rate", _("Closed on time (of handled)"), f.measure(Measure.ON_TIME_RATE)],
        ["median_close_days", _("Median working days to close"), f.median_close],
        ["satisfaction", _("Satisfaction (1 to 5)"), f.measure(Measure.SATISFACTION)],
        ["money_returned", _("Money returned to consumers (yuan)"), s.get("money_returned", 0)],
        ["complaints_open", _("Complaints open"), f.snap("complaints_open")],
        ["complaints_overdue", _("Complaints overdue"), f.snap("complaints_overdue")],
        ["inspections_drawn", _("Inspections drawn this year"), s.get("inspections_drawn", 0)],
        ["inspections_done", _("Inspections done this year"), s.get("inspections_done", 0)],
        [
            "inspection_fail_rate",
            _("Fail rate of inspections"),
            ratio(s.get("inspections_failed", 0), s.get("inspections_done", 0)),
        ],
        ["declarations_pending", _("Declarations pending review"), f.snap("declarations_pending")],
        ["declarations_overdue", _("Declarations overdue"), f.snap("declarations_overdue")],
        ["median_review_days", _("Median working days to decide a declaration"), f.median_review],
    ]
    return Table(
        key="headline",
        title=_("Headline figures"),
        columns=[
            Column("measure", _("Code"), "text"),
            Column("label", _("Figure"), "text"),
            Column("value", _("Value"), "figure"),
        ],
        rows=rows,
        row_kinds=HEADLINE_KINDS,
    )


def regions_table(figures: Figures) -> Table:
    place = figures.place
    children = place.children or [place.region]
    parts = figures.parts or {place.region.code: figures.total}
    table = Table(
        key="regions",
        title=_("Sub-regions side by side"),
        open=True,
        columns=[
            Column("code", _("Code"), "text"),
            Column("region", _("Region"), "text"),
            Column("merchants", _("Merchants")),
            Column("in_programme", _("In the programme")),
            Column("programme_share", _("Share in the programme"), "rate"),
            Column("complaints_received", _("Complaints this year")),
            Column("resolution_rate", _("Share resolved"), "rate"),
            Column("on_time_rate", _("Closed on time"), "rate"),
            Column("median_close_days", _("Median days to close"), "days"),
            Column("satisfaction", _("Satisfaction"), "decimal"),
            Column("money_returned", _("Money returned (yuan)"), "money"),
            Column("inspections_done", _("Inspections done")),
            Column("inspection_fail_rate", _("Fail rate"), "rate"),
            Column("declarations_pending", _("Declarations pending")),
            Column("declarations_overdue", _("Declarations overdue")),
        ],
    )
    for child in children:
        f = parts.get(child.code[: place.part_length]) or RegionFigures({}, {}, None, None)
        s = f.sums
        table.rows.append(
            [
                child.code,
                child.display_name,
                f.merchants,
                f.in_programme,
                f.measure(Measure.PROGRAMME_SHARE),
                s.get("complaints_received", 0),
                f.measure(Measure.RESOLUTION_RATE),
                f.measure(Measure.ON_TIME_RATE),
                f.median_close,
                f.measure(Measure.SATISFACTION),
                s.get("money_returned", 0),
                s.get("inspections_done", 0),
                ratio(s.get("inspections_failed", 0), s.get("inspections_done", 0)),
                f.snap("declarations_pending"),
                f.snap("declarations_overdue"),
            ]
        )
    return table


def month_list(today: date, months: int) -> list[date]:
    return [months_back(today, back) for back in range(months - 1, -1, -1)]


def trends_table(place: Place, *, today: date | None = None) -> Table:
    months = month_list(today or timezone.localdate(), MONTHS)
    rows = (
        MonthlyFigures.objects.filter(subtree_q(place.region), month__gte=months[0])
        .values("month")
        .annotate(**{name: Sum(name) for name in SUMMED})
        .order_by()
    )
    histograms: dict[date, list[tuple[int, int]]] = defaultdict(list)
    for row in (
        DurationCount.objects.filter(
            subtree_q(place.region), measure=Duration.COMPLAINT_CLOSE, month__gte=months[0]
        )
        .values("month", "days")
        .annotate(total=Sum("count"))
        .order_by()
    ):
        histograms[row["month"]].append((row["days"], row["total"]))
    return build_trends(months, {row["month"]: row for row in rows}, histograms)


def build_trends(
    months: list[date],
    by_month: dict[date, dict[str, Any]],
    histograms: dict[date, list[tuple[int, int]]],
) -> Table:
    """The trends table from each month's sums and working-day histogram."""
    table = Table(
        key="trends",
        title=_("Trends by month"),
        columns=[
            Column("month", _("Month"), "month"),
            Column("complaints_received", _("Complaints received")),
            Column("complaints_closed", _("Complaints closed")),
            Column("complaints_resolved", _("Resolved")),
            Column("resolution_rate", _("Share resolved"), "rate"),
            Column("median_close_days", _("Median days to close"), "days"),
            Column("inspections_done", _("Inspections done")),
            Column("inspections_failed", _("Inspections failed")),
            Column("declarations_submitted", _("Declarations submitted")),
            Column("declarations_decided", _("Declarations decided")),
        ],
    )
    for month in months:
        row = by_month.get(month, {})
        table.rows.append(
            [
                month.strftime("%Y-%m"),
                row.get("complaints_received") or 0,
                row.get("complaints_closed") or 0,
                row.get("complaints_resolved") or 0,
                ratio(row.get("complaints_resolved") or 0, row.get("complaints_handled") or 0),
                median_of(histograms.get(month, [])),
                row.get("inspections_done") or 0,
                row.get("inspections_failed") or 0,
                row.get("declarations_submitted") or 0,
                row.get("declarations_decided") or 0,
            ]
        )
    return table


def pool_label(pool: str) -> Any:
    return dict(Pool.choices).get(pool) or _("Not yet in the programme")


def flows_table(place: Place, *, months: int = FLOW_MONTHS, today: date | None = None) -> Table:
    since = months_back(today or timezone.localdate(), months - 1)
    rows = (
        PoolFlow.objects.filter(subtree_q(place.region), month__gte=since)
        .values("from_pool", "to_pool")
        .annotate(total=Sum("count"))
        .order_by("-total", "from_pool", "to_pool")
    )
    return Table(
        key="flows",
        title=_("Pool flows"),
        note=_("Moves between pools in the last %(months)d months.") % {"months": months},
        columns=[
            Column("from_pool", _("From (code)"), "text"),
            Column("from_label", pgettext_lazy("pool flow", "From"), "text"),
            Column("to_pool", _("To (code)"), "text"),
            Column("to_label", pgettext_lazy("pool flow", "To"), "text"),
            Column("count", _("Merchants moved")),
        ],
        rows=[
            [
                row["from_pool"],
                pool_label(row["from_pool"]),
                row["to_pool"],
                pool_label(row["to_pool"]),
                row["total"],
            ]
            for row in rows
        ],
    )


def _breakdown_table(
    place: Place, dimension: str, labels: Callable[[str], Any], key: str, title: Any, since: date
) -> Table:
    rows = list(
        BreakdownCount.objects.filter(
            subtree_q(place.region), dimension=dimension, month__gte=since
        )
        .values("key")
        .annotate(total=Sum("count"))
        .order_by("-total", "key")
    )
    total = sum(row["total"] for row in rows)
    return Table(
        key=key,
        title=title,
        note=_("Complaints received this year."),
        columns=[
            Column("key", _("Code"), "text"),
            Column("label", _("Name"), "text"),
            Column("count", _("Complaints")),
            Column("share", _("Share"), "rate"),
        ],
        rows=[
            [row["key"], labels(row["key"]), row["total"], ratio(row["total"], total)]
            for row in rows[:TOP]
        ],
    )


def categories_table(place: Place, *, since: date | None = None) -> Table:
    names = dict(ComplaintCategory.choices)
    return _breakdown_table(
        place,
        Breakdown.CATEGORY,
        lambda key: names.get(key, key),
        "categories",
        _("Top complaint categories"),
        since or year_start(),
    )


def industries_table(place: Place, *, since: date | None = None) -> Table:
    names = dict(Industry.choices)
    return _breakdown_table(
        place,
        Breakdown.INDUSTRY,
        lambda key: names.get(key, key) if key else _("Business not on the platform"),
        "industries",
        _("Top industries complained about"),
        since or year_start(),
    )


def league_table(figures: Figures, *, year: int | None = None) -> Table:
    place = figures.place
    year = year or figures.since.year
    targets = dict(SupervisionTarget.objects.filter(year=year).values_list("measure", "value"))
    columns = [Column("code", _("Code"), "text"), Column("region", _("Region"), "text")]
    for measure, label in Measure.choices:
        kind = (
            "days"
            if measure == Measure.MEDIAN_CLOSE_DAYS
            else ("decimal" if measure == Measure.SATISFACTION else "rate")
        )
        columns.append(Column(measure, label, kind))
    columns += [Column("targets_met", _("Targets met")), Column("rank", _("Rank"))]
    entries = []
    children = place.children or [place.region]
    parts = figures.parts or {place.region.code: figures.total}
    for child in children:
        f = parts.get(child.code[: place.part_length]) or RegionFigures({}, {}, None, None)
        values = [f.measure(m) for m in Measure.values]
        met = 0
        for measure, value in zip(Measure.values, values, strict=True):
            target = targets.get(measure)
            if target is None or value is None:
                continue
            met += value <= target if measure in LOWER_IS_BETTER else value >= target
        resolution = f.measure(Measure.RESOLUTION_RATE) or Decimal(-1)
        entries.append(([child.code, child.display_name, *values, met], (-met, -resolution)))
    entries.sort(key=lambda entry: entry[1])
    rows = [[*row, rank] for rank, (row, _key) in enumerate(entries, start=1)]
    target_row = ["", _("Target %(year)d") % {"year": year}]
    target_row += [targets.get(m) for m in Measure.values] + [len(targets), None]
    return Table(
        key="league",
        title=_("League table against the province's targets"),
        open=True,
        note=_("Targets for %(year)d; figures for the year so far.") % {"year": year},
        columns=columns,
        rows=[target_row, *rows] if targets else rows,
    )


def crossings_table(place: Place) -> Table:
    rows = (
        ThresholdCrossing.objects.filter(subtree_q(place.region))
        .select_related("merchant", "region")
        .order_by("-complaints", "merchant__name")[:CROSSINGS_SHOWN]
    )
    return Table(
        key="thresholds",
        title=_("Merchants newly crossing the complaint threshold"),
        open=True,
        note=_("Reached the warning's number of accepted complaints within its window this week."),
        columns=[
            Column("uscc", _("Unified social credit code"), "text"),
            Column("merchant", _("Merchant"), "text"),
            Column("county", _("County"), "text"),
            Column("complaints", _("Accepted complaints in the window")),
        ],
        rows=[
            [row.merchant.uscc, row.merchant.name, row.region.display_name, row.complaints]
            for row in rows
        ],
    )


TABLES = (
    "headline",
    "regions",
    "trends",
    "flows",
    "categories",
    "industries",
    "league",
    "thresholds",
)


def _cached(
    place: Place, key: str, build: Callable[[], Table], stamp: datetime | None, *extra: Any
) -> Table:
    """A table as built after the refresh of `stamp`: kept in the cache until the next one (the
    key holds the refresh time, the day and the language of its labels)."""
    if stamp is None:
        return build()
    name = ":".join(
        str(part)
        for part in (
            "supervision",
            place.region.code,
            key,
            translation.get_language(),
            timezone.localdate(),
            stamp.timestamp(),
            *extra,
        )
    )
    table = cache.get(name)
    if table is None:
        table = build()
        cache.set(name, table, CACHE_SECONDS)
    return table


def table_for(
    place: Place,
    key: str,
    *,
    flow_months: int = FLOW_MONTHS,
    stamp: datetime | None = None,
    figures: Callable[[], Figures] | None = None,
) -> Table:
    """One table of a place; `stamp`: the last refresh's time when the caller has it already;
    `figures`: the place's figures, read once for the tables built from them."""
    figures = figures or partial(figures_for, place)
    builders: dict[str, Callable[[], Table]] = {
        "headline": lambda: headline_table(figures()),
        "regions": lambda: regions_table(figures()),
        "league": lambda: league_table(figures()),
        "trends": lambda: trends_table(place),
        "flows": lambda: flows_table(place, months=flow_months),
        "categories": lambda: categories_table(place),
        "industries": lambda: industries_table(place),
        "thresholds": lambda: crossings_table(place),
    }
    if key not in builders:
        raise Http404
    return _cached(place, key, builders[key], stamp or refreshed_at(), flow_months)


def dashboard_tables(place: Place, *, stamp: datetime | None = None) -> dict[str, Table]:
    stamp = stamp or refreshed_at()
    figures = lru_cache(maxsize=1)(partial(figures_for, place))
    return {key: table_for(place, key, stamp=stamp, figures=figures) for key in TABLES}


# The headline figures the page shows as cards above the charts.
CARDS = (
    "merchants",
    "in_programme",
    "complaints_received",
    "resolution_rate",
    "median_close_days",
    "satisfaction",
    "money_returned",
    "inspections_done",
    "inspection_fail_rate",
    "declarations_pending",
    "declarations_overdue",
    "coordinators",
)


class DashboardPage:
    """What the cockpit page shows of a place, built on first use: a page whose rendered figures
    are still in the cache (kept per region, language, day and refresh) builds none of it."""

    def __init__(self, place: Place, *, stamp: datetime | None) -> None:
        self.place = place
        self.refreshed_at = stamp
        self.today = timezone.localdate()

    @cached_property
    def tables(self) -> dict[str, Table]:
        return dashboard_tables(self.place, stamp=self.refreshed_at)

    @cached_property
    def charts(self) -> list[Table]:
        return [self.tables[key] for key in TABLES if key != "headline"]

    @cached_property
    def cards(self) -> list[tuple[Any, Any, str]]:
        headline = {row[0]: row for row in self.tables["headline"].rows}
        return [
            (headline[key][1], headline[key][2], HEADLINE_KINDS.get(key, "int")) for key in CARDS
        ]
