"""HTML pages: a scoped object from a selector, a form, one service call, a message, a redirect.

Anything outside the user's scope is a 404, never a 403: a page does not confirm that an object
it will not show exists.
"""

from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from common import deadlines
from common.errors import DomainError
from common.pages import only_for
from common.uploads import attachment_response
from merchants import selectors
from merchants.forms import (
    DeclarationCreateForm,
    DeclarationFilterForm,
    DeclarationForm,
    InvitationForm,
    MerchantFilterForm,
    MerchantProfileForm,
    MerchantRegisterForm,
    SignUpForm,
    WithdrawForm,
    declaration_detail_rows,
    permit_formset,
)
from merchants.models import (
    Declaration,
    DeclarationDocument,
    DeclarationEvent,
    DeclarationState,
    Membership,
    Merchant,
    Notification,
    Region,
    User,
)
from merchants.permissions import can_declare, membership_role
from merchants.services import accounts as account_services
from merchants.services import declarations as declaration_services
from merchants.services import merchants as merchant_services
from merchants.services.notifications import notification_mark_read
from merchants.signals import declaration_page_context

LIST_PAGE_SIZE = 50
INBOX_PAGE_SIZE = 30

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


def _is_supervisor(user: User) -> bool:
    """Regulators and coordinators (bound to a region) and platform admins."""
    return user.is_regulator or user.is_coordinator or user.is_platform_admin


def _person_name(user: User) -> str:
    family, given = user.last_name.strip(), user.first_name.strip()
    if not (family or given):
        return user.get_username()
    # Chinese names are written family name first, with no space between.
    if any("\u4e00" <= ch <= "\u9fff" for ch in family + given):
        return family + given
    return f"{given} {family}".strip()


supervisor_required = only_for(_is_supervisor)


