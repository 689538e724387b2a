"""Who may see or act on the ratings side; the pages, the API and the services all ask here.

- The merchant's people (`is_member`) see its standing, report rectifications and appeal.
- Regulators and platform admins have the regulator's side of the pools (`is_pool_regulator`);
  on a merchant they act within their reach (`can_regulate`, built on
  merchants.permissions.reaches): check reports, decide appeals they did not cause
  (`may_decide_appeal`), exit merchants and nominate them (`can_nominate`).
- What a regulator sees is scoped by `reach_q` (merchants.selectors.subtree_q).
- Supervisors see the evaluation runs (`may_see_runs`).
"""

from typing import Any

from django.db.models import Q

from common.api import NotFoundUnless
from merchants.models import Membership, Merchant, Region, User
from merchants.permissions import reaches
from merchants.selectors import subtree_q
from ratings.models import Appeal
from review.permissions import can_supervise


def is_member(user: User, merchant: Merchant) -> bool:
    """Someone working for the merchant."""
    return (
        user.is_authenticated
        and Membership.objects.filter(user=user, merchant_id=merchant.pk).exists()
    )


def is_pool_regulator(user: User) -> bool:
    """Who has the regulator's side of the pools at all: regulators and platform admins."""
    return (
        user.is_authenticated and user.is_active and (user.is_regulator or user.is_platform_admin)
    )


def can_regulate(user: User, merchant: Merchant) -> bool:
    """A regulator whose region contains the merchant's county, or a platform admin."""
    return is_pool_regulator(user) and reaches(user, merchant.region_id)


def can_nominate(user: User, region: Region) -> bool:
    """Nominate a merchant of this county: a regulator whose region contains it, or an admin."""
    return is_pool_regulator(user) and reaches(user, region.code)


def may_decide_appeal(user: User, appeal: Appeal) -> bool:
    """A regulator of the merchant's region who did not take the decision appealed."""
    return can_regulate(user, appeal.merchant) and appeal.decision.actor_id != user.pk


def may_see_runs(user: User) -> bool:
    return can_supervise(user)


def reach_q(user: User, field: str = "region_id") -> Q:
    """What a user sees on the regulator's side, as a Q on `field` (the path to a county code):
    their region and below; everything for admins; nothing for anyone else."""
    if not is_pool_regulator(user):
        return Q(pk__in=[])
    if user.is_platform_admin:
        return Q()
    return subtree_q(user.region, field)


class IsPoolRegulator(NotFoundUnless):
    def allows(self, user: Any) -> bool:
        return is_pool_regulator(user)


class IsRunSupervisor(NotFoundUnless):
    def allows(self, user: Any) -> bool:
        return may_see_runs(user)
