"""The complaint workflow (DESIGN.md "Complaints"): one service per transition, an event each.

Deadlines follow the national market-regulation complaint rules, in working days: the regulator
accepts or declines within 7, the merchant answers within 10, handling ends within 45 of
acceptance. A closed complaint is rated once and may be reopened within 15 days of settlement.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common import deadlines
from common.calendar import add_working_days
from common.errors import DomainError, Limited, require
from common.limits import Limit, LimitExceeded, Use, limits_use, phone_and_address
from common.messages import TEXT, Message, bilingual, day, label, msg, person
from common.outbox import mail_payload, outbox_add, outbox_batch
from common.phones import phone_error, phone_key, phone_normalise_or_none
from common.prepared import prepared_statements
from common.uploads import inspect_upload, save_with_file
from complaints import messages as m
from complaints.models import (
    AWAITING_DECISION_STATES,
    CLOSED_COMPLAINT_STATES,
    EARLIEST_PURCHASE_DATE,
    MAX_AMOUNT,
    SELF_SERVICE_CHANNELS,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintEvent,
    ComplaintEvidence,
    DeclineGround,
)
from complaints.models import ComplaintState as C
from complaints.permissions import can_answer, can_handle, files_for_callers, may_hold_complaints
from complaints.selectors.complaints import (
    complaint_handler_ids,
    complaint_handlers,
    complaints_new_in_region,
)
from complaints.services.filing import complaint_station_check, filed_for_caller_message
from complaints.services.numbers import complaint_store_numbered
from complaints.signals import complaint_changed
from merchants.models import Merchant, Region, Station, User
from merchants.services.notifications import notify_merchant_members, notify_users

logger = logging.getLogger(__name__)

# Transfers (to a county of the province, or out of it) only before acceptance: once accepted,
# the county that accepted it handles it to the end. A complaint handled directly may be passed
# to the merchant once it is linked to one (the business registered meanwhile).
TRANSITIONS: dict[str, frozenset[str]] = {
    C.SUBMITTED: frozenset(
        {C.ACCEPTED, C.DECLINED, C.WITHDRAWN, C.TRANSFER_PENDING, C.TRANSFERRED_OUT}
    ),
    C.TRANSFER_PENDING: frozenset({C.SUBMITTED, C.WITHDRAWN}),
    C.ACCEPTED: frozenset({C.WITH_MERCHANT, C.DIRECT, C.WITHDRAWN}),
    C.DIRECT: frozenset({C.WITH_MERCHANT, C.SETTLED, C.MEDIATION_FAILED, C.WITHDRAWN}),
    C.WITH_MERCHANT: frozenset({C.PROPOSED, C.MEDIATION, C.WITHDRAWN}),
    C.PROPOSED: frozenset({C.SETTLED, C.MEDIATION, C.WITHDRAWN}),
    C.MEDIATION: frozenset({C.SETTLED, C.MEDIATION_FAILED, C.WITHDRAWN}),
    C.SETTLED: frozenset({C.MEDIATION}),
    C.DECLINED: frozenset(),
    C.MEDIATION_FAILED: frozenset(),
    C.WITHDRAWN: frozenset(),
    C.TRANSFERRED_OUT: frozenset(),
}

MAX_EVIDENCE_FILES = 5

Role = ComplaintEvent.Role


def _today() -> date:
    return timezone.localdate()


def _language(language: str | None) -> str:
    """One of the site's languages: the given one or the active one, else the site default."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    codes = [code for code, _name in settings.LANGUAGES]
    if language in codes:
        return language
    base = language.split("-")[0]
    return next((code for code in codes if code.split("-")[0] == base), settings.LANGUAGE_CODE)


