"""Every complaint can be handled (issue 15 §1): the ways beside passing it to a merchant on the
platform. One service per step, each through the transition table of
complaints.services.complaints (TRANSITIONS) and with its event on the timeline:

- link the complaint to a registered merchant (any time before closure), then pass it on;
- handle it directly with the business, recording each call or visit, to the same deadlines;
- transfer it to another county of the province, whose regulators accept or refuse it;
- transfer it to an authority outside the province (a closed state).

Transfers happen only before acceptance: once a county accepts a complaint, it handles it.
"""

from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common import deadlines
from common.calendar import add_working_days
from common.errors import require
from common.messages import TEXT, bilingual, day, label, msg
from complaints import messages as m
from complaints.models import (
    Complaint,
    ComplaintCategory,
    ComplaintContact,
    ComplaintEvent,
    ContactMethod,
    Province,
)
from complaints.models import ComplaintState as C
from complaints.permissions import can_receive_transfer, is_complaint_handler
from complaints.selectors.complaints import complaint_handler_ids
from complaints.selectors.handling import complaint_transfer_requester_id, home_province_codes
from complaints.services.complaints import (
    complaint_accept_step,
    complaint_business,
    complaint_merchant_facts_changed,
    complaint_require_handler,
    complaint_transition,
)
from complaints.signals import complaint_changed
from merchants.models import Merchant, Region, User
from merchants.permissions import reaches
from merchants.services.audit import audit_log
from merchants.services.notifications import notify_users

Role = ComplaintEvent.Role

# A complaint's merchant may be changed (a wrong link corrected) only before the merchant is
# asked to answer it, or while the regulator handles it directly.
RELINKABLE_STATES = (C.SUBMITTED, C.DIRECT)
# The regulator records its calls and visits while it handles or mediates the complaint.
CONTACT_STATES = (C.DIRECT, C.MEDIATION)
AUTHORITY_MAX = 200
SUMMARY_MAX = 4000


def _locked(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("merchant", "region", "transfer_to")
        .get(pk=complaint.pk)
    )


# Linking to a registered merchant


@transaction.atomic
def complaint_link_merchant(*, actor: User, complaint: Complaint, merchant: Merchant) -> Complaint:
    """Link the complaint to a registered merchant (the business registered after the complaint,
    or the consumer could not find it). The business name the consumer typed is kept. If the
    merchant is registered in another county the handler reaches, the complaint moves there; a
    merchant beyond the handler's reach is refused: the complaint is transferred instead."""
    complaint_require_handler(actor, complaint)
    locked = _locked(complaint)
    require(not locked.is_closed, _("The complaint is closed."))
    require(
        locked.state != C.TRANSFER_PENDING,
        _(
            "The complaint waits for %(county)s to accept or refuse its transfer; link it to a "
            "merchant once that is decided."
        )
        % {"county": locked.transfer_to.display_name if locked.transfer_to else ""},
    )
    require(
        locked.merchant_id != merchant.pk,
        _("The complaint is already linked to %(merchant)s.") % {"merchant": merchant.name},
    )
    require(
        locked.merchant_id is None or locked.state in RELINKABLE_STATES,
        _(
            "The complaint is with %(merchant)s already: its merchant can be changed only before "
            "it is passed on, or while you handle it directly."
        )
        % {"merchant": locked.merchant.name if locked.merchant else ""},
    )
    county = merchant.region
    require(
        reaches(actor, county.code),
        _(
            "%(merchant)s is registered in %(county)s, where you do not handle complaints: "
            "transfer the complaint to %(county)s instead."
        )
        % {"merchant": merchant.name, "county": county.display_name},
    )
    before = Complaint.objects.select_related("merchant").get(pk=locked.pk)
    changes: dict[str, object] = {"merchant": merchant}
    moves = county.code != locked.region_id
    if moves:
        changes["region"] = county
        handler = locked.handler
        if handler is not None and not (
            is_complaint_handler(handler) and reaches(handler, county.code)
        ):
            changes["handler"] = None
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.save(update_fields=[*changes, "updated_at"])
    params = {"merchant": merchant.name, "uscc": merchant.uscc}
    message = (
        msg(m.LINKED_MOVED, **params, county=bilingual(lambda: county.display_name))
        if moves
        else msg(m.LINKED, **params)
    )
    ComplaintEvent.objects.create(
        complaint=locked, actor=actor, role=Role.REGULATOR, message=message
    )
    audit_log(
        actor=actor,
        action="complaint.link_merchant",
        merchant=merchant,
        obj=locked,
        data={
            "complaint": locked.pk,
            "from_merchant": before.merchant_id,
            "from_region": before.region_id,
            "to_region": locked.region_id,
        },
    )
    # The store pages and evaluations of both merchants count the complaint differently now.
    if before.merchant_id is not None:
        complaint_changed.send(sender=Complaint, complaint=before)
    complaint_merchant_facts_changed(locked)
    complaint.refresh_from_db()
    return complaint


