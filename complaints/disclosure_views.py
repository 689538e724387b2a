"""Public disclosure pages and the merchants' preview (DESIGN.md "Public disclosure").

The public pages show only published snapshots, and only aggregate figures: no complaint, no
consumer's name or phone is ever read here. The preview shows a merchant operator the rows of
their own merchants; anyone else's row is a 404.
"""

import csv

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common.errors import DomainError
from complaints import disclosure as svc
from complaints.models import ComplaintCategory, DisclosureMerchantRow, DisclosureRegionRow
from merchants.models import Region


class FlagForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("What is wrong with these figures?"),
        max_length=svc.FLAG_COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Public reply, shown beside your figures"),
        max_length=svc.REPLY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


MERCHANTS_PER_PAGE = 100

LEVELS = (
    ("province", gettext_lazy("Province")),
    ("city", gettext_lazy("Cities")),
    ("county", gettext_lazy("Counties")),
)


def disclosure_list(request: HttpRequest) -> HttpResponse:
    snapshots = svc.published_snapshots()
    return render(request, "complaints/disclosure/list.html", {"snapshots": snapshots})


def disclosure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    snapshot = get_object_or_404(svc.published_snapshots(), pk=pk)
    level = request.GET.get("level") or "city"
    if level not in dict(LEVELS):
        level = "city"
    within = ""
    chosen = request.GET.get("region") or ""
    region = Region.objects.filter(code=chosen).first() if chosen else None
    if region is not None:
        within = region.prefix
    category = request.GET.get("category") or ""
    if category not in ComplaintCategory.values:
        category = ""
    context = {
        "snapshot": snapshot,
        "levels": LEVELS,
        "level": level,
        "region": region,
        "cities": Region.objects.filter(level=Region.Level.CITY),
        "categories": ComplaintCategory.choices,
        "category": category,
        "region_rows": svc.snapshot_region_rows(
            snapshot, level=level, within=within, category=category
        ),
        "page": Paginator(
            svc.snapshot_merchant_rows(snapshot, within=within), MERCHANTS_PER_PAGE
        ).get_page(request.GET.get("page")),
    }
    return render(request, "complaints/disclosure/detail.html", context)


def _pct(value: object) -> str:
    return "" if value is None else f"{value * 100:.1f}"  # type: ignore[operator]


def disclosure_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """One file, two sections: regions (every level and category), then named merchants."""
    snapshot = get_object_or_404(svc.published_snapshots(), pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="disclosure-{snapshot.disclosure_date.date:%Y-%m-%d}.csv"'
    )
    response.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(response)
    figures = [
        _("received"),
        _("accepted"),
        _("resolved"),
        _("acceptance rate %"),
        _("resolution rate %"),
        _("on-time rate %"),
        _("average rating"),
    ]

    def numbers(row: DisclosureRegionRow | DisclosureMerchantRow) -> list[object]:
        return [
            row.received,
            row.accepted,
            row.resolved,
            _pct(row.acceptance_rate),
            _pct(row.resolution_rate),
            _pct(row.on_time_rate),
            "" if row.satisfaction is None else row.satisfaction,
        ]

    categories = dict(ComplaintCategory.choices)
    writer.writerow(
        [_("section"), _("region code"), _("region"), _("level"), _("category"), *figures]
    )
    for row in snapshot.region_rows.select_related("region"):
        writer.writerow(
            [
                _("region"),
                row.region_id,
                row.region.name,
                row.level,
                categories.get(row.category, _("all categories")),
                *numbers(row),
            ]
        )
    writer.writerow([])
    writer.writerow(
        [
            _("section"),
            _("county code"),
            _("merchant"),
            _("flagged"),
            _("merchant's reply"),
            *figures,
        ]
    )
    for row in snapshot.merchant_rows.all():
        writer.writerow(
            [
                _("merchant"),
                row.region_id,
                row.merchant_name,
                _("yes") if row.merchant_flag else "",
                row.merchant_reply,
                *numbers(row),
            ]
        )
    return response


@login_required
def disclosure_preview(request: HttpRequest) -> HttpResponse:
    rows = svc.merchant_preview_rows(user=request.user)  # type: ignore[arg-type]
    return render(
        request,
        "complaints/disclosure/preview.html",
        {"rows": rows, "flag_form": FlagForm(), "reply_form": ReplyForm()},
    )


def _act(request: HttpRequest, pk: int, form_class: type[forms.Form], action: str) -> HttpResponse:
    row = get_object_or_404(svc.merchant_preview_rows(user=request.user), pk=pk)  # type: ignore[arg-type]
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("disclosure-preview")
    try:
        if action == "flag":
            svc.disclosure_flag(actor=request.user, row=row, comment=form.cleaned_data["comment"])  # type: ignore[arg-type]
            messages.success(request, _("Your comment was sent to the regulators."))
        else:
            svc.disclosure_reply(actor=request.user, row=row, text=form.cleaned_data["text"])  # type: ignore[arg-type]
            messages.success(request, _("Your reply was saved; it is published with the figures."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("disclosure-preview")


@login_required
@require_POST
def disclosure_flag(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, FlagForm, "flag")


@login_required
@require_POST
def disclosure_reply(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, ReplyForm, "reply")


@login_required
def disclosure_flags(request: HttpRequest) -> HttpResponse:
    """Regulators read the merchants' objections before the figures are published."""
    if not (request.user.is_regulator or request.user.is_platform_admin):
        raise Http404
    rows = svc.flagged_rows_for_regulator(user=request.user)
    return render(request, "complaints/disclosure/flags.html", {"rows": rows})