def complaint_transition(
    complaint: Complaint,
    *,
    to: str,
    actor: User | None,
    role: str,
    text: str = "",
    message: Message | None = None,
    changes: dict[str, Any] | None = None,
) -> ComplaintEvent:
    """Lock, check the move is in TRANSITIONS, save, write the event and return it; `complaint`
    is refreshed in place. Call inside atomic()."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if to not in TRANSITIONS[locked.state]:
        raise DomainError(
            _("A complaint that is “%(from)s” cannot become “%(to)s”.")
            % {"from": C(locked.state).label, "to": C(to).label}
        )
    from_state = locked.state
    updates: dict[str, Any] = {"state": to, **(changes or {})}
    if from_state == C.TRANSFER_PENDING:
        updates.setdefault("transfer_to", None)  # whatever ends the pending transfer
    if to in CLOSED_COMPLAINT_STATES:
        updates |= {"closed_at": timezone.now(), "is_overdue": False}
    for field, value in updates.items():
        setattr(locked, field, value)
    locked.save(update_fields=[*updates, "updated_at"])
    event = ComplaintEvent.objects.create(
        complaint=locked,
        actor=actor if actor is not None and actor.is_authenticated else None,
        role=role,
        from_state=from_state,
        to_state=to,
        message=message or {},
        text=text,
    )
    _notify(locked, event)
    complaint_merchant_facts_changed(locked)
    complaint.refresh_from_db()
    return event


def complaint_merchant_facts_changed(complaint: Complaint) -> None:
    """A step of a complaint against a registered merchant is announced: the public store page
    shows its complaint figures, and the evaluation counts them."""
    if complaint.merchant_id is not None:
        complaint_changed.send(sender=Complaint, complaint=complaint)


def complaint_business(complaint: Complaint) -> str:
    return complaint.merchant.name if complaint.merchant_id else complaint.business_name


def _step_subject(complaint: Complaint, state: str) -> Message:
    return msg(m.STEP_SUBJECT, number=complaint.reference, state=label(C(state).label))


def _event_body(event: ComplaintEvent, fallback: Message) -> list[Message]:
    """What the system said of the step, then the actor's own words; the fallback if neither."""
    body = [event.message] if event.message else []
    if event.text:
        body.append(msg(TEXT, text=event.text))
    return body or [fallback]


def _notify(complaint: Complaint, event: ComplaintEvent) -> None:
    """The merchant's people hear of each step of a complaint against them once a regulator has
    accepted it (inbox and mail); the consumer of each step someone else made (mail, SMS,
    inbox), with what the system said of it."""
    if complaint.merchant_id and complaint.accepted_at is not None:
        subject = _step_subject(complaint, event.to_state)
        notify_merchant_members(
            merchant_id=complaint.merchant_id,
            key=f"complaint-event:{event.pk}",
            subject=subject,
            body=_event_body(event, subject),
            link=reverse("complaint-merchant-detail", args=[complaint.pk]),
        )
    if event.role != Role.CONSUMER:
        _tell_consumer_of_step(
            complaint,
            event.to_state,
            key=f"event:{event.pk}",
            said=[event.message] if event.message else [],
        )


def _tell_consumer_of_step(
    complaint: Complaint, state: str, *, key: str, said: list[Message] | None = None
) -> None:
    business = complaint_business(complaint)
    _tell_consumer(
        complaint,
        key=key,
        subject=_step_subject(complaint, state),
        body=[
            msg(m.CONSUMER_STEP_BODY, business=business, state=label(C(state).label)),
            *(said or []),
        ],
        sms=lambda link: msg(
            m.SMS_STEP, number=complaint.reference, state=label(C(state).label), link=link
        ),
    )


def _tell_consumer(
    complaint: Complaint,
    *,
    key: str,
    subject: Message,
    body: list[Message],
    sms: Callable[[str], Message],
) -> None:
    """Mail (if the consumer gave an address), SMS to their phone and, if the complaint is on an
    account, its inbox — through the outbox, in the consumer's language (Complaint.language; the
    inbox renders in the page's language). `sms(link)` builds the short text."""
    language = complaint.language or settings.LANGUAGE_CODE
    path = reverse("complaint-track", args=[complaint.tracking_token])
    url = settings.SITE_URL.rstrip("/") + path
    account_email = ""
    if complaint.consumer_id is not None:
        account = User.objects.only("email").get(pk=complaint.consumer_id)
        account_email = account.email.lower()
        notify_users(
            user_ids=[complaint.consumer_id],
            key=f"complaint-consumer:{key}",
            subject=subject,
            body=body,
            link=path,
        )
    email = complaint.complainant_email
    # The account's inbox message is mailed to the account's address already.
    if email and email.lower() != account_email:
        outbox_add(
            "mail",
            mail_payload(to=[email], subject=subject, body=body, language=language, link=url),
            key=f"complaint-mail:{key}",
        )
    if complaint.complainant_phone:
        outbox_add(
            "sms",
            {"to": complaint.complainant_phone, "body": sms(url), "language": language},
            key=f"complaint-sms:{key}",
        )


