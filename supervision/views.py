"""The cockpit page and the downloads of its tables (CSV and XLSX)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from common.csv import csv_response
from common.pages import only_for
from common.xlsx import xlsx_response
from supervision.permissions import sees_cockpit
from supervision.selectors.figures import (
    TABLES,
    DashboardPage,
    place_for,
    plain,
    refreshed_at,
    table_for,
)

cockpit_only = only_for(sees_cockpit)


@cockpit_only
def dashboard(request: HttpRequest) -> HttpResponse:
    place = place_for(user=request.user, code=request.GET.get("region"))
    stamp = refreshed_at()
    return render(
        request,
        "supervision/dashboard.html",
        {"place": place, "page": DashboardPage(place, stamp=stamp), "refreshed_at": stamp},
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
    rows = [[plain(value) for value in row] for row in table.rows]
    stamp = timezone.localdate().isoformat()
    filename = f"supervision-{key}-{place.region.code}-{stamp}.{fmt}"
    if fmt == "csv":
        return csv_response(header, rows, filename=filename)
    return xlsx_response(header, rows, filename=filename, title=str(table.title))
