"""The inspection authority's pages: an inspector's assignments, recording a visit, deciding on
the merchant's rectification.

An inspection's page is for the inspection authority: regulators of its county and above, and
the inspectors assigned to it. Anyone else gets a 404.
"""

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.errors import DomainError
from common.pages import KeysFirstPaginator, only_for
from common.uploads import attachment_response
from merchants.models import User
from review.forms.inspections import (
    InspectionRecordForm,
    RectificationAcceptForm,
    RectificationRejectForm,
)
from review.models import Inspection, InspectionState
from review.permissions import has_assignments_page, is_assigned, is_inspection_staff
from review.selectors import inspections as selectors
from review.services import inspections as inspection_services

inspection_staff_required = only_for(is_inspection_staff)
inspector_required = only_for(has_assignments_page)


@inspector_required
def assignments(request: HttpRequest) -> HttpResponse:
    """My inspections: open visits first, earliest due first. Keys first, from indexes
    (selectors.inspector_assignment_pages); only the page's rows are read with their joins."""
    user = request.user
    count, keys = selectors.inspector_assignment_pages(user=user)
    page = KeysFirstPaginator(
        selectors.inspector_assignment_list(user=user),
        selectors.INSPECTION_PAGE_SIZE,
        count=count,
        keys=keys,
    ).get_page(request.GET.get("page"))
    return render(request, "review/inspections/assignments.html", {"page": page})


def _may_act(user: User, inspection: Inspection, state: str) -> bool:
    """Whether the page shows this user the form for the inspection's current step."""
    return is_assigned(user, inspection) and inspection.state == state


def _record_page(
    request: HttpRequest, inspection: Inspection, *, status: int = 200, **forms_: Any
) -> HttpResponse:
    user = request.user
    assigned = is_assigned(user, inspection)
    can_record = _may_act(user, inspection, InspectionState.SCHEDULED)
    can_decide = _may_act(user, inspection, InspectionState.RECTIFICATION_SUBMITTED)
    photos = [f for f in inspection.files.all() if f.kind == "photo"]
    evidence: dict[int, list] = {}
    for f in inspection.files.all():
        if f.rectification_id:
            evidence.setdefault(f.rectification_id, []).append(f)
    return render(
        request,
        "review/inspections/record.html",
        {
            "inspection": inspection,
            "assigned": assigned,
            "campaign_visible": selectors.campaign_list(user=user)
            .filter(pk=inspection.campaign_id)
            .exists(),
            "can_record": can_record,
            "can_decide": can_decide,
            "form": forms_.get("form")
            or (InspectionRecordForm(checklist=inspection.checklist) if can_record else None),
            "accept_form": forms_.get("accept_form") or RectificationAcceptForm(),
            "reject_form": forms_.get("reject_form") or RectificationRejectForm(),
            "answers": _answer_rows(inspection),
            "photos": photos,
            "rectifications": [
                (r, evidence.get(r.pk, [])) for r in inspection.rectifications.all()
            ],
            "pass_score": inspection.checklist_template.pass_score
            if inspection.checklist_template
            else None,
        },
        status=status,
    )


def _answer_rows(inspection: Inspection) -> list[dict[str, Any]]:
    english = (get_language() or "").startswith("en")
    return [
        {
            **item,
            "label": item["text_en"] if english and item["text_en"] else item["text"],
            "answer": inspection.answers.get(item["code"], ""),
        }
        for item in inspection.checklist
    ]


@inspection_staff_required
def record(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the visit (and, for its inspectors, the form to record it). POST: record it."""
    inspection = selectors.inspection_staff_get(user=request.user, pk=pk)
    if request.method != "POST":
        return _record_page(request, inspection)
    form = InspectionRecordForm(request.POST, request.FILES, checklist=inspection.checklist)
    if not form.is_valid():
        return _record_page(request, inspection, form=form, status=400)
    try:
        inspection_services.inspection_record(
            actor=request.user,
            inspection=inspection,
            answers=form.answers(),
            result=form.cleaned_data["result"],
            notes=form.cleaned_data["notes"],
            findings=form.cleaned_data["findings"],
            photos=form.cleaned_data["photos"],
        )
    except DomainError as exc:
        if not _may_act(request.user, inspection, InspectionState.SCHEDULED):
            messages.error(request, exc.message)
            return redirect("inspection-record", pk=inspection.pk)
        form.add_error(None, exc.message)
        return _record_page(request, inspection, form=form, status=400)
    messages.success(request, _("The visit is recorded. The merchant is told of the result."))
    return redirect("inspection-record", pk=inspection.pk)


def _decide(request: HttpRequest, pk: int, *, accept: bool) -> HttpResponse:
    inspection = selectors.inspection_staff_get(user=request.user, pk=pk)
    form_class = RectificationAcceptForm if accept else RectificationRejectForm
    form = form_class(request.POST)
    key = "accept_form" if accept else "reject_form"
    if not form.is_valid():
        return _record_page(request, inspection, status=400, **{key: form})
    decide = (
        inspection_services.rectification_accept
        if accept
        else inspection_services.rectification_reject
    )
    try:
        decide(actor=request.user, inspection=inspection, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        if not _may_act(request.user, inspection, InspectionState.RECTIFICATION_SUBMITTED):
            messages.error(request, exc.message)
            return redirect("inspection-record", pk=inspection.pk)
        form.add_error(None, exc.message)
        return _record_page(request, inspection, status=400, **{key: form})
    messages.success(
        request,
        _("Rectification accepted; the inspection is closed. The merchant is told.")
        if accept
        else _("Rectification rejected; the merchant is told why and has a new deadline."),
    )
    return redirect("inspection-record", pk=inspection.pk)


@require_POST
@inspection_staff_required
def rectification_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, accept=True)


@require_POST
@inspection_staff_required
def rectification_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, accept=False)


@inspection_staff_required
def inspection_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    """A photo or rectification file, for the regulators in scope and the assigned inspectors."""
    inspection = selectors.inspection_staff_get(user=request.user, pk=pk)
    item = selectors.inspection_file_get(inspection=inspection, pk=file_pk, staff=True)
    return attachment_response(
        item.file, filename=item.original_name, content_type=item.content_type
    )
