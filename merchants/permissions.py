"""Who may see or touch what. Seeing is scoped by selectors; these decide acting."""

from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework import permissions
from rest_framework.request import Request

from common.api import NotFoundUnless
from merchants.models import (
    CountyChangeRequest,
    Declaration,
    Membership,
    Merchant,
    Region,
    User,
)

PUSH_FEED_PERMISSION = "merchants.push_feed"


def region_within(code: str, outer: Region) -> bool:
    """Is the region `code` the region `outer` or below it? (Codes below share its prefix.)"""
    return code.startswith(outer.prefix)


def reaches(user: Any, region_code: str) -> bool:
    """The one rule of regional reach: platform admins reach everywhere; an active regulator or
    coordinator reaches their own region and everything below it; nobody else reaches any.
    Capabilities (reviewing, handling complaints, …) are checked on top of this."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_platform_admin:
        return True
    if user.role not in (User.Role.REGULATOR, User.Role.COORDINATOR) or not user.region_id:
        return False
    return region_within(region_code, user.region)


def is_supervisor(user: User) -> bool:
    """Who sees the regulator's lists and every check on a declaration page: regulators and
    coordinators (bound to a region) and platform admins."""
    return user.is_regulator or user.is_coordinator or user.is_platform_admin


# Conflict of interest: an account is either a regulator (coordinator, admin) or one of a
# merchant's people, never both. The roles that may hold a membership:
MEMBER_ROLES = (User.Role.CONSUMER, User.Role.MERCHANT)


def may_be_member(user: Any) -> bool:
    """May this account work for (and act as) a merchant? Consumers and merchant operators only:
    never a regulator, coordinator or platform admin. Services refuse to give a membership to
    anyone else (merchants.services.accounts.require_may_be_member), and a membership left from
    before never lets a supervisor act for the merchant."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role in MEMBER_ROLES
        and not user.is_superuser
    )


def works_for(user: Any, merchant_id: int | None) -> bool:
    """Acts for the merchant (any role): a member who may be one. The rule for every app."""
    return (
        merchant_id is not None
        and may_be_member(user)
        and Membership.objects.filter(user=user, merchant_id=merchant_id).exists()
    )


def membership_role(user: User, merchant: Merchant) -> str | None:
    if not may_be_member(user):
        return None
    return (
        Membership.objects.filter(user=user, merchant=merchant)
        .values_list("role", flat=True)
        .first()
    )


def is_merchant_operator(user: Any) -> bool:
    """Who has the merchant's side of the desks and inspections: anyone working for a merchant."""
    return may_be_member(user) and Membership.objects.filter(user=user).exists()


def can_manage_merchant(user: User, merchant: Merchant) -> bool:
    """Edit the profile and manage staff: the merchant's owners."""
    return membership_role(user, merchant) == Membership.Role.OWNER


def may_export_history(user: User, merchant: Merchant) -> bool:
    """Download the merchant's full history: its owners, and regulators (coordinators, admins)
    whose region reaches it."""
    return can_manage_merchant(user, merchant) or reaches(user, merchant.region_id)


def merchant_file_copy(user: Any, merchant: Merchant) -> str | None:
    """Which copy of the merchant's file (一户一档) the user opens: "regulator" (everything) for
    regulators and admins whose region reaches it; "owner" (what the merchant's people may see)
    for its people; None (a 404) for anyone else, coordinators included."""
    if not user.is_authenticated or not user.is_active:
        return None
    if (user.is_regulator or user.is_platform_admin) and reaches(user, merchant.region_id):
        return "regulator"
    if works_for(user, merchant.pk):
        return "owner"
    return None


def can_declare(user: User, merchant: Merchant) -> bool:
    """File, amend, submit and withdraw declarations: anyone working for the merchant."""
    return membership_role(user, merchant) is not None


def can_review(user: User, declaration: Declaration) -> bool:
    """Decide a declaration: a reviewer whose region contains the merchant, or an admin."""
    if user.is_platform_admin:
        return True
    return user.is_regulator and user.can_review and reaches(user, declaration.merchant.region_id)


def can_decide_county_change(user: Any, request: CountyChangeRequest) -> bool:
    """Approve or refuse a county change: a regulator whose region contains the RECEIVING county
    (or a platform admin). The county the merchant leaves has no say: it cannot hold it back."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_platform_admin:
        return True
    return user.is_regulator and reaches(user, request.to_region_id)


def manages_stations(user: Any) -> bool:
    """Who has the liaison stations' pages: regulators (for their region and below) and admins."""
    return (
        user.is_authenticated and user.is_active and (user.is_regulator or user.is_platform_admin)
    )


def can_manage_station(user: Any, county: Region) -> bool:
    """Create or change a liaison station of `county`: its regulators and those above, admins."""
    return manages_stations(user) and reaches(user, county.code)


# The API's counterparts: reading is decided by the scoped queryset; these decide writing.


class IsMerchantOwner(permissions.BasePermission):
    message = gettext_lazy("Only the merchant's owners can change its profile.")

    def has_object_permission(self, request: Request, view: Any, obj: Merchant) -> bool:
        return request.method in permissions.SAFE_METHODS or can_manage_merchant(request.user, obj)


class IsMerchantMember(permissions.BasePermission):
    message = gettext_lazy("Only people who work for this merchant can file its declarations.")

    def has_object_permission(
        self, request: Request, view: Any, obj: Merchant | Declaration
    ) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        merchant = obj if isinstance(obj, Merchant) else obj.merchant
        return can_declare(request.user, merchant)


class ManagesStations(NotFoundUnless):
    def allows(self, user: Any) -> bool:
        return manages_stations(user)


class CanPushFeed(permissions.BasePermission):
    """Push external records through the feed API: accounts an admin granted the permission."""

    message = gettext_lazy("Your account may not push external records.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.user.has_perm(PUSH_FEED_PERMISSION)
