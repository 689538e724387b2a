"""Reads of a merchant's standing shared by the pages and the API.

Scoping is separate from the content: `member_merchant_get` (the merchant's people) and
`standing_merchant_get` (its people and the regulators whose region contains it) give the
merchant or a 404; `standing_detail(merchant)` then builds the same viewer-neutral picture for
whoever may see it: the merchant's standing page and the regulator's merchant page alike.
What the public may see of a standing is in ratings.selectors.public.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from merchants.models import Membership, Merchant, Pool, User
from ratings.models import (
    APPEALABLE_REASONS,
    IN_PROGRAMME,
    Appeal,
    Evaluation,
    EvaluationPolicy,
    PoolChange,
    RatingFile,
    Standing,
    WarningRectification,
)
from ratings.permissions import reach_q
from ratings.selectors.appeals import appeal_window
from ratings.selectors.evaluation import (
    ExplainedTrigger,
    explain_components,
    explain_triggers,
    improvements,
    next_band,
)

HISTORY_LIMIT = 100
# Who made a pool change: the evaluation run, a regulator, the platform on its own (screening,
# the deadline sweep) or the merchant (its declaration).
WHO_LABELS = {
    "run": gettext_lazy("Evaluation run"),
    "regulator": gettext_lazy("Regulator"),
    "automatic": gettext_lazy("Automatic"),
    "merchant": gettext_lazy("The merchant"),
}


# Scope


def member_merchants(*, user: User) -> QuerySet[Merchant]:
    """The merchants the user works for, each with its standing (or none), by name."""
    if not user.is_authenticated or not user.is_active:
        return Merchant.objects.none()
    return (
        Merchant.objects.filter(pk__in=Membership.objects.filter(user=user).values("merchant_id"))
        .select_related("standing", "region", "region__parent")
        .order_by("name", "pk")
    )


def member_merchant_get(*, user: User, pk: int) -> Merchant:
    return get_object_or_404(member_merchants(user=user), pk=pk)


def standing_viewer_merchants(*, user: User) -> QuerySet[Merchant]:
    """Merchants whose standing the user may see: those they work for, and for a regulator
    those of their region and below (as ratings.permissions.can_regulate decides); admins all."""
    if not user.is_authenticated or not user.is_active:
        return Merchant.objects.none()
    qs = Merchant.objects.select_related("standing", "region", "region__parent")
    if user.is_platform_admin:
        return qs
    scope = Q(pk__in=Membership.objects.filter(user=user).values("merchant_id"))
    if user.is_regulator:
        scope |= reach_q(user)
    return qs.filter(scope)


def standing_merchant_get(*, user: User, pk: int) -> Merchant:
    return get_object_or_404(standing_viewer_merchants(user=user), pk=pk)


def rating_file_get(*, user: User, pk: int) -> RatingFile:
    """A rectification or appeal file, for the merchant's people and the regulators in scope."""
    merchants = standing_viewer_merchants(user=user).values("pk")
    return get_object_or_404(
        RatingFile.objects.filter(merchant_id__in=merchants).only(
            "pk", "file", "original_name", "content_type", "merchant_id"
        ),
        pk=pk,
    )


def decision_get(*, merchant: Merchant, pk: int) -> PoolChange:
    """One of this merchant's pool changes (a decision it may appeal), else a 404."""
    return get_object_or_404(
        PoolChange.objects.filter(merchant=merchant).select_related("merchant"), pk=pk
    )


# The standing


@dataclass
class HistoryEntry:
    """One pool change with what answers it: the appeal (the merchant's reply and the outcome)
    and, for a warning, the rectification reports; files prefetched on both."""

    change: PoolChange
    who: str
    appeal: Appeal | None
    rectifications: list[WarningRectification]
    appeal_until: datetime | None = None

    @property
    def appealable(self) -> bool:
        return self.appeal_until is not None

    @property
    def who_label(self) -> str:
        return str(WHO_LABELS[self.who])


@dataclass
class RectificationTask:
    """A merchant in the warning pool reports what it put right by `due`."""

    warning: PoolChange
    due: date | None
    latest: WarningRectification | None

    @property
    def waiting(self) -> bool:
        """A report is with the regulator: no second one until it is checked."""
        return self.latest is not None and not self.latest.decision

    @property
    def may_submit(self) -> bool:
        return not self.waiting

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < timezone.localdate()


@dataclass
class OpenTasks:
    rectification: RectificationTask | None = None
    appealable: list[HistoryEntry] = field(default_factory=list)
    pending_appeals: list[Appeal] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.rectification or self.appealable or self.pending_appeals)


def _appeal_of(change: PoolChange) -> Appeal | None:
    try:
        return change.appeal
    except ObjectDoesNotExist:
        return None


def _who(change: PoolChange) -> str:
    if change.run_id is not None:
        return "run"
    actor = change.actor
    if actor is None:
        return "automatic"
    if actor.is_regulator or actor.is_platform_admin:
        return "regulator"
    return "merchant"


