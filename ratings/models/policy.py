"""The evaluation policy (DESIGN.md, "Comprehensive evaluation"). The policy is data: every edit
in admin saves a new version, and an evaluation points at the version it used, so a past score
is never rewritten."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_STAR_BANDS = [75, 80, 85, 90, 95]
DEFAULT_CREDIT_DEDUCTIONS = {"A": 0, "B": 3, "C": 8, "D": 15}


def default_star_bands() -> list[int]:
    return list(DEFAULT_STAR_BANDS)


def default_credit_deductions() -> dict[str, int]:
    return dict(DEFAULT_CREDIT_DEDUCTIONS)


# Bounds of what an admin types: points out of 100, periods of one day to ten years.
MAX_DAYS = 3650
POINT_FIELDS = (
    "weight_complaints",
    "weight_inspections",
    "weight_compliance",
    "weight_commitments",
    "bonus_max",
    "deduction_per_accepted_complaint",
    "deduction_per_overdue_complaint",
    "deduction_per_failed_inspection",
    "deduction_per_rectify_inspection",
    "deduction_per_minor_penalty",
    "deduction_per_ordinary_penalty",
    "deduction_abnormal_list",
    "warning_score_below",
    "warning_accepted_complaints",
)
DAY_FIELDS = (
    "complaint_window_days",
    "inspection_window_days",
    "penalty_window_days",
    "warning_complaint_days",
    "observation_days",
    "star_period_days",
    "rectification_days",
    "reentry_days",
    "appeal_days",
    "appeal_decision_days",
)


def _all(fields: tuple[str, ...], **bounds: int) -> Q:
    condition = Q()
    for field in fields:
        condition &= Q(**{f"{field}__{lookup}": value for lookup, value in bounds.items()})
    return condition


def _points(label: str, default: int, help_text: str = "") -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MaxValueValidator(100)], help_text=help_text
    )


def _days(label: str, default: int, help_text: str = "") -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label,
        default=default,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DAYS)],
        help_text=help_text,
    )


class EvaluationPolicy(models.Model):
    """One version of the evaluation policy. Rows are never edited: saving in admin writes a
    new version, and the newest one is in force."""

    version = models.PositiveIntegerField(_("version"), unique=True, editable=False)
    note = models.CharField(
        _("what changed and why"), max_length=300, blank=True, help_text=_("Shown in the history.")
    )
    created_at = models.DateTimeField(_("in force from"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # The four weighted components; they add up to 100.
    weight_complaints = _points(_("complaints: points"), 30)
    weight_inspections = _points(_("inspections: points"), 30)
    weight_compliance = _points(_("compliance: points"), 25)
    weight_commitments = _points(_("commitments: points"), 15)
    bonus_max = _points(_("bonus: at most"), 15)
    # Complaints.
    complaint_window_days = _days(_("complaints counted over (days)"), 90)
    deduction_per_accepted_complaint = _points(_("deduction per accepted complaint"), 3)
    deduction_per_overdue_complaint = _points(_("deduction per overdue complaint"), 5)
    # Inspections.
    inspection_window_days = _days(_("inspections counted over (days)"), 365)
    deduction_per_failed_inspection = _points(_("deduction per failed inspection"), 15)
    deduction_per_rectify_inspection = _points(_("deduction per “rectify” result"), 6)
    # Compliance: penalties, registry lists, credit, licences.
    penalty_window_days = _days(_("penalties counted over (days)"), 365)
    deduction_per_minor_penalty = _points(_("deduction per minor penalty"), 4)
    deduction_per_ordinary_penalty = _points(_("deduction per ordinary penalty"), 10)
    deduction_abnormal_list = _points(_("deduction when on the abnormal-operations list"), 10)
    credit_deductions = models.JSONField(
        _("deduction per credit level"),
        default=default_credit_deductions,
        help_text=_('Registry credit level → points taken off, e.g. {"A": 0, "B": 3}.'),
    )
    # Stars and the warning pool.
    star_bands = models.JSONField(
        _("star bands"),
        default=default_star_bands,
        help_text=_("Lowest score for one to five stars, ascending, e.g. [75, 80, 85, 90, 95]."),
    )
    warning_score_below = _points(_("warning when the score is below"), 60)
    warning_accepted_complaints = _points(_("warning at this many accepted complaints"), 3)
    warning_complaint_days = _days(_("… within (days)"), 30)
    # Periods.
    observation_days = _days(
        _("observation period (days)"), 182, _("In cultivation before the first stars.")
    )
    star_period_days = _days(_("star period (days)"), 182, _("At most one star up per period."))
    rectification_days = _days(_("days to rectify a warning"), 30)
    reentry_days = _days(_("wait before declaring again after exit (days)"), 365)
    appeal_days = _days(_("days to appeal a decision"), 21)
    appeal_decision_days = _days(_("days to decide an appeal"), 21)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("evaluation policy")
        verbose_name_plural = _("evaluation policies")
        constraints = [
            models.CheckConstraint(
                condition=_all(POINT_FIELDS, lte=100), name="policy_points_at_most_100"
            ),
            models.CheckConstraint(
                condition=_all(DAY_FIELDS, gte=1, lte=MAX_DAYS), name="policy_days_1_to_3650"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Policy version %(version)s") % {"version": self.version})

    @classmethod
    def current(cls) -> "EvaluationPolicy":
        policy = cls.objects.order_by("-version").first()
        if policy is None:
            policy = cls.objects.create(version=1, note="Defaults of DESIGN.md")
        return policy

    def clean(self) -> None:
        errors: dict[str, str] = {}
        weights = (
            self.weight_complaints
            + self.weight_inspections
            + self.weight_compliance
            + self.weight_commitments
        )
        if weights != 100:
            errors["weight_commitments"] = _(
                "The four components must add up to 100 points; they add up to %(sum)d."
            ) % {"sum": weights}
        bands = self.star_bands
        if (
            not isinstance(bands, list)
            or len(bands) != 5
            or not all(isinstance(b, int) and 0 <= b <= 100 for b in bands)
            or bands != sorted(set(bands))
        ):
            errors["star_bands"] = _(
                "Give five scores from 0 to 100 in ascending order, e.g. [75, 80, 85, 90, 95]."
            )
        credit = self.credit_deductions
        if not isinstance(credit, dict) or not all(
            isinstance(v, int) and 0 <= v <= 100 for v in credit.values()
        ):
            errors["credit_deductions"] = _(
                'Give points from 0 to 100 per credit level, e.g. {"A": 0, "B": 3}.'
            )
        if errors:
            raise ValidationError(errors)

    def stars_for(self, score: int) -> int:
        return sum(1 for band in self.star_bands if score >= band)
