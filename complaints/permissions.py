"""Who may act on complaints and disclosures: the one home of these rules, used by the pages,
the API and the services alike. Seeing is scoped by the selectors; these decide acting.

Regional reach is merchants.permissions.reaches, and who has the merchant's desk is
merchants.permissions.is_merchant_operator; capabilities are checked on top of them.
"""

from typing import Any

from complaints.models import Complaint, ComplaintEvent
from merchants.models import Membership, User
from merchants.permissions import reaches


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
    """Is one of the merchant's people (any role)."""
    return (
        merchant_id is not None
        and user.is_authenticated
        and Membership.objects.filter(user=user, merchant_id=merchant_id).exists()
    )


def can_answer(user: Any, complaint: Complaint) -> bool:
    """Proposes a settlement or disputes: the people of the merchant complained about."""
    return works_for(user, complaint.merchant_id)


def sees_full_contact(user: Any, complaint: Complaint) -> bool:
    """Regulators, coordinators, admins and the complainant see the contact; merchants never.

    Decided per complaint: a merchant's person may also hold a consumer account.
    """
    return (
        user.is_platform_admin
        or user.role in (User.Role.REGULATOR, User.Role.COORDINATOR)
        or (complaint.consumer_id is not None and complaint.consumer_id == user.pk)
    )


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