def standing_history(
    merchant: Merchant, *, limit: int = HISTORY_LIMIT
) -> tuple[list[HistoryEntry], bool]:
    """The newest `limit` pool changes, each with its appeal and rectification reports, in a
    fixed number of queries whatever their number. Returns (entries, whether older ones were
    left out)."""
    changes = list(
        PoolChange.objects.filter(merchant=merchant)
        .select_related("actor", "appeal", "evaluation")
        .prefetch_related(
            "appeal__files",
            Prefetch(
                "rectifications",
                queryset=WarningRectification.objects.order_by(
                    "-submitted_at", "-id"
                ).prefetch_related("files"),
            ),
        )
        .order_by("-created_at", "-id")[: limit + 1]
    )
    entries = [
        HistoryEntry(
            change=change,
            who=_who(change),
            appeal=_appeal_of(change),
            rectifications=list(change.rectifications.all()),
        )
        for change in changes[:limit]
    ]
    return entries, len(changes) > limit


def standing_open_tasks(
    standing: Standing | None, history: list[HistoryEntry], *, now: datetime | None = None
) -> OpenTasks:
    """What the merchant may or must do now: rectify a warning (with the latest report and its
    check), appeal the decision in force (only the newest change can be), appeals waiting."""
    tasks = OpenTasks(
        pending_appeals=[
            e.appeal for e in history if e.appeal and e.appeal.state == Appeal.State.PENDING
        ]
    )
    if standing is None or not history:
        return tasks
    newest = history[0]
    if standing.pool == Pool.WARNING and newest.change.to_pool == Pool.WARNING:
        tasks.rectification = RectificationTask(
            warning=newest.change,
            due=standing.rectification_due,
            latest=newest.rectifications[0] if newest.rectifications else None,
        )
    if newest.change.reason_code in APPEALABLE_REASONS and newest.appeal is None:
        problem, until = appeal_window(newest.change, now=now)
        if not problem:
            newest.appeal_until = until
            tasks.appealable.append(newest)
    return tasks


def latest_evaluation(merchant: Merchant, standing: Standing | None) -> Evaluation | None:
    if standing is not None and standing.last_evaluation_id is not None:
        return standing.last_evaluation
    return (
        Evaluation.objects.filter(merchant=merchant)
        .select_related("policy")
        .order_by("-evaluated_at", "-id")
        .first()
    )


def _standing(merchant: Merchant) -> Standing | None:
    return (
        Standing.objects.select_related("last_evaluation__policy").filter(merchant=merchant).first()
    )


def standing_detail(merchant: Merchant, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything the standing partial shows, the same for whoever may see it:

    - merchant, standing (None: not in the programme yet), in_programme;
    - evaluation (the latest, with its policy), components (ExplainedComponent),
      warning_triggers (ExplainedTrigger, when in the warning pool), improvements (sentences),
      next_band (NextBand or None): see ratings.selectors.evaluation;
    - history (HistoryEntry, newest first), history_truncated, tasks (OpenTasks);
    - observation_ends, first_band: in cultivation, when and from what score the first star
      can come.
    """
    standing = _standing(merchant)
    evaluation = latest_evaluation(merchant, standing) if standing is not None else None
    history, truncated = standing_history(merchant) if standing is not None else ([], False)
    tasks = standing_open_tasks(standing, history, now=now)
    warning_triggers: list[ExplainedTrigger] = []
    if tasks.rectification is not None and evaluation is not None:
        # What put the merchant in the warning pool; else (an appeal put it back) what holds now.
        codes = tasks.rectification.warning.evidence.get("triggers") or evaluation.triggers
        warning_triggers = explain_triggers(list(codes), evaluation)
    observation_ends, first_band = None, None
    if standing is not None and standing.pool == Pool.CULTIVATION:
        # The rule in force decides when the first star can come.
        policy = EvaluationPolicy.current()
        observation_ends = timezone.localdate(standing.since) + timedelta(
            days=policy.observation_days
        )
        first_band = policy.star_bands[0]
    in_programme = standing is not None and standing.pool in IN_PROGRAMME
    return {
        "merchant": merchant,
        "standing": standing,
        "in_programme": in_programme,
        "evaluation": evaluation,
        "components": explain_components(evaluation) if evaluation else [],
        "warning_triggers": warning_triggers,
        "improvements": improvements(evaluation) if evaluation is not None and in_programme else [],
        "next_band": next_band(evaluation.score, evaluation.policy)
        if evaluation is not None and in_programme
        else None,
        "history": history,
        "history_truncated": truncated,
        "tasks": tasks,
        "observation_ends": observation_ends,
        "first_band": first_band,
    }


@dataclass
class StandingRow:
    merchant: Merchant
    standing: Standing | None


def standing_list(*, user: User) -> list[StandingRow]:
    """The user's merchants with their pool, stars and score (one query)."""
    rows = []
    for merchant in member_merchants(user=user):
        try:
            standing = merchant.standing
        except ObjectDoesNotExist:
            standing = None
        rows.append(StandingRow(merchant=merchant, standing=standing))
    return rows
