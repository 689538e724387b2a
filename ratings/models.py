"""Comprehensive evaluation and the four pools (DESIGN.md, "Comprehensive evaluation").

The policy is data: every edit in admin saves a new version, and an evaluation points at the
version it used, so a past score is never rewritten. A merchant's place (pool and stars) is its
standing; every move of it is a PoolChange row.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merchants.models import CheckedReport, Merchant, Pool, StoredFile

DEFAULT_STAR_BANDS = [75, 80, 85, 90, 95]
DEFAULT_CREDIT_DEDUCTIONS = {"A": 0, "B": 3, "C": 8, "D": 15}


def default_star_bands() -> list[int]:
    return list(DEFAULT_STAR_BANDS)


def default_credit_deductions() -> dict[str, int]:
    return dict(DEFAULT_CREDIT_DEDUCTIONS)


def _points(label: str, default: int, help_text: str = "") -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MaxValueValidator(100)], help_text=help_text
    )


def _days(label: str, default: int, help_text: str = "") -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MinValueValidator(1)], help_text=help_text
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


class EvaluationRun(models.Model):
    """One re-evaluation. At most one runs at a time (the partial unique constraint is the lock);
    a run that died is recognised by its stale heartbeat and marked failed by the next one."""

    class Kind(models.TextChoices):
        NIGHTLY = "nightly", _("Nightly (merchants with new events)")
        MONTHLY = "monthly", _("Monthly (all merchants)")
        MANUAL = "manual", _("Started by hand")

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    period = models.CharField(
        _("period"),
        max_length=20,
        blank=True,
        help_text=_(
            "The day or month the run is for. A run started again for the same kind and period "
            "carries on where a failed one stopped."
        ),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.RUNNING
    )
    policy = models.ForeignKey(
        EvaluationPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="runs"
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    heartbeat_at = models.DateTimeField(_("last sign of life"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    merchants_evaluated = models.PositiveIntegerField(_("merchants evaluated"), default=0)
    pool_changes = models.PositiveIntegerField(_("pool changes"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("evaluation run")
        verbose_name_plural = _("evaluation runs")
        constraints = [
            models.UniqueConstraint(
                fields=["state"],
                condition=Q(state="running"),
                name="one_evaluation_run_at_a_time",
                violation_error_message=_("An evaluation run is already in progress."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"


class Evaluation(models.Model):
    """A merchant's score under one policy version, with its inputs and each component's points
    kept: the lines that explain the score are derived again from them and the policy version
    (ratings.evaluation.evaluation_result)."""

    # No index of their own: evaluation_latest_idx starts with the merchant, and evaluations
    # are never looked up by policy (one index less to write for each of a run's rows).
    merchant = models.ForeignKey(
        Merchant,
        verbose_name=_("merchant"),
        on_delete=models.CASCADE,
        related_name="evaluations",
        db_index=False,
    )
    policy = models.ForeignKey(
        EvaluationPolicy,
        verbose_name=_("policy"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    run = models.ForeignKey(
        EvaluationRun,
        verbose_name=_("run"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluations",
    )
    evaluated_at = models.DateTimeField(_("evaluated at"), default=timezone.now)
    score = models.PositiveSmallIntegerField(_("score"))
    # Both lean (a province writes one row per merchant each month): the inputs without their
    # zeros, and each component's points; the lines that explain the points are derived again
    # from the inputs when they are shown (ratings.evaluation.evaluation_result).
    inputs = models.JSONField(
        _("inputs"),
        default=dict,
        encoder=DjangoJSONEncoder,
        help_text=_("What the score was computed from; zeros and empty values left out."),
    )
    components = models.JSONField(_("components"), default=dict, help_text=_("Component → points."))
    triggers = models.JSONField(
        _("warning triggers"), default=list, blank=True, help_text=_("Codes of triggers breached.")
    )

    class Meta:
        ordering = ["-evaluated_at", "-id"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        indexes = [
            models.Index(fields=["merchant", "-evaluated_at", "-id"], name="evaluation_latest_idx")
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.score}"


class Standing(models.Model):
    """Where a merchant in the programme stands now: its pool, stars and latest score."""

    merchant = models.OneToOneField(
        Merchant, verbose_name=_("merchant"), on_delete=models.CASCADE, related_name="standing"
    )
    # Copied from the merchant so a regulator's pool browser is scoped from this table alone.
    # Fewer indexes to write, as a monthly run updates every standing: the region's lookups
    # use standing_browser_idx (it starts with the region), and no query looks a standing up by
    # its last evaluation (evaluations are never deleted).
    region = models.ForeignKey(
        "merchants.Region",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    pool = models.CharField(_("pool"), max_length=12, choices=Pool.choices)
    stars = models.PositiveSmallIntegerField(
        _("stars"), default=0, validators=[MaxValueValidator(5)]
    )
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    since = models.DateTimeField(_("in this pool since"), default=timezone.now)
    former_pool = models.CharField(
        _("pool before the warning"), max_length=12, choices=Pool.choices, blank=True
    )
    former_stars = models.PositiveSmallIntegerField(_("stars before the warning"), default=0)
    stars_changed_at = models.DateTimeField(_("stars last changed"), null=True, blank=True)
    rectification_due = models.DateField(_("rectify by"), null=True, blank=True)
    reentry_after = models.DateField(_("may declare again from"), null=True, blank=True)
    # What the last cleared warning (or the approval) already took into account: events up to
    # this time, and the conditions (STATE_TRIGGERS) that still held then. Only something newer
    # sends the merchant to the warning pool again.
    warning_cleared_at = models.DateTimeField(_("warning last cleared"), null=True, blank=True)
    acknowledged_triggers = models.JSONField(
        _("conditions known when the warning was cleared"), default=list, blank=True
    )
    last_evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # Set by any event that can change the score; the nightly run evaluates these and clears it.
    needs_evaluation = models.BooleanField(_("has new events"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["merchant"]
        verbose_name = _("standing")
        verbose_name_plural = _("standings")
        constraints = [
            models.CheckConstraint(
                condition=Q(stars=0) | Q(pool="star_rated") | Q(pool="warning"),
                name="standing_stars_only_when_rated",
            )
        ]
        indexes = [
            models.Index(fields=["region", "pool", "stars", "score"], name="standing_browser_idx"),
            models.Index(
                fields=["needs_evaluation"],
                condition=Q(needs_evaluation=True),
                name="standing_dirty_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.pool} {self.stars}"


class PoolChange(models.Model):
    """One move of a merchant's standing: from, to, stars, why, on what evidence, by whom."""

    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.CASCADE, related_name="pool_changes"
    )
    from_pool = models.CharField(_("from"), max_length=12, choices=Pool.choices, blank=True)
    to_pool = models.CharField(_("to"), max_length=12, choices=Pool.choices)
    from_stars = models.PositiveSmallIntegerField(_("stars before"), default=0)
    to_stars = models.PositiveSmallIntegerField(_("stars after"), default=0)
    reason_code = models.CharField(_("reason code"), max_length=40)
    reason = models.TextField(_("reason"))
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name=_("evaluation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    run = models.ForeignKey(
        EvaluationRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the evaluation run made the change."),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pool change")
        verbose_name_plural = _("pool changes")
        indexes = [
            models.Index(fields=["merchant", "-created_at"], name="pool_change_merchant_idx")
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.from_pool or '∅'} → {self.to_pool}"


