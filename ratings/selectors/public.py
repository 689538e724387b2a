"""What the public sees of a merchant's standing (the store page, the public search and the open
API). Shown: the star rating, the cultivation pool, a warning being rectified and a removal (an
exit with a waiting time before declaring again: 摘牌). Not shown: the selection pool (a
declaration under review, or a regulator's invitation; nothing not yet approved is public) and
an exit by a rejected declaration (no removal: it may declare again at once). Never the score,
the reasons or anything a regulator wrote.
"""

from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from merchants.models import Merchant, Pool
from ratings.models import Appeal, PoolChange, Standing

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
