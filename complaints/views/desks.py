"""The merchant's complaint desk and the regulator's complaint queue.

Every complaint is looked up through a scoped selector: a merchant operator reaches only
complaints against their merchants, a handler only those of their region subtree; anything else
is a 404. The merchant never receives the consumer's raw phone or e-mail (masked_phone).

A complaint's page is one page for both desks (`Desk` says what differs), and so is every action
on it: `_desk_action` looks the complaint up, validates the form and calls the service.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from common import deadlines
from common.counts import bounded_count, count_text
from common.pages import KeysFirstPaginator, act, only_for
from common.uploads import attachment_response
from complaints.forms.desks import (
    ContactForm,
    DeclineForm,
    DeskFormMixin,
    DisputeForm,
    HandleDirectlyForm,
    LinkMerchantForm,
    MediationFailForm,
    MerchantSearchForm,
    MessageForm,
    ProposeForm,
    SettleForm,
    TransferForm,
    TransferOutForm,
    TransferRefuseForm,
)
from complaints.forms.return_calls import ReturnCallForm
from complaints.models import Complaint, ComplaintEvent
from complaints.models import ComplaintState as C
from complaints.permissions import can_handle, can_receive_transfer, is_complaint_handler
from complaints.selectors import complaints as selectors
from complaints.selectors.complaints import ComplaintQueueFilters, ComplaintQueueTab
from complaints.selectors.exports import EXPORT_LIMIT
from complaints.selectors.handling import merchant_link_candidates
from complaints.services import complaints as svc
from complaints.services import handling
from complaints.services.return_calls import complaint_return_call_record
from complaints.views import queue_tools
from merchants.models import User
from merchants.permissions import is_merchant_operator


@dataclass(frozen=True)
class Desk:
    """What differs between the two desks' pages of one complaint."""

    get: Callable[..., Complaint]  # the scoped selector: get(user=..., pk=...)
    template: str
    urls: str  # the desk's URL names: f"{urls}-detail", f"{urls}-message", …
    forms: dict[str, type[DeskFormMixin]]  # context name -> form class
    # What the page offers the reader in the complaint's state, and what else it shows.
    offers: Callable[[Complaint, User], dict[str, bool]]
    full_contact: bool  # the consumer's phone and e-mail, and who acted on the timeline
    extra: Callable[[HttpRequest, Complaint, dict[str, bool]], dict[str, Any]] = (
        lambda request, complaint, offers: {}
    )


MERCHANT_DESK = Desk(
    get=selectors.merchant_complaint_get,
    template="complaints/desk/merchant_detail.html",
    urls="complaint-merchant",
    forms={"propose_form": ProposeForm, "dispute_form": DisputeForm, "message_form": MessageForm},
    offers=lambda c, user: {"can_answer": c.state == C.WITH_MERCHANT},
    full_contact=False,
)


def _handler_offers(c: Complaint, user: User) -> dict[str, bool]:
    handles = can_handle(user, c)
    return {
        "can_claim": handles and c.handler_id is None and not c.is_closed,
        "can_decide": handles and c.state == C.SUBMITTED,
        "can_mediate": handles and c.state in (C.MEDIATION, C.DIRECT),
        "can_record_contact": handles and c.state in handling.CONTACT_STATES,
        "can_pass_to_merchant": handles and c.state == C.DIRECT and c.merchant_id is not None,
        "can_link": handles
        and not c.is_closed
        and c.state != C.TRANSFER_PENDING
        and (c.merchant_id is None or c.state in handling.RELINKABLE_STATES),
        "can_transfer": handles and c.state == C.SUBMITTED and c.merchant_id is None,
        "can_transfer_out": handles and c.state == C.SUBMITTED,
        "can_receive": c.state == C.TRANSFER_PENDING and can_receive_transfer(user, c),
    }


