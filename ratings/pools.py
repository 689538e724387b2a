"""The four pools: one transition table, one function that makes every move (lock, check,
save, record the PoolChange), and the moves the declaration workflow makes.

Moves made by the evaluation (stars, warning, exit) build on `standing_move` too.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from merchants.errors import DomainError
from merchants.models import Declaration, DeclarationState, Merchant, Scheme, User
from merchants.store_cache import store_page_invalidate
from ratings.models import (
    Evaluation,
    EvaluationPolicy,
    EvaluationRun,
    Pool,
    PoolChange,
    Standing,
)

P = Pool

TRANSITIONS: dict[str, frozenset[str]] = {
    "": frozenset({P.SELECTION}),
    P.SELECTION: frozenset({P.CULTIVATION, P.EXITED}),
    P.CULTIVATION: frozenset({P.STAR_RATED, P.WARNING, P.EXITED}),
    P.STAR_RATED: frozenset({P.STAR_RATED, P.CULTIVATION, P.WARNING, P.EXITED}),
    P.WARNING: frozenset({P.CULTIVATION, P.STAR_RATED, P.EXITED}),
    P.EXITED: frozenset({P.SELECTION}),
}

IN_PROGRAMME = (P.SELECTION, P.CULTIVATION, P.STAR_RATED, P.WARNING)


def _label(pool: str) -> str:
    return str(P(pool).label) if pool else str(_("not in the programme"))


def _move(
    standing: Standing,
    *,
    to: str,
    stars: int,
    reason_code: str,
    reason: str,
    now: datetime,
    actor: User | None = None,
    evidence: dict[str, Any] | None = None,
    evaluation: Evaluation | None = None,
    run: EvaluationRun | None = None,
) -> PoolChange:
    """Check the move against the table, change the (locked, unsaved) standing and return the
    unsaved PoolChange that records it. Every move of a standing goes through here."""
    from_pool, from_stars = standing.pool, standing.stars
    if to not in TRANSITIONS[from_pool]:
        raise DomainError(
            _("A merchant in “%(from)s” cannot move to “%(to)s”.")
            % {"from": _label(from_pool), "to": _label(to)}
        )
    if to != from_pool:
        standing.since = now
    if stars != from_stars:
        standing.stars_changed_at = now
    standing.pool, standing.stars = to, stars
    return PoolChange(
        merchant_id=standing.merchant_id,
        from_pool=from_pool,
        to_pool=to,
        from_stars=from_stars,
        to_stars=stars,
        reason_code=reason_code,
        reason=reason,
        evidence=evidence or {},
        evaluation=evaluation,
        run=run,
        actor=actor if actor is not None and actor.is_authenticated else None,
        created_at=now,
    )


def standing_move(
    *,
    merchant: Merchant,
    to: str,
    reason_code: str,
    reason: str,
    stars: int = 0,
    actor: User | None = None,
    evidence: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
) -> Standing:
    """Move one merchant's standing. Call inside atomic(): the row is locked first, so two
    moves of one merchant at once are made one after the other, each against the other's
    result."""
    standing = Standing.objects.select_for_update().filter(merchant=merchant).first()
    if standing is None:
        standing = Standing(merchant=merchant, region_id=merchant.region_id, pool="")
    change = _move(
        standing,
        to=to,
        stars=stars,
        reason_code=reason_code,
        reason=reason,
        now=timezone.now(),
        actor=actor,
        evidence=evidence,
    )
    for field, value in (changes or {}).items():
        setattr(standing, field, value)
    standing.save()
    change.save()
    store_page_invalidate([merchant.public_code])
    return standing


def standings_mark_changed(*, merchant_ids: list[int]) -> int:
    """Something that counts in the evaluation happened: the nightly run takes these."""
    return Standing.objects.filter(merchant_id__in=merchant_ids, needs_evaluation=False).update(
        needs_evaluation=True
    )


def standing_get(merchant: Merchant) -> Standing | None:
    return Standing.objects.filter(merchant=merchant).first()


def require_may_declare(merchant: Merchant) -> None:
    """An exited merchant waits out its re-entry period before declaring again."""
    standing = standing_get(merchant)
    today = timezone.localdate()
    if (
        standing is not None
        and standing.pool == P.EXITED
        and standing.reentry_after is not None
        and standing.reentry_after > today
    ):
        raise DomainError(
            _("This merchant left the programme and may declare again from %(date)s.")
            % {"date": standing.reentry_after.isoformat()}
        )


@transaction.atomic
def pool_enter_selection(
    *, merchant: Merchant, declaration: Declaration, actor: User | None = None
) -> Standing:
    """A declaration passed screening: the merchant enters the selection pool, unless it is in
    the programme already (a declaration for a further scheme). The re-entry wait was checked
    when the declaration was created."""
    pool_enter_selection_many(declarations=[declaration], actor=actor)
    return Standing.objects.get(merchant=merchant)


def pool_enter_selection_many(*, declarations: list[Declaration], actor: User | None = None) -> int:
    """The same for a batch of screened declarations (the screening run's), in a few
    statements. Call inside atomic(). Returns how many merchants entered selection."""
    by_merchant = {d.merchant_id: d for d in declarations}
    if not by_merchant:
        return 0
    standings = {
        s.merchant_id: s
        for s in Standing.objects.select_for_update().filter(merchant_id__in=by_merchant)
    }
    merchants = {
        pk: (region_id, code)
        for pk, region_id, code in Merchant.objects.filter(pk__in=by_merchant).values_list(
            "pk", "region_id", "public_code"
        )
    }
    schemes = Scheme.objects.in_bulk({d.scheme_id for d in declarations})
    now = timezone.now()
    created, moved, changes = [], [], []
    for merchant_id, declaration in by_merchant.items():
        standing = standings.get(merchant_id)
        if standing is not None and standing.pool in IN_PROGRAMME:
            continue
        if standing is None:
            standing = Standing(merchant_id=merchant_id, region_id=merchants[merchant_id][0])
            created.append(standing)
        else:
            moved.append(standing)
        standing.reentry_after, standing.former_pool, standing.former_stars = None, "", 0
        changes.append(
            _move(
                standing,
                to=P.SELECTION,
                stars=0,
                reason_code="screening_passed",
                reason=_("The declaration for “%(scheme)s” passed the automatic screening.")
                % {"scheme": schemes[declaration.scheme_id].display_name},
                now=now,
                actor=actor,
                evidence={"declaration": declaration.pk},
            )
        )
    Standing.objects.bulk_create(created)
    Standing.objects.bulk_update(
        moved,
        [
            "pool",
            "stars",
            "since",
            "stars_changed_at",
            "reentry_after",
            "former_pool",
            "former_stars",
        ],
    )
    PoolChange.objects.bulk_create(changes)
    store_page_invalidate([merchants[c.merchant_id][1] for c in changes])
    return len(changes)


@transaction.atomic
def pool_cultivate(*, merchant: Merchant, declaration: Declaration, actor: User) -> Standing:
    """A declaration was approved: from selection into cultivation (the observation period
    starts). A merchant already further on stays where it is."""
    standing = standing_get(merchant)
    if standing is not None and standing.pool != P.SELECTION:
        return standing
    if standing is None:  # approved without passing through screening (imported data)
        pool_enter_selection(merchant=merchant, declaration=declaration)
    return standing_move(
        merchant=merchant,
        to=P.CULTIVATION,
        reason_code="declaration_approved",
        reason=_("The declaration for “%(scheme)s” was approved.")
        % {"scheme": declaration.scheme.display_name},
        actor=actor,
        evidence={"declaration": declaration.pk},
    )


@transaction.atomic
def pool_leave_selection(
    *, merchant: Merchant, declaration: Declaration, actor: User
) -> Standing | None:
    """A declaration was rejected: a merchant in selection with no other declaration under way
    leaves the programme (it may declare again at once: rejection is not an exit)."""
    standing = standing_get(merchant)
    if standing is None or standing.pool != P.SELECTION:
        return standing
    others = (
        Declaration.objects.filter(merchant=merchant)
        .exclude(pk=declaration.pk)
        .filter(
            state__in=[
                DeclarationState.SUBMITTED,
                DeclarationState.SCREENING,
                DeclarationState.PENDING_REVIEW,
                DeclarationState.UNDER_REVIEW,
                DeclarationState.RETURNED,
                DeclarationState.APPROVED,
            ]
        )
    )
    if others.exists():
        return standing
    return standing_move(
        merchant=merchant,
        to=P.EXITED,
        reason_code="declaration_rejected",
        reason=_("The declaration for “%(scheme)s” was rejected.")
        % {"scheme": declaration.scheme.display_name},
        actor=actor,
        evidence={"declaration": declaration.pk},
        changes={"reentry_after": None},
    )


def _star_move(
    standing: Standing, policy: EvaluationPolicy, score: int, now: datetime
) -> tuple[str, int, str, str] | None:
    """Where the evaluation takes a cultivated or star-rated merchant: (pool, stars, reason
    code, reason), or None to stay. Stars go up at most one per star period; down at once."""
    target = policy.stars_for(score)
    if standing.pool == P.CULTIVATION:
        observed = standing.since <= now - timedelta(days=policy.observation_days)
        if observed and target >= 1:
            return (
                P.STAR_RATED,
                1,
                "observation_passed",
                _("Observation period over with a score of %(score)d: one star.")
                % {"score": score},
            )
        return None
    if standing.pool != P.STAR_RATED:
        return None
    if target == 0:
        return (
            P.CULTIVATION,
            0,
            "below_first_band",
            _("Score %(score)d is below the first star band (%(band)d).")
            % {"score": score, "band": policy.star_bands[0]},
        )
    if target < standing.stars:
        return (
            P.STAR_RATED,
            target,
            "stars_down",
            _("Score %(score)d: %(stars)d stars.") % {"score": score, "stars": target},
        )
    period_over = standing.stars_changed_at is None or standing.stars_changed_at <= now - (
        timedelta(days=policy.star_period_days)
    )
    if target > standing.stars and period_over:
        return (
            P.STAR_RATED,
            standing.stars + 1,
            "star_up",
            _("Score %(score)d: one star up (at most one per period).") % {"score": score},
        )
    return None


def pools_rate(
    *,
    run: EvaluationRun,
    standings: list[Standing],
    evaluations: dict[int, Evaluation],
    now: datetime,
) -> int:
    """Apply the star rules to a batch of locked standings (the caller saves them) and write
    a PoolChange for each move, in one statement. Returns the number of moves."""
    changes = []
    for standing in standings:
        evaluation = evaluations[standing.merchant_id]
        move = _star_move(standing, run.policy, evaluation.score, now)
        if move is None:
            continue
        to, stars, code, reason = move
        changes.append(
            _move(
                standing,
                to=to,
                stars=stars,
                reason_code=code,
                reason=reason,
                now=now,
                evidence={"score": evaluation.score},
                evaluation=evaluation,
                run=run,
            )
        )
    PoolChange.objects.bulk_create(changes)
    if changes:
        store_page_invalidate(
            Merchant.objects.filter(pk__in=[c.merchant_id for c in changes]).values_list(
                "public_code", flat=True
            )
        )
    return len(changes)
