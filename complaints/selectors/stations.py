"""Complaints lodged at village liaison stations (DESIGN.md "Village liaison stations"): they count
for the station. The regulators' station pages (merchants) show the counts through
merchants.signals.station_columns_collecting; the station's complaints are listed here."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint
from complaints.permissions import is_complaint_handler
from merchants.models import Station, User
from merchants.signals import StationColumn


@dataclass(frozen=True)
class StationComplaintCounts:
    this_year: int
    total: int
    url: str | None  # the station's complaints, for those who handle complaints


def _year_start(today: date) -> datetime:
    return timezone.make_aware(datetime(today.year, 1, 1))


def station_complaint_counts(
    *, station_ids: list[int], today: date | None = None
) -> dict[int, tuple[int, int]]:
    """Per station: the complaints lodged there this (local) year and in all, whatever became
    of them; one query for the whole page. Stations without any are left out."""
    since = _year_start(today or timezone.localdate())
    rows = (
        Complaint.objects.filter(station_id__in=station_ids)
        .values("station_id")
        .annotate(this_year=Count("pk", filter=Q(created_at__gte=since)), total=Count("pk"))
        .order_by()
    )
    return {row["station_id"]: (row["this_year"], row["total"]) for row in rows}


def station_complaint_column(*, stations: list[Station], user: User) -> StationColumn:
    """The station pages' column of complaints lodged (this year, in all), each linked to the
    station's list for complaint handlers."""
    counts = station_complaint_counts(station_ids=[station.pk for station in stations])
    handler = is_complaint_handler(user)
    values: dict[int, Any] = {}
    for station in stations:
        this_year, total = counts.get(station.pk, (0, 0))
        url = reverse("complaint-station", args=[station.pk]) if handler else None
        values[station.pk] = StationComplaintCounts(this_year=this_year, total=total, url=url)
    return StationColumn(
        heading=_("Complaints lodged"),
        template="complaints/stations/_count_cell.html",
        values=values,
    )


def station_complaint_list(*, station: Station) -> QuerySet[Complaint]:
    """The complaints lodged at the station, newest first (the station's own list: whoever
    reaches the station sees them, without the callers' contacts)."""
    return Complaint.objects.filter(station=station).select_related(
        "merchant", "region", "lodged_by"
    )
