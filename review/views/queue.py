"""Review pages: the queues, one declaration's review page, its actions, bulk approval.

Only reviewers have queues; anyone else (coordinators, regulators without the reviewer
capability, merchants) gets a 404, as does a declaration outside the reviewer's region.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Page
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from common.counts import count_text
from common.pages import KeysFirstPaginator, act, only_for
from merchants.forms.declarations import declaration_detail_rows
from merchants.models import Declaration, RegistryRecord, User
from merchants.models import DeclarationState as S
from merchants.selectors import county_list, declaration_document_rows
from merchants.services import declarations as declaration_services
from review.forms.queue import (
    ApproveForm,
    BulkApproveForm,
    QueueFilterForm,
    RejectForm,
    ReturnForm,
)
from review.permissions import is_reviewer
from review.selectors import queue as selectors
from review.selectors.queue import QueueFilters, QueueTab
from review.services import screening as screening_services
from review.services.review import declarations_bulk_approve, is_clean

reviewer_required = only_for(is_reviewer)


# Queues


@reviewer_required
def queue(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab") or QueueTab.PENDING
    if tab not in QueueTab.values:
        raise Http404
    user = request.user
    form = QueueFilterForm(request.GET or None, counties=county_list(user=user))
    filters = form.filters() if form.is_bound and form.is_valid() else QueueFilters()
    today = timezone.localdate()
    counts = selectors.review_queue_counts(user=user, filters=filters, today=today)
    declarations = selectors.review_queue(user=user, tab=tab, filters=filters, today=today)
    page: Page = KeysFirstPaginator(
        declarations, selectors.QUEUE_PAGE_SIZE, count=counts[tab]
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "review/queue/queue.html",
        {
            "form": form,
            "tab": tab,
            # (tab, label, count, the count as shown: "10,000+" past the bound)
            "tabs": [
                (
                    value,
                    label,
                    counts[value],
                    count_text(counts[value], selectors.queue_count_bound(value)),
                )
                for value, label in QueueTab.choices
            ],
            "page": page,
            "bulk": tab == QueueTab.PENDING and any(is_clean(d) for d in page.object_list),
            "region": user.region,
        },
    )


# One declaration


def _registry_rows(entity: Any) -> list[tuple[str, str, bool]]:
    """(label, value, needs attention) for the registry facts of a merchant."""
    today = timezone.localdate()
    statuses = dict(RegistryRecord.Status.choices)
    credits = dict(RegistryRecord.Credit.choices)
    valid_until = entity.licence_valid_until

    def listed(on_list: bool) -> str:
        return _("Listed") if on_list else _("Not listed")

    return [
        (
            _("Entity status"),
            str(statuses.get(entity.entity_status, entity.entity_status)),
            entity.entity_status != RegistryRecord.Status.ACTIVE,
        ),
        (
            _("Business licence valid until"),
            valid_until.isoformat() if valid_until else _("Long-term"),
            valid_until is not None and valid_until < today,
        ),
        (_("Abnormal-operations list"), listed(entity.on_abnormal_list), entity.on_abnormal_list),
        (
            _("Serious-dishonesty list"),
            listed(entity.on_dishonest_list),
            entity.on_dishonest_list,
        ),
        (
            _("Credit level"),
            str(credits.get(entity.credit_level, entity.credit_level)),
            entity.credit_level in (RegistryRecord.Credit.C, RegistryRecord.Credit.D),
        ),
        (
            _("Registry record"),
            _("%(record)s, as of %(date)s")
            % {"record": entity.record_id, "date": entity.as_of.isoformat()},
            False,
        ),
    ]


def _review_page(
    request: HttpRequest, declaration: Declaration, **forms_: forms.Form
) -> HttpResponse:
    user: User = request.user
    held_by_me = declaration.state == S.UNDER_REVIEW and declaration.reviewer_id == user.pk
    accepted = {c.pk for c in declaration.accepted_commitments.all()}
    registry = selectors.merchant_registry_data(merchant=declaration.merchant)
    context = {
        "declaration": declaration,
        "late": selectors.is_late(declaration, timezone.localdate()),
        "held_by_me": held_by_me,
        "can_claim": declaration.state == S.PENDING_REVIEW,
        "can_decide": held_by_me,
        "can_rescreen": declaration.state == S.PENDING_REVIEW or held_by_me,
        "commitments": [(c, c.pk in accepted) for c in declaration.scheme.commitments.all()],
        "detail_rows": declaration_detail_rows(declaration),
        "document_rows": declaration_document_rows(declaration),
        "registry": registry,
        "registry_rows": _registry_rows(registry.entity) if registry.entity else [],
        "permits": declaration.merchant.permits.all(),
        "history": selectors.merchant_declaration_history(declaration=declaration),
        "approve_form": forms_.get("approve_form") or ApproveForm(),
        "reject_form": forms_.get("reject_form") or RejectForm(),
        "return_form": forms_.get("return_form") or ReturnForm(),
        "screening_run": screening_services.screening_run_latest(declaration=declaration),
    }
    return render(request, "review/queue/detail.html", context)


@reviewer_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = selectors.review_declaration_get(user=request.user, pk=pk)
    return _review_page(request, declaration)


def _act(
    request: HttpRequest,
    declaration: Declaration,
    action: Callable[[], Any],
    success: str,
    *,
    then: str | None = None,
) -> HttpResponse:
    """One decision on the declaration's page (common.pages.act): a refusal comes back to it."""
    page = reverse("review-detail", args=[declaration.pk])
    return act(request, action, success, then=then or page, refused=page)


