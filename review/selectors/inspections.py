"""Reads shared by the quality-control pages and API: campaigns, inspections, the public record.

Regulators see their region subtree; inspectors the visits they are assigned to; the merchant's
people their merchants' inspections (a covert visit once recorded). Who is who: review.permissions.
"""

from datetime import date, timedelta
from functools import partial
from typing import Any

from django.db import models
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from common.counts import COUNT_BOUND, bounded_count
from common.pages import PageKeys, merged_keys
from merchants.models import Membership, Region, User
from merchants.selectors import CODE_LENGTH, region_subtree, subtree_q
from review.models import (
    OPEN_INSPECTION_STATES,
    Campaign,
    Inspection,
    InspectionAssignment,
    InspectionEvent,
    InspectionMethod,
    InspectionState,
    Rectification,
)
from review.permissions import is_inspection_staff, sees_campaigns
from review.services.campaigns import DRAW_ALGORITHM

PUBLIC_RECORD_DAYS = 365
INSPECTION_PAGE_SIZE = 50


def campaign_list(*, user: User) -> QuerySet[Campaign]:
    """Admins see every campaign; regulators those for their region and below."""
    qs = Campaign.objects.select_related("region", "checklist", "created_by").prefetch_related(
        "schemes"
    )
    if not sees_campaigns(user):
        return qs.none()
    return qs if user.is_platform_admin else qs.filter(subtree_q(user.region))


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
        return qs.filter(subtree_q(user.region))
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
    """The visits the user is assigned to: open ones first, earliest due first. This is the
    order; a page's keys are read by inspector_assignment_keys, which gives the same order from
    indexes."""
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


def _open() -> QuerySet[Inspection]:
    """Every open visit, from `inspection_open_idx` alone: few beside the closed history."""
    return Inspection.objects.filter(state__in=OPEN_INSPECTION_STATES)


def _count(assignments: QuerySet[InspectionAssignment]) -> Coalesce:
    """COUNT(*) of one user's assignments, as a subquery (grouped on their one inspector)."""
    counted = assignments.order_by().values("inspector").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted), 0)


def inspector_assignment_counts(*, user: User) -> tuple[int, int]:
    """(all, open) of the visits inspector_assignment_list holds, in one statement: all from the
    assignments' inspector index alone (one assignment per visit and inspector), the open ones
    from those marked open (`assignment_open_idx`) that are open indeed."""
    if not user.is_authenticated or not user.is_active:
        return 0, 0
    mine = InspectionAssignment.objects.filter(inspector=user)
    opened = mine.filter(is_open=True, inspection__in=_open())
    return User.objects.filter(pk=user.pk).values_list(_count(mine), _count(opened)).get()


def inspector_assignment_keys(*, user: User, open_count: int, bottom: int, top: int) -> list[int]:
    """The keys of rows bottom..top of inspector_assignment_list, `open_count` of them open, in
    its order (due date, draw order, visit; copied on the assignments): the open part from the
    assignments marked open (`assignment_open_idx`), the rest walked in
    `assignment_inspector_due_idx` past the visits open, so a page reads about as many index
    entries as its position, never the whole list."""
    if not user.is_authenticated or not user.is_active:
        return []
    mine = InspectionAssignment.objects.filter(inspector=user).order_by(
        "due_date", "draw_order", "inspection_id"
    )
    keys: list[int] = []
    if bottom < open_count:
        opened = mine.filter(is_open=True, inspection__in=_open())
        keys += opened.values_list("inspection_id", flat=True)[bottom : min(top, open_count)]
    if top > open_count:
        closed = mine.exclude(inspection__in=_open())
        keys += closed.values_list("inspection_id", flat=True)[
            max(bottom - open_count, 0) : top - open_count
        ]
    return keys


def inspector_assignment_pages(*, user: User) -> tuple[int, PageKeys]:
    """What a page of inspector_assignment_list needs, for the page and the API alike: how many
    visits and the reader of a page's keys (KeysFirstPaginator's `keys`)."""
    count, open_count = inspector_assignment_counts(user=user)
    return count, partial(inspector_assignment_keys, user=user, open_count=open_count)


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
    *, merchant_id: int | OuterRef, today: date | None = None
) -> QuerySet[Inspection]:
    """The supervision record on the public page: visits recorded in the last 12 months, with
    their date, method and result only (no notes, findings, inspectors or photos). With
    `merchant_id=OuterRef(...)`, a subquery of the merchants' read."""
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