def _tell_handlers(complaint: Complaint) -> None:
    """The regulators who handle complaints in the county and chose to hear of each one."""
    handlers = complaint_handler_ids(
        reaching=complaint.region_id, notices=User.ComplaintNotices.EACH
    )
    if not handlers:
        return
    region = complaint.region
    notify_users(
        user_ids=handlers,
        key=f"complaint-new:{complaint.pk}",
        subject=msg(
            m.NEW_SUBJECT, number=complaint.reference, county=bilingual(lambda: region.display_name)
        ),
        body=msg(
            m.NEW_BODY,
            business=complaint_business(complaint),
            category=label(ComplaintCategory(complaint.category).label),
            due=day(complaint.accept_due),
        ),
        link=reverse("complaint-queue-detail", args=[complaint.pk]),
    )


def complaints_send_digests(*, today: date | None = None) -> int:
    """The daily digest to the handlers who chose one: the complaints submitted the day before
    in their region, one inbox message (and its mail) each; nothing when there were none.
    Keyed per day, so a second run the same day sends nothing more. Returns how many were sent."""
    yesterday = (today or _today()) - timedelta(days=1)
    sent = 0
    for user in complaint_handlers(notices=User.ComplaintNotices.DIGEST):
        complaints = list(complaints_new_in_region(region=user.region, day=yesterday))
        if not complaints:
            continue
        with transaction.atomic():
            notify_users(
                user_ids=[user.pk],
                key=f"complaint-digest:{yesterday.isoformat()}",
                subject=msg(m.DIGEST_SUBJECT, day=day(yesterday), n=len(complaints)),
                body=[_digest_line(complaint) for complaint in complaints],
                link=reverse("complaint-queue"),
            )
        sent += 1
    return sent


def _digest_line(complaint: Complaint) -> Message:
    region = complaint.region
    return msg(
        m.DIGEST_LINE,
        number=complaint.reference,
        county=bilingual(lambda: region.display_name),
        business=complaint_business(complaint),
        category=label(ComplaintCategory(complaint.category).label),
    )


def complaint_require_handler(actor: User, complaint: Complaint) -> None:
    require(can_handle(actor, complaint), _("You do not handle complaints in this region."))


def _require_merchant_member(actor: User, complaint: Complaint) -> None:
    require(
        can_answer(actor, complaint), _("Only the merchant's people can answer this complaint.")
    )


# Intake


def complaint_intake_use(*, phone: str, ip: str | None) -> Use:
    """The per-phone (normalised) and per-address limits of intake (abuse protection): refuses
    with Limited at once when one is reached; `.count()` it last in the intake's
    transaction (see complaint_intake_counted)."""
    limits = phone_and_address(
        "complaint",
        phone=phone_key(phone),
        ip=ip,
        per_phone=settings.COMPLAINT_INTAKE_LIMITS,
        per_address=settings.COMPLAINT_ADDRESS_LIMITS,
    )
    try:
        return limits_use(limits)
    except LimitExceeded as exc:
        raise _intake_limited(exc, phone_limit=limits[0]) from None


def complaint_intake_counted(use: Use) -> None:
    """Count the complaint against its limits, atomically: the last statement of the intake's
    transaction, which a limit passed meanwhile rolls back with Limited."""
    try:
        use.count()
    except LimitExceeded as exc:
        raise _intake_limited(exc, phone_limit=use.limits[0]) from None


def _intake_limited(exc: LimitExceeded, *, phone_limit: Limit) -> Limited:
    params = {"window": exc.window_text, "limit": getattr(exc.limit, exc.window)}
    if exc.limit == phone_limit:
        text = _(
            "Too many complaints from this phone in the last %(window)s (at most "
            "%(limit)d). Nothing you typed is lost: try again later, or call 12315."
        )
    else:
        text = _(
            "Too many complaints from this connection in the last %(window)s (at most "
            "%(limit)d). Nothing you typed is lost: try again later, or call 12315."
        )
    return Limited(text % params)


