"""Quality-control pages: campaigns (supervisors), assignments (inspectors), the merchant's side.

Campaigns are seen by regulators of the campaign's region and above, and by admins; only
supervisors see the buttons that define, draw and close them (the services refuse anyone else).
An inspection's page is for the inspection authority: regulators of its county and above, and
the inspectors assigned to it. Merchants see their own inspections on separate pages, without
internal notes, photos or inspector identities; a covert visit only once it is recorded.
Anyone else gets a 404.
"""

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.errors import DomainError
from common.pages import only_for
from common.uploads import attachment_response
from merchants.models import User
from merchants.permissions import is_merchant_operator
from review import selectors
from review.inspection_forms import (
    CampaignForm,
    InspectionRecordForm,
    RectificationAcceptForm,
    RectificationForm,
    RectificationRejectForm,
)
from review.models import Campaign, Inspection, InspectionState, QualityControlSetting
from review.services import campaigns as campaign_services
from review.services import inspections as inspection_services

PAGE_SIZE = 50


def _sees_campaigns(user: User) -> bool:
    return user.is_active and (user.is_regulator or user.is_platform_admin)


def _has_assignments_page(user: User) -> bool:
    return campaign_services.is_inspector(user) or selectors.has_assignments(user)


campaign_viewer_required = only_for(_sees_campaigns)
inspection_staff_required = only_for(selectors.is_inspection_staff)
inspector_required = only_for(_has_assignments_page)
merchant_operator_required = only_for(is_merchant_operator)


# Campaigns


def _campaign_form(request: HttpRequest, data: Any = None) -> CampaignForm:
    return CampaignForm(
        data,
        regions=selectors.campaign_region_choices(user=request.user),
        exclude_recent_days=QualityControlSetting.current().exclude_recent_days,
    )


