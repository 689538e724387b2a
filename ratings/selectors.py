"""Reads of a merchant's standing shared by the pages and the API.

Scoping is separate from the content: `member_merchant_get` (the merchant's people) and
`standing_merchant_get` (its people and the regulators whose region contains it) give the
merchant or a 404; `standing_detail(merchant)` then builds the same viewer-neutral picture for
whoever may see it: the merchant's standing page and the regulator's merchant page alike.
What the public may see of a standing (`public_standing`, `public_rating`) is at the end.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from merchants.models import Membership, Merchant, Pool, User
from ratings import explain
from ratings.appeals import APPEALABLE_CODES, appeal_deadline, appeal_open_reason
from ratings.models import (
    Appeal,
    Evaluation,
    EvaluationPolicy,
    PoolChange,
    RatingFile,
    Standing,
    WarningRectification,
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
    those of their region and below (as ratings.warnings.can_regulate decides); admins all."""
    if not user.is_authenticated or not user.is_active:
        return Merchant.objects.none()
    qs = Merchant.objects.select_related("standing", "region", "region__parent")
    if user.is_platform_admin:
        return qs
    scope = Q(pk__in=Membership.objects.filter(user=user).values("merchant_id"))
    if user.is_regulator:
        scope |= Q(region__code__startswith=user.region.prefix)
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


