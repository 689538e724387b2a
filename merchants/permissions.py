"""Who may see or touch what. Seeing is scoped by selectors; these decide acting."""

from merchants.models import Declaration, Membership, Merchant, User
from merchants.selectors import region_subtree_codes


def membership_role(user: User, merchant: Merchant) -> str | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, merchant=merchant)
        .values_list("role", flat=True)
        .first()
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
    return (
        user.is_regulator
        and user.can_review
        and declaration.merchant.region_id in region_subtree_codes(user.region)
    )
