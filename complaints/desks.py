"""The merchant's complaint desk and the regulator's complaint queue: forms and views.

Every complaint is looked up through a scoped selector: a merchant operator reaches only
complaints against their merchants, a handler only those of their region subtree; anything else
is a 404. The merchant never receives the consumer's raw phone or e-mail (masked_phone).
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common.errors import DomainError
from common.forms import BLANK, NoSuffixMixin
from common.pages import CountedPaginator, only_for
from common.uploads import attachment_response
from complaints import selectors
from complaints import services as svc
from complaints.models import Complaint, ComplaintCategory, ComplaintEvent, DeclineGround
from complaints.models import ComplaintState as C
from complaints.selectors import ComplaintQueueFilters, ComplaintQueueTab
from merchants.forms import CountyChoiceField
from merchants.models import Region
from merchants.permissions import is_merchant_operator

TEXT_MAX = 4000

# Forms


def _text(label: Any, *, required_message: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX,
        strip=True,
        error_messages={"required": required_message},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QueueFilterForm(NoSuffixMixin, forms.Form):
    tab = forms.ChoiceField(
        choices=ComplaintQueueTab.choices, required=False, widget=forms.HiddenInput
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        required=False,
        choices=[BLANK, *ComplaintCategory.choices],
    )
    county = forms.ChoiceField(label=gettext_lazy("County"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def __init__(self, *args: Any, counties: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"] = CountyChoiceField(
            counties=counties, label=self.fields["county"].label, required=False
        )

    def filters(self) -> ComplaintQueueFilters:
        data = self.cleaned_data
        return ComplaintQueueFilters(
            category=data["category"], region=data["county"], overdue=data["overdue"]
        )


class DeclineForm(NoSuffixMixin, forms.Form):
    ground = forms.ChoiceField(
        label=gettext_lazy("Legal ground"),
        choices=[BLANK, *DeclineGround.choices],
        error_messages={"required": gettext_lazy("Choose the legal ground for declining.")},
    )
    text = forms.CharField(
        label=gettext_lazy("Explanation (required for “Other”)"),
        required=False,
        max_length=TEXT_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SettleForm(NoSuffixMixin, forms.Form):
    agreement = _text(
        gettext_lazy("Agreement"), required_message=gettext_lazy("Write down the agreement.")
    )


class MediationFailForm(NoSuffixMixin, forms.Form):
    text = _text(
        gettext_lazy("Why mediation failed"),
        required_message=gettext_lazy("Say why mediation failed."),
    )


class ProposeForm(NoSuffixMixin, forms.Form):
    proposal = _text(
        gettext_lazy("Settlement you propose"),
        required_message=gettext_lazy("Describe the settlement you propose."),
    )


class DisputeForm(NoSuffixMixin, forms.Form):
    text = _text(
        gettext_lazy("Why you dispute the complaint"),
        required_message=gettext_lazy("Explain why you dispute the complaint."),
    )


class MessageForm(NoSuffixMixin, forms.Form):
    text = _text(gettext_lazy("Message"), required_message=gettext_lazy("Write a message."))


# Shared


def _act(
    request: HttpRequest, action: Callable[[], Any], success: str, *, then: str
) -> HttpResponse:
    """Run one service call; its refusal is shown as a message. Redirect either way."""
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(then)


def _evidence_response(complaint: Complaint, evidence_pk: int) -> FileResponse:
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


def _merchant_page(
    request: HttpRequest, complaint: Complaint, **forms_: forms.Form
) -> HttpResponse:
    answering = complaint.state == C.WITH_MERCHANT
    return render(
        request,
        "complaints/desk/merchant_detail.html",
        {
            "complaint": complaint,
            "late": selectors.complaint_is_late(complaint, timezone.localdate()),
            "can_answer": answering,
            "can_message": not complaint.is_closed,
            "propose_form": forms_.get("propose_form") or ProposeForm(),
            "dispute_form": forms_.get("dispute_form") or DisputeForm(),
            "message_form": forms_.get("message_form") or MessageForm(),
            "evidence_url": "complaint-merchant-evidence",
        },
    )


@merchant_operator_required
def merchant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.merchant_complaint_get(user=request.user, pk=pk)
    return _merchant_page(request, complaint)


def _merchant_action(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    form_name: str,
    action: Callable[[Complaint, dict[str, Any]], Any],
    success: str,
) -> HttpResponse:
    complaint = selectors.merchant_complaint_get(user=request.user, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return _merchant_page(request, complaint, **{form_name: form})
    return _act(
        request,
        lambda: action(complaint, form.cleaned_data),
        success,
        then=reverse("complaint-merchant-detail", args=[complaint.pk]),
    )


@require_POST
@merchant_operator_required
def merchant_propose(request: HttpRequest, pk: int) -> HttpResponse:
    return _merchant_action(
        request,
        pk,
        ProposeForm,
        "propose_form",
        lambda c, data: svc.complaint_propose(
            actor=request.user, complaint=c, proposal=data["proposal"]
        ),
        _("Your proposal is sent to the consumer."),
    )


@require_POST
@merchant_operator_required
def merchant_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    return _merchant_action(
        request,
        pk,
        DisputeForm,
        "dispute_form",
        lambda c, data: svc.complaint_dispute(actor=request.user, complaint=c, text=data["text"]),
        _("The complaint goes to mediation by the regulator."),
    )


@require_POST
@merchant_operator_required
def merchant_message(request: HttpRequest, pk: int) -> HttpResponse:
    return _merchant_action(
        request,
        pk,
        MessageForm,
        "message_form",
        lambda c, data: svc.complaint_message(
            complaint=c, role=ComplaintEvent.Role.MERCHANT, text=data["text"], actor=request.user
        ),
        _("Your message is on the timeline."),
    )


@merchant_operator_required
def merchant_evidence(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    complaint = selectors.merchant_complaint_get(user=request.user, pk=pk)
    return _evidence_response(complaint, evidence_pk)


# The regulator's queue


handler_required = only_for(selectors.is_complaint_handler)


@handler_required
def queue(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab") or ComplaintQueueTab.NEW
    if tab not in ComplaintQueueTab.values:
        raise Http404
    user = request.user
    form = QueueFilterForm(
        request.GET or None, counties=selectors.complaint_queue_counties(user=user)
    )
    filters = form.filters() if form.is_bound and form.is_valid() else ComplaintQueueFilters()
    counts = selectors.complaint_queue_counts(user=user, filters=filters)
    complaints = selectors.complaint_queue(user=user, tab=tab, filters=filters)
    page = CountedPaginator(complaints, selectors.QUEUE_PAGE_SIZE, count=counts[tab]).get_page(
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
            "tabs": [(value, label, counts[value]) for value, label in ComplaintQueueTab.choices],
            "page": page,
            "rows": rows,
            "region": None if user.is_platform_admin else user.region,
        },
    )


def _handler_page(request: HttpRequest, complaint: Complaint, **forms_: forms.Form) -> HttpResponse:
    state = complaint.state
    return render(
        request,
        "complaints/desk/queue_detail.html",
        {
            "complaint": complaint,
            "late": selectors.complaint_is_late(complaint, timezone.localdate()),
            "can_decide": state == C.SUBMITTED,
            "can_mediate": state == C.MEDIATION,
            "can_message": not complaint.is_closed,
            "decline_form": forms_.get("decline_form") or DeclineForm(),
            "settle_form": forms_.get("settle_form") or SettleForm(),
            "fail_form": forms_.get("fail_form") or MediationFailForm(),
            "message_form": forms_.get("message_form") or MessageForm(),
            "evidence_url": "complaint-queue-evidence",
        },
    )


@handler_required
def queue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.handler_complaint_get(user=request.user, pk=pk)
    return _handler_page(request, complaint)


def _handler_action(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form] | None,
    form_name: str,
    action: Callable[[Complaint, dict[str, Any]], Any],
    success: str,
) -> HttpResponse:
    complaint = selectors.handler_complaint_get(user=request.user, pk=pk)
    data: dict[str, Any] = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            return _handler_page(request, complaint, **{form_name: form})
        data = form.cleaned_data
    return _act(
        request,
        lambda: action(complaint, data),
        success,
        then=reverse("complaint-queue-detail", args=[complaint.pk]),
    )


@require_POST
@handler_required
def queue_claim(request: HttpRequest, pk: int) -> HttpResponse:
    return _handler_action(
        request,
        pk,
        None,
        "",
        lambda c, data: svc.complaint_claim(actor=request.user, complaint=c),
        _("You handle this complaint now; it is under “Mine”."),
    )


@require_POST
@handler_required
def queue_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _handler_action(
        request,
        pk,
        None,
        "",
        lambda c, data: svc.complaint_accept(actor=request.user, complaint=c),
        _("Accepted and passed to the merchant, who must answer within 10 working days."),
    )


@require_POST
@handler_required
def queue_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _handler_action(
        request,
        pk,
        DeclineForm,
        "decline_form",
        lambda c, data: svc.complaint_decline(
            actor=request.user, complaint=c, ground=data["ground"], text=data["text"]
        ),
        _("The complaint is declined."),
    )


@require_POST
@handler_required
def queue_settle(request: HttpRequest, pk: int) -> HttpResponse:
    return _handler_action(
        request,
        pk,
        SettleForm,
        "settle_form",
        lambda c, data: svc.complaint_settle(
            actor=request.user, complaint=c, agreement=data["agreement"]
        ),
        _("The complaint is settled."),
    )


@require_POST
@handler_required
def queue_fail(request: HttpRequest, pk: int) -> HttpResponse:
    return _handler_action(
        request,
        pk,
        MediationFailForm,
        "fail_form",
        lambda c, data: svc.complaint_mediation_fail(
            actor=request.user, complaint=c, text=data["text"]
        ),
        _("Mediation is recorded as failed; the complaint is closed."),
    )


@require_POST
@handler_required
def queue_message(request: HttpRequest, pk: int) -> HttpResponse:
    return _handler_action(
        request,
        pk,
        MessageForm,
        "message_form",
        lambda c, data: svc.complaint_message(
            complaint=c, role=ComplaintEvent.Role.REGULATOR, text=data["text"], actor=request.user
        ),
        _("Your message is on the timeline."),
    )


@handler_required
def queue_evidence(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    complaint = selectors.handler_complaint_get(user=request.user, pk=pk)
    return _evidence_response(complaint, evidence_pk)
