"""The consumer's side of complaints: intake (no account needed), the tracking page by token,
and the list of complaints attached to an account.

The tracking token is the secret that grants access: whoever holds the link may follow and act
on the complaint. Anything not reachable through that token is a 404.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.errors import DomainError
from common.messages import person_name
from common.net import client_ip
from common.pages import act, show_domain_error
from common.uploads import attachment_response
from complaints.forms.public import ComplaintForm, MerchantSearchForm, RateForm, ReasonForm
from complaints.models import (
    CLOSED_COMPLAINT_STATES,
    Complaint,
    ComplaintChannel,
    ComplaintEvent,
    ComplaintState,
)
from complaints.permissions import files_for_callers, may_hold_complaints
from complaints.selectors import complaints as selectors
from complaints.services import complaints as services
from merchants import selectors as merchant_selectors
from merchants.models import Region


def _counties() -> list[Region]:
    return [r for r in merchant_selectors.region_list() if r.level == Region.Level.COUNTY]


# Intake


def complaint_new(request: HttpRequest) -> HttpResponse:
    """The public form. A store's QR code opens it with channel=qr; a coordinator or hotline
    operator signed in is recorded as the one who lodged it (their own page offers channels)."""
    channel = ComplaintChannel.QR if request.GET.get("channel") == "qr" else ComplaintChannel.WEB
    user = request.user
    return complaint_intake_page(
        request,
        page_url=reverse("complaint-new"),
        lodged_by=user if files_for_callers(user) else None,
        channel=channel,
    )


def complaint_intake_page(
    request: HttpRequest,
    *,
    page_url: str,
    lodged_by: Any = None,
    channel: str | None = None,
    form_class: type[ComplaintForm] = ComplaintForm,
    form_kwargs: dict[str, Any] | None = None,
) -> HttpResponse:
    """Find the business, then the form: for the consumer themselves, or (channel None) for a
    caller, by a coordinator or hotline operator who chooses the channel on the form (their
    `form_class`, complaints.forms.filing, may add the liaison station)."""
    counties = _counties()
    for_caller = channel is None
    code = request.GET.get("merchant", "").strip()
    other = request.GET.get("other") == "1"
    merchant = None
    unknown_code = False
    if code:
        merchant = selectors.merchant_by_public_code(code)
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
        "page_url": page_url,
        "for_caller": for_caller,
        "lodged_by_staff": lodged_by is not None and not for_caller,
    }
    if merchant is None and not other:
        return render(request, "complaints/public/new.html", context)

    form = form_class(
        request.POST or None,
        request.FILES or None,
        merchant=merchant,
        counties=counties,
        for_caller=for_caller,
        initial=_own_contact(request.user) if lodged_by is None and not for_caller else None,
        **(form_kwargs or {}),
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
                    lodged_by=lodged_by,
                    channel=data["channel"] if for_caller else channel,
                    station=data.get("station"),
                    ip=client_ip(request),
                    language=translation.get_language(),
                )
            except DomainError as exc:
                show_domain_error(form, exc)
                files_lost = bool(data["evidence"])
            else:
                if for_caller:
                    return redirect(
                        reverse("complaint-filed-detail", args=[complaint.pk]) + "?new=1"
                    )
                url = reverse("complaint-track", args=[complaint.tracking_token])
                return redirect(f"{url}?new=1")
    elif request.method == "POST":
        files_lost = bool(request.FILES)
    context |= {"form": form, "duplicates": duplicates, "files_lost": files_lost}
    return render(request, "complaints/public/new.html", context)


def _own_contact(user: Any) -> dict[str, str]:
    """What the signed-in account knows of the person lodging for themselves: their name, phone
    and e-mail, offered as the form's initial values (they may change them)."""
    if not user.is_authenticated:
        return {}
    initial = {
        "complainant_name": person_name(user.last_name, user.first_name),
        "complainant_phone": user.phone,
        "complainant_email": user.email,
    }
    return {field: value for field, value in initial.items() if value}


# Tracking by token


