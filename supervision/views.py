"""The cockpit page and the downloads of its tables (CSV and XLSX)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from common.csv import csv_response
from common.pages import only_for
from common.xlsx import xlsx_response
from supervision.permissions import sees_cockpit
from supervision.selectors.figures import (
    HEADLINE_KINDS,
    TABLES,
    dashboard_tables,
    place_for,
    refreshed_at,
    table_for,
)

cockpit_only = only_for(sees_cockpit)

# The headline figures shown as cards above the charts.
CARDS = (
    "merchants",
    "in_programme",
    "complaints_received",
    "resolution_rate",
    "median_close_days",
    "satisfaction",
    "money_returned",
    "inspections_done",
    "inspection_fail_rate",
    "declarations_pending",
    "declarations_overdue",
    "coordinators",
)


@cockpit_only
def dashboard(request: HttpRequest) -> HttpResponse:
    place = place_for(user=request.user, code=request.GET.get("region"))
    tables = dashboard_tables(place)
    headline = {row[0]: row for row in tables["headline"].rows}
    return render(
        request,
        "supervision/dashboard.html",
        {
            "place": place,
            "tables": tables,
            "charts": [tables[key] for key in TABLES if key != "headline"],
            "cards": [
                (headline[key][1], headline[key][2], HEADLINE_KINDS.get(key, "int"))
                for key in CARDS
            ],
            "refreshed_at": refreshed_at(),
        },
    )


@cockpit_only
def download(request: HttpRequest) -> HttpResponse:
    """One table of the page, as it is shown: ?table=trends&format=xlsx&region=330100."""
    place = place_for(user=request.user, code=request.GET.get("region"))
    key = request.GET.get("table", "regions")
    fmt = request.GET.get("format", "csv")
    if key not in TABLES or fmt not in ("csv", "xlsx"):
        raise Http404
    table = table_for(place, key)
    header = [str(column.label) for column in table.columns]
    rows = [[_plain(value) for value in row] for row in table.rows]
    stamp = timezone.localdate().isoformat()
    filename = f"supervision-{key}-{place.region.code}-{stamp}.{fmt}"
    if fmt == "csv":
        return csv_response(header, rows, filename=filename)
    return xlsx_response(header, rows, filename=filename, title=str(table.title))


def _plain(value: Any) -> Any:
    """Lazy texts as text; numbers as numbers."""
    if value is None or isinstance(value, int | float | str):
        return value
    if hasattr(value, "as_tuple"):  # Decimal
        return value
    return str(value)