# Handling directly with the business


@transaction.atomic
def complaint_handle_directly(*, actor: User, complaint: Complaint, text: str = "") -> Complaint:
    """Accept the complaint and mediate it with the business yourself (by phone, a visit, a
    meeting), to the same deadlines as any accepted complaint: for a business not on the
    platform, or whenever the handler chooses."""
    complaint_require_handler(actor, complaint)
    complaint_accept_step(actor=actor, complaint=complaint)
    complaint_transition(
        complaint,
        to=C.DIRECT,
        actor=actor,
        role=Role.REGULATOR,
        text=text.strip(),
        message=msg(m.DIRECT),
    )
    return complaint


@transaction.atomic
def complaint_contact_record(
    *,
    actor: User,
    complaint: Complaint,
    method: str,
    contacted_on: date,
    summary: str,
) -> ComplaintContact:
    """One call, visit or meeting with the business, on the timeline: what was said or agreed."""
    complaint_require_handler(actor, complaint)
    locked = _locked(complaint)
    require(
        locked.state in CONTACT_STATES,
        _("Calls and visits are recorded while the regulator handles or mediates the complaint."),
    )
    require(method in ContactMethod.values, _("Choose how you were in contact."))
    summary = summary.strip()
    require(bool(summary), _("Write what was said or agreed."))
    require(
        len(summary) <= SUMMARY_MAX,
        _("Keep the summary under %(n)d characters.") % {"n": SUMMARY_MAX},
    )
    require(
        contacted_on <= timezone.localdate(), _("The date of the contact cannot be in the future.")
    )
    lodged_on = timezone.localdate(locked.created_at)
    require(
        contacted_on >= lodged_on,
        _("The date of the contact cannot be before the complaint was lodged (%(day)s).")
        % {"day": lodged_on.isoformat()},
    )
    event = ComplaintEvent.objects.create(
        complaint=locked,
        actor=actor,
        role=Role.REGULATOR,
        message=msg(m.CONTACT, day=day(contacted_on), method=label(ContactMethod(method).label)),
        text=summary,
    )
    return ComplaintContact.objects.create(
        complaint=locked,
        event=event,
        actor=actor,
        method=method,
        contacted_on=contacted_on,
        summary=summary,
    )


@transaction.atomic
def complaint_pass_to_merchant(*, actor: User, complaint: Complaint) -> Complaint:
    """A complaint handled directly goes to its merchant once linked to one (the business
    registered meanwhile): the merchant answers within deadlines.COMPLAINT_MERCHANT_DAYS."""
    complaint_require_handler(actor, complaint)
    locked = _locked(complaint)
    require(
        locked.merchant_id is not None,
        _("Link the complaint to a registered merchant before passing it on."),
    )
    complaint_transition(
        complaint,
        to=C.WITH_MERCHANT,
        actor=actor,
        role=Role.REGULATOR,
        changes={
            "merchant_due": add_working_days(
                timezone.localdate(), deadlines.COMPLAINT_MERCHANT_DAYS
            )
        },
    )
    return complaint