def _handler_extra(
    request: HttpRequest, complaint: Complaint, offers: dict[str, bool]
) -> dict[str, Any]:
    """The merchant search on the page (a GET: ?q=…), and the pending transfer's request."""
    search = MerchantSearchForm(request.GET if "q" in request.GET else None)
    query = search.cleaned_data["q"] if search.is_bound and search.is_valid() else ""
    found = (
        merchant_link_candidates(user=request.user, complaint=complaint, q=query)
        if offers["can_link"] and query
        else []
    )
    transfer_request = None
    if complaint.state == C.TRANSFER_PENDING:
        transfer_request = next(
            (e for e in reversed(complaint.events.all()) if e.to_state == C.TRANSFER_PENDING),
            None,
        )
    return {
        "search_form": search,
        "search_query": query,
        "merchant_results": found,
        "transfer_request": transfer_request,
    }


HANDLER_DESK = Desk(
    get=selectors.handler_complaint_get,
    template="complaints/desk/queue_detail.html",
    urls="complaint-queue",
    forms={
        "decline_form": DeclineForm,
        "settle_form": SettleForm,
        "fail_form": MediationFailForm,
        "message_form": MessageForm,
        "link_form": LinkMerchantForm,
        "direct_form": HandleDirectlyForm,
        "contact_form": ContactForm,
        "transfer_form": TransferForm,
        "transfer_out_form": TransferOutForm,
        "refuse_form": TransferRefuseForm,
        "return_call_form": ReturnCallForm,
    },
    offers=_handler_offers,
    full_contact=True,
    extra=_handler_extra,
)


def _desk_page(
    request: HttpRequest, desk: Desk, complaint: Complaint, **bound: forms.Form
) -> HttpResponse:
    offers = desk.offers(complaint, request.user)
    return render(
        request,
        desk.template,
        {
            "complaint": complaint,
            "late": selectors.complaint_is_late(complaint, timezone.localdate()),
            **offers,
            "can_message": not complaint.is_closed,
            **{
                name: bound.get(name) or form(user=request.user, complaint=complaint)
                for name, form in desk.forms.items()
            },
            **desk.extra(request, complaint, offers),
            "evidence_url": f"{desk.urls}-evidence",
            "message_url": f"{desk.urls}-message",
            "merchant_working_days": deadlines.COMPLAINT_MERCHANT_DAYS,
            "full_contact": desk.full_contact,
            "show_actors": desk.full_contact,
        },
    )


def _desk_detail(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    return _desk_page(request, desk, desk.get(user=request.user, pk=pk))


def _desk_action(
    request: HttpRequest,
    desk: Desk,
    pk: int,
    form_name: str | None,
    action: Callable[[Complaint, dict[str, Any]], object],
    success: str,
    then: str | None = None,
) -> HttpResponse:
    """One action on a complaint's page: an invalid form shows the page again with its errors;
    the service's refusal is flashed; either way back to the complaint (or to `then`, when the
    action takes the complaint out of the reader's reach)."""
    complaint = desk.get(user=request.user, pk=pk)
    form = (
        desk.forms[form_name](request.POST, user=request.user, complaint=complaint)
        if form_name
        else None
    )
    detail = reverse(f"{desk.urls}-detail", args=[complaint.pk])
    return act(
        request,
        lambda: action(complaint, form.cleaned_data if form is not None else {}),
        success,
        then=then or detail,
        form=form,
        invalid=lambda invalid: _desk_page(request, desk, complaint, **{form_name or "": invalid}),
        refused=detail,
    )


def _desk_evidence(request: HttpRequest, desk: Desk, pk: int, evidence_pk: int) -> FileResponse:
    complaint = desk.get(user=request.user, pk=pk)
    item = get_object_or_404(complaint.evidence.all(), pk=evidence_pk)
    return attachment_response(
        item.file, filename=item.original_name, content_type=item.content_type
    )


# The merchant's desk


merchant_operator_required = only_for(is_merchant_operator)


@merchant_operator_required
def merchant_desk(request: HttpRequest) -> HttpResponse:
    page = Paginator(
        selectors.merchant_complaint_list(user=request.user), selectors.QUEUE_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/desk/merchant_list.html",
        {"page": page, "today": timezone.localdate()},
    )


@merchant_operator_required
def merchant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_detail(request, MERCHANT_DESK, pk)


@require_POST
@merchant_operator_required
def merchant_propose(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        MERCHANT_DESK,
        pk,
        "propose_form",
        lambda c, data: svc.complaint_propose(
            actor=request.user, complaint=c, proposal=data["proposal"]
        ),
        _("Your proposal is sent to the consumer."),
    )


@require_POST
@merchant_operator_required
def merchant_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        MERCHANT_DESK,
        pk,
        "dispute_form",
        lambda c, data: svc.complaint_dispute(actor=request.user, complaint=c, text=data["text"]),
        _("The complaint goes to mediation by the regulator."),
    )