def _show_domain_error(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _member_merchant(request: HttpRequest, pk: int, *, owner: bool = False) -> Merchant:
    merchant = selectors.merchant_get(user=request.user, pk=pk)
    role = membership_role(request.user, merchant)
    if role is None or (owner and role != Membership.Role.OWNER):
        raise Http404
    return merchant


def _member_declaration(request: HttpRequest, pk: int) -> Declaration:
    declaration = selectors.declaration_get(user=request.user, pk=pk)
    if not can_declare(request.user, declaration.merchant):
        raise Http404
    return declaration


# Home and accounts


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "merchants/home.html")


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = account_services.user_sign_up(
            username=data["username"],
            email=data["email"],
            password=data["password1"],
            role=data["role"],
            phone=data["phone"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome, %(name)s. Your account is ready.") % {"name": user})
        if user.role == User.Role.MERCHANT:
            return redirect("merchant-register")
        return redirect("dashboard")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    if _is_supervisor(user):
        return redirect("regulator-declarations")
    merchants = list(
        selectors.merchant_list_for_member(user=user).prefetch_related(
            Prefetch(
                "declarations__events",
                queryset=DeclarationEvent.objects.order_by("created_at", "id"),
            ),
            "declarations__reviewer",
        )
    )
    for merchant in merchants:
        for declaration in merchant.declarations.all():
            events = list(declaration.events.all())
            declaration.last_reason = events[-1].reason if events else ""
            declaration.reviewer_name = (
                _person_name(declaration.reviewer) if declaration.reviewer_id else ""
            )
    return render(
        request,
        "merchants/dashboard.html",
        {
            "merchants": merchants,
            "in_review_states": IN_REVIEW_STATES,
            "reviewer_shown_states": REVIEWER_SHOWN_STATES,
        },
    )


# Merchants


def _can_register_merchant(user: User) -> bool:
    return user.role in (User.Role.CONSUMER, User.Role.MERCHANT)


@login_required
def merchant_register(request: HttpRequest) -> HttpResponse:
    if not _can_register_merchant(request.user):
        raise Http404
    form = MerchantRegisterForm(request.POST or None)
    permits = permit_formset(request.POST or None)
    if request.method == "POST" and all([form.is_valid(), permits.is_valid()]):
        try:
            merchant = merchant_services.merchant_register(
                actor=request.user,
                uscc=form.cleaned_data["uscc"],
                permits=permits.permits(),
                **form.profile(),
            )
        except DomainError as exc:
            _show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(merchant)s is registered and you are its owner.") % {"merchant": merchant},
            )
            return redirect("merchant-detail", pk=merchant.pk)
    return render(
        request,
        "merchants/merchant_form.html",
        {"form": form, "permits": permits, "merchant": None},
    )


@login_required
def merchant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    merchant = selectors.merchant_get(user=request.user, pk=pk)
    role = membership_role(request.user, merchant)
    return render(
        request,
        "merchants/merchant_detail.html",
        {
            "merchant": merchant,
            "permits": merchant.permits.all(),
            "declarations": merchant.declarations.select_related("scheme"),
            "memberships": selectors.membership_list(merchant=merchant),
            "is_member": role is not None,
            "is_owner": role == Membership.Role.OWNER,
        },
    )


@login_required
def merchant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    merchant = _member_merchant(request, pk, owner=True)
    form = MerchantProfileForm(request.POST or None, merchant=merchant)
    permits = permit_formset(request.POST or None, merchant=merchant)
    if request.method == "POST" and all([form.is_valid(), permits.is_valid()]):
        try:
            merchant_services.merchant_update(
                actor=request.user, merchant=merchant, permits=permits.permits(), **form.profile()
            )
        except DomainError as exc:
            _show_domain_error(form, exc)
        else:
            messages.success(request, _("The profile is saved."))
            return redirect("merchant-detail", pk=merchant.pk)
    return render(
        request,
        "merchants/merchant_form.html",
        {"form": form, "permits": permits, "merchant": merchant},
    )


@login_required
def merchant_staff(request: HttpRequest, pk: int) -> HttpResponse:
    merchant = _member_merchant(request, pk, owner=True)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = merchant_services.invitation_create(
                actor=request.user,
                merchant=merchant,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except DomainError as exc:
            _show_domain_error(form, exc)
        else:
            messages.success(
                request, _("An invitation was sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("merchant-staff", pk=merchant.pk)
    return render(
        request,
        "merchants/merchant_staff.html",
        {
            "merchant": merchant,
            "form": form,
            "memberships": selectors.membership_list(merchant=merchant),
            "invitations": selectors.invitation_list_pending(merchant=merchant),
        },
    )


@require_POST
@login_required
def invitation_revoke(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    merchant = _member_merchant(request, pk, owner=True)
    invitation = get_object_or_404(
        selectors.invitation_list_pending(merchant=merchant), pk=invitation_pk
    )
    try:
        merchant_services.invitation_revoke(actor=request.user, invitation=invitation)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The invitation to %(email)s is revoked.") % {"email": invitation.email}
        )
    return redirect("merchant-staff", pk=merchant.pk)


@require_POST
@login_required
def membership_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    merchant = _member_merchant(request, pk, owner=True)
    membership = get_object_or_404(selectors.membership_list(merchant=merchant), pk=membership_pk)
    try:
        merchant_services.membership_remove(actor=request.user, membership=membership)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("merchant-staff", pk=merchant.pk)
    messages.success(
        request,
        _("%(user)s no longer works for %(merchant)s.")
        % {"user": membership.user, "merchant": merchant},
    )
    if membership.user_id == request.user.pk:
        return redirect("dashboard")
    return redirect("merchant-staff", pk=merchant.pk)


@login_required
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_get_by_token(token=token)
    if invitation is None or not invitation.is_usable:
        return render(request, "merchants/invitation_accept.html", {"invitation": None}, status=404)
    if request.method == "POST":
        try:
            membership = merchant_services.invitation_accept(actor=request.user, token=token)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("invitation-accept", token=token)
        messages.success(
            request,
            _("You now work for %(merchant)s as %(role)s.")
            % {"merchant": membership.merchant, "role": membership.get_role_display()},
        )
        return redirect("merchant-detail", pk=membership.merchant_id)
    return render(request, "merchants/invitation_accept.html", {"invitation": invitation})


# Declarations


@login_required
def declaration_create(request: HttpRequest, pk: int) -> HttpResponse:
    merchant = _member_merchant(request, pk)
    form = DeclarationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            declaration = declaration_services.declaration_create(
                actor=request.user, merchant=merchant, scheme=form.cleaned_data["scheme"]
            )
        except DomainError as exc:
            _show_domain_error(form, exc)
        else:
            messages.success(request, _("The declaration is started. Fill it in, then submit it."))
            return redirect("declaration-edit", pk=declaration.pk)
    return render(
        request, "merchants/declaration_create.html", {"merchant": merchant, "form": form}
    )


def _document_rows(declaration: Declaration) -> list[tuple[Any, list[DeclarationDocument]]]:
    attached: dict[int, list[DeclarationDocument]] = defaultdict(list)
    for document in declaration.documents.all():
        attached[document.required_document_id].append(document)
    return [(rd, attached[rd.pk]) for rd in declaration.scheme.required_documents.all()]


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
    is_supervisor = _is_supervisor(request.user)
    allowed = declaration_services.TRANSITIONS[declaration.state]
    accepted = {c.pk for c in declaration.accepted_commitments.all()}
    events = list(declaration.events.all())
    in_review = declaration.state in IN_REVIEW_STATES
    show_reviewer = (
        declaration.reviewer_id is not None and declaration.state in REVIEWER_SHOWN_STATES
    )
    return render(
        request,
        "merchants/declaration_detail.html",
        {
            "declaration": declaration,
            "can_act": can_act,
            "is_supervisor": is_supervisor,
            "is_reviewer": request.user.is_platform_admin
            or (request.user.is_regulator and request.user.can_review),
            **_declaration_page_extras(declaration),
            # Merchants see failures, warnings and what to do; regulators see every check.
            "screening_audience": "regulator" if is_supervisor else "merchant",
            "in_review": in_review,
            "show_reviewer": show_reviewer,
            "reviewer_name": _person_name(declaration.reviewer) if show_reviewer else "",
            "show_review_panel": declaration.submitted_at is not None
            and (in_review or show_reviewer or is_supervisor),
            "review_deadline_days": deadlines.review_days(),
            "can_edit": can_act and declaration.is_editable,
            "can_submit": can_act and DeclarationState.SUBMITTED in allowed,
            "can_withdraw": can_act and DeclarationState.WITHDRAWN in allowed,
            "commitments": [(c, c.pk in accepted) for c in declaration.scheme.commitments.all()],
            "detail_rows": declaration_detail_rows(declaration),
            "document_rows": _document_rows(declaration),
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
            _show_domain_error(form, exc)
        else:
            messages.success(request, _("The declaration is saved."))
            return redirect("declaration-detail", pk=declaration.pk)
    return render(
        request,
        "merchants/declaration_edit.html",
        {
            "declaration": declaration,
            "form": form,
            "document_fields": [
                (rd, form[form.document_field(rd.pk)], documents)
                for rd, documents in _document_rows(declaration)
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


# Inbox


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(user=request.user).select_related("merchant")
    page = Paginator(notifications, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "merchants/inbox.html", {"page": page})


@require_POST
@login_required
def inbox_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's own notifications read, then go where it points."""
    notification = get_object_or_404(Notification.objects.filter(user=request.user), pk=pk)
    notification_mark_read(user=request.user, notification_ids=[notification.pk])
    # Links are site paths written by the platform; anything else falls back to the inbox.
    if notification.link and url_has_allowed_host_and_scheme(
        notification.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notification.link)
    return redirect("inbox")


@require_POST
@login_required
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    count = notification_mark_read(user=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d message is marked as read.",
                "%(count)d messages are marked as read.",
                count,
            )
            % {"count": count},
        )
    return redirect("inbox")


# Regulator lists (read-only)


def _supervised_counties(user: User) -> list[Region]:
    counties = selectors.region_list().filter(level=Region.Level.COUNTY)
    if not user.is_platform_admin:
        counties = counties.filter(code__startswith=user.region.prefix)
    return list(counties)


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, LIST_PAGE_SIZE).get_page(request.GET.get("page"))


@supervisor_required
def regulator_merchants(request: HttpRequest) -> HttpResponse:
    form = MerchantFilterForm(request.GET or None, counties=_supervised_counties(request.user))
    merchants = selectors.merchant_list(user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["county"]:
            merchants = merchants.filter(region=data["county"])
        if data["industry"]:
            merchants = merchants.filter(industry=data["industry"])
        if query := data["q"].strip():
            merchants = merchants.filter(
                Q(name__icontains=query) | Q(uscc__startswith=query.upper())
            )
    return render(
        request,
        "merchants/regulator_merchants.html",
        {"form": form, "page": _page(request, merchants)},
    )


@supervisor_required
def regulator_declarations(request: HttpRequest) -> HttpResponse:
    form = DeclarationFilterForm(request.GET or None, counties=_supervised_counties(request.user))
    declarations = selectors.declaration_list(user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["state"]:
            declarations = declarations.filter(state=data["state"])
        if data["scheme"]:
            declarations = declarations.filter(scheme=data["scheme"])
        if data["county"]:
            declarations = declarations.filter(merchant__region=data["county"])
    return render(
        request,
        "merchants/regulator_declarations.html",
        {"form": form, "page": _page(request, declarations)},
    )