def _names(declaration: Declaration) -> dict[str, str]:
    return {"merchant": declaration.merchant.name, "scheme": declaration.scheme.display_name}


@require_POST
@reviewer_required
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = selectors.review_declaration_get(user=request.user, pk=pk)
    return _act(
        request,
        declaration,
        lambda: declaration_services.declaration_claim(actor=request.user, declaration=declaration),
        _("You hold this declaration now; no other regulator can decide it until you release it."),
    )


@require_POST
@reviewer_required
def release(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = selectors.review_declaration_get(user=request.user, pk=pk)
    return _act(
        request,
        declaration,
        lambda: declaration_services.declaration_release(
            actor=request.user, declaration=declaration
        ),
        _("The declaration is released and back in the pending queue."),
    )


@require_POST
@reviewer_required
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = selectors.review_declaration_get(user=request.user, pk=pk)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _review_page(request, declaration, approve_form=form)
    return _act(
        request,
        declaration,
        lambda: declaration_services.declaration_approve(
            actor=request.user, declaration=declaration, reason=form.cleaned_data["note"]
        ),
        _("Approved: %(merchant)s — %(scheme)s. The merchant is notified.") % _names(declaration),
        then=reverse("review-queue"),
    )


@require_POST
@reviewer_required
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = selectors.review_declaration_get(user=request.user, pk=pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _review_page(request, declaration, reject_form=form)
    return _act(
        request,
        declaration,
        lambda: declaration_services.declaration_reject(
            actor=request.user, declaration=declaration, reason=form.cleaned_data["reason"]
        ),
        _("Rejected: %(merchant)s — %(scheme)s. The merchant is notified.") % _names(declaration),
        then=reverse("review-queue"),
    )


@require_POST
@reviewer_required
def return_for_amendment(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = selectors.review_declaration_get(user=request.user, pk=pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _review_page(request, declaration, return_form=form)
    return _act(
        request,
        declaration,
        lambda: declaration_services.declaration_return(
            actor=request.user, declaration=declaration, comments=form.cleaned_data["comments"]
        ),
        _("Returned to %(merchant)s for amendment. The merchant is notified.")
        % _names(declaration),
        then=reverse("review-queue"),
    )


@require_POST
@reviewer_required
def rescreen(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = selectors.review_declaration_get(user=request.user, pk=pk)
    return _act(
        request,
        declaration,
        lambda: screening_services.declaration_rescreen(
            actor=request.user, declaration=declaration
        ),
        _("Screening was run again; the report below is the new one."),
    )


# Bulk approval


@reviewer_required
def bulk_approve(request: HttpRequest) -> HttpResponse:
    """GET: confirm the selection (only clean declarations in reach are listed). POST: approve."""
    data = request.POST if request.method == "POST" else request.GET
    form = BulkApproveForm(data)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["ids"]))
        return redirect(f"{reverse('review-queue')}?tab={QueueTab.PENDING}")
    ids = form.cleaned_data["ids"]
    if request.method == "POST":
        result = declarations_bulk_approve(actor=request.user, declaration_ids=ids)
        if result.approved:
            count = len(result.approved)
            messages.success(
                request,
                ngettext(
                    "%(n)d declaration approved. The merchant is notified.",
                    "%(n)d declarations approved. The merchants are notified.",
                    count,
                )
                % {"n": count},
            )
        for skip in result.skipped:
            label = (
                f"{skip.declaration.merchant.name} — {skip.declaration.scheme.display_name}"
                if skip.declaration is not None
                else f"#{skip.declaration_id}"
            )
            messages.warning(
                request,
                _("Not approved: %(declaration)s. %(reason)s")
                % {"declaration": label, "reason": skip.reason},
            )
        return redirect(f"{reverse('review-queue')}?tab={QueueTab.PENDING}")
    found = list(
        selectors.review_declaration_list(user=request.user)
        .filter(pk__in=ids)
        .order_by("review_due", "id")
    )
    clean = [d for d in found if is_clean(d)]
    return render(
        request,
        "review/queue/bulk_confirm.html",
        {
            "declarations": clean,
            "not_eligible": [d for d in found if not is_clean(d)],
            "not_found": len(ids) - len(found),
            "form": BulkApproveForm(initial={"ids": [d.pk for d in clean]}),
        },
    )
