"""A declaration's pages: start one for a merchant, the detail page (the merchant's and the
supervisor's), filling it in with its documents, submitting and withdrawing."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common import deadlines
from common.errors import DomainError
from common.pages import show_domain_error
from common.uploads import attachment_response
from merchants import selectors
from merchants.forms.declarations import (
    DeclarationCreateForm,
    DeclarationForm,
    WithdrawForm,
    declaration_detail_rows,
)
from merchants.models import Declaration, DeclarationState, User
from merchants.permissions import can_declare, is_supervisor
from merchants.services import declarations as declaration_services
from merchants.signals import declaration_page_context
from merchants.views.merchants import member_merchant

# Between submission and decision the review deadline applies.
IN_REVIEW_STATES = (
    DeclarationState.SUBMITTED,
    DeclarationState.SCREENING,
    DeclarationState.PENDING_REVIEW,
    DeclarationState.UNDER_REVIEW,
)
# A reviewer's name is shown while they hold the declaration and on their decision.
REVIEWER_SHOWN_STATES = (
    DeclarationState.UNDER_REVIEW,
    DeclarationState.APPROVED,
    DeclarationState.REJECTED,
    DeclarationState.RETURNED,
)


def person_name(user: User) -> str:
    family, given = user.last_name.strip(), user.first_name.strip()
    if not (family or given):
        return user.get_username()
    # Chinese names are written family name first, with no space between.
    if any("\u4e00" <= ch <= "\u9fff" for ch in family + given):
        return family + given
    return f"{given} {family}".strip()


def _member_declaration(request: HttpRequest, pk: int) -> Declaration:
    declaration = selectors.declaration_get(user=request.user, pk=pk)
    if not can_declare(request.user, declaration.merchant):
        raise Http404
    return declaration


@login_required
def declaration_create(request: HttpRequest, pk: int) -> HttpResponse:
    merchant = member_merchant(request, pk)
    form = DeclarationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            declaration = declaration_services.declaration_create(
                actor=request.user, merchant=merchant, scheme=form.cleaned_data["scheme"]
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("The declaration is started. Fill it in, then submit it."))
            return redirect("declaration-edit", pk=declaration.pk)
    return render(
        request, "merchants/declarations/create.html", {"merchant": merchant, "form": form}
    )


def _declaration_page_extras(declaration: Declaration) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for _receiver, context in declaration_page_context.send(
        sender=Declaration, declaration=declaration
    ):
        extras |= context
    return extras


@login_required
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = selectors.declaration_get(user=request.user, pk=pk)
    can_act = can_declare(request.user, declaration.merchant)
    supervisor = is_supervisor(request.user)
    allowed = declaration_services.TRANSITIONS[declaration.state]
    accepted = {c.pk for c in declaration.accepted_commitments.all()}
    events = list(declaration.events.all())
    in_review = declaration.state in IN_REVIEW_STATES
    show_reviewer = (
        declaration.reviewer_id is not None and declaration.state in REVIEWER_SHOWN_STATES
    )
    return render(
        request,
        "merchants/declarations/detail.html",
        {
            "declaration": declaration,
            "can_act": can_act,
            "is_supervisor": supervisor,
            "is_reviewer": request.user.is_platform_admin
            or (request.user.is_regulator and request.user.can_review),
            **_declaration_page_extras(declaration),
            # Merchants see failures, warnings and what to do; regulators see every check.
            "screening_audience": "regulator" if supervisor else "merchant",
            "in_review": in_review,
            "show_reviewer": show_reviewer,
            "reviewer_name": person_name(declaration.reviewer) if show_reviewer else "",
            "show_review_panel": declaration.submitted_at is not None
            and (in_review or show_reviewer or supervisor),
            "review_deadline_days": deadlines.review_days(),
            "can_edit": can_act and declaration.is_editable,
            "can_submit": can_act and DeclarationState.SUBMITTED in allowed,
            "can_withdraw": can_act and DeclarationState.WITHDRAWN in allowed,
            "commitments": [(c, c.pk in accepted) for c in declaration.scheme.commitments.all()],
            "detail_rows": declaration_detail_rows(declaration),
            "document_rows": selectors.declaration_document_rows(declaration),
            "missing": (
                declaration_services.declaration_missing_items(declaration)
                if declaration.is_editable
                else []
            ),
            "last_event": events[-1] if events else None,
            "attention_states": (DeclarationState.RETURNED, DeclarationState.SCREENING_FAILED),
            "withdraw_form": WithdrawForm(),
        },
    )


@login_required
def declaration_edit(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = _member_declaration(request, pk)
    if not declaration.is_editable:
        messages.error(request, _("Only a draft or a declaration sent back to you can be changed."))
        return redirect("declaration-detail", pk=declaration.pk)
    form = DeclarationForm(request.POST or None, request.FILES or None, declaration=declaration)
    if request.method == "POST" and form.is_valid():
        try:
            declaration_services.declaration_save_content(
                actor=request.user,
                declaration=declaration,
                commitments=form.cleaned_data["commitments"],
                details=form.details(),
                member_merchants=form.member_merchants(),
                uploads=form.uploads(),
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("The declaration is saved."))
            return redirect("declaration-detail", pk=declaration.pk)
    return render(
        request,
        "merchants/declarations/edit.html",
        {
            "declaration": declaration,
            "form": form,
            "document_fields": [
                (rd, form[form.document_field(rd.pk)], documents)
                for rd, documents in selectors.declaration_document_rows(declaration)
            ],
        },
    )


@require_POST
@login_required
def declaration_document_remove(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    declaration = _member_declaration(request, pk)
    document = get_object_or_404(declaration.documents.all(), pk=doc_pk)
    try:
        declaration_services.declaration_remove_document(actor=request.user, document=document)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("declaration-detail", pk=declaration.pk)
    messages.success(request, _("“%(name)s” is removed.") % {"name": document.original_name})
    return redirect("declaration-edit", pk=declaration.pk)


@require_POST
@login_required
def declaration_submit(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = _member_declaration(request, pk)
    try:
        declaration_services.declaration_submit(actor=request.user, declaration=declaration)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "The declaration is submitted. The automatic screening runs first, then a "
                "regulator reviews it."
            ),
        )
    return redirect("declaration-detail", pk=declaration.pk)


@require_POST
@login_required
def declaration_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = _member_declaration(request, pk)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"].strip() if form.is_valid() else ""
    try:
        declaration_services.declaration_withdraw(
            actor=request.user, declaration=declaration, reason=reason
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The declaration is withdrawn."))
    return redirect("declaration-detail", pk=declaration.pk)


@login_required
def declaration_document(request: HttpRequest, pk: int, doc_pk: int) -> FileResponse:
    """Documents are not served from MEDIA_URL: only people who may see the declaration get them."""
    declaration = selectors.declaration_get(user=request.user, pk=pk)
    document = get_object_or_404(declaration.documents.all(), pk=doc_pk)
    return attachment_response(
        document.file, filename=document.original_name, content_type=document.content_type
    )
