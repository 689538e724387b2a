"""A liaison station's complaints, for the complaint handlers who reach the station's county:
the complaints coordinators lodged there (newest first), each opening in the queue when the
handler reaches the business's county. A station outside their reach is a 404."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from common.pages import only_for
from complaints.permissions import is_complaint_handler
from complaints.selectors import stations as selectors
from merchants import selectors as merchant_selectors
from merchants.permissions import reaches

PAGE_SIZE = 50


@only_for(is_complaint_handler)
def station_complaints(request: HttpRequest, pk: int) -> HttpResponse:
    station = merchant_selectors.station_get(user=request.user, pk=pk)
    complaints = selectors.station_complaint_list(station=station)
    page = Paginator(complaints, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(c, reaches(request.user, c.region_id)) for c in page.object_list]
    this_year, total = selectors.station_complaint_counts(station_ids=[station.pk]).get(
        station.pk, (0, 0)
    )
    return render(
        request,
        "complaints/stations/complaints.html",
        {"station": station, "page": page, "rows": rows, "this_year": this_year, "total": total},
    )
