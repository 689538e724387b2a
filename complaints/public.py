"""The consumer's side of complaints: intake (no account needed), the tracking page by token,
and the list of complaints attached to an account.

The tracking token is the secret that grants access: whoever holds the link may follow and act
on the complaint. Anything not reachable through that token is a 404.
"""

import re
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common.errors import DomainError
from common.forms import BLANK, DATE_WIDGET, MultipleFileField, NoSuffixMixin
from common.uploads import attachment_response
from complaints import selectors, services
from complaints.models import (
    CLOSED_COMPLAINT_STATES,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintState,
)
from merchants import selectors as merchant_selectors
from merchants.forms import CountyChoiceField
from merchants.models import Merchant, Region

# Mobile: 11 digits starting 13-19. Landline: area code 0xx or 0xxx, then 7-8 digits.
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def _counties() -> list[Region]:
    return [r for r in merchant_selectors.region_list() if r.level == Region.Level.COUNTY]


def normalise_phone(value: str) -> str:
    """Strip spaces and a +86 prefix; keep one hyphen after a landline's area code."""
    phone = re.sub(r"[\s()]", "", value)
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("0086"):
        phone = phone[4:]
    if MOBILE_RE.match(phone.replace("-", "")):
        return phone.replace("-", "")
    if LANDLINE_RE.match(phone):
        return phone
    raise ValidationError(
        _(
            "Enter a mainland China phone number: a mobile such as 13812345678 or a landline "
            "with its area code such as 0571-87654321."
        ),
        code="phone",
    )


# Forms


class MerchantSearchForm(NoSuffixMixin, forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Business name or credit code"), max_length=100, required=False
    )

    def __init__(self, *args: Any, counties: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"] = CountyChoiceField(
            counties=counties, label=_("County or district"), required=False
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("q") or "").strip() and not data.get("county"):
            raise ValidationError(_("Type a name or credit code, or choose a county."))
        return data


