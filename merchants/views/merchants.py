"""A merchant's pages: registration, the profile, and its staff (invitations and memberships)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.errors import DomainError
from common.pages import show_domain_error
from merchants import selectors
from merchants.forms.merchants import (
    CountyChangeDecisionForm,
    CountyChangeRequestForm,
    InvitationForm,
    MerchantProfileForm,
    MerchantRegisterForm,
    permit_formset,
)
from merchants.models import CountyChangeRequest, Membership, Merchant, User
from merchants.permissions import (
    can_decide_county_change,
    is_supervisor,
    may_export_history,
    membership_role,
)
from merchants.services import merchants as merchant_services


def member_merchant(request: HttpRequest, pk: int, *, owner: bool = False) -> Merchant:
    """A merchant the user works for (as an owner, if `owner`); any other is a 404."""
    merchant = selectors.merchant_get(user=request.user, pk=pk)
    role = membership_role(request.user, merchant)
    if role is None or (owner and role != Membership.Role.OWNER):
        raise Http404
    return merchant


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
            show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(merchant)s is registered and you are its owner.") % {"merchant": merchant},
            )
            return redirect("merchant-detail", pk=merchant.pk)
    return render(
        request,
        "merchants/merchants/form.html",
        {"form": form, "permits": permits, "merchant": None},
    )


@login_required
def merchant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    merchant = selectors.merchant_get(user=request.user, pk=pk)
    role = membership_role(request.user, merchant)
    return render(
        request,
        "merchants/merchants/detail.html",
        {
            "merchant": merchant,
            "permits": merchant.permits.all(),
            "declarations": merchant.declarations.select_related("scheme"),
            "memberships": selectors.membership_list(merchant=merchant),
            "is_member": role is not None,
            "is_owner": role == Membership.Role.OWNER,
            "may_export": may_export_history(request.user, merchant),
            # Coordinators' visits (review's pages) are for supervisors, never its people.
            "sees_visits": role is None and is_supervisor(request.user),
        },
    )


@login_required
def merchant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    merchant = member_merchant(request, pk, owner=True)
    form = MerchantProfileForm(request.POST or None, merchant=merchant)
    permits = permit_formset(request.POST or None, merchant=merchant)
    if request.method == "POST" and all([form.is_valid(), permits.is_valid()]):
        try:
            merchant_services.merchant_update(
                actor=request.user, merchant=merchant, permits=permits.permits(), **form.profile()
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("The profile is saved."))
            return redirect("merchant-detail", pk=merchant.pk)
    return render(
        request,
        "merchants/merchants/form.html",
        {"form": form, "permits": permits, "merchant": merchant},
    )


@login_required
def merchant_staff(request: HttpRequest, pk: int) -> HttpResponse:
    merchant = member_merchant(request, pk, owner=True)
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
            show_domain_error(form, exc)
        else:
            messages.success(
                request, _("An invitation was sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("merchant-staff", pk=merchant.pk)
    return render(
        request,
        "merchants/merchants/staff.html",
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
    merchant = member_merchant(request, pk, owner=True)
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
    merchant = member_merchant(request, pk, owner=True)
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
        return render(
            request, "merchants/merchants/invitation_accept.html", {"invitation": None}, status=404
        )
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
    try:
        merchant_services.require_may_accept(request.user, invitation)
    except DomainError as exc:
        refusal = exc.message
    else:
        refusal = None
    return render(
        request,
        "merchants/merchants/invitation_accept.html",
        {"invitation": invitation, "refusal": refusal},
    )


@login_required
def county_change_request(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner's county change: the request form and the merchant's past requests."""
    merchant = member_merchant(request, pk, owner=True)
    requests = selectors.county_change_list_for_merchant(merchant=merchant)
    open_request = next(
        (r for r in requests if r.state == CountyChangeRequest.State.REQUESTED), None
    )
    form = CountyChangeRequestForm(request.POST or None, merchant=merchant)
    if request.method == "POST" and open_request is None and form.is_valid():
        try:
            merchant_services.county_change_request(
                actor=request.user,
                merchant=merchant,
                to_region=form.cleaned_data["to_region"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("The county change is requested; the new county's regulators decide it."),
            )
            return redirect("merchant-county-change", pk=merchant.pk)
    return render(
        request,
        "merchants/merchants/county_change.html",
        {
            "merchant": merchant,
            "form": form,
            "requests": requests,
            "open_request": open_request,
        },
    )


@login_required
def regulator_county_changes(request: HttpRequest) -> HttpResponse:
    """County change requests into the regulator's region: approve or refuse each."""
    if not is_supervisor(request.user):
        raise Http404
    return render(
        request,
        "merchants/regulator/county_changes.html",
        {
            "requests": selectors.county_change_list_for_regulator(user=request.user)[:200],
            "form": CountyChangeDecisionForm(),
        },
    )


@require_POST
@login_required
def county_change_decide(request: HttpRequest, request_pk: int) -> HttpResponse:
    change = get_object_or_404(
        selectors.county_change_list_for_regulator(user=request.user), pk=request_pk
    )
    if not can_decide_county_change(request.user, change):
        raise Http404
    form = CountyChangeDecisionForm(request.POST)
    approve = request.POST.get("decision") == "approve"
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        merchant_services.county_change_decide(
            actor=request.user, request=change, approve=approve, note=note
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            (
                _("%(merchant)s now belongs to %(county)s.")
                if approve
                else _("The county change of %(merchant)s is refused.")
            )
            % {"merchant": change.merchant, "county": change.to_region.name},
        )
    return redirect("regulator-county-changes")
