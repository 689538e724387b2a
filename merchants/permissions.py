"""Who may see or touch what. Seeing is scoped by selectors; these decide acting."""

from typing import Any

from merchants.models import Declaration, Membership, Merchant, Region, User


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


def membership_role(user: User, merchant: Merchant) -> str | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, merchant=merchant)
        .values_list("role", flat=True)
        .first()
    )


def is_merchant_operator(user: Any) -> bool:
    """Who has the merchant's side of the desks and inspections: anyone working for a merchant."""
    return (
        user.is_authenticated and user.is_active and Membership.objects.filter(user=user).exists()
    )


def can_manage_merchant(user: User, merchant: Merchant) -> bool:
    """Edit the profile and manage staff: the merchant's owners."""
    return membership_role(user, merchant) == Membership.Role.OWNER


def can_declare(user: User, merchant: Merchant) -> bool:
    """File, amend, submit and withdraw declarations: anyone working for the merchant."""
    return membership_role(user, merchant) is not None


def can_review(user: User, declaration: Declaration) -> bool:
    """Decide a declaration: a reviewer whose region contains the merchant, or an admin."""
    if user.is_platform_admin:
        return True
    return user.is_regulator and user.can_review and reaches(user, declaration.merchant.region_id)