# Transfers within the province


def _tell_receiving_handlers(complaint: Complaint, event: ComplaintEvent, reason: str) -> None:
    county = complaint.transfer_to
    handlers = sorted(
        {
            *complaint_handler_ids(reaching=county.code, notices=User.ComplaintNotices.EACH),
            *complaint_handler_ids(reaching=county.code, notices=User.ComplaintNotices.DIGEST),
        }
    )
    if not handlers:
        return
    home = complaint.region
    notify_users(
        user_ids=handlers,
        key=f"complaint-transfer-in:{event.pk}",
        subject=msg(
            m.TRANSFER_IN_SUBJECT,
            number=complaint.reference,
            county=bilingual(lambda: county.display_name),
        ),
        body=msg(
            m.TRANSFER_IN_BODY,
            business=complaint_business(complaint),
            category=label(ComplaintCategory(complaint.category).label),
            **{"from": bilingual(lambda: home.display_name)},
            county=bilingual(lambda: county.display_name),
            reason=reason,
        ),
        link=reverse("complaint-queue-detail", args=[complaint.pk]),
    )


def _tell_requester(
    complaint: Complaint, event: ComplaintEvent, *, county: Region, subject: str, to: int | None
) -> None:
    """The handler who asked for the transfer hears of the answer."""
    if to is None:
        return
    body = [event.message, *([msg(TEXT, text=event.text)] if event.text else [])]
    notify_users(
        user_ids=[to],
        key=f"complaint-transfer-decided:{event.pk}",
        subject=msg(
            subject, number=complaint.reference, county=bilingual(lambda: county.display_name)
        ),
        body=body,
        link=reverse("complaint-queue") + "?tab=transfers",
    )


@transaction.atomic
def complaint_transfer(
    *, actor: User, complaint: Complaint, county: Region, reason: str
) -> Complaint:
    """Ask another county of the province to take the complaint over (the business is there);
    its regulators accept or refuse. Only before acceptance, and only for a complaint not linked
    to a registered merchant: one that is belongs to the merchant's county."""
    complaint_require_handler(actor, complaint)
    locked = _locked(complaint)
    reason = reason.strip()
    require(bool(reason), _("Say why the complaint belongs to the other county."))
    require(
        county.level == Region.Level.COUNTY and county.code[:2] == locked.region_id[:2],
        _(
            "Choose a county of the province. A complaint for an authority outside the province "
            "is transferred out of it."
        ),
    )
    require(
        county.code != locked.region_id,
        _("The complaint is in %(county)s already.") % {"county": county.display_name},
    )
    require(
        locked.merchant_id is None,
        _(
            "The complaint is about %(merchant)s, a merchant registered in %(county)s, whose "
            "regulators handle it. If it is about another business, link it to that one."
        )
        % {
            "merchant": locked.merchant.name if locked.merchant else "",
            "county": locked.region.display_name,
        },
    )
    event = complaint_transition(
        complaint,
        to=C.TRANSFER_PENDING,
        actor=actor,
        role=Role.REGULATOR,
        text=reason,
        message=msg(m.TRANSFER_REQUESTED, county=bilingual(lambda: county.display_name)),
        changes={"transfer_to": county},
    )
    audit_log(
        actor=actor,
        action="complaint.transfer",
        obj=complaint,
        data={"complaint": complaint.pk, "from_region": locked.region_id, "to_region": county.code},
    )
    complaint = Complaint.objects.select_related("region", "transfer_to", "merchant").get(
        pk=complaint.pk
    )
    _tell_receiving_handlers(complaint, event, reason)
    return complaint


def _pending_transfer(actor: User, complaint: Complaint) -> Complaint:
    locked = _locked(complaint)
    require(locked.state == C.TRANSFER_PENDING, _("No transfer of this complaint is pending."))
    require(
        can_receive_transfer(actor, locked),
        _("Only the regulators of %(county)s accept or refuse this transfer.")
        % {"county": locked.transfer_to.display_name},
    )
    return locked


