"""Evaluation runs and evaluations: a merchant's score under one policy version, with the
inputs and each component's points it was computed from."""

from enum import StrEnum

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.messages import render
from merchants.models import Merchant
from ratings.models.policy import EvaluationPolicy


class TriggerKind(StrEnum):
    """What a warning trigger does to a merchant in cultivation or star-rated."""

    EXIT = "exit"  # a serious violation: exited at once (a bottom-line item)
    BOTTOM_LINE = "bottom_line"  # a bottom-line item: warned
    WARNING = "warning"  # warned


# Whether a trigger is a condition (it holds or it does not; a cleared warning acknowledges it
# until it stops holding) or an event (new when it happened after the warning was cleared).
CONDITION, EVENT = True, False


class Trigger(models.TextChoices):
    """The warning triggers an evaluation finds (Evaluation.triggers): one row each with its
    kind, whether it is a condition, and its label. The one table of them: the evaluation,
    the pool rules and the explained standing all derive from it."""

    kind: TriggerKind
    is_condition: bool

    def __new__(cls, value: str, kind: TriggerKind, is_condition: bool) -> "Trigger":
        member = str.__new__(cls, value)
        member._value_ = value
        member.kind, member.is_condition = kind, is_condition
        return member

    SERIOUS_PENALTY = (
        "serious_penalty",
        TriggerKind.EXIT,
        EVENT,
        _("a serious administrative penalty"),
    )
    DISHONEST_LIST = (
        "dishonest_list",
        TriggerKind.EXIT,
        CONDITION,
        _("on the serious-dishonesty list"),
    )
    COUNTERFEIT = (
        "counterfeit",
        TriggerKind.BOTTOM_LINE,
        EVENT,
        _("counterfeit goods found at an inspection"),
    )
    REFUSED_RETURN = (
        "refused_return",
        TriggerKind.BOTTOM_LINE,
        EVENT,
        _("a confirmed refusal of a committed return"),
    )
    SCORE_BELOW = "score_below", TriggerKind.WARNING, CONDITION, _("score below the warning line")
    COMPLAINTS_RECENT = (
        "complaints_recent",
        TriggerKind.WARNING,
        EVENT,
        _("too many accepted complaints in a short time"),
    )
    OVERDUE_COMPLAINT = (
        "overdue_complaint",
        TriggerKind.WARNING,
        CONDITION,
        _("a complaint not handled in time"),
    )
    FAILED_INSPECTION = (
        "failed_inspection",
        TriggerKind.WARNING,
        EVENT,
        _("a failed inspection"),
    )
    PENALTY = "penalty", TriggerKind.WARNING, EVENT, _("an administrative penalty")
    LICENCE_EXPIRED = (
        "licence_expired",
        TriggerKind.WARNING,
        CONDITION,
        _("a licence has expired"),
    )
    ENTITY_ABNORMAL = (
        "entity_abnormal",
        TriggerKind.WARNING,
        CONDITION,
        _("the registry lists the entity as abnormal or not active"),
    )

    @property
    def is_bottom_line(self) -> bool:
        return self.kind != TriggerKind.WARNING


# Serious violations: the merchant is exited at once rather than warned.
EXIT_TRIGGERS = frozenset(t for t in Trigger if t.kind == TriggerKind.EXIT)
# Bottom-line items (vetoes): shown as such wherever the evaluation is explained.
BOTTOM_LINE_TRIGGERS = frozenset(t for t in Trigger if t.is_bottom_line)
# Conditions rather than dated events.
STATE_TRIGGERS = frozenset(t for t in Trigger if t.is_condition)


class EvaluationRun(models.Model):
    """One re-evaluation. At most one runs at a time (the partial unique constraint is the lock);
    a run that died is recognised by its stale heartbeat, or at once by its worker process being
    gone, and marked failed by the next one, which carries on. A start that gave way to a live
    run is recorded too ("skipped", with the reason in `note`): ratings/services/runs.py."""

    class Kind(models.TextChoices):
        NIGHTLY = "nightly", _("Nightly (merchants with new events)")
        MONTHLY = "monthly", _("Monthly (all merchants)")
        MANUAL = "manual", _("Started by hand")

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

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
    # Where it runs ("host:pid"): a run whose process is gone is recognised at once.
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    # Why it was skipped, or how it ended or began (a message code with its parameters).
    note = models.JSONField(_("note"), default=dict, blank=True)

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

    @property
    def note_text(self) -> str:
        """The note in the active language (the reader's)."""
        return render(self.note)


class Evaluation(models.Model):
    """A merchant's score under one policy version, with its inputs and each component's points
    kept: the lines that explain the score are derived again from them and the policy version
    (ratings.services.evaluation.evaluation_result)."""

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
    # from the inputs when they are shown (ratings.services.evaluation.evaluation_result).
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