def _campaign_list_page(
    request: HttpRequest, form: CampaignForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    page = Paginator(selectors.campaign_overview(user=user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    can_create = campaign_services.can_supervise(user)
    return render(
        request,
        "review/campaign_list.html",
        {
            "page": page,
            "can_create": can_create,
            "form": (form or _campaign_form(request)) if can_create else None,
        },
        status=status,
    )


@campaign_viewer_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    """GET: the campaigns of the user's region. POST: define a new one (supervisors)."""
    if request.method != "POST":
        return _campaign_list_page(request)
    if not campaign_services.can_supervise(request.user):
        messages.error(request, _("Only a supervisor can define a campaign."))
        return redirect("campaign-list")
    form = _campaign_form(request, request.POST)
    if not form.is_valid():
        return _campaign_list_page(request, form, status=400)
    try:
        campaign = campaign_services.campaign_create(actor=request.user, **form.service_kwargs())
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _campaign_list_page(request, form, status=400)
    messages.success(
        request,
        _("Campaign “%(name)s” defined. Check its scope, then draw the sample.")
        % {"name": campaign.name},
    )
    return redirect("campaign-detail", pk=campaign.pk)


def _campaign_page(
    request: HttpRequest, campaign: Campaign, *, check: campaign_services.DrawCheck | None = None
) -> HttpResponse:
    page = Paginator(selectors.campaign_visits(campaign), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    can_supervise = campaign_services.can_supervise(request.user, campaign.region)
    progress = selectors.campaign_progress(campaign)
    return render(
        request,
        "review/campaign_detail.html",
        {
            "campaign": campaign,
            "page": page,
            "progress": [(label, progress[value]) for value, label in InspectionState.choices],
            "can_draw": can_supervise and campaign.state == Campaign.State.DRAFT,
            "can_close": can_supervise and campaign.state == Campaign.State.DRAWN,
            "is_drawn": campaign.state != Campaign.State.DRAFT,
            "algorithm": campaign_services.DRAW_ALGORITHM,
            "sample_percent": campaign.sample_ratio * 100
            if campaign.sample_ratio is not None
            else None,
            "check": check,
        },
    )


@campaign_viewer_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    return _campaign_page(request, campaign)


@campaign_viewer_required
def campaign_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """Run the draw again from the stored seed, population and pool; nothing is written."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    try:
        check = campaign_services.campaign_verify_draw(campaign)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("campaign-detail", pk=campaign.pk)
    return _campaign_page(request, campaign, check=check)


def _campaign_act(
    request: HttpRequest, campaign: Campaign, action: Callable[[], Any], success: str
) -> HttpResponse:
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("campaign-detail", pk=campaign.pk)


@require_POST
@campaign_viewer_required
def campaign_draw(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    return _campaign_act(
        request,
        campaign,
        lambda: campaign_services.campaign_draw(actor=request.user, campaign=campaign),
        _("The sample is drawn and the inspectors are told of their visits."),
    )


@require_POST
@campaign_viewer_required
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    return _campaign_act(
        request,
        campaign,
        lambda: campaign_services.campaign_close(actor=request.user, campaign=campaign),
        _("The campaign is closed; visits not made are cancelled."),
    )


def _drawn_export(request: HttpRequest, pk: int) -> dict[str, Any]:
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    if campaign.state == Campaign.State.DRAFT:
        raise Http404
    return selectors.campaign_draw_export(campaign)


@campaign_viewer_required
def campaign_export_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The draw as CSV: header lines (seed, algorithm, digest), then one row per visit."""
    data = _drawn_export(request, pk)
    out = io.StringIO()
    writer = csv.writer(out)
    for key in (
        "campaign",
        "name",
        "algorithm",
        "seed",
        "population_count",
        "population_digest",
        "sample_size",
        "sample_ratio",
        "inspectors_per_visit",
        "is_cross",
        "drawn_at",
    ):
        value = data[key]
        writer.writerow([f"# {key}", "" if value is None else value])
    writer.writerow(
        ["order", "merchant_id", "uscc", "merchant", "county", "inspector_ids", "state", "result"]
    )
    for visit in data["visits"]:
        writer.writerow(
            [
                visit["order"],
                visit["merchant_id"],
                visit["merchant_uscc"],
                visit["merchant_name"],
                visit["county"],
                " ".join(str(uid) for uid in visit["inspector_ids"]),
                visit["state"],
                visit["result"],
            ]
        )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="campaign-{pk}-draw.csv"'
    return response


@campaign_viewer_required
def campaign_export_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The draw as JSON: seed, population and inspector pool, so anyone can re-run it."""
    data = _drawn_export(request, pk)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="campaign-{pk}-draw.json"'
    return response


# Inspectors


@inspector_required
def assignments(request: HttpRequest) -> HttpResponse:
    """My inspections: open visits first, earliest due first."""
    page = Paginator(selectors.inspector_assignment_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "review/inspection_assignments.html", {"page": page})


def _may_act(user: User, inspection: Inspection, state: str) -> bool:
    """Whether the page shows this user the form for the inspection's current step."""
    assigned = any(a.inspector_id == user.pk for a in inspection.assignments.all())
    return assigned and inspection.state == state


def _record_page(
    request: HttpRequest, inspection: Inspection, *, status: int = 200, **forms_: Any
) -> HttpResponse:
    user = request.user
    assigned = any(a.inspector_id == user.pk for a in inspection.assignments.all())
    can_record = _may_act(user, inspection, InspectionState.SCHEDULED)
    can_decide = _may_act(user, inspection, InspectionState.RECTIFICATION_SUBMITTED)
    photos = [f for f in inspection.files.all() if f.kind == "photo"]
    evidence: dict[int, list] = {}
    for f in inspection.files.all():
        if f.rectification_id:
            evidence.setdefault(f.rectification_id, []).append(f)
    return render(
        request,
        "review/inspection_record.html",
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


def _file_response(inspection: Inspection, file_pk: int, *, staff: bool) -> FileResponse:
    item = selectors.inspection_file_get(inspection=inspection, pk=file_pk, staff=staff)
    return attachment_response(
        item.file, filename=item.original_name, content_type=item.content_type
    )


@inspection_staff_required
def inspection_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    """A photo or rectification file, for the regulators in scope and the assigned inspectors."""
    inspection = selectors.inspection_staff_get(user=request.user, pk=pk)
    return _file_response(inspection, file_pk, staff=True)


# The merchant's side


@merchant_operator_required
def merchant_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.merchant_inspection_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "review/merchant_inspection_list.html", {"page": page})


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
        "review/merchant_inspection_detail.html",
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
    return _file_response(inspection, file_pk, staff=False)