class ComplaintForm(NoSuffixMixin, forms.Form):
    """What the consumer types. The merchant, when known, comes from the URL, not the form."""

    business_name = forms.CharField(label=gettext_lazy("Business name"), max_length=200)
    business_address = forms.CharField(
        label=gettext_lazy("Business address"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Street and number, or a landmark nearby."),
    )
    category = forms.ChoiceField(
        label=gettext_lazy("What kind of problem"), choices=[BLANK, *ComplaintCategory.choices]
    )
    description = forms.CharField(
        label=gettext_lazy("What happened"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    amount = forms.DecimalField(
        label=gettext_lazy("Amount paid (yuan)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    purchase_date = forms.DateField(
        label=gettext_lazy("Purchase date"), required=False, widget=DATE_WIDGET
    )
    wanted_outcome = forms.CharField(
        label=gettext_lazy("What you want"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("For example: a refund, a replacement, an apology."),
    )
    complainant_name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    complainant_phone = forms.CharField(
        label=gettext_lazy("Your phone"),
        max_length=20,
        widget=forms.TelInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    complainant_email = forms.EmailField(
        label=gettext_lazy("Your e-mail (optional)"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    consent_to_contact = forms.BooleanField(
        label=gettext_lazy("The regulator and the merchant may contact me about this complaint"),
        required=False,
    )
    evidence = MultipleFileField(
        label=gettext_lazy("Evidence (optional)"),
        required=False,
        help_text=gettext_lazy("Up to 5 files: photos (JPEG, PNG) or PDF, 10 MB each."),
    )
    confirm_duplicate = forms.BooleanField(
        label=gettext_lazy("Submit anyway: this is a different problem"), required=False
    )

    def __init__(
        self, *args: Any, merchant: Merchant | None, counties: list[Region], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.merchant = merchant
        if merchant is not None:
            del self.fields["business_name"], self.fields["business_address"]
        else:
            self.fields["county"] = CountyChoiceField(
                counties=counties, label=_("County or district of the business")
            )
            self.order_fields(["business_name", "business_address", "county"])

    def clean_complainant_phone(self) -> str:
        return normalise_phone(self.cleaned_data["complainant_phone"])

    def clean_evidence(self) -> list[Any]:
        files = self.cleaned_data["evidence"]
        if len(files) > services.MAX_EVIDENCE_FILES:
            raise ValidationError(
                _("Attach at most %(n)d evidence files.") % {"n": services.MAX_EVIDENCE_FILES}
            )
        return files


class ReasonForm(forms.Form):
    text = forms.CharField(max_length=5000, required=False)


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=[(n, str(n)) for n in range(1, 6)], coerce=int, label=gettext_lazy("Rating")
    )
    comment = forms.CharField(max_length=2000, required=False)


# Intake


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def complaint_new(request: HttpRequest) -> HttpResponse:
    counties = _counties()
    code = request.GET.get("merchant", "").strip()
    other = request.GET.get("other") == "1"
    merchant = None
    unknown_code = False
    if code:
        merchant = Merchant.objects.select_related("region").filter(public_code=code).first()
        unknown_code = merchant is None

    search_form = MerchantSearchForm(request.GET if "q" in request.GET else None, counties=counties)
    results = None
    if search_form.is_bound and search_form.is_valid():
        results = list(
            selectors.merchant_public_search(
                q=search_form.cleaned_data["q"], county=search_form.cleaned_data["county"]
            )
        )

    context: dict[str, Any] = {
        "merchant": merchant,
        "unknown_code": unknown_code,
        "search_form": search_form,
        "results": results,
        "other": other,
    }
    if merchant is None and not other:
        return render(request, "complaints/public/new.html", context)

    form = ComplaintForm(
        request.POST or None,
        request.FILES or None,
        merchant=merchant,
        counties=counties,
    )
    duplicates: list[Complaint] = []
    files_lost = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if merchant is not None and not data["confirm_duplicate"]:
            duplicates = services.complaint_likely_duplicates(
                phone=data["complainant_phone"], merchant=merchant
            )
        if duplicates:
            files_lost = bool(data["evidence"])
        else:
            try:
                complaint = services.complaint_submit(
                    merchant=merchant,
                    region=data.get("county"),
                    business_name=data.get("business_name", ""),
                    business_address=data.get("business_address", ""),
                    category=data["category"],
                    description=data["description"],
                    wanted_outcome=data["wanted_outcome"],
                    complainant_name=data["complainant_name"],
                    complainant_phone=data["complainant_phone"],
                    complainant_email=data["complainant_email"],
                    consent_to_contact=data["consent_to_contact"],
                    amount=data["amount"],
                    purchase_date=data["purchase_date"],
                    evidence=data["evidence"],
                    consumer=request.user if request.user.is_authenticated else None,
                    ip=_client_ip(request),
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                files_lost = bool(data["evidence"])
            else:
                url = reverse("complaint-track", args=[complaint.tracking_token])
                return redirect(f"{url}?new=1")
    elif request.method == "POST":
        files_lost = bool(request.FILES)
    context |= {"form": form, "duplicates": duplicates, "files_lost": files_lost}
    return render(request, "complaints/public/new.html", context)


# Tracking by token


def _complaint_by_token(token: str) -> Complaint:
    return get_object_or_404(
        Complaint.objects.select_related("merchant", "region"), tracking_token=token
    )


def _actor(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def complaint_track(request: HttpRequest, token: str) -> HttpResponse:
    complaint = _complaint_by_token(token)
    events = list(complaint.events.all())
    evidence = list(complaint.evidence.all())
    state = complaint.state
    is_open = state not in CLOSED_COMPLAINT_STATES
    can_reopen = (
        state == ComplaintState.SETTLED
        and complaint.closed_at is not None
        and timezone.now() - complaint.closed_at <= timedelta(days=services.REOPEN_DAYS)
    )
    user = request.user
    deadlines = []
    if state == ComplaintState.SUBMITTED and complaint.accept_due:
        deadlines.append((_("The regulator decides by"), complaint.accept_due))
    if state in (ComplaintState.WITH_MERCHANT, ComplaintState.PROPOSED) and complaint.merchant_due:
        deadlines.append((_("The merchant answers by"), complaint.merchant_due))
    if is_open and complaint.close_due:
        deadlines.append((_("Handling ends by"), complaint.close_due))
    return render(
        request,
        "complaints/public/track.html",
        {
            "complaint": complaint,
            "events": events,
            "evidence": evidence,
            "deadlines": deadlines,
            "is_open": is_open,
            "is_new": request.GET.get("new") == "1",
            "track_url": request.build_absolute_uri(
                reverse("complaint-track", args=[complaint.tracking_token])
            ),
            "can_answer_proposal": state == ComplaintState.PROPOSED,
            "can_withdraw": ComplaintState.WITHDRAWN in services.TRANSITIONS[state],
            "can_reopen": can_reopen,
            "can_rate": complaint.is_closed and complaint.rating is None,
            "can_message": is_open,
            "can_attach": user.is_authenticated and complaint.consumer_id is None,
            "roles": ComplaintEvent.Role,
            "ratings": range(1, 6),
        },
    )


def _done(request: HttpRequest, complaint: Complaint, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("complaint-track", token=complaint.tracking_token)


def _refused(request: HttpRequest, complaint: Complaint, exc: DomainError) -> HttpResponse:
    messages.error(request, exc.message)
    return redirect("complaint-track", token=complaint.tracking_token)


def _text(request: HttpRequest) -> str:
    form = ReasonForm(request.POST)
    return form.cleaned_data["text"] if form.is_valid() else ""


@require_POST
def complaint_accept_proposal(request: HttpRequest, token: str) -> HttpResponse:
    complaint = _complaint_by_token(token)
    try:
        services.complaint_accept_proposal(complaint=complaint, actor=_actor(request))
    except DomainError as exc:
        return _refused(request, complaint, exc)
    return _done(request, complaint, _("You accepted the proposal. The complaint is settled."))


@require_POST
def complaint_reject_proposal(request: HttpRequest, token: str) -> HttpResponse:
    complaint = _complaint_by_token(token)
    try:
        services.complaint_reject_proposal(
            complaint=complaint, text=_text(request), actor=_actor(request)
        )
    except DomainError as exc:
        return _refused(request, complaint, exc)
    return _done(request, complaint, _("You rejected the proposal. The regulator will mediate."))


@require_POST
def complaint_withdraw(request: HttpRequest, token: str) -> HttpResponse:
    complaint = _complaint_by_token(token)
    try:
        services.complaint_withdraw(complaint=complaint, text=_text(request), actor=_actor(request))
    except DomainError as exc:
        return _refused(request, complaint, exc)
    return _done(request, complaint, _("You withdrew the complaint."))


@require_POST
def complaint_reopen(request: HttpRequest, token: str) -> HttpResponse:
    complaint = _complaint_by_token(token)
    try:
        services.complaint_reopen(complaint=complaint, text=_text(request), actor=_actor(request))
    except DomainError as exc:
        return _refused(request, complaint, exc)
    return _done(request, complaint, _("The complaint is reopened: the regulator will mediate."))


@require_POST
def complaint_rate(request: HttpRequest, token: str) -> HttpResponse:
    complaint = _complaint_by_token(token)
    form = RateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a rating from 1 to 5."))
        return redirect("complaint-track", token=token)
    try:
        services.complaint_rate(
            complaint=complaint,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        return _refused(request, complaint, exc)
    return _done(request, complaint, _("Thank you for rating the handling."))


@require_POST
def complaint_message(request: HttpRequest, token: str) -> HttpResponse:
    complaint = _complaint_by_token(token)
    try:
        services.complaint_message(
            complaint=complaint,
            role=ComplaintEvent.Role.CONSUMER,
            text=_text(request),
            actor=_actor(request),
        )
    except DomainError as exc:
        return _refused(request, complaint, exc)
    return _done(request, complaint, _("Your message was added."))


@login_required
@require_POST
def complaint_attach(request: HttpRequest, token: str) -> HttpResponse:
    complaint = _complaint_by_token(token)
    try:
        services.complaint_attach_to_account(complaint=complaint, consumer=request.user)
    except DomainError as exc:
        return _refused(request, complaint, exc)
    return _done(request, complaint, _("The complaint is now in your account."))


def complaint_evidence(request: HttpRequest, token: str, pk: int) -> FileResponse:
    complaint = _complaint_by_token(token)
    item = get_object_or_404(complaint.evidence.all(), pk=pk)
    return attachment_response(
        item.file, filename=item.original_name, content_type=item.content_type
    )


# The consumer's account


@login_required
def complaint_mine(request: HttpRequest) -> HttpResponse:
    complaints = Complaint.objects.filter(consumer=request.user).select_related("merchant")
    return render(request, "complaints/public/mine.html", {"complaints": complaints})