def complaint_likely_duplicates(*, phone: str, merchant: Merchant | None) -> list[Complaint]:
    """Complaints from the same phone (normalised) about the same merchant in the last 7 days."""
    if merchant is None:
        return []
    since = timezone.now() - timedelta(days=7)
    return list(
        Complaint.objects.filter(
            complainant_phone=phone_key(phone), merchant=merchant, created_at__gte=since
        )
    )


def complaint_submit(
    *,
    merchant: Merchant | None,
    region: Region | None = None,
    business_name: str = "",
    business_address: str = "",
    category: str,
    description: str,
    wanted_outcome: str,
    complainant_name: str,
    complainant_phone: str,
    complainant_email: str = "",
    consent_to_contact: bool = False,
    amount: Decimal | None = None,
    purchase_date: date | None = None,
    evidence: Iterable[UploadedFile] = (),
    consumer: User | None = None,
    lodged_by: User | None = None,
    channel: str = ComplaintChannel.WEB,
    station: Station | None = None,
    ip: str | None = None,
    language: str | None = None,
) -> Complaint:
    """Lodge a complaint; the regulator of the merchant's county must decide within 7 days.

    `language` is the consumer's (the intake request's, by default the active one): what they
    are sent about the complaint is written in it. The consumer gets a receipt with the
    complaint's number and tracking link; the county's handlers hear of it at once or in their
    daily digest.

    `lodged_by` is the coordinator or hotline operator who files it for a caller: they may
    record any channel, and the per-address limit does not apply to them (the per-phone limit
    does). Anyone else lodges through the web form or a store's QR code. A coordinator filing
    with the channel "station" names the `station` they serve (complaints.services.filing)."""
    evidence = list(evidence)
    require(channel in ComplaintChannel.values, _("Choose how the complaint came in."))
    if lodged_by is not None:
        require(
            files_for_callers(lodged_by),
            _("Only coordinators and hotline operators file complaints for callers."),
        )
    else:
        require(
            channel in SELF_SERVICE_CHANNELS,
            _("Only coordinators and hotline operators record this channel."),
        )
    complaint_station_check(lodged_by=lodged_by, channel=channel, station=station)
    require(
        len(evidence) <= MAX_EVIDENCE_FILES,
        _("Attach at most %(n)d evidence files.") % {"n": MAX_EVIDENCE_FILES},
    )
    if merchant is None:
        require(
            bool(business_name.strip()) and region is not None,
            _("Name the business and choose its county."),
        )
    else:
        region = merchant.region
    require(
        region is not None and region.level == Region.Level.COUNTY,
        _("Choose a county or district."),
    )
    require(
        purchase_date is None or purchase_date <= _today(),
        _("The purchase date cannot be in the future."),
    )
    require(
        purchase_date is None or purchase_date >= EARLIEST_PURCHASE_DATE,
        _("The purchase date cannot be before 1990."),
    )
    require(amount is None or amount >= 0, _("The amount cannot be negative."))
    require(
        amount is None or amount <= MAX_AMOUNT,
        _("The amount cannot be more than %(max)s yuan.") % {"max": f"{MAX_AMOUNT:,}"},
    )
    phone = phone_normalise_or_none(complainant_phone)
    if phone is None:
        raise DomainError(phone_error(), field="complainant_phone")
    kinds = [inspect_upload(f, max_bytes=settings.UPLOAD_MAX_BYTES) for f in evidence]
    # Prepared once per database session on PostgreSQL: the intake's few statements are the
    # same on every request, so the server plans each once, not per intake (issue 17).
    with prepared_statements():
        use = complaint_intake_use(phone=phone, ip=None if lodged_by is not None else ip)
        with transaction.atomic():
            return _complaint_store(
                use,
                merchant=merchant,
                region=region,
                business_name=business_name,
                business_address=business_address,
                category=category,
                description=description,
                wanted_outcome=wanted_outcome,
                complainant_name=complainant_name,
                complainant_phone=phone,
                complainant_email=complainant_email,
                consent_to_contact=consent_to_contact,
                amount=amount,
                purchase_date=purchase_date,
                evidence=list(zip(evidence, kinds, strict=True)),
                consumer=consumer,
                lodged_by=lodged_by,
                channel=channel,
                station=station,
                ip=ip,
                language=language,
            )