def _visits_counted(visits: QuerySet[Inspection]) -> Coalesce:
    """How many of a campaign's visits: a subquery per campaign of the page, counted in the
    index on the visits' campaign (not one join of every campaign's visits, grouped)."""
    counted = visits.order_by().values("campaign_id").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted[:1]), 0)


def campaign_overview(*, user: User) -> QuerySet[Campaign]:
    """The campaign list page: each campaign with its number of visits and of visits recorded."""
    visits = Inspection.objects.filter(campaign_id=OuterRef("pk"))
    return (
        campaign_list(user=user)
        .annotate(
            visit_count=_visits_counted(visits),
            recorded_count=_visits_counted(visits.filter(visited_at__isnull=False)),
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
    if user.is_platform_admin:
        regions = Region.objects.all()
    elif not user.is_authenticated or user.region_id is None:
        regions = Region.objects.none()
    else:
        regions = region_subtree(user.region)
    return regions.select_related("parent").order_by("code")


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
        return qs.filter(subtree_q(user.region) | Q(assigned))
    return qs.filter(assigned)


def _assigned_elsewhere(user: User) -> QuerySet:
    """(due date, key) of the visits assigned to the regulator outside their region, latest due
    first, from the assignments' copy of the county: two ranges of `assignment_region_idx`
    around the subtree's (one OR of them would be tested on every assignment of the user)."""
    low, high = (user.region.prefix.ljust(CODE_LENGTH, digit) for digit in "09")
    mine = (
        InspectionAssignment.objects.filter(inspector=user)
        .order_by()
        .values_list("due_date", "inspection_id")
    )
    return (
        mine.filter(region_id__lt=low)
        .union(mine.filter(region_id__gt=high), all=True)
        .order_by("-due_date", "-inspection_id")
    )


Keyed = list[tuple[date, int]]


def inspection_staff_count(*, user: User, bound: int = COUNT_BOUND) -> tuple[int, Keyed | None]:
    """How many inspections inspection_staff_list holds, read bounded (common.counts), and for
    a regulator the (due date, key) of those assigned to them outside their region when read:
    the region's counted from its index, then, unless past the bound already, those elsewhere
    read (at most bound + 1), instead of one walk that tests either part on every visit of the
    province. The keys go to inspection_staff_keys."""
    if not is_inspection_staff(user) or user.is_platform_admin or not user.is_regulator:
        return bounded_count(inspection_staff_list(user=user), bound), None
    count = bounded_count(Inspection.objects.filter(subtree_q(user.region)), bound)
    if count > bound:
        return count, None
    elsewhere = list(_assigned_elsewhere(user)[: bound + 1])
    return min(count + len(elsewhere), bound + 1), elsewhere


def inspection_staff_keys(
    *, user: User, elsewhere: Keyed | None, bottom: int, top: int
) -> list[int]:
    """The keys of rows bottom..top of a regulator's inspection_staff_list, latest due first:
    the region's visits walked in `inspection_due_idx` (the region tested in the index), merged
    with those assigned to them elsewhere (read here unless inspection_staff_count gave them),
    instead of testing every visit of the province against all their assignments."""
    region = (
        Inspection.objects.filter(subtree_q(user.region))
        .order_by("-due_date", "-pk")
        .values_list("due_date", "pk")
    )
    if elsewhere is None:
        elsewhere = list(_assigned_elsewhere(user)[:top])
    if not elsewhere:
        return [pk for _due, pk in region[bottom:top]]
    return merged_keys([region[:top], elsewhere], bottom=bottom, top=top)


def inspection_staff_pages(*, user: User) -> tuple[int, PageKeys | None]:
    """The staff list's bounded count and, for a regulator, the reader of a page's keys
    (inspection_staff_keys; anyone else's page is read in the list's own order)."""
    count, elsewhere = inspection_staff_count(user=user)
    if not user.is_regulator or user.is_platform_admin:
        return count, None
    return count, partial(inspection_staff_keys, user=user, elsewhere=elsewhere)


def inspection_staff_get(*, user: User, pk: int) -> Inspection:
    return get_object_or_404(_with_inspection_detail(inspection_staff_list(user=user)), pk=pk)
