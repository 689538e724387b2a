"""Who may act on complaints and disclosures: the one home of these rules, used by the pages,
the API and the services alike. Seeing is scoped by the selectors; these decide acting.

Regional reach is merchants.permissions.reaches, and who has the merchant's desk is
merchants.permissions.is_merchant_operator; capabilities are checked on top of them.
"""

from collections.abc import Callable
from functools import cache
from typing import Any

from complaints.models import Complaint, ComplaintEvent
from merchants.models import Membership, User
from merchants.permissions import reaches
from merchants.permissions import works_for as merchants_works_for


def is_complaint_handler(user: Any) -> bool:
    """Works the regulator's complaint queue: a platform admin, or a regulator with the
    complaint-handler capability."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_platform_admin or (user.is_regulator and user.can_handle_complaints)


def can_handle(user: Any, complaint: Complaint) -> bool:
    """Decides and mediates this complaint: a handler whose region contains it, or an admin."""
    return is_complaint_handler(user) and reaches(user, complaint.region_id)


def works_for(user: Any, merchant_id: int | None) -> bool:
    """Is one of the merchant's people (any role) — never a regulator (merchants' rule)."""
    return user.is_authenticated and merchants_works_for(user, merchant_id)


def can_answer(user: Any, complaint: Complaint) -> bool:
    """Proposes a settlement or disputes: the people of the merchant complained about."""
    return works_for(user, complaint.merchant_id)


def may_hold_complaints(user: Any) -> bool:
    """Has complaints in an account (lodged signed in, or attached from the tracking link): a
    consumer account that works for no merchant. Anyone else follows a complaint by its link."""
    return (
        user is not None
        and user.is_authenticated
        and user.role == User.Role.CONSUMER
        and not Membership.objects.filter(user=user).exists()
    )


def files_for_callers(user: Any) -> bool:
    """Files complaints for callers from their own desk, with the channel they came by: a
    coordinator (at a liaison station or on a visit), a regulator (the 12315 hotline is the
    regulator's, so its operators are regulator accounts) or a platform admin."""
    return (
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_platform_admin or user.is_regulator or user.is_coordinator)
    )


def sees_contacts_by_role(user: Any) -> bool:
    """Regulators, coordinators and admins see the contact of every complaint they reach."""
    return user.is_authenticated and (
        user.is_platform_admin or user.role in (User.Role.REGULATOR, User.Role.COORDINATOR)
    )


def full_contact_rule(user: Any) -> Callable[[Complaint], bool]:
    """`sees_full_contact` for one viewer and many complaints (an export): the account is
    looked up once, not once a row."""
    if not user.is_authenticated:
        return lambda complaint: False
    if sees_contacts_by_role(user):
        return lambda complaint: True
    holds = cache(lambda: may_hold_complaints(user))
    return lambda complaint: (
        complaint.consumer_id is not None and complaint.consumer_id == user.pk and holds()
    )


def sees_full_contact(user: Any, complaint: Complaint) -> bool:
    """Regulators, coordinators, admins and the complainant's consumer account see the contact;
    a merchant's people never, whatever account the complaint is attached to.

    Decided by role, never by holding the tracking link: a complaint attached to an account
    shows the contact only to a consumer account that works for no merchant.
    """
    return full_contact_rule(user)(complaint)


def message_role(user: Any, complaint: Complaint) -> str | None:
    """The side a signed-in user writes on the timeline for: its handler, the merchant's people,
    or the complainant's account; None for anyone else."""
    if can_handle(user, complaint):
        return ComplaintEvent.Role.REGULATOR
    if can_answer(user, complaint):
        return ComplaintEvent.Role.MERCHANT
    if complaint.consumer_id is not None and complaint.consumer_id == user.pk:
        return ComplaintEvent.Role.CONSUMER
    return None


def reads_disclosure_flags(user: Any) -> bool:
    """Reads the merchants' objections to figures before publication: regulators and admins."""
    return user.is_authenticated and (user.is_regulator or user.is_platform_admin)


def decides_disclosure_flags(user: Any, region_code: str) -> bool:
    """Decides on a merchant's flag: the regulators who reach its county, and admins."""
    return reads_disclosure_flags(user) and (user.is_platform_admin or reaches(user, region_code))
