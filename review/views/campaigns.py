"""Campaign pages: spot-check campaigns, their draw and its exports.

Campaigns are seen by regulators of the campaign's region and above, and by admins; only
supervisors see the buttons that define, draw and close them (the services refuse anyone else).
Anyone else gets a 404.
"""

import io
import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common import csv as safe_csv
from common.errors import DomainError
from common.pages import act, only_for
from review.forms.inspections import CampaignForm
from review.models import Campaign, InspectionState, QualityControlSetting
from review.permissions import can_supervise, sees_campaigns
from review.selectors import inspections as selectors
from review.services import campaigns as campaign_services

campaign_viewer_required = only_for(sees_campaigns)


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
    page = Paginator(
        selectors.campaign_overview(user=user), selectors.INSPECTION_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    can_create = can_supervise(user)
    return render(
        request,
        "review/inspections/campaign_list.html",
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
    if not can_supervise(request.user):
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
    page = Paginator(selectors.campaign_visits(campaign), selectors.INSPECTION_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    supervises = can_supervise(request.user, campaign.region)
    progress = selectors.campaign_progress(campaign)
    return render(
        request,
        "review/inspections/campaign_detail.html",
        {
            "campaign": campaign,
            "page": page,
            "progress": [(label, progress[value]) for value, label in InspectionState.choices],
            "can_draw": supervises and campaign.state == Campaign.State.DRAFT,
            "can_close": supervises and campaign.state == Campaign.State.DRAWN,
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
    """One step of the campaign, back on its page (common.pages.act)."""
    return act(request, action, success, then=reverse("campaign-detail", args=[campaign.pk]))


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
    writer = safe_csv.writer(out)
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
