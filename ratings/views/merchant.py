"""The merchant's side of the standing: its merchants' pools and stars, one merchant's score
explained with history and open tasks, the rectification report and the appeal.

Pages are for the merchant's people; anyone else gets a 404, except a regulator in scope, who
is sent to the regulator's page of the merchant. Files of reports and appeals are for the
merchant's people and the regulators in scope.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.errors import DomainError
from common.uploads import attachment_response
from merchants.models import Merchant
from ratings.forms.merchant import StandingAppealForm, StandingRectificationForm
from ratings.models import EvaluationPolicy
from ratings.selectors import standings
from ratings.selectors.appeals import appeal_window
from ratings.services.appeals import appeal_file
from ratings.services.warnings import warning_rectification_submit


def _add_error(form: Any, exc: DomainError) -> None:
    form.add_error("files" if exc.field == "file" else None, exc.message)


@login_required
def standing_list(request: HttpRequest) -> HttpResponse:
    """The signed-in operator's merchants with their pool, stars and score."""
    return render(
        request,
        "ratings/standing/list.html",
        {"rows": standings.standing_list(user=request.user)},
    )


def _standing_page(
    request: HttpRequest,
    merchant: Merchant,
    *,
    rectify_form: StandingRectificationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    detail = standings.standing_detail(merchant)
    task = detail["tasks"].rectification
    if rectify_form is None and task is not None and task.may_submit:
        rectify_form = StandingRectificationForm()
    return render(
        request,
        "ratings/standing/merchant.html",
        {
            "merchant": merchant,
            "detail": detail,
            "can_act": True,
            "rectify_form": rectify_form,
        },
        status=status,
    )


@login_required
def standing_merchant(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        merchant = standings.member_merchant_get(user=request.user, pk=pk)
    except Http404:
        # A regulator in scope (e.g. following a link) has its own page of the merchant.
        merchant = standings.standing_merchant_get(user=request.user, pk=pk)
        return redirect("pool-merchant", merchant.pk)
    return _standing_page(request, merchant)


@require_POST
@login_required
def standing_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    merchant = standings.member_merchant_get(user=request.user, pk=pk)
    form = StandingRectificationForm(request.POST, request.FILES)
    if not form.is_valid():
        return _standing_page(request, merchant, rectify_form=form, status=400)
    try:
        warning_rectification_submit(
            actor=request.user,
            merchant=merchant,
            report=form.cleaned_data["report"],
            files=form.cleaned_data["files"],
        )
    except DomainError as exc:
        _add_error(form, exc)
        return _standing_page(request, merchant, rectify_form=form, status=400)
    messages.success(
        request,
        _("Your rectification report is sent. A regulator checks it and you are told the result."),
    )
    return redirect("standing-merchant", merchant.pk)


@login_required
def standing_appeal(request: HttpRequest, pk: int, change_pk: int) -> HttpResponse:
    """GET: the decision, the time left to appeal and the form. POST: file the appeal."""
    merchant = standings.member_merchant_get(user=request.user, pk=pk)
    decision = standings.decision_get(merchant=merchant, pk=change_pk)
    form = StandingAppealForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                appeal_file(
                    actor=request.user,
                    decision=decision,
                    statement=form.cleaned_data["statement"],
                    files=form.cleaned_data["files"],
                )
            except DomainError as exc:
                _add_error(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Your appeal is filed. A regulator who did not take the decision "
                        "decides it; you are told the outcome."
                    ),
                )
                return redirect("standing-merchant", merchant.pk)
        status = 400
    problem, until = appeal_window(decision)
    return render(
        request,
        "ratings/standing/appeal.html",
        {
            "merchant": merchant,
            "decision": decision,
            "problem": problem,
            "until": until,
            "decision_days": EvaluationPolicy.current().appeal_decision_days,
            "form": form,
        },
        status=status,
    )


@login_required
def rating_file(request: HttpRequest, pk: int) -> FileResponse:
    """A file of a rectification report or an appeal."""
    item = standings.rating_file_get(user=request.user, pk=pk)
    return attachment_response(
        item.file, filename=item.original_name, content_type=item.content_type
    )
