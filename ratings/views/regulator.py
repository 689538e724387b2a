"""The regulator's side of the pools: the pool browser over their region, one merchant's page
(check a rectification, decide an appeal, exit it), the work queues, nominations and, for
supervisors, the evaluation runs.

Regulators see the merchants of their region and below, platform admins everything; a merchant
outside that reach, and every page for anyone else, is a 404 (as the campaign pages do).
"""

from collections.abc import Callable, Iterator
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common import csv as safe_csv
from common.errors import DomainError
from common.pages import KeysFirstPaginator, act, only_for
from merchants.models import Merchant, Pool
from ratings.forms.regulator import (
    AppealDecisionForm,
    NominationForm,
    PoolExitForm,
    PoolFilterForm,
    RectificationDecisionForm,
)
from ratings.models import IN_PROGRAMME
from ratings.permissions import is_pool_regulator, may_decide_appeal, may_see_runs
from ratings.selectors import appeals, nominations, pools, runs, warnings
from ratings.selectors.standings import standing_detail
from ratings.services.appeals import appeal_decide
from ratings.services.nominations import nomination_create
from ratings.services.pools import pool_exit
from ratings.services.warnings import warning_rectification_decide

PAGE_SIZE = 50
CSV_CHUNK = 2000


regulator_required = only_for(is_pool_regulator)
supervisor_required = only_for(may_see_runs)


# The pool browser


def _filter_form(request: HttpRequest) -> PoolFilterForm:
    return PoolFilterForm(request.GET or None, counties=pools.reach_counties(user=request.user))


