"""The merchant's inspection pages: the inspections of your merchants and the rectification report.

Merchants see their own inspections without internal notes, photos or inspector identities; a
covert visit only once it is recorded. Anyone else gets a 404.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.errors import DomainError
from common.pages import only_for
from common.uploads import attachment_response
from merchants.permissions import is_merchant_operator
from review.forms.inspections import RectificationForm
from review.models import Inspection, InspectionState
from review.selectors import inspections as selectors
from review.services import inspections as inspection_services

merchant_operator_required = only_for(is_merchant_operator)


@merchant_operator_required
def merchant_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(
        selectors.merchant_inspection_list(user=request.user), selectors.INSPECTION_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "review/inspections/merchant_list.html", {"page": page})


def _merchant_page(
    request: HttpRequest,
    inspection: Inspection,
    *,
    form: RectificationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_rectify = inspection.state == InspectionState.RECTIFYING
    evidence: dict[int, list] = {}
    for f in inspection.files.all():
        if f.rectification_id:
            evidence.setdefault(f.rectification_id, []).append(f)
    return render(
        request,
        "review/inspections/merchant_detail.html",
        {
            "inspection": inspection,
            "can_rectify": can_rectify,
            "form": form or (RectificationForm() if can_rectify else None),
            "rectifications": [
                (r, evidence.get(r.pk, [])) for r in inspection.rectifications.all()
            ],
            "events": list(inspection.events.all()),
        },
        status=status,
    )


@merchant_operator_required
def merchant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.merchant_inspection_get(user=request.user, pk=pk)
    return _merchant_page(request, inspection)


@require_POST
@merchant_operator_required
def merchant_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.merchant_inspection_get(user=request.user, pk=pk)
    form = RectificationForm(request.POST, request.FILES)
    if not form.is_valid():
        return _merchant_page(request, inspection, form=form, status=400)
    try:
        inspection_services.rectification_submit(
            actor=request.user,
            inspection=inspection,
            report=form.cleaned_data["report"],
            files=form.cleaned_data["files"],
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _merchant_page(request, inspection, form=form, status=400)
    messages.success(
        request, _("Your rectification report is sent; the inspectors will decide on it.")
    )
    return redirect(reverse("merchant-inspection-detail", args=[inspection.pk]))


@merchant_operator_required
def merchant_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    """Rectification evidence only: the visit's photos are for the inspection authority."""
    inspection = selectors.merchant_inspection_get(user=request.user, pk=pk)
    item = selectors.inspection_file_get(inspection=inspection, pk=file_pk, staff=False)
    return attachment_response(
        item.file, filename=item.original_name, content_type=item.content_type
    )
