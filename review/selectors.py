"""Reads shared by the review pages and the review API: the queues, their counts, one declaration.

Scope comes from merchants.selectors.declaration_list (the regulator's region subtree); on top of
it only reviewers (regulators with the reviewer capability, and platform admins) see anything.
"""

import logging
import operator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce
from typing import Any

from django.db import models
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merchants.models import Declaration, Membership, Merchant, Region, Scheme, User
from merchants.models import DeclarationState as S
from merchants.selectors import declaration_get, declaration_list, region_subtree_codes
from review.models import (
    Campaign,
    Inspection,
    InspectionAssignment,
    InspectionEvent,
    InspectionMethod,
    InspectionState,
    Rectification,
)
from review.services.campaigns import DRAW_ALGORITHM

logger = logging.getLogger(__name__)

QUEUE_PAGE_SIZE = 50
DECIDED_WINDOW_DAYS = 90
# States in which a review deadline runs.
OPEN_REVIEW_STATES = (S.PENDING_REVIEW, S.UNDER_REVIEW)


class QueueTab(models.TextChoices):
    PENDING = "pending", _("Pending review")
    MINE = "mine", _("Claimed by me")
    CLAIMED = "claimed", _("Claimed by others")
    RETURNED = "returned", _("Returned to merchant")
    OVERDUE = "overdue", _("Overdue")
    DECIDED = "decided", _("Decided")


@dataclass(frozen=True)
class QueueFilters:
    scheme: Scheme | None = None
    # A county, or a city for all its counties; always inside the user's subtree (checked by the
    # form or serializer that built the filters, and harmless otherwise: scope is applied first).
    region: Region | None = None
    flagged: bool | None = None
    overdue: bool = False


def is_reviewer(user: User) -> bool:
    """Who has review queues at all: reviewers bound to a region, and platform admins."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_platform_admin or (user.is_regulator and user.can_review)


def review_declaration_list(*, user: User) -> QuerySet[Declaration]:
    """Declarations the user may review: their region's subtree, nothing for non-reviewers."""
    qs = declaration_list(user=user)
    return qs if is_reviewer(user) else qs.none()


def review_declaration_get(*, user: User, pk: int) -> Declaration:
    if not is_reviewer(user):
        raise Http404
    return declaration_get(user=user, pk=pk)


def overdue_q(today: date) -> Q:
    """Late and still open: marked by the sweep, or past its due date since the last sweep."""
    return Q(state__in=OPEN_REVIEW_STATES) & (Q(is_overdue=True) | Q(review_due__lt=today))


def is_late(declaration: Declaration, today: date) -> bool:
    """The row-level twin of overdue_q, for one declaration already loaded."""
    return declaration.state in OPEN_REVIEW_STATES and (
        declaration.is_overdue
        or (declaration.review_due is not None and declaration.review_due < today)
    )


def _tab_q(tab: str, *, user: User, today: date) -> Q:
    if tab == QueueTab.PENDING:
        return Q(state=S.PENDING_REVIEW)
    if tab == QueueTab.MINE:
        return Q(state=S.UNDER_REVIEW, reviewer=user)
    if tab == QueueTab.CLAIMED:
        return Q(state=S.UNDER_REVIEW) & ~Q(reviewer=user)
    if tab == QueueTab.RETURNED:
        return Q(state=S.RETURNED)
    if tab == QueueTab.OVERDUE:
        return overdue_q(today)
    if tab == QueueTab.DECIDED:
        since = timezone.now() - timedelta(days=DECIDED_WINDOW_DAYS)
        return Q(state__in=(S.APPROVED, S.REJECTED), decided_at__gte=since)
    raise ValueError(f"unknown queue tab {tab!r}")


def _filter(qs: QuerySet[Declaration], filters: QueueFilters, today: date) -> QuerySet:
    if filters.scheme is not None:
        qs = qs.filter(scheme=filters.scheme)
    if filters.region is not None:
        if filters.region.level == Region.Level.COUNTY:
            qs = qs.filter(merchant__region_id=filters.region.code)
        else:
            qs = qs.filter(merchant__region_id__in=region_subtree_codes(filters.region))
    if filters.flagged is not None:
        qs = qs.filter(flagged=filters.flagged)
    if filters.overdue:
        qs = qs.filter(overdue_q(today))
    return qs