def _complaint_store(
    use: Use,
    *,
    merchant: Merchant | None,
    region: Region,
    business_name: str,
    business_address: str,
    category: str,
    description: str,
    wanted_outcome: str,
    complainant_name: str,
    complainant_phone: str,
    complainant_email: str,
    consent_to_contact: bool,
    amount: Decimal | None,
    purchase_date: date | None,
    evidence: list[tuple[UploadedFile, str]],
    consumer: User | None,
    lodged_by: User | None,
    channel: str,
    station: Station | None,
    ip: str | None,
    language: str | None,
) -> Complaint:
    """The complaint with its number and its first event (one statement on PostgreSQL), its
    evidence, its notices, then its count against the intake limits (last: see
    complaint_intake_counted). The county's counter row stays locked from the first statement
    to the commit, so intakes of one county take their numbers one after another. Call inside a
    transaction."""
    complaint = Complaint(
        merchant=merchant,
        region=region,
        business_name=business_name.strip(),
        business_address=business_address.strip(),
        category=category,
        description=description.strip(),
        wanted_outcome=wanted_outcome.strip(),
        complainant_name=complainant_name.strip(),
        complainant_phone=complainant_phone,
        complainant_email=complainant_email.strip(),
        consent_to_contact=consent_to_contact,
        amount=amount,
        purchase_date=purchase_date,
        # Only a consumer account holds a complaint: a merchant's person or a regulator lodging
        # one follows it by its link, never by an account that would unmask the contact.
        consumer=consumer if may_hold_complaints(consumer) else None,
        lodged_by=lodged_by,
        channel=channel,
        station=station,
        submitted_ip=ip,
        language=_language(language),
        accept_due=add_working_days(_today(), deadlines.COMPLAINT_ACCEPT_DAYS),
    )
    event = ComplaintEvent(
        actor=lodged_by or complaint.consumer,
        role=Role.FILER if lodged_by else Role.CONSUMER,
        to_state=C.SUBMITTED,
        message=(
            filed_for_caller_message(lodged_by=lodged_by, channel=channel, station=station)
            if lodged_by
            else {}
        ),
    )
    complaint_store_numbered(complaint, event)
    saved: list[ComplaintEvidence] = []
    try:
        for upload, kind in evidence:
            item = ComplaintEvidence(
                complaint=complaint,
                event=event,
                original_name=(upload.name or "")[:255],
                content_type=kind,
                size=upload.size or 0,
            )
            save_with_file(item, upload)
            saved.append(item)
        with outbox_batch():  # the side effects in one INSERT
            complaint_merchant_facts_changed(complaint)
            _tell_consumer(
                complaint,
                key=f"event:{event.pk}",
                subject=msg(m.RECEIVED_SUBJECT, number=complaint.reference),
                body=[
                    msg(
                        m.RECEIVED_BODY,
                        business=complaint_business(complaint),
                        number=complaint.reference,
                        due=day(complaint.accept_due),
                    )
                ],
                sms=lambda link: msg(
                    m.SMS_STEP,
                    number=complaint.reference,
                    state=label(C.SUBMITTED.label),
                    link=link,
                ),
            )
            _tell_handlers(complaint)
        complaint_intake_counted(use)
    except Exception:
        # The rows roll back with the transaction; the files already written must go too.
        for item in saved:
            item.file.storage.delete(item.file.name)
        raise
    return complaint


@transaction.atomic
def complaint_attach_to_account(*, complaint: Complaint, consumer: User) -> Complaint:
    """The signed-in consumer takes the complaint into their account. Consumer accounts only:
    holding the link never makes a merchant's person or a regulator the complainant."""
    require(
        may_hold_complaints(consumer),
        _(
            "Only a consumer account can hold a complaint. Follow it with its link, or sign in "
            "with your consumer account."
        ),
    )
    taken = (
        Complaint.objects.filter(pk=complaint.pk)
        .filter(Q(consumer__isnull=True) | Q(consumer=consumer))
        .update(consumer=consumer)
    )  # conditional: of two accounts attaching at once, one wins
    require(taken == 1, _("This complaint already belongs to another account."))
    complaint.refresh_from_db()
    return complaint