@require_POST
@merchant_operator_required
def merchant_message(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        MERCHANT_DESK,
        pk,
        "message_form",
        lambda c, data: svc.complaint_message(
            complaint=c, role=ComplaintEvent.Role.MERCHANT, text=data["text"], actor=request.user
        ),
        _("Your message is on the timeline."),
    )


@merchant_operator_required
def merchant_evidence(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    return _desk_evidence(request, MERCHANT_DESK, pk, evidence_pk)


# The regulator's queue


handler_required = only_for(is_complaint_handler)


@handler_required
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    query = queue_tools.queue_request(request)
    tab, form = query.tab, query.form
    # Filters with errors: the errors are shown over the unfiltered queue.
    filters = query.filters or ComplaintQueueFilters()
    counts = selectors.complaint_queue_counts(user=user, filters=filters)
    complaints = selectors.complaint_queue(user=user, tab=tab, filters=filters)
    page = KeysFirstPaginator(complaints, selectors.QUEUE_PAGE_SIZE, count=counts[tab]).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    rows = [(c, selectors.complaint_is_late(c, today)) for c in page.object_list]
    return render(
        request,
        "complaints/desk/queue.html",
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
                for value, label in ComplaintQueueTab.choices
            ],
            "page": page,
            "rows": rows,
            "region": None if user.is_platform_admin else user.region,
            "can_export": query.filters is not None,
            "export_limit": f"{EXPORT_LIMIT:,}",
            "export_truncated": query.filters is not None
            and _export_truncated(complaints, counts[tab], selectors.queue_count_bound(tab)),
        },
    )


def _export_truncated(complaints: QuerySet[Complaint], count: int, bound: int | None) -> bool:
    """Whether the tab holds more than a download does; a count past its bound ("10,000+") is
    read further, still bounded, only to tell."""
    if bound is not None and count > bound:
        count = bounded_count(complaints, EXPORT_LIMIT)
    return count > EXPORT_LIMIT


@handler_required
def queue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_detail(request, HANDLER_DESK, pk)


@require_POST
@handler_required
def queue_claim(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        HANDLER_DESK,
        pk,
        None,
        lambda c, data: svc.complaint_claim(actor=request.user, complaint=c),
        _("You handle this complaint now; it is under “Mine”."),
    )


@require_POST
@handler_required
def queue_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        HANDLER_DESK,
        pk,
        None,
        lambda c, data: svc.complaint_accept(actor=request.user, complaint=c),
        ngettext(
            "Accepted and passed to the merchant, who must answer within %(days)d working day.",
            "Accepted and passed to the merchant, who must answer within %(days)d working days.",
            deadlines.COMPLAINT_MERCHANT_DAYS,
        )
        % {"days": deadlines.COMPLAINT_MERCHANT_DAYS},
    )


@require_POST
@handler_required
def queue_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        HANDLER_DESK,
        pk,
        "decline_form",
        lambda c, data: svc.complaint_decline(
            actor=request.user, complaint=c, ground=data["ground"], text=data["text"]
        ),
        _("The complaint is declined."),
    )


@require_POST
@handler_required
def queue_settle(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        HANDLER_DESK,
        pk,
        "settle_form",
        lambda c, data: svc.complaint_settle(
            actor=request.user, complaint=c, agreement=data["agreement"]
        ),
        _("The complaint is settled."),
    )