def review_queue(
    *,
    user: User,
    tab: str,
    filters: QueueFilters | None = None,
    today: date | None = None,
) -> QuerySet[Declaration]:
    """One tab of the queue, deadline first (decided: most recent first).

    Each row carries `late`: open and past its deadline.
    """
    today = today or timezone.localdate()
    qs = _filter(review_declaration_list(user=user), filters or QueueFilters(), today)
    qs = (
        qs.filter(_tab_q(tab, user=user, today=today))
        .select_related("merchant", "merchant__region", "scheme", "reviewer")
        .annotate(late=ExpressionWrapper(overdue_q(today), output_field=BooleanField()))
    )
    if tab == QueueTab.DECIDED:
        return qs.order_by("-decided_at", "-id")
    return qs.order_by(models.F("review_due").asc(nulls_last=True), "id")


def review_queue_counts(
    *, user: User, filters: QueueFilters | None = None, today: date | None = None
) -> dict[str, int]:
    """The number of declarations in every tab, under the same filters, in one query."""
    today = today or timezone.localdate()
    tabs = {tab: _tab_q(tab, user=user, today=today) for tab in QueueTab.values}
    qs = _filter(review_declaration_list(user=user), filters or QueueFilters(), today)
    # Read only rows that belong to some tab: drafts and old decisions are never scanned for.
    qs = qs.filter(reduce(operator.or_, tabs.values()))
    # COUNT(state), not COUNT(id): a covering index on the filtered columns can answer it.
    counts = qs.aggregate(**{tab: Count("state", filter=q) for tab, q in tabs.items()})
    return {tab: counts[tab] or 0 for tab in QueueTab.values}


def review_counties(*, user: User) -> list[Region]:
    """The counties a reviewer may filter by: those of their subtree (all, for admins)."""
    counties = Region.objects.select_related("parent").filter(level=Region.Level.COUNTY)
    if not user.is_platform_admin:
        counties = counties.filter(code__startswith=user.region.prefix)
    return list(counties)


def review_region_in_scope(*, user: User, code: str) -> Region | None:
    """A county or city of the user's subtree, by code; None when it is not theirs."""
    region = Region.objects.filter(code=code).select_related("parent").first()
    if region is None or region.level == Region.Level.PROVINCE:
        return None
    if user.is_platform_admin or region.code.startswith(user.region.prefix):
        return region
    return None


