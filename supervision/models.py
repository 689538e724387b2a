"""The supervision cockpit's rollups: figures per county and month (and a current snapshot per
county), rebuilt set-based from the raw tables by supervision.services.refresh. The pages and
the statistics API read only these tables, so they cost the same at any number of merchants.

Medians are kept as histograms (how many took 0, 1, 2 … working days) per county and month, so
the median of any region and period is exact: the histograms of its counties add up.
"""

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merchants.models import Merchant, Region


class Rollup(models.Model):
    """A row of figures for one county (and month)."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.region_id} {getattr(self, 'month', '')}".strip()


class CalendarDay(models.Model):
    """One day of the official calendar with the number of working days up to it: the working
    days between two dates are the difference of their ordinals (common.calendar decides)."""

    day = models.DateField(primary_key=True)
    month = models.DateField()
    ordinal = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.day} ({self.ordinal})"


class MonthlyFigures(Rollup):
    """What happened in one county in one month (local time), each counted in the month of its
    own step: received by submission, closed by closing, inspections by visit, and so on."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    complaints_received = models.PositiveIntegerField(default=0)
    complaints_accepted = models.PositiveIntegerField(default=0)
    complaints_closed = models.PositiveIntegerField(default=0)
    # Closed after acceptance (settled, mediation failed, withdrawn): the handled ones.
    complaints_handled = models.PositiveIntegerField(default=0)
    complaints_resolved = models.PositiveIntegerField(default=0)
    complaints_on_time = models.PositiveIntegerField(default=0)
    complaints_rated = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    money_returned = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    inspections_drawn = models.PositiveIntegerField(default=0)
    inspections_done = models.PositiveIntegerField(default=0)
    inspections_failed = models.PositiveIntegerField(default=0)
    declarations_submitted = models.PositiveIntegerField(default=0)
    declarations_decided = models.PositiveIntegerField(default=0)
    declarations_approved = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("monthly figures")
        verbose_name_plural = _("monthly figures")
        constraints = [
            models.UniqueConstraint(fields=["region", "month"], name="supervision_month_unique")
        ]
        indexes = [models.Index(fields=["month", "region"], name="supervision_month_idx")]


class Duration(models.TextChoices):
    COMPLAINT_CLOSE = "complaint_close", _("Working days to close a complaint")
    DECLARATION_REVIEW = "declaration_review", _("Working days to decide a declaration")


# Durations longer than this are counted here ("this many or more").
DURATION_CAP = 365


class DurationCount(Rollup):
    """How many items of one county finished in one month after `days` working days."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    measure = models.CharField(max_length=20, choices=Duration.choices)
    days = models.PositiveIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["measure", "month", "region"], name="supervision_dur_idx")]


class Breakdown(models.TextChoices):
    CATEGORY = "category", _("Complaint category")
    INDUSTRY = "industry", _("Industry")


class BreakdownCount(Rollup):
    """Complaints received in one county and month by category or by the merchant's industry
    ("" for a business not on the platform)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    dimension = models.CharField(max_length=10, choices=Breakdown.choices)
    key = models.CharField(max_length=20, blank=True)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["dimension", "month", "region"], name="supervision_breakdown_idx")
        ]


class PoolFlow(Rollup):
    """Pool moves of one county's merchants in one month, from one pool to another ("" is not
    yet in the programme)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    from_pool = models.CharField(max_length=12, blank=True)
    to_pool = models.CharField(max_length=12)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["month", "region"], name="supervision_flow_idx")]


class SnapshotFigure(Rollup):
    """A current count for one county: `measure` (merchants, scheme, pool, stars, …) and `key`
    within it (the scheme kind, the pool, the number of stars; "" when there is none)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    measure = models.CharField(max_length=30)
    key = models.CharField(max_length=20, blank=True)
    value = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["region", "measure"], name="supervision_snapshot_idx")]


class ThresholdCrossing(Rollup):
    """A merchant that reached the warning's number of accepted complaints within its window in
    the last seven days (it had fewer a week ago)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    complaints = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["region"], name="supervision_crossing_idx")]


class RefreshState(models.Model):
    """The one row saying when the rollups were last rebuilt, and which run holds them now."""

    full_at = models.DateTimeField(_("last full refresh"), null=True, blank=True)
    recent_at = models.DateTimeField(_("last recent refresh"), null=True, blank=True)
    full_seconds = models.FloatField(_("duration of the last full refresh (s)"), null=True)
    running_since = models.DateTimeField(_("a refresh running since"), null=True, blank=True)

    class Meta:
        verbose_name = _("refresh state")
        verbose_name_plural = _("refresh state")

    def __str__(self) -> str:
        return f"{self.refreshed_at}"

    @property
    def refreshed_at(self) -> datetime | None:
        times = [t for t in (self.full_at, self.recent_at) if t]
        return max(times) if times else None


class Measure(models.TextChoices):
    PROGRAMME_SHARE = "programme_share", _("Share of merchants in the programme")
    RESOLUTION_RATE = "resolution_rate", _("Resolution rate of handled complaints")
    ON_TIME_RATE = "on_time_rate", _("Complaints closed on time")
    SATISFACTION = "satisfaction", _("Satisfaction (1 to 5)")
    MEDIAN_CLOSE_DAYS = "median_close_days", _("Median working days to close a complaint")
    INSPECTION_DONE_RATE = "inspection_done_rate", _("Inspections done of those drawn")


def this_year() -> int:
    return timezone.localdate().year


# Measures where a lower figure is better.
LOWER_IS_BETTER = frozenset({Measure.MEDIAN_CLOSE_DAYS})


class SupervisionTarget(models.Model):
    """A target the province sets for one measure in one year: every sub-region is compared
    with it in the league table."""

    measure = models.CharField(_("measure"), max_length=30, choices=Measure.choices)
    year = models.PositiveSmallIntegerField(_("year"), default=this_year)
    value = models.DecimalField(
        _("target"),
        max_digits=8,
        decimal_places=4,
        help_text=_("A share as a fraction (0.85 for 85%), a rating 1 to 5, or working days."),
    )

    class Meta:
        ordering = ["-year", "measure"]
        verbose_name = _("supervision target")
        verbose_name_plural = _("supervision targets")
        constraints = [
            models.UniqueConstraint(fields=["measure", "year"], name="supervision_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_measure_display()}: {self.value}"
