"""Where a merchant stands in the four pools (its Standing) and every move of it (a PoolChange,
with the reason code that says why)."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.messages import TEXT, Message, msg, render
from merchants.models import Merchant, Pool
from ratings.models.evaluation import Evaluation, EvaluationRun


class ReasonCode(models.TextChoices):
    """Why a merchant's standing moved (PoolChange.reason_code): the one list of them."""

    # The declaration workflow and nominations.
    SCREENING_PASSED = "screening_passed", _("Declaration passed screening")
    DECLARATION_APPROVED = "declaration_approved", _("Declaration approved")
    DECLARATION_REJECTED = "declaration_rejected", _("Declaration rejected")
    NOMINATED = "nominated", _("Nominated by a regulator")
    # The evaluation's star rules.
    OBSERVATION_PASSED = "observation_passed", _("Observation period passed")
    STAR_UP = "star_up", _("One star up")
    STARS_DOWN = "stars_down", _("Stars down")
    BELOW_FIRST_BAND = "below_first_band", _("Below the first star band")
    # Warnings and exits.
    WARNING = "warning", _("Warned")
    WARNING_CLEARED = "warning_cleared", _("Warning cleared")
    NOT_RECTIFIED = "not_rectified", _("Not rectified in time")
    SERIOUS_VIOLATION = "serious_violation", _("Serious violation")
    EXITED_BY_REGULATOR = "exited_by_regulator", _("Exited by a regulator")
    # Appeals.
    APPEAL_OVERTURNED = "appeal_overturned", _("Appeal allowed")


# Decisions a merchant may appeal: a warning, an exit (other than a rejected declaration, which
# the review workflow answers) and a star decision that took stars away.
APPEALABLE_REASONS = frozenset(
    {
        ReasonCode.WARNING,
        ReasonCode.SERIOUS_VIOLATION,
        ReasonCode.NOT_RECTIFIED,
        ReasonCode.EXITED_BY_REGULATOR,
        ReasonCode.STARS_DOWN,
        ReasonCode.BELOW_FIRST_BAND,
    }
)

# The pools of a merchant in the programme (it has left it only when exited).
IN_PROGRAMME = (Pool.SELECTION, Pool.CULTIVATION, Pool.STAR_RATED, Pool.WARNING)

# The moves between pools ("" is not yet in the programme): ratings.services.pools makes them and
# refuses any other.
TRANSITIONS: dict[str, frozenset[str]] = {
    "": frozenset({Pool.SELECTION}),
    Pool.SELECTION: frozenset({Pool.CULTIVATION, Pool.EXITED}),
    Pool.CULTIVATION: frozenset({Pool.STAR_RATED, Pool.WARNING, Pool.EXITED}),
    Pool.STAR_RATED: frozenset({Pool.STAR_RATED, Pool.CULTIVATION, Pool.WARNING, Pool.EXITED}),
    Pool.WARNING: frozenset({Pool.CULTIVATION, Pool.STAR_RATED, Pool.EXITED}),
    Pool.EXITED: frozenset({Pool.SELECTION}),
}


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
    # An appeal allowed against a decision of the rules stands: from this time the evaluation
    # does not take stars away again (nor send the merchant back below its band) unless new
    # evidence, dated after it or scoring the merchant below `appeal_held_score`, says so.
    appeal_held_at = models.DateTimeField(_("appeal allowed at"), null=True, blank=True)
    appeal_held_score = models.PositiveSmallIntegerField(
        _("score when the appeal was allowed"), null=True, blank=True
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
            # The pool browser's orders by score and by time in the pool: a page walks one of
            # these, testing the region in it (bench/README.md, "Pool browser"). Highest score
            # first (score DESC NULLS LAST) has its index on PostgreSQL only, made by migration
            # 0012_pool_browser_indexes: SQLite has no NULLS LAST in an index.
            models.Index(fields=["score", "merchant", "region"], name="standing_score_idx"),
            models.Index(fields=["-since", "merchant", "region"], name="standing_since_idx"),
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
    reason_code = models.CharField(_("reason code"), max_length=40, choices=ReasonCode.choices)
    # Why, as a message code with its parameters (ratings/messages.py), rendered in the reader's
    # language by `reason`; a regulator's own words are a plain parameter of it.
    message = models.JSONField(_("reason"), default=dict)
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

    @property
    def reason(self) -> str:
        """Why, in the active language (the reader's)."""
        return render(self.message)

    @reason.setter
    def reason(self, value: str | Message | list[Message]) -> None:
        """A message, or words typed by a person (kept as typed)."""
        self.message = msg(TEXT, text=value) if isinstance(value, str) else value