# Regulator


@transaction.atomic
def complaint_claim(*, actor: User, complaint: Complaint) -> Complaint:
    """Take an open complaint that nobody handles yet; the handler sees it under "mine"."""
    complaint_require_handler(actor, complaint)
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    require(not locked.is_closed, _("The complaint is closed."))
    require(
        locked.handler_id in (None, actor.pk),
        _("Another regulator already handles this complaint."),
    )
    if locked.handler_id is None:
        locked.handler = actor
        locked.save(update_fields=["handler", "updated_at"])
        ComplaintEvent.objects.create(
            complaint=locked,
            actor=actor,
            role=Role.REGULATOR,
            message=msg(m.CLAIMED, name=person(actor)),
        )
    complaint.refresh_from_db()
    return complaint


@transaction.atomic
def complaint_accept(*, actor: User, complaint: Complaint) -> Complaint:
    """Accept and pass to the merchant, who must answer within deadlines.COMPLAINT_MERCHANT_DAYS.
    A complaint about a business not on the platform is linked to a merchant first
    (complaints.services.handling.complaint_link_merchant), or handled directly."""
    complaint_require_handler(actor, complaint)
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    require(
        locked.merchant_id is not None or C.ACCEPTED not in TRANSITIONS[locked.state],
        _(
            "Link the complaint to a registered merchant before passing it on, or handle it "
            "directly with the business."
        ),
    )
    complaint_accept_step(actor=actor, complaint=complaint)
    complaint_transition(
        complaint,
        to=C.WITH_MERCHANT,
        actor=actor,
        role=Role.REGULATOR,
        changes={"merchant_due": add_working_days(_today(), deadlines.COMPLAINT_MERCHANT_DAYS)},
    )
    return complaint


def complaint_accept_step(*, actor: User, complaint: Complaint) -> Complaint:
    """The acceptance itself, the first step of every way of handling: the actor becomes the
    handler and the 45 working days of handling start. Call inside atomic(), then move on."""
    complaint_transition(
        complaint,
        to=C.ACCEPTED,
        actor=actor,
        role=Role.REGULATOR,
        changes={
            "handler": actor,
            "accepted_at": timezone.now(),
            "close_due": add_working_days(_today(), deadlines.COMPLAINT_HANDLING_DAYS),
            "is_overdue": False,
        },
    )
    return complaint


@transaction.atomic
def complaint_decline(
    *, actor: User, complaint: Complaint, ground: str, text: str = ""
) -> Complaint:
    complaint_require_handler(actor, complaint)
    require(ground in DeclineGround.values, _("Choose the legal ground for declining."))
    require(
        ground != DeclineGround.OTHER or bool(text.strip()),
        _("Explain why the complaint is declined."),
    )
    complaint_transition(
        complaint,
        to=C.DECLINED,
        actor=actor,
        role=Role.REGULATOR,
        text=text.strip(),
        message=msg(m.DECLINED, ground=label(DeclineGround(ground).label)),
        changes={"decline_ground": ground, "handler": actor},
    )
    return complaint


@transaction.atomic
def complaint_settle(*, actor: User, complaint: Complaint, agreement: str) -> Complaint:
    """Mediation reached an agreement."""
    complaint_require_handler(actor, complaint)
    require(bool(agreement.strip()), _("Write down the agreement."))
    complaint_transition(
        complaint,
        to=C.SETTLED,
        actor=actor,
        role=Role.REGULATOR,
        text=agreement.strip(),
        changes={"agreement": agreement.strip()},
    )
    return complaint


@transaction.atomic
def complaint_mediation_fail(*, actor: User, complaint: Complaint, text: str) -> Complaint:
    complaint_require_handler(actor, complaint)
    require(bool(text.strip()), _("Say why mediation failed."))
    complaint_transition(
        complaint, to=C.MEDIATION_FAILED, actor=actor, role=Role.REGULATOR, text=text.strip()
    )
    return complaint


# Merchant


@transaction.atomic
def complaint_propose(*, actor: User, complaint: Complaint, proposal: str) -> Complaint:
    _require_merchant_member(actor, complaint)
    require(bool(proposal.strip()), _("Describe the settlement you propose."))
    complaint_transition(
        complaint,
        to=C.PROPOSED,
        actor=actor,
        role=Role.MERCHANT,
        text=proposal.strip(),
        changes={"proposal": proposal.strip()},
    )
    return complaint