@regulator_required
def pool_browser(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = _filter_form(request)
    filters = form.filters()
    counts = pools.standing_counts(user=user, filters=filters)
    total = sum(counts.values())
    page = KeysFirstPaginator(
        pools.standing_list(user=user, filters=filters),
        PAGE_SIZE,
        count=counts[filters.pool] if filters.pool else total,
        key=pools.STANDING_KEY,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "ratings/pools/browser.html",
        {
            "form": form,
            "pool": filters.pool,
            "tabs": [(value, label, counts[value]) for value, label in Pool.choices],
            "total": total,
            "page": page,
            "region": user.region if not user.is_platform_admin else None,
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(request: HttpRequest) -> Iterator[str]:
    writer = safe_csv.writer(_Echo())
    pool_labels = dict(Pool.choices)
    yield "\ufeff" + writer.writerow(
        [
            _("Name"),
            _("Unified social credit code"),
            _("County code"),
            _("County"),
            _("Pool"),
            _("Stars"),
            _("Score"),
            _("In this pool since"),
            _("Rectify by"),
        ]
    )
    rows = (
        pools.standing_list(user=request.user, filters=_filter_form(request).filters())
        .values_list(
            "merchant__name",
            "merchant__uscc",
            "region_id",
            "region__name",
            "pool",
            "stars",
            "score",
            "since",
            "rectification_due",
        )
        .iterator(chunk_size=CSV_CHUNK)
    )
    for name, uscc, county, county_name, pool, stars, score, since, due in rows:
        yield writer.writerow(
            [
                name,
                uscc,
                county,
                county_name,
                str(pool_labels.get(pool, pool)),
                stars,
                "" if score is None else score,
                timezone.localtime(since).strftime("%Y-%m-%d"),
                due.isoformat() if due else "",
            ]
        )


@regulator_required
def pool_browser_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list as CSV, streamed: the whole province fits without holding it."""
    response = StreamingHttpResponse(_csv_rows(request), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="pools-{stamp}.csv"'
    return response


# One merchant


def _merchant_page(
    request: HttpRequest,
    merchant: Merchant,
    *,
    status: int = 200,
    error: str = "",
    **forms_: Any,
) -> HttpResponse:
    user = request.user
    work = pools.merchant_work(merchant=merchant)
    standing = work.standing
    can_decide_appeal = work.appeal is not None and may_decide_appeal(user, work.appeal)
    can_exit = standing is not None and standing.pool in IN_PROGRAMME
    return render(
        request,
        "ratings/pools/merchant.html",
        {
            "merchant": merchant,
            "standing": standing,
            "work": work,
            "standing_detail": standing_detail(merchant),
            "today": timezone.localdate(),
            "rectification_form": forms_.get("rectification_form")
            or (RectificationDecisionForm() if work.rectification else None),
            "appeal_form": forms_.get("appeal_form")
            or (AppealDecisionForm() if can_decide_appeal else None),
            "exit_form": forms_.get("exit_form") or (PoolExitForm() if can_exit else None),
            "can_decide_appeal": can_decide_appeal,
            "error": error,
        },
        status=status,
    )


@regulator_required
def pool_merchant(request: HttpRequest, merchant_pk: int) -> HttpResponse:
    merchant = pools.merchant_in_reach(user=request.user, merchant_pk=merchant_pk)
    return _merchant_page(request, merchant)


def _act(
    request: HttpRequest,
    merchant: Merchant,
    form: Any,
    form_key: str,
    action: Callable[[dict[str, Any]], Any],
    success: str,
) -> HttpResponse:
    """One decision on the merchant's pool page (common.pages.act). An invalid form or a refusal
    renders the page again, the refusal above its sections: the one the form belongs to may be
    gone (a report checked meanwhile by a colleague)."""
    return act(
        request,
        lambda: action(form.cleaned_data),
        success,
        then=reverse("pool-merchant", args=[merchant.pk]),
        form=form,
        invalid=lambda f: _merchant_page(request, merchant, status=400, **{form_key: f}),
        refused=lambda exc: _merchant_page(
            request, merchant, status=400, error=exc.message, **{form_key: form}
        ),
    )


@require_POST
@regulator_required
def rectification_decide(request: HttpRequest, merchant_pk: int, pk: int) -> HttpResponse:
    merchant = pools.merchant_in_reach(user=request.user, merchant_pk=merchant_pk)
    rectification = warnings.rectification_in_reach(user=request.user, pk=pk)
    if rectification.merchant_id != merchant.pk:
        raise Http404
    form = RectificationDecisionForm(request.POST)
    accepted = form.is_valid() and form.cleaned_data["accept"]
    return _act(
        request,
        merchant,
        form,
        "rectification_form",
        lambda data: warning_rectification_decide(
            actor=request.user,
            rectification=rectification,
            accept=data["accept"],
            reason=data["reason"],
        ),
        _("Rectification accepted: the merchant is back in its former pool. It is told.")
        if accepted
        else _("The merchant is told what is still missing."),
    )


@require_POST
@regulator_required
def appeal_decide_view(request: HttpRequest, merchant_pk: int, pk: int) -> HttpResponse:
    merchant = pools.merchant_in_reach(user=request.user, merchant_pk=merchant_pk)
    appeal = appeals.appeal_in_reach(user=request.user, pk=pk)
    if appeal.merchant_id != merchant.pk:
        raise Http404
    form = AppealDecisionForm(request.POST)
    overturned = form.is_valid() and form.cleaned_data["overturn"]
    return _act(
        request,
        merchant,
        form,
        "appeal_form",
        lambda data: appeal_decide(
            actor=request.user, appeal=appeal, overturn=data["overturn"], reason=data["reason"]
        ),
        _("Appeal allowed: the decision is undone. The merchant is told.")
        if overturned
        else _("Appeal dismissed: the decision stands. The merchant is told."),
    )


@require_POST
@regulator_required
def merchant_exit(request: HttpRequest, merchant_pk: int) -> HttpResponse:
    merchant = pools.merchant_in_reach(user=request.user, merchant_pk=merchant_pk)
    return _act(
        request,
        merchant,
        PoolExitForm(request.POST),
        "exit_form",
        lambda data: pool_exit(actor=request.user, merchant=merchant, reason=data["reason"]),
        _("The merchant has left the programme. It is told and may appeal."),
    )


# Queues


@regulator_required
def rectification_queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    page = Paginator(warnings.rectifications_waiting(user=user, today=today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    past_due = list(warnings.warnings_past_due(user=user, today=today)[:PAGE_SIZE])
    return render(
        request,
        "ratings/warnings/rectification_queue.html",
        {"page": page, "past_due": past_due, "today": today},
    )


@regulator_required
def appeal_queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(appeals.appeals_pending(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for appeal in page.object_list:
        appeal.may_decide = may_decide_appeal(request.user, appeal)
    return render(request, "ratings/appeals/queue.html", {"page": page})


# Nominations


def _nomination_page(
    request: HttpRequest, form: NominationForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    page = Paginator(nominations.nomination_list(user=user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    pool_labels = dict(Pool.choices)
    for nomination in page.object_list:
        nomination.pool_label = pool_labels.get(nomination.current_pool, "")
    return render(
        request,
        "ratings/nominations/list.html",
        {
            "page": page,
            "form": form or NominationForm(counties=pools.reach_counties(user=user)),
        },
        status=status,
    )


@regulator_required
def nomination_list(request: HttpRequest) -> HttpResponse:
    """GET: the nominations of the user's region. POST: nominate a merchant."""
    if request.method != "POST":
        return _nomination_page(request)
    form = NominationForm(request.POST, counties=pools.reach_counties(user=request.user))
    if not form.is_valid():
        return _nomination_page(request, form, status=400)
    try:
        nomination = nomination_create(actor=request.user, **form.service_kwargs())
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _nomination_page(request, form, status=400)
    if nomination.merchant_id:
        messages.success(
            request,
            _("%(name)s is in the selection pool; its people are invited to declare.")
            % {"name": nomination.name},
        )
    else:
        messages.success(
            request,
            _("%(name)s is nominated; it enters the selection pool when it registers.")
            % {"name": nomination.name},
        )
    return redirect("nomination-list")


# Evaluation runs


@supervisor_required
def run_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(runs.run_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    for run in page.object_list:
        run.duration = runs.run_duration(run)
    return render(request, "ratings/runs/list.html", {"page": page})
