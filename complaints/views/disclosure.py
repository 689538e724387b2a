"""Public disclosure pages and the merchants' preview (DESIGN.md "Public disclosure").

The public pages show only published snapshots, and only aggregate figures: no complaint, no
consumer's name or phone is ever read here. The preview shows a merchant operator the rows of
their own merchants; anyone else's row is a 404.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common import csv as safe_csv
from common.pages import act
from complaints.forms.disclosure import FlagDecisionForm, FlagForm, ReplyForm
from complaints.models import ComplaintCategory, DisclosureMerchantRow, DisclosureRegionRow
from complaints.permissions import reads_disclosure_flags
from complaints.selectors import disclosure as selectors
from complaints.services import disclosure as svc
from merchants.models import Region

MERCHANTS_PER_PAGE = 100

LEVELS = (
    ("province", gettext_lazy("Province")),
    ("city", gettext_lazy("Cities")),
    ("county", gettext_lazy("Counties")),
)


def disclosure_list(request: HttpRequest) -> HttpResponse:
    snapshots = selectors.published_snapshots()
    return render(request, "complaints/disclosure/list.html", {"snapshots": snapshots})


def disclosure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    snapshot = get_object_or_404(selectors.published_snapshots(), pk=pk)
    level = request.GET.get("level") or "city"
    if level not in dict(LEVELS):
        level = "city"
    chosen = request.GET.get("region") or ""
    region = Region.objects.filter(code=chosen).first() if chosen else None
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
        "region_rows": selectors.snapshot_region_rows(
            snapshot, level=level, within=region, category=category
        ),
        "page": Paginator(
            selectors.snapshot_merchant_rows(snapshot, within=region), MERCHANTS_PER_PAGE
        ).get_page(request.GET.get("page")),
    }
    return render(request, "complaints/disclosure/detail.html", context)


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def disclosure_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """One file, two sections: regions (every level and category), then named merchants."""
    snapshot = get_object_or_404(selectors.published_snapshots(), pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="disclosure-{snapshot.disclosure_date.date:%Y-%m-%d}.csv"'
    )
    response.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = safe_csv.writer(response)
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
                row.region.display_name,
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
    for row in selectors.snapshot_merchant_rows(snapshot):
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
    rows = selectors.merchant_preview_rows(user=request.user)
    return render(
        request,
        "complaints/disclosure/preview.html",
        {"rows": rows, "flag_form": FlagForm(), "reply_form": ReplyForm()},
    )


def _own_row(request: HttpRequest, pk: int) -> DisclosureMerchantRow:
    return get_object_or_404(selectors.merchant_preview_rows(user=request.user), pk=pk)


@login_required
@require_POST
def disclosure_flag(request: HttpRequest, pk: int) -> HttpResponse:
    row = _own_row(request, pk)
    form = FlagForm(request.POST)
    return act(
        request,
        lambda: svc.disclosure_flag(
            actor=request.user, row=row, comment=form.cleaned_data["comment"]
        ),
        _("Your comment was sent to the regulators."),
        then=reverse("disclosure-preview"),
        form=form,
    )


@login_required
@require_POST
def disclosure_reply(request: HttpRequest, pk: int) -> HttpResponse:
    row = _own_row(request, pk)
    form = ReplyForm(request.POST)
    return act(
        request,
        lambda: svc.disclosure_reply(actor=request.user, row=row, text=form.cleaned_data["text"]),
        _("Your reply was saved; it is published with the figures."),
        then=reverse("disclosure-preview"),
        form=form,
    )


@login_required
def disclosure_flags(request: HttpRequest) -> HttpResponse:
    """Regulators read the merchants' objections before the figures are published."""
    if not reads_disclosure_flags(request.user):
        raise Http404
    rows = selectors.flagged_rows_for_regulator(user=request.user)
    return render(
        request,
        "complaints/disclosure/flags.html",
        {"rows": rows, "decision_form": FlagDecisionForm()},
    )


@login_required
@require_POST
def disclosure_flag_decide(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(selectors.flagged_rows_for_regulator(user=request.user), pk=pk)
    form = FlagDecisionForm(request.POST)
    return act(
        request,
        lambda: svc.disclosure_flag_decide(
            actor=request.user,
            row=row,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        ),
        _("The decision was recorded and the merchant told."),
        then=reverse("disclosure-flags"),
        form=form,
    )