def _actor(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def complaint_track(request: HttpRequest, token: str) -> HttpResponse:
    complaint = selectors.complaint_by_token(token)
    events = list(complaint.events.select_related("actor"))
    evidence = list(complaint.evidence.all())
    state = complaint.state
    is_open = state not in CLOSED_COMPLAINT_STATES
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
            "track_url": request.build_absolute_uri(_track_url(complaint)),
            "can_answer_proposal": state == ComplaintState.PROPOSED,
            "can_withdraw": ComplaintState.WITHDRAWN in services.TRANSITIONS[state],
            "can_reopen": services.complaint_can_reopen(complaint),
            "can_rate": services.complaint_can_rate(complaint),
            "can_message": is_open,
            "can_attach": complaint.consumer_id is None and may_hold_complaints(user),
            "roles": ComplaintEvent.Role,
            "ratings": range(1, 6),
        },
    )


def _text(request: HttpRequest) -> str:
    form = ReasonForm(request.POST)
    return form.cleaned_data["text"] if form.is_valid() else ""


def _track_url(complaint: Complaint) -> str:
    return reverse("complaint-track", args=[complaint.tracking_token])


def _on_track(
    request: HttpRequest, token: str, action: Callable[[Complaint], object], success: str
) -> HttpResponse:
    """One action from the tracking page: the service's refusal is flashed; back to the page."""
    complaint = selectors.complaint_by_token(token)
    return act(request, lambda: action(complaint), success, then=_track_url(complaint))


@require_POST
def complaint_accept_proposal(request: HttpRequest, token: str) -> HttpResponse:
    return _on_track(
        request,
        token,
        lambda c: services.complaint_accept_proposal(complaint=c, actor=_actor(request)),
        _("You accepted the proposal. The complaint is settled."),
    )


@require_POST
def complaint_reject_proposal(request: HttpRequest, token: str) -> HttpResponse:
    return _on_track(
        request,
        token,
        lambda c: services.complaint_reject_proposal(
            complaint=c, text=_text(request), actor=_actor(request)
        ),
        _("You rejected the proposal. The regulator will mediate."),
    )


@require_POST
def complaint_withdraw(request: HttpRequest, token: str) -> HttpResponse:
    return _on_track(
        request,
        token,
        lambda c: services.complaint_withdraw(
            complaint=c, text=_text(request), actor=_actor(request)
        ),
        _("You withdrew the complaint."),
    )


@require_POST
def complaint_reopen(request: HttpRequest, token: str) -> HttpResponse:
    return _on_track(
        request,
        token,
        lambda c: services.complaint_reopen(
            complaint=c, text=_text(request), actor=_actor(request)
        ),
        _("The complaint is reopened: the regulator will mediate."),
    )


@require_POST
def complaint_rate(request: HttpRequest, token: str) -> HttpResponse:
    complaint = selectors.complaint_by_token(token)
    form = RateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a rating from 1 to 5."))
        return redirect(_track_url(complaint))
    return act(
        request,
        lambda: services.complaint_rate(
            complaint=complaint,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        ),
        _("Thank you for rating the handling."),
        then=_track_url(complaint),
    )


@require_POST
def complaint_message(request: HttpRequest, token: str) -> HttpResponse:
    return _on_track(
        request,
        token,
        lambda c: services.complaint_message(
            complaint=c,
            role=ComplaintEvent.Role.CONSUMER,
            text=_text(request),
            actor=_actor(request),
        ),
        _("Your message was added."),
    )


@login_required
@require_POST
def complaint_attach(request: HttpRequest, token: str) -> HttpResponse:
    return _on_track(
        request,
        token,
        lambda c: services.complaint_attach_to_account(complaint=c, consumer=request.user),
        _("The complaint is now in your account."),
    )


def complaint_evidence(request: HttpRequest, token: str, pk: int) -> FileResponse:
    complaint = selectors.complaint_by_token(token)
    item = get_object_or_404(complaint.evidence.all(), pk=pk)
    return attachment_response(
        item.file, filename=item.original_name, content_type=item.content_type
    )


# The consumer's account


@login_required
def complaint_mine(request: HttpRequest) -> HttpResponse:
    complaints = selectors.consumer_complaint_list(user=request.user)
    return render(request, "complaints/public/mine.html", {"complaints": complaints})