def rating_file_path(instance: "RatingFile", filename: str) -> str:
    return f"ratings/{instance.merchant_id}/{uuid.uuid4().hex}"


class WarningRectification(CheckedReport):
    """The merchant's report on what it put right after a warning, and a regulator's check."""

    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="warning_rectifications"
    )
    warning = models.ForeignKey(
        PoolChange,
        verbose_name=_("warning"),
        on_delete=models.CASCADE,
        related_name="rectifications",
        help_text=_("The move into the warning pool this report answers."),
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("warning rectification")
        verbose_name_plural = _("warning rectifications")
        constraints = [
            models.UniqueConstraint(
                fields=["warning"],
                condition=Q(decision=""),
                name="one_open_rectification_per_warning",
                violation_error_message=_("A rectification report is already waiting."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.submitted_at:%Y-%m-%d}"


class Appeal(models.Model):
    """A merchant's appeal against a warning, an exit or a star decision, and its outcome. The
    merchant's statement is its right to reply: shown wherever the decision is shown."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        UPHELD = "upheld", _("Decision upheld")
        OVERTURNED = "overturned", _("Decision overturned")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="appeals")
    decision = models.OneToOneField(
        PoolChange,
        verbose_name=_("decision appealed"),
        on_delete=models.CASCADE,
        related_name="appeal",
    )
    statement = models.TextField(_("the merchant's reasons"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    decide_by = models.DateField(_("to be decided by"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    is_overdue = models.BooleanField(_("overdue"), default=False)
    outcome_reason = models.TextField(_("reasons for the outcome"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reversal = models.ForeignKey(
        PoolChange,
        verbose_name=_("move that undid the decision"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        indexes = [
            models.Index(
                fields=["decide_by"], condition=Q(state="pending"), name="appeal_pending_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.get_state_display()}"


class RatingFile(StoredFile):
    """A file with a warning rectification report or an appeal (PDF, JPEG or PNG)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    rectification = models.ForeignKey(
        WarningRectification,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="files",
    )
    appeal = models.ForeignKey(
        Appeal, on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    file = models.FileField(_("file"), upload_to=rating_file_path)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("file")
        verbose_name_plural = _("files")
        constraints = [
            models.CheckConstraint(
                condition=Q(rectification__isnull=True, appeal__isnull=False)
                | Q(rectification__isnull=False, appeal__isnull=True),
                name="rating_file_belongs_to_one",
            )
        ]


class Nomination(models.Model):
    """A regulator's invitation to a registry merchant to declare. A registered merchant enters
    the selection pool at once; one not registered yet enters when it registers (by USCC)."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        "merchants.Region", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    email = models.EmailField(_("e-mail for the invitation"), blank=True)
    message = models.TextField(_("message to the merchant"), blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("nominated at"), default=timezone.now)
    merchant = models.ForeignKey(
        Merchant,
        verbose_name=_("merchant"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="nominations",
        help_text=_("Empty until the merchant has registered on the platform."),
    )
    entered_at = models.DateTimeField(_("entered the selection pool"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")

    def __str__(self) -> str:
        return f"{self.uscc} {self.name}"