@transaction.atomic
def complaint_transfer_accept(*, actor: User, complaint: Complaint) -> Complaint:
    """The receiving county takes the complaint over: it is submitted there, with a new
    decision deadline and no handler yet, in that county's queue."""
    locked = _pending_transfer(actor, complaint)
    county, home = locked.transfer_to, locked.region
    requester = complaint_transfer_requester_id(complaint=locked)
    due = add_working_days(timezone.localdate(), deadlines.COMPLAINT_ACCEPT_DAYS)
    event = complaint_transition(
        complaint,
        to=C.SUBMITTED,
        actor=actor,
        role=Role.REGULATOR,
        message=msg(
            m.TRANSFER_ACCEPTED, county=bilingual(lambda: county.display_name), due=day(due)
        ),
        changes={
            "region": county,
            "transfer_to": None,
            "accept_due": due,
            "handler": None,
            "is_overdue": False,
        },
    )
    audit_log(
        actor=actor,
        action="complaint.transfer_accept",
        obj=complaint,
        data={"complaint": complaint.pk, "from_region": home.code, "to_region": county.code},
    )
    _tell_requester(
        complaint, event, county=county, subject=m.TRANSFER_ACCEPTED_SUBJECT, to=requester
    )
    return complaint


@transaction.atomic
def complaint_transfer_refuse(*, actor: User, complaint: Complaint, reason: str) -> Complaint:
    """The receiving county refuses the transfer, with its reason: the complaint is back where
    it was, waiting for that county's decision."""
    locked = _pending_transfer(actor, complaint)
    reason = reason.strip()
    require(bool(reason), _("Say why your county does not take the complaint."))
    county, home = locked.transfer_to, locked.region
    requester = complaint_transfer_requester_id(complaint=locked) or locked.handler_id
    event = complaint_transition(
        complaint,
        to=C.SUBMITTED,
        actor=actor,
        role=Role.REGULATOR,
        text=reason,
        message=msg(
            m.TRANSFER_REFUSED,
            county=bilingual(lambda: county.display_name),
            home=bilingual(lambda: home.display_name),
        ),
        changes={"transfer_to": None},
    )
    audit_log(
        actor=actor,
        action="complaint.transfer_refuse",
        obj=complaint,
        data={"complaint": complaint.pk, "region": home.code, "refused_by": county.code},
    )
    _tell_requester(
        complaint, event, county=county, subject=m.TRANSFER_REFUSED_SUBJECT, to=requester
    )
    return complaint


# Transfer out of the province


@transaction.atomic
def complaint_transfer_out(
    *, actor: User, complaint: Complaint, authority: str, province: str, reason: str
) -> Complaint:
    """Record that the complaint went to an authority of another province (joint handling
    across the Yangtze River Delta): the complaint is closed here, saying where it went."""
    complaint_require_handler(actor, complaint)
    authority, reason = authority.strip(), reason.strip()
    require(bool(authority), _("Name the authority the complaint goes to."))
    require(
        len(authority) <= AUTHORITY_MAX,
        _("Keep the authority's name under %(n)d characters.") % {"n": AUTHORITY_MAX},
    )
    require(
        province in Province.values and province not in home_province_codes(),
        _(
            "Choose a province other than this one; within the province, transfer the complaint "
            "to a county."
        ),
    )
    require(bool(reason), _("Say why the complaint goes outside the province."))
    complaint_transition(
        complaint,
        to=C.TRANSFERRED_OUT,
        actor=actor,
        role=Role.REGULATOR,
        text=reason,
        message=msg(
            m.TRANSFERRED_OUT, authority=authority, province=label(Province(province).label)
        ),
        changes={
            "transferred_out_to": authority,
            "transferred_out_province": province,
            "handler": actor,
        },
    )
    audit_log(
        actor=actor,
        action="complaint.transfer_out",
        obj=complaint,
        data={"complaint": complaint.pk, "authority": authority, "province": province},
    )
    return complaint