@transaction.atomic
def complaint_dispute(*, actor: User, complaint: Complaint, text: str) -> Complaint:
    """The merchant disputes the complaint: the regulator mediates."""
    _require_merchant_member(actor, complaint)
    require(bool(text.strip()), _("Explain why you dispute the complaint."))
    complaint_transition(
        complaint, to=C.MEDIATION, actor=actor, role=Role.MERCHANT, text=text.strip()
    )
    return complaint


# Consumer (identified by the tracking token, or their account)


@transaction.atomic
def complaint_accept_proposal(*, complaint: Complaint, actor: User | None = None) -> Complaint:
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    complaint_transition(
        complaint,
        to=C.SETTLED,
        actor=actor,
        role=Role.CONSUMER,
        message=msg(m.PROPOSAL_ACCEPTED),
        changes={"agreement": locked.proposal},
    )
    return complaint


@transaction.atomic
def complaint_reject_proposal(
    *, complaint: Complaint, text: str, actor: User | None = None
) -> Complaint:
    require(bool(text.strip()), _("Say why the proposal does not settle it."))
    complaint_transition(
        complaint, to=C.MEDIATION, actor=actor, role=Role.CONSUMER, text=text.strip()
    )
    return complaint


@transaction.atomic
def complaint_withdraw(
    *, complaint: Complaint, text: str = "", actor: User | None = None
) -> Complaint:
    complaint_transition(
        complaint, to=C.WITHDRAWN, actor=actor, role=Role.CONSUMER, text=text.strip()
    )
    return complaint


def complaint_can_reopen(complaint: Complaint) -> bool:
    """A settlement can be reopened (it was not honoured) within 15 days of settling."""
    return (
        complaint.state == C.SETTLED
        and complaint.closed_at is not None
        and timezone.now() - complaint.closed_at <= timedelta(days=deadlines.COMPLAINT_REOPEN_DAYS)
    )


@transaction.atomic
def complaint_reopen(*, complaint: Complaint, text: str, actor: User | None = None) -> Complaint:
    """The settlement was not honoured: back to mediation, within 15 days of settling."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    require(
        complaint_can_reopen(locked),
        _("A complaint can be reopened only within %(n)d days of its settlement.")
        % {"n": deadlines.COMPLAINT_REOPEN_DAYS},
    )
    require(bool(text.strip()), _("Say how the settlement was not honoured."))
    complaint_transition(
        complaint,
        to=C.MEDIATION,
        actor=actor,
        role=Role.CONSUMER,
        text=text.strip(),
        changes={"closed_at": None, "rating": None, "rating_comment": ""},
    )
    return complaint


def complaint_can_rate(complaint: Complaint) -> bool:
    """Closed after the regulator handled it (Complaint.was_handled), and not yet rated."""
    return complaint.was_handled and complaint.rating is None


@transaction.atomic
def complaint_rate(*, complaint: Complaint, rating: int, comment: str = "") -> Complaint:
    """The consumer rates the handling once, after a handled complaint is closed."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    require(locked.is_closed, _("A complaint can be rated once its handling is over."))
    require(
        locked.was_handled,
        _(
            "Only a complaint the regulator accepted and handled can be rated: this one was "
            "closed before it was handled."
        ),
    )
    require(locked.rating is None, _("This complaint has already been rated."))
    require(1 <= rating <= 5, _("Give a rating from 1 to 5."))
    locked.rating, locked.rating_comment = rating, comment.strip()
    locked.save(update_fields=["rating", "rating_comment", "updated_at"])
    complaint_merchant_facts_changed(locked)
    ComplaintEvent.objects.create(
        complaint=locked,
        role=Role.CONSUMER,
        message=msg(m.RATED, n=rating),
        text=comment.strip(),
    )
    complaint.refresh_from_db()
    return complaint


