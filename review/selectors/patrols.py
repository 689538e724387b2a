"""Reads of the unscheduled visits, scoped: a coordinator sees the visits they recorded; a
regulator those of their region and below; an admin every one; nobody else any (the merchant's
people never see them)."""

from datetime import date

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from merchants.models import Merchant, Station, User
from merchants.selectors import subtree_q
from review.models import Patrol

PATROL_PAGE_SIZE = 25


def patrol_list(*, user: User) -> QuerySet[Patrol]:
    qs = Patrol.objects.select_related(
        "region", "region__parent", "station", "merchant", "recorded_by"
    ).prefetch_related("photos")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_platform_admin:
        return qs
    if user.is_coordinator:
        return qs.filter(recorded_by=user)
    if user.is_regulator:
        return qs.filter(subtree_q(user.region))
    return qs.none()


def patrol_get(*, user: User, pk: int) -> Patrol:
    return get_object_or_404(patrol_list(user=user), pk=pk)


def patrol_filter(
    qs: QuerySet[Patrol],
    *,
    county: str = "",
    station: int | None = None,
    merchant: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Patrol]:
    """The list narrowed by the filters of the regulators' page and the API."""
    if county:
        qs = qs.filter(region_id=county)
    if station is not None:
        qs = qs.filter(station_id=station)
    if merchant is not None:
        qs = qs.filter(merchant_id=merchant)
    if date_from is not None:
        qs = qs.filter(visited_on__gte=date_from)
    if date_to is not None:
        qs = qs.filter(visited_on__lte=date_to)
    return qs


def patrol_station_choices(*, user: User) -> QuerySet[Station]:
    """The stations a visit list may be filtered by: those of the user's reach."""
    qs = Station.objects.select_related("region").order_by("region_id", "name")
    if user.is_platform_admin:
        return qs
    if user.is_coordinator:
        return qs.filter(patrols__recorded_by=user).distinct()
    if user.is_regulator:
        return qs.filter(subtree_q(user.region))
    return qs.none()


def patrol_merchant_choices(*, user: User) -> QuerySet[Merchant]:
    """The registered merchants a coordinator may name on a visit: those of their county."""
    if not user.is_coordinator:
        return Merchant.objects.none()
    return Merchant.objects.filter(region_id=user.region_id).order_by("name", "pk")


def patrol_list_for_merchant(*, merchant: Merchant) -> QuerySet[Patrol]:
    """A merchant's visits, for the regulators' pages and copy of its history (never its
    people's)."""
    return (
        Patrol.objects.filter(merchant=merchant)
        .select_related("station", "recorded_by")
        .prefetch_related("photos")
    )