def merchant_declaration_history(*, declaration: Declaration) -> QuerySet[Declaration]:
    """The merchant's other declarations, newest first."""
    return (
        Declaration.objects.filter(merchant_id=declaration.merchant_id)
        .exclude(pk=declaration.pk)
        .select_related("scheme", "reviewer")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class RegistryData:
    """The enterprise registry's record of a merchant, as the review page shows it.

    `available` is False when no registry source is configured or it could not be reached;
    `entity` is None when the registry holds no record for the code.
    """

    available: bool
    entity: Any = None


def merchant_registry_data(*, merchant: Merchant) -> RegistryData:
    try:
        from merchants.sources import SourceUnavailable, get_source
    except ImportError:  # no external-data sources in this deployment
        return RegistryData(available=False)
    try:
        entity = get_source("registry").entity(merchant.uscc)
    except SourceUnavailable:
        logger.warning("registry unavailable for the review page of %s", merchant.uscc)
        return RegistryData(available=False)
    return RegistryData(available=True, entity=entity)


# Quality control: campaigns and inspections ---------------------------------------------------

OPEN_INSPECTION_STATES = (
    InspectionState.SCHEDULED,
    InspectionState.RECTIFYING,
    InspectionState.RECTIFICATION_SUBMITTED,
)
PUBLIC_RECORD_DAYS = 365


def _in_subtree(user: User, field: str) -> Q:
    return Q(**{f"{field}__in": region_subtree_codes(user.region)})


def campaign_list(*, user: User) -> QuerySet[Campaign]:
    """Admins see every campaign; regulators those for their region and below."""
    qs = Campaign.objects.select_related("region", "checklist", "created_by").prefetch_related(
        "schemes"
    )
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_platform_admin:
        return qs
    if user.is_regulator:
        return qs.filter(_in_subtree(user, "region_id"))
    return qs.none()


def campaign_get(*, user: User, pk: int) -> Campaign:
    return get_object_or_404(campaign_list(user=user), pk=pk)


def assignments_prefetch() -> Prefetch:
    """An inspection's assignments with their inspectors, in one query for a page."""
    return Prefetch(
        "assignments", queryset=InspectionAssignment.objects.select_related("inspector")
    )


def campaign_visits(campaign: Campaign) -> QuerySet[Inspection]:
    """The campaign's visits in the order drawn, with merchant, county and inspectors."""
    return (
        campaign.inspections.select_related("merchant", "region")
        .prefetch_related(assignments_prefetch())
        .order_by("draw_order")
    )


def inspection_list(*, user: User) -> QuerySet[Inspection]:
    """Regulators: inspections in their region subtree. Coordinators: those assigned to them.
    Merchant operators: their merchants' inspections, except covert visits not yet recorded."""
    qs = Inspection.objects.select_related("campaign", "merchant", "region")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_platform_admin:
        return qs
    if user.is_regulator:
        return qs.filter(_in_subtree(user, "region_id"))
    if user.is_coordinator:
        return qs.filter(assignments__inspector=user)
    return merchant_inspection_list(user=user)


def inspection_get(*, user: User, pk: int) -> Inspection:
    return get_object_or_404(_with_inspection_detail(inspection_list(user=user)), pk=pk)


def _with_inspection_detail(qs: QuerySet[Inspection]) -> QuerySet[Inspection]:
    return qs.select_related("recorded_by", "campaign__region").prefetch_related(
        assignments_prefetch(),
        Prefetch("events", queryset=InspectionEvent.objects.select_related("actor")),
        Prefetch(
            "rectifications",
            queryset=Rectification.objects.select_related("submitted_by", "decided_by"),
        ),
        "files",
    )


def inspector_assignment_list(*, user: User) -> QuerySet[Inspection]:
    """The visits the user is assigned to: open ones first, earliest due first."""
    if not user.is_authenticated or not user.is_active:
        return Inspection.objects.none()
    return (
        Inspection.objects.filter(assignments__inspector=user)
        .select_related("campaign", "merchant", "region")
        .annotate(
            is_open=models.Case(
                models.When(state__in=OPEN_INSPECTION_STATES, then=True),
                default=False,
                output_field=BooleanField(),
            )
        )
        .order_by("-is_open", "due_date", "draw_order", "pk")
    )


def inspector_assignment_get(*, user: User, pk: int) -> Inspection:
    return get_object_or_404(_with_inspection_detail(inspector_assignment_list(user=user)), pk=pk)


def merchant_inspection_list(*, user: User) -> QuerySet[Inspection]:
    """Inspections of the merchants the user works for. A covert visit stays hidden until the
    inspector has recorded it; a covert visit cancelled before it took place is never shown."""
    if not user.is_authenticated or not user.is_active:
        return Inspection.objects.none()
    return (
        Inspection.objects.filter(
            merchant_id__in=Membership.objects.filter(user=user).values("merchant_id")
        )
        .exclude(method=InspectionMethod.COVERT, visited_at__isnull=True)
        .select_related("campaign", "merchant", "region")
        .order_by("-due_date", "-pk")
    )


def merchant_inspection_get(*, user: User, pk: int) -> Inspection:
    return get_object_or_404(_with_inspection_detail(merchant_inspection_list(user=user)), pk=pk)


def public_inspection_record(
    *, merchant_id: int, today: date | None = None
) -> QuerySet[Inspection]:
    """The supervision record on the public page: visits recorded in the last 12 months, with
    their date, method and result only (no notes, findings, inspectors or photos)."""
    today = today or timezone.localdate()
    since = today - timedelta(days=PUBLIC_RECORD_DAYS)
    return (
        Inspection.objects.filter(
            merchant_id=merchant_id, visited_at__isnull=False, visited_at__date__gte=since
        )
        .exclude(state=InspectionState.CANCELLED)
        .only("pk", "merchant_id", "method", "result", "state", "visited_at", "closed_at")
        .order_by("-visited_at", "-pk")
    )


def campaign_overview(*, user: User) -> QuerySet[Campaign]:
    """The campaign list page: each campaign with its number of visits and of visits recorded."""
    return (
        campaign_list(user=user)
        .annotate(
            visit_count=Count("inspections", distinct=True),
            recorded_count=Count(
                "inspections", filter=Q(inspections__visited_at__isnull=False), distinct=True
            ),
        )
        .order_by("-created_at", "-id")
    )


def campaign_progress(campaign: Campaign) -> dict[str, int]:
    """The number of the campaign's visits in every inspection state, in one query."""
    counts = campaign.inspections.aggregate(
        **{state: Count("pk", filter=Q(state=state)) for state in InspectionState.values}
    )
    return {state: counts[state] or 0 for state in InspectionState.values}


def campaign_region_choices(*, user: User) -> QuerySet[Region]:
    """The regions a supervisor may define a campaign for: their own region and below."""
    qs = Region.objects.select_related("parent").order_by("code")
    if user.is_platform_admin:
        return qs
    if not user.is_authenticated or user.region_id is None:
        return qs.none()
    return qs.filter(code__startswith=user.region.prefix)


def campaign_draw_export(campaign: Campaign) -> dict[str, Any]:
    """Everything needed to re-run the published draw: seed, population, pool, the visits."""
    visits = []
    for inspection in (
        campaign.inspections.select_related("merchant")
        .prefetch_related(
            Prefetch(
                "assignments", queryset=InspectionAssignment.objects.order_by("-is_lead", "pk")
            )
        )
        .order_by("draw_order")
    ):
        visits.append(
            {
                "order": inspection.draw_order,
                "merchant_id": inspection.merchant_id,
                "merchant_uscc": inspection.merchant.uscc,
                "merchant_name": inspection.merchant.name,
                "county": inspection.region_id,
                "inspector_ids": [a.inspector_id for a in inspection.assignments.all()],
                "state": inspection.state,
                "result": inspection.result,
            }
        )
    return {
        "campaign": campaign.pk,
        "name": campaign.name,
        "region": campaign.region_id,
        "method": campaign.method,
        "algorithm": DRAW_ALGORITHM,
        "seed": campaign.seed,
        "sample_size": campaign.sample_size,
        "sample_ratio": str(campaign.sample_ratio) if campaign.sample_ratio is not None else None,
        "inspectors_per_visit": campaign.inspectors_per_visit,
        "is_cross": campaign.is_cross,
        "exclude_recent_days": campaign.exclude_recent_days,
        "drawn_at": campaign.drawn_at.isoformat() if campaign.drawn_at else None,
        "population_count": campaign.population_count,
        "population_digest": campaign.population_digest,
        "population": list(campaign.population),
        "inspector_pool": {county: list(ids) for county, ids in campaign.inspector_pool.items()},
        "visits": visits,
    }


def inspection_file_get(*, inspection: Inspection, pk: int, staff: bool) -> Any:
    """One file of an inspection already fetched in the user's reach. Photos are for the inspection
    authority only (`staff`); rectification evidence also for the merchant's people."""
    files = inspection.files.all()
    if not staff:
        files = files.filter(kind="rectification")
    return get_object_or_404(files, pk=pk)


def is_inspection_staff(user: User) -> bool:
    """Who sees the inspection authority's pages: regulators, coordinators, admins."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_regulator or user.is_coordinator or user.is_platform_admin)
    )


def inspection_staff_list(*, user: User) -> QuerySet[Inspection]:
    """Inspections on the inspection authority's pages: those of the regulator's region subtree,
    and those the user is assigned to (a cross-inspector comes from another county)."""
    qs = Inspection.objects.select_related("campaign", "merchant", "region")
    if not is_inspection_staff(user):
        return qs.none()
    if user.is_platform_admin:
        return qs
    assigned = Exists(
        InspectionAssignment.objects.filter(inspection=OuterRef("pk"), inspector=user)
    )
    if user.is_regulator:
        return qs.filter(_in_subtree(user, "region_id") | Q(assigned))
    return qs.filter(assigned)


def inspection_staff_get(*, user: User, pk: int) -> Inspection:
    return get_object_or_404(_with_inspection_detail(inspection_staff_list(user=user)), pk=pk)


def has_assignments(user: User) -> bool:
    return user.is_authenticated and InspectionAssignment.objects.filter(inspector=user).exists()