@require_POST
@handler_required
def queue_fail(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        HANDLER_DESK,
        pk,
        "fail_form",
        lambda c, data: svc.complaint_mediation_fail(
            actor=request.user, complaint=c, text=data["text"]
        ),
        _("Mediation is recorded as failed; the complaint is closed."),
    )


@require_POST
@handler_required
def queue_message(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        HANDLER_DESK,
        pk,
        "message_form",
        lambda c, data: svc.complaint_message(
            complaint=c, role=ComplaintEvent.Role.REGULATOR, text=data["text"], actor=request.user
        ),
        _("Your message is on the timeline."),
    )


@require_POST
@handler_required
def queue_return_call(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        HANDLER_DESK,
        pk,
        "return_call_form",
        lambda c, data: complaint_return_call_record(actor=request.user, complaint=c, **data),
        _("The return call is recorded."),
    )


@handler_required
def queue_evidence(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    return _desk_evidence(request, HANDLER_DESK, pk, evidence_pk)


# Every complaint can be handled: linked to a merchant, handled directly, transferred


@require_POST
@handler_required
def queue_link(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        HANDLER_DESK,
        pk,
        "link_form",
        lambda c, data: handling.complaint_link_merchant(
            actor=request.user, complaint=c, merchant=data["merchant"]
        ),
        _("The complaint is linked to the registered merchant."),
    )


@require_POST
@handler_required
def queue_direct(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        HANDLER_DESK,
        pk,
        "direct_form",
        lambda c, data: handling.complaint_handle_directly(
            actor=request.user, complaint=c, text=data["text"]
        ),
        _(
            "Accepted: you handle the complaint directly with the business. Record each call "
            "or visit."
        ),
    )


@require_POST
@handler_required
def queue_contact(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        HANDLER_DESK,
        pk,
        "contact_form",
        lambda c, data: handling.complaint_contact_record(
            actor=request.user,
            complaint=c,
            method=data["method"],
            contacted_on=data["contacted_on"],
            summary=data["summary"],
        ),
        _("The contact is on the timeline."),
    )


@require_POST
@handler_required
def queue_pass(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        HANDLER_DESK,
        pk,
        None,
        lambda c, data: handling.complaint_pass_to_merchant(actor=request.user, complaint=c),
        ngettext(
            "Passed to the merchant, who must answer within %(days)d working day.",
            "Passed to the merchant, who must answer within %(days)d working days.",
            deadlines.COMPLAINT_MERCHANT_DAYS,
        )
        % {"days": deadlines.COMPLAINT_MERCHANT_DAYS},
    )


@require_POST
@handler_required
def queue_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        HANDLER_DESK,
        pk,
        "transfer_form",
        lambda c, data: handling.complaint_transfer(
            actor=request.user, complaint=c, county=data["county"], reason=data["reason"]
        ),
        _("The transfer is asked for: the other county's regulators accept or refuse it."),
    )


@require_POST
@handler_required
def queue_transfer_out(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        HANDLER_DESK,
        pk,
        "transfer_out_form",
        lambda c, data: handling.complaint_transfer_out(
            actor=request.user,
            complaint=c,
            authority=data["authority"],
            province=data["province"],
            reason=data["reason"],
        ),
        _("The complaint is recorded as transferred out of the province, and closed here."),
    )


@require_POST
@handler_required
def queue_transfer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        HANDLER_DESK,
        pk,
        None,
        lambda c, data: handling.complaint_transfer_accept(actor=request.user, complaint=c),
        _("Your county takes the complaint over: accept or decline it by its new decision date."),
    )


@require_POST
@handler_required
def queue_transfer_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _desk_action(
        request,
        HANDLER_DESK,
        pk,
        "refuse_form",
        lambda c, data: handling.complaint_transfer_refuse(
            actor=request.user, complaint=c, reason=data["reason"]
        ),
        _("The transfer is refused: the complaint stays in its county."),
        # Refused, the complaint is no longer in the receiving county's reach.
        then=reverse("complaint-queue") + f"?tab={ComplaintQueueTab.TRANSFERS}",
    )
