"""Who may act in review: the declaration queues and quality control (campaigns, inspections).

Regional reach is merchants.permissions.reaches; seeing is scoped by the selectors, which use
these same functions, as do the pages (only_for), the API (the classes below) and the services.
"""

from typing import Any

from common.api import NotFoundUnless
from merchants.models import Membership, Region, User
from merchants.permissions import is_merchant_operator, reaches
from review.models import Inspection, InspectionAssignment

# The declaration queues ----------------------------------------------------------------------


def is_reviewer(user: Any) -> bool:
    """Who has review queues at all: reviewers bound to a region, and platform admins."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_platform_admin or (user.is_regulator and user.can_review)


# Quality control -----------------------------------------------------------------------------


def sees_campaigns(user: Any) -> bool:
    """Campaign pages: regulators (of the campaign's region and above, by the selector), admins."""
    return (
        user.is_authenticated and user.is_active and (user.is_regulator or user.is_platform_admin)
    )


def can_supervise(user: Any, region: Region | None = None) -> bool:
    """Define, draw and close campaigns: supervisors, for their own region and below."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_platform_admin:
        return True
    if not (user.is_regulator and user.can_supervise):
        return False
    return region is None or reaches(user, region.code)


def is_inspector(user: Any) -> bool:
    """Who may be drawn for visits: regulators with the inspector capability, coordinators."""
    return (
        user.is_authenticated
        and user.is_active
        and ((user.is_regulator and user.can_inspect) or user.is_coordinator)
    )


def is_inspection_staff(user: Any) -> bool:
    """Who sees the inspection authority's pages: regulators, coordinators, admins."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_regulator or user.is_coordinator or user.is_platform_admin)
    )


def has_assignments_page(user: Any) -> bool:
    """Inspectors, and anyone who was ever drawn for a visit (their past visits stay listed)."""
    return is_inspector(user) or (
        user.is_authenticated and InspectionAssignment.objects.filter(inspector=user).exists()
    )


def is_assigned(user: Any, inspection: Inspection) -> bool:
    """Record the visit and decide on rectifications: the inspectors assigned to it. Uses the
    inspection's prefetched assignments when the page loaded them."""
    return user.is_authenticated and any(
        a.inspector_id == user.pk for a in inspection.assignments.all()
    )


def can_rectify(user: User, inspection: Inspection) -> bool:
    """Report a rectification: anyone working for the inspected merchant."""
    return user.is_authenticated and (
        Membership.objects.filter(user=user, merchant_id=inspection.merchant_id).exists()
    )


# Unscheduled visits (巡查) -------------------------------------------------------------------


def records_patrols(user: Any) -> bool:
    """Log unscheduled visits: coordinators bound to their county."""
    return user.is_authenticated and user.is_active and user.is_coordinator


def sees_patrols(user: Any) -> bool:
    """The visits' pages: coordinators (their own), regulators (their region's), admins."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_coordinator or user.is_regulator or user.is_platform_admin)
    )


# The API's counterparts: to anyone else the endpoints do not exist (404). -------------------


class IsReviewer(NotFoundUnless):
    def allows(self, user: Any) -> bool:
        return is_reviewer(user)


class SeesCampaigns(NotFoundUnless):
    def allows(self, user: Any) -> bool:
        return sees_campaigns(user)


class IsInspectionStaff(NotFoundUnless):
    def allows(self, user: Any) -> bool:
        return is_inspection_staff(user)


class IsMerchantOperator(NotFoundUnless):
    def allows(self, user: Any) -> bool:
        return is_merchant_operator(user)


class SeesPatrols(NotFoundUnless):
    def allows(self, user: Any) -> bool:
        return sees_patrols(user)