@transaction.atomic
def complaint_message(
    *, complaint: Complaint, role: str, text: str, actor: User | None = None
) -> ComplaintEvent:
    """A message on the timeline, from any party allowed to see the complaint."""
    require(bool(text.strip()), _("Write a message."))
    current = Complaint.objects.select_related("merchant").get(pk=complaint.pk)
    require(not current.is_closed, _("The complaint is closed."))
    event = ComplaintEvent.objects.create(
        complaint=complaint, actor=actor, role=role, text=text.strip()
    )
    if role != Role.CONSUMER:
        side = label(Role(role).label)
        _tell_consumer(
            current,
            key=f"event:{event.pk}",
            subject=msg(m.CONSUMER_MESSAGE_SUBJECT, number=current.reference),
            body=[
                msg(m.CONSUMER_MESSAGE_BODY, role=side, business=complaint_business(current)),
                msg(TEXT, text=event.text),
            ],
            sms=lambda link: msg(m.SMS_MESSAGE, number=current.reference, role=side, link=link),
        )
    return event


# Deadline sweep (Celery beat): set-based and idempotent.


def complaints_sweep_deadlines(*, today: date | None = None) -> dict[str, int]:
    """Flag late complaints and tell their handlers; a merchant that stays silent past its due
    date sends the complaint to mediation, and its people are told.

    Each late complaint is claimed by a conditional UPDATE (only rows not yet flagged / still
    with the merchant), and notifications are keyed per complaint, so a second run, or two at
    once, changes nothing more.
    """
    today = today or _today()
    open_states = [s for s in C.values if s not in CLOSED_COMPLAINT_STATES]
    late = Complaint.objects.filter(
        Q(state__in=AWAITING_DECISION_STATES, accept_due__lt=today)
        | Q(state__in=open_states, close_due__lt=today),
        is_overdue=False,
    )
    late_ids = list(late.values_list("pk", flat=True))
    flagged = Complaint.objects.filter(pk__in=late_ids, is_overdue=False).update(is_overdue=True)
    for pk, handler_id, number in Complaint.objects.filter(
        pk__in=late_ids, handler__isnull=False
    ).values_list("pk", "handler_id", "number"):
        with transaction.atomic():
            notify_users(
                user_ids=[handler_id],
                key=f"complaint-overdue:{pk}",
                subject=msg(m.OVERDUE_SUBJECT),
                body=msg(m.OVERDUE_BODY, number=number or f"#{pk}"),
                link=reverse("complaint-queue-detail", args=[pk]),
            )
    silent = 0
    with transaction.atomic():
        waiting = list(
            Complaint.objects.select_for_update(skip_locked=True)
            .filter(state__in=[C.WITH_MERCHANT, C.PROPOSED], merchant_due__lt=today)
            .values_list("pk", "state", "merchant_id", "number")
        )
        now = timezone.now()
        for state in (C.WITH_MERCHANT, C.PROPOSED):
            rows = [
                (pk, merchant_id, number or f"#{pk}")
                for pk, s, merchant_id, number in waiting
                if s == state
            ]
            ids = [pk for pk, _merchant, _number in rows]
            silent += Complaint.objects.filter(pk__in=ids, state=state).update(
                state=C.MEDIATION, updated_at=now
            )
            ComplaintEvent.objects.bulk_create(
                ComplaintEvent(
                    complaint_id=pk,
                    role=Role.SYSTEM,
                    from_state=state,
                    to_state=C.MEDIATION,
                    message=msg(m.SILENT),
                    created_at=now,
                )
                for pk in ids
            )
            for pk, merchant_id, number in rows:
                notify_merchant_members(
                    merchant_id=merchant_id,
                    key=f"complaint-silent:{pk}",
                    subject=msg(m.STEP_SUBJECT, number=number, state=label(C.MEDIATION.label)),
                    body=msg(m.SILENT),
                    link=reverse("complaint-merchant-detail", args=[pk]),
                )
            for moved in Complaint.objects.filter(pk__in=ids).select_related("merchant"):
                _tell_consumer_of_step(moved, C.MEDIATION, key=f"silent:{moved.pk}")
    return {"overdue": flagged, "to_mediation": silent}


def complaints_follow_merchant_region(*, merchant: Merchant, region: Region) -> int:
    """A merchant moved county (an approved county change): its complaints, open and closed, are
    handled and counted where it now is. Disclosure snapshots keep the county of their date."""
    return Complaint.objects.filter(merchant=merchant).update(
        region=region, updated_at=timezone.now()
    )