def appeal_window(decision: PoolChange, *, now: datetime | None = None) -> tuple[str, datetime]:
    """(why it cannot be appealed now, or ""; the last moment to appeal it)."""
    return (
        appeal_open_reason(decision, now=now),
        appeal_deadline(decision, EvaluationPolicy.current()),
    )


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
    if newest.change.reason_code in APPEALABLE_CODES and newest.appeal is None:
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
    - evaluation (the latest, with its policy), components (explain.ExplainedComponent),
      warning_triggers (explain.ExplainedTrigger, when in the warning pool), improvements
      (sentences), next_band (explain.NextBand or None);
    - history (HistoryEntry, newest first), history_truncated, tasks (OpenTasks);
    - observation_ends, first_band: in cultivation, when and from what score the first star
      can come.
    """
    standing = _standing(merchant)
    evaluation = latest_evaluation(merchant, standing) if standing is not None else None
    history, truncated = standing_history(merchant) if standing is not None else ([], False)
    tasks = standing_open_tasks(standing, history, now=now)
    warning_triggers: list[explain.ExplainedTrigger] = []
    if tasks.rectification is not None and evaluation is not None:
        # What put the merchant in the warning pool; else (an appeal put it back) what holds now.
        codes = tasks.rectification.warning.evidence.get("triggers") or evaluation.triggers
        warning_triggers = explain.explain_triggers(list(codes), evaluation)
    observation_ends, first_band = None, None
    if standing is not None and standing.pool == Pool.CULTIVATION:
        # The rule in force decides when the first star can come.
        policy = EvaluationPolicy.current()
        observation_ends = timezone.localdate(standing.since) + timedelta(
            days=policy.observation_days
        )
        first_band = policy.star_bands[0]
    in_programme = standing is not None and standing.pool in (
        Pool.SELECTION,
        Pool.CULTIVATION,
        Pool.STAR_RATED,
        Pool.WARNING,
    )
    return {
        "merchant": merchant,
        "standing": standing,
        "in_programme": in_programme,
        "evaluation": evaluation,
        "components": explain.explain_components(evaluation) if evaluation else [],
        "warning_triggers": warning_triggers,
        "improvements": explain.improvements(evaluation)
        if evaluation is not None and in_programme
        else [],
        "next_band": explain.next_band(evaluation.score, evaluation.policy)
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


# What the public sees of a merchant's standing (the store page, the public search and the open
# API). Shown: the star rating, the cultivation pool, a warning being rectified and a removal (an
# exit with a waiting time before declaring again: 摘牌). Not shown: the selection pool (a
# declaration under review, or a regulator's invitation; nothing not yet approved is public) and
# an exit by a rejected declaration (no removal: it may declare again at once). Never the score,
# the reasons or anything a regulator wrote.

# The standing columns a public read needs, for `.only()` beside select_related("standing").
PUBLIC_STANDING_FIELDS = (
    "standing__pool",
    "standing__stars",
    "standing__since",
    "standing__rectification_due",
    "standing__reentry_after",
)
# Appeals shown beside the decision: an overturned one has undone it (its reversal is the latest
# move, so the appeal is no longer beside the decision in force).
PUBLIC_APPEAL_STATES = (Appeal.State.PENDING, Appeal.State.UPHELD)


def public_decision_appeal_annotations() -> dict[str, Subquery]:
    """The appeal against the merchant's latest pool move, as annotations of the merchant row
    (one row: a few indexed look-ups, no extra query); `public_standing` reads them."""
    latest = PoolChange.objects.filter(merchant=OuterRef("pk")).order_by("-created_at", "-id")
    return {
        f"decision_appeal_{name}": Subquery(latest.values(f"appeal__{name}")[:1])
        for name in ("state", "statement", "submitted_at", "decided_at")
    }


def _joined_standing(merchant: Merchant) -> Standing | None:
    try:
        return merchant.standing
    except Standing.DoesNotExist:
        return None


def public_pool(standing: Standing | None) -> str | None:
    """The pool the public sees, or None when the standing is not public."""
    if standing is None:
        return None
    if standing.pool in (Pool.CULTIVATION, Pool.STAR_RATED, Pool.WARNING):
        return standing.pool
    if standing.pool == Pool.EXITED and standing.reentry_after is not None:
        return Pool.EXITED
    return None


def public_shows_schemes(pool: str | None) -> bool:
    """A removed merchant carries no scheme seal."""
    return pool != Pool.EXITED


def public_rating_label(pool: str | None, stars: int | None) -> str:
    """The rating in words, as a screen reader says it and the API gives it."""
    if pool == Pool.STAR_RATED and stars:
        return ngettext(
            "%(stars)d star (assured consumption star rating)",
            "%(stars)d stars (assured consumption star rating)",
            stars,
        ) % {"stars": stars}
    return {
        Pool.CULTIVATION: _("Cultivation pool"),
        Pool.WARNING: _("Under warning: rectifying"),
        Pool.EXITED: _("Removed from the assured consumption programme"),
    }.get(pool or "", "")


def public_rating(merchant: Merchant) -> dict[str, Any]:
    """Pool, stars and label of a merchant read with its standing (select_related and
    `PUBLIC_STANDING_FIELDS`)."""
    standing = _joined_standing(merchant)
    pool = public_pool(standing)
    stars = standing.stars if standing is not None and pool == Pool.STAR_RATED else None
    return {"pool": pool, "stars": stars, "label": public_rating_label(pool, stars)}


def _public_decision_appeal(merchant: Merchant) -> dict[str, Any] | None:
    state = getattr(merchant, "decision_appeal_state", None)
    if state not in PUBLIC_APPEAL_STATES:
        return None
    decided_at = merchant.decision_appeal_decided_at
    return {
        "state": state,
        "state_label": str(Appeal.State(state).label),
        "statement": merchant.decision_appeal_statement,
        "submitted_on": timezone.localdate(merchant.decision_appeal_submitted_at),
        "decided_on": timezone.localdate(decided_at) if decided_at else None,
    }


def public_standing(merchant: Merchant) -> dict[str, Any]:
    """The public rating with the date it holds since, the date to rectify a warning by and the
    merchant's appeal against the decision behind it (its right to reply). The merchant is read
    with its standing and `public_decision_appeal_annotations()`."""
    standing = _joined_standing(merchant)
    rating = public_rating(merchant)
    pool = rating["pool"]
    return {
        **rating,
        "since": timezone.localdate(standing.since) if pool else None,
        "rectify_by": standing.rectification_due if pool == Pool.WARNING else None,
        "appeal": _public_decision_appeal(merchant) if pool else None,
    }
