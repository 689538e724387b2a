"""Reads of nominations, scoped by ratings.permissions.reach_q."""

from django.db.models import F, QuerySet

from merchants.models import User
from ratings.models import Nomination
from ratings.permissions import reach_q


def nomination_list(*, user: User) -> QuerySet[Nomination]:
    """Nominations of the user's reach, newest first, with the merchant's pool now."""
    return (
        Nomination.objects.filter(reach_q(user))
        .annotate(current_pool=F("merchant__standing__pool"))
        .select_related("region", "merchant", "nominated_by")
        .order_by("-created_at", "-pk")
    )
