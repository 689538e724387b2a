"""Unscheduled visits (巡查): a coordinator logs one and lists their own; regulators list those of
their region with filters and read each one. A visit outside the asker's reach is a 404; the
merchant's people never reach these pages."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.pages import only_for, show_domain_error
from common.uploads import attachment_response
from merchants.selectors import county_list, station_list_for_coordinator
from review.forms.patrols import PatrolFilterForm, PatrolForm
from review.permissions import records_patrols, sees_patrols
from review.selectors import patrols as selectors
from review.services import patrols as patrol_services

patrol_staff_required = only_for(sees_patrols)
coordinator_required = only_for(records_patrols)


@patrol_staff_required
def patrol_list(request: HttpRequest) -> HttpResponse:
    """A coordinator's own visits; a regulator's region's, filtered by county, station, date."""
    user = request.user
    patrols = selectors.patrol_list(user=user)
    form = PatrolFilterForm(
        request.GET or None,
        counties=county_list(user=user),
        stations=selectors.patrol_station_choices(user=user),
    )
    if form.is_valid():
        data = form.cleaned_data
        patrols = selectors.patrol_filter(
            patrols,
            county=data["county"].code if data["county"] else "",
            station=data["station"].pk if data["station"] else None,
            merchant=data["merchant"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    page = Paginator(patrols, selectors.PATROL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "review/patrols/list.html",
        {"form": form, "page": page, "may_record": records_patrols(user)},
    )


@coordinator_required
def patrol_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = PatrolForm(
        request.POST or None,
        request.FILES or None,
        stations=station_list_for_coordinator(user=user),
        merchants=selectors.patrol_merchant_choices(user=user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            patrol = patrol_services.patrol_record(actor=user, **form.cleaned_data)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("The visit is recorded."))
            return redirect("patrol-detail", pk=patrol.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "review/patrols/form.html", {"form": form}, status=status)


@patrol_staff_required
def patrol_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patrol = selectors.patrol_get(user=request.user, pk=pk)
    return render(request, "review/patrols/detail.html", {"patrol": patrol})


@patrol_staff_required
def patrol_photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    patrol = selectors.patrol_get(user=request.user, pk=pk)
    photo = get_object_or_404(patrol.photos.all(), pk=photo_pk)
    return attachment_response(
        photo.file, filename=photo.original_name, content_type=photo.content_type
    )
