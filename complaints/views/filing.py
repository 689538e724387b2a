"""Coordinators and hotline operators file complaints for callers from their own desk (the
channel chosen on the form; a coordinator at a liaison station also names the station, one they
serve), then follow what they filed: a list and a read-only page each. Only what they filed
themselves: any other complaint is a 404 here."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from common.pages import only_for
from complaints.forms.filing import CallerComplaintForm
from complaints.permissions import files_for_callers
from complaints.selectors import complaints as selectors
from complaints.views.public import complaint_intake_page
from merchants.selectors import station_list_for_coordinator

PAGE_SIZE = 50


@only_for(files_for_callers)
def complaint_file(request: HttpRequest) -> HttpResponse:
    user = request.user
    return complaint_intake_page(
        request,
        page_url=reverse("complaint-file"),
        lodged_by=user,
        channel=None,
        form_class=CallerComplaintForm,
        form_kwargs={
            "stations": station_list_for_coordinator(user=user) if user.is_coordinator else None
        },
    )


@only_for(files_for_callers)
def complaint_filed_list(request: HttpRequest) -> HttpResponse:
    complaints = selectors.complaints_filed_by(user=request.user)
    page = Paginator(complaints, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/filing/list.html", {"page": page})


@only_for(files_for_callers)
def complaint_filed_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_filed_by_get(user=request.user, pk=pk)
    return render(
        request,
        "complaints/filing/detail.html",
        {
            "complaint": complaint,
            "is_new": request.GET.get("new") == "1",
            "track_url": request.build_absolute_uri(
                reverse("complaint-track", args=[complaint.tracking_token])
            ),
        },
    )
