"""The declaration workflow: one service per transition, each writing an event row.

States and transitions follow DESIGN.md. A transition not in TRANSITIONS is refused with a
DomainError, never silently ignored. Every move, one at a time (`_transition`) or a batch
(`declarations_transition_many`, for screening), is announced by `declarations_changed`; the
pools, the screening queue and the public pages react to it in their own apps.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import deadlines
from common.calendar import add_working_days
from common.errors import DomainError, require
from common.messages import Message, msg
from common.uploads import inspect_upload, save_with_file
from merchants.models import (
    Commitment,
    Declaration,
    DeclarationDocument,
    DeclarationEvent,
    Merchant,
    RequiredDocument,
    Scheme,
    User,
)
from merchants.models import DeclarationState as S
from merchants.permissions import can_review
from merchants.services.audit import audit_log
from merchants.services.messages import RELEASED, RESUBMITTED
from merchants.services.notifications import notify_declaration_event
from merchants.signals import DeclarationChange, declaration_creating, declarations_changed

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.SCREENING, S.WITHDRAWN}),
    S.SCREENING: frozenset({S.SCREENING_FAILED, S.PENDING_REVIEW}),
    S.SCREENING_FAILED: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.PENDING_REVIEW: frozenset({S.UNDER_REVIEW, S.WITHDRAWN}),
    S.UNDER_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.RETURNED, S.PENDING_REVIEW}),
    S.RETURNED: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.APPROVED: frozenset({S.WITHDRAWN, S.REVOKED, S.EXPIRED}),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.REVOKED: frozenset(),
    S.EXPIRED: frozenset(),
}

# The merchant is told of these outcomes, by e-mail and in the on-site inbox.
NOTIFIED_STATES = frozenset({S.SCREENING_FAILED, S.APPROVED, S.REJECTED, S.RETURNED, S.REVOKED})


# Files one declaration may carry (a scheme asks for a handful; a few replaced ones beside).
MAX_DOCUMENTS = 30


def _open_declaration_message() -> str:
    return _(
        "This merchant already has an open declaration for this scheme. Continue that one, or "
        "withdraw it before starting a new one."
    )


def _check_move(from_state: str, to: str) -> None:
    if to not in TRANSITIONS[from_state]:
        raise DomainError(
            _("A declaration that is “%(from)s” cannot become “%(to)s”.")
            % {"from": S(from_state).label, "to": S(to).label}
        )


def _notify(event: DeclarationEvent) -> None:
    """Tell the merchant's people of the outcome, in each reader's language."""
    notify_declaration_event(event=event)


def _transition(
    declaration: Declaration,
    *,
    to: str,
    actor: User | None,
    reason: str = "",
    message: Message | list[Message] | None = None,
    expect_reviewer: User | None = None,
    changes: dict[str, Any] | None = None,
) -> Declaration:
    """Lock the row, check the move is allowed, save and record the event. Call inside atomic().

    `reason`: what the person typed; `message`: what the system says (a message code).
    `expect_reviewer`: the move is a decision that only the regulator holding the declaration
    may take; checked after the lock, so of two regulators acting at once exactly one lands.
    """
    locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
    _check_move(locked.state, to)
    if expect_reviewer is not None and locked.reviewer_id != expect_reviewer.pk:
        raise DomainError(_("Another regulator holds this declaration; only they can decide it."))
    from_state = locked.state
    now = timezone.now()
    updates: dict[str, Any] = {"state": to, **(changes or {})}
    if to == S.SUBMITTED:
        updates |= {
            "submitted_at": now,
            "review_due": add_working_days(timezone.localdate(now), deadlines.review_days()),
            "is_overdue": False,
            "flagged": False,
            "screening_incomplete": False,
            "reviewer": None,
            "claimed_at": None,
        }
    if to == S.UNDER_REVIEW:
        updates |= {"reviewer": actor, "claimed_at": now}
    if to == S.PENDING_REVIEW and from_state == S.UNDER_REVIEW:
        updates |= {"reviewer": None, "claimed_at": None}
    if to in (S.APPROVED, S.REJECTED, S.RETURNED):
        updates |= {"decided_at": now, "is_overdue": False}
    for field, value in updates.items():
        setattr(locked, field, value)
    try:
        with transaction.atomic():
            locked.save(update_fields=[*updates, "updated_at"])
    except IntegrityError as exc:
        raise DomainError(_open_declaration_message()) from exc
    event = DeclarationEvent.objects.create(
        declaration=locked,
        actor=actor,
        from_state=from_state,
        to_state=to,
        reason=reason,
        message=message or None,
        created_at=now,
    )
    if to in NOTIFIED_STATES:
        _notify(event)
    declarations_changed.send(
        sender=Declaration,
        changes=[DeclarationChange(locked, from_state=from_state, to_state=to, actor=actor)],
    )
    declaration.refresh_from_db()
    return declaration


# A batch move: declaration (locked, in its current state), target state, the system's message
# (a message code, or None), field changes.
Move = tuple[Declaration, str, Message | list[Message] | None, dict[str, bool]]


def declarations_transition_many(moves: list[Move], *, now: datetime) -> None:
    """System moves for a batch of locked declarations, set-based (screening's): the same table
    of allowed transitions, event rows, notifications and signal as `_transition`, with one
    UPDATE per kind of move instead of several queries per declaration. Call inside atomic()."""
    groups: dict[tuple[str, tuple[tuple[str, bool], ...]], list[int]] = defaultdict(list)
    events, changes = [], []
    for declaration, to, message, fields in moves:
        _check_move(declaration.state, to)
        groups[(to, tuple(sorted(fields.items())))].append(declaration.pk)
        events.append(
            DeclarationEvent(
                declaration=declaration,
                actor=None,
                from_state=declaration.state,
                to_state=to,
                message=message or None,
                created_at=now,
            )
        )
        changes.append(
            DeclarationChange(declaration, from_state=declaration.state, to_state=to, actor=None)
        )
        declaration.state = to
    for (to, fields), pks in groups.items():
        Declaration.objects.filter(pk__in=pks).update(state=to, updated_at=now, **dict(fields))
    for event in DeclarationEvent.objects.bulk_create(events):
        if event.to_state in NOTIFIED_STATES:
            _notify(event)
    if changes:
        declarations_changed.send(sender=Declaration, changes=changes)


@transaction.atomic
def declaration_create(*, actor: User, merchant: Merchant, scheme: Scheme) -> Declaration:
    require(scheme.is_active, _("This scheme is not open for declarations."))
    declaration_creating.send(sender=Declaration, merchant=merchant, scheme=scheme)
    try:
        with transaction.atomic():
            declaration = Declaration.objects.create(
                merchant=merchant, region_id=merchant.region_id, scheme=scheme, created_by=actor
            )
    except IntegrityError as exc:
        raise DomainError(_open_declaration_message(), field="scheme") from exc
    DeclarationEvent.objects.create(
        declaration=declaration, actor=actor, from_state="", to_state=S.DRAFT
    )
    return declaration


@transaction.atomic
def declaration_update(
    *,
    actor: User,
    declaration: Declaration,
    commitments: Iterable[Commitment],
    details: dict[str, Any] | None = None,
    member_merchants: Iterable[Merchant] | None = None,
) -> Declaration:
    """Save the draft's content: ticked commitments, scheme fields, district members."""
    declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
    require(
        declaration.is_editable,
        _("Only a draft or a declaration sent back to you can be changed."),
    )
    commitments = list(commitments)
    foreign = [c for c in commitments if c.scheme_id != declaration.scheme_id]
    require(not foreign, _("A commitment does not belong to this scheme."))
    clean = declaration.scheme.spec.clean_details(details or {})
    declaration.details = clean
    declaration.save(update_fields=["details", "updated_at"])
    declaration.accepted_commitments.set(commitments)
    if declaration.scheme.spec.has_members and member_merchants is not None:
        members = [m for m in member_merchants if m.pk != declaration.merchant_id]
        declaration.member_merchants.set(members)
    audit_log(
        actor=actor,
        action="declaration.update",
        merchant=declaration.merchant,
        obj=declaration,
        data={"commitments": len(commitments), "details": clean},
    )
    return declaration


@transaction.atomic
def declaration_attach_document(
    *,
    actor: User,
    declaration: Declaration,
    required_document: RequiredDocument,
    upload: UploadedFile,
) -> DeclarationDocument:
    """Attach one file after checking its content (not its name) is PDF, JPEG or PNG."""
    declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
    require(
        declaration.is_editable,
        _("Documents can only be added to a draft or a declaration sent back to you."),
    )
    require(
        required_document.scheme_id == declaration.scheme_id,
        _("This document is not one the scheme asks for."),
    )
    require(
        declaration.documents.count() < MAX_DOCUMENTS,
        _("At most %(n)d documents per declaration: remove one first.") % {"n": MAX_DOCUMENTS},
    )
    content_type = inspect_upload(upload, max_bytes=settings.UPLOAD_MAX_BYTES)
    document = DeclarationDocument(
        declaration=declaration,
        required_document=required_document,
        original_name=(upload.name or "")[:255],
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=actor,
    )
    save_with_file(document, upload)
    audit_log(
        actor=actor,
        action="declaration.attach_document",
        merchant=declaration.merchant,
        obj=declaration,
        data={"document": required_document.code, "name": document.original_name},
    )
    return document


def document_field_name(required_document: RequiredDocument) -> str:
    """The key under which an upload for this required document is reported."""
    return f"document_{required_document.pk}"


def declaration_save_content(
    *,
    actor: User,
    declaration: Declaration,
    commitments: Iterable[Commitment],
    details: dict[str, Any] | None = None,
    member_merchants: Iterable[Merchant] | None = None,
    uploads: Iterable[tuple[RequiredDocument, UploadedFile]] = (),
) -> Declaration:
    """Save a draft's content and its new files together: a refused file keeps nothing."""
    attached: list[DeclarationDocument] = []
    try:
        with transaction.atomic():
            declaration_update(
                actor=actor,
                declaration=declaration,
                commitments=commitments,
                details=details,
                member_merchants=member_merchants,
            )
            for required_document, upload in uploads:
                try:
                    attached.append(
                        declaration_attach_document(
                            actor=actor,
                            declaration=declaration,
                            required_document=required_document,
                            upload=upload,
                        )
                    )
                except DomainError as exc:
                    exc.field = document_field_name(required_document)
                    raise
    except DomainError:
        # The rows were rolled back; the files written before the refusal were not.
        for document in attached:
            document.file.storage.delete(document.file.name)
        raise
    return declaration


@transaction.atomic
def declaration_remove_document(*, actor: User, document: DeclarationDocument) -> None:
    declaration = Declaration.objects.select_for_update().get(pk=document.declaration_id)
    require(declaration.is_editable, _("Documents of a submitted declaration cannot be removed."))
    name = document.original_name
    stored_name, storage = document.file.name, document.file.storage
    document.delete()
    transaction.on_commit(lambda: storage.delete(stored_name))
    audit_log(
        actor=actor,
        action="declaration.remove_document",
        merchant=declaration.merchant,
        obj=declaration,
        data={"name": name},
    )


def declaration_missing_items(declaration: Declaration) -> list[str]:
    """What still stops this declaration from being submitted, in words for the merchant."""
    problems: list[str] = []
    scheme = declaration.scheme
    # .all(), not values_list(): bulk screening prefetches these for a whole batch.
    ticked = {c.pk for c in declaration.accepted_commitments.all()}
    for commitment in scheme.commitments.all():
        if commitment.pk not in ticked:
            problems.append(
                _("Commitment not accepted: %(name)s") % {"name": commitment.display_name}
            )
    attached = {d.required_document_id for d in declaration.documents.all()}
    for doc in scheme.required_documents.all():
        if doc.is_mandatory and doc.pk not in attached:
            problems.append(_("Document missing: %(name)s") % {"name": doc.display_name})
    for key in scheme.spec.required_details:
        if not declaration.details.get(key):
            problems.append(_("Scheme details are incomplete: fill in every required field."))
            break
    if scheme.spec.has_members and declaration.member_merchants.count() < 2:
        problems.append(_("A shopping district needs at least two member merchants."))
    return problems


@transaction.atomic
def declaration_submit(*, actor: User, declaration: Declaration) -> Declaration:
    """Submit (or resubmit after amendment); automatic screening starts after commit."""
    current = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if S.SUBMITTED not in TRANSITIONS[current.state]:
        raise DomainError(
            _("A declaration that is “%(state)s” cannot be submitted.")
            % {"state": S(current.state).label}
        )
    problems = declaration_missing_items(current)
    if problems:
        raise DomainError(" ".join(problems))
    message = msg(RESUBMITTED) if current.state != S.DRAFT else None
    _transition(declaration, to=S.SUBMITTED, actor=actor, message=message)
    return declaration


@transaction.atomic
def declaration_withdraw(*, actor: User, declaration: Declaration, reason: str = "") -> Declaration:
    return _transition(declaration, to=S.WITHDRAWN, actor=actor, reason=reason)


# System and regulator transitions. Screening (review.services.screening) and the review queues
# build on these.


@transaction.atomic
def declaration_screening_start(*, declaration: Declaration) -> Declaration:
    return _transition(declaration, to=S.SCREENING, actor=None)


@transaction.atomic
def declaration_screening_finish(
    *,
    declaration: Declaration,
    passed: bool,
    reason: str = "",
    message: Message | list[Message] | None = None,
    flagged: bool = False,
    incomplete: bool = False,
) -> Declaration:
    """End screening: a fail goes back to the merchant; the rest go to review, maybe flagged.
    The system's reason is a `message` (a code); `reason` is kept for a text given as is."""
    to = S.PENDING_REVIEW if passed else S.SCREENING_FAILED
    changes = {"flagged": flagged or incomplete, "screening_incomplete": incomplete}
    return _transition(
        declaration, to=to, actor=None, reason=reason, message=message, changes=changes
    )


def _require_reviewer(actor: User, declaration: Declaration) -> None:
    require(can_review(actor, declaration), _("You are not a reviewer for this merchant's region."))


@transaction.atomic
def declaration_claim(*, actor: User, declaration: Declaration) -> Declaration:
    _require_reviewer(actor, declaration)
    return _transition(declaration, to=S.UNDER_REVIEW, actor=actor)


@transaction.atomic
def declaration_release(*, actor: User, declaration: Declaration) -> Declaration:
    _require_reviewer(actor, declaration)
    return _transition(
        declaration, to=S.PENDING_REVIEW, actor=actor, message=msg(RELEASED), expect_reviewer=actor
    )


@transaction.atomic
def declaration_approve(
    *,
    actor: User,
    declaration: Declaration,
    reason: str = "",
    message: Message | list[Message] | None = None,
) -> Declaration:
    """`reason`: the regulator's own words; `message`: a system text (bulk approval's)."""
    _require_reviewer(actor, declaration)
    return _transition(
        declaration,
        to=S.APPROVED,
        actor=actor,
        reason=reason,
        message=message,
        expect_reviewer=actor,
    )


@transaction.atomic
def declaration_reject(*, actor: User, declaration: Declaration, reason: str) -> Declaration:
    _require_reviewer(actor, declaration)
    require(bool(reason.strip()), _("Give the reason for rejecting the declaration."))
    return _transition(
        declaration, to=S.REJECTED, actor=actor, reason=reason.strip(), expect_reviewer=actor
    )


@transaction.atomic
def declaration_return(*, actor: User, declaration: Declaration, comments: str) -> Declaration:
    _require_reviewer(actor, declaration)
    require(bool(comments.strip()), _("Say what the merchant must amend."))
    return _transition(
        declaration, to=S.RETURNED, actor=actor, reason=comments.strip(), expect_reviewer=actor
    )


@transaction.atomic
def declaration_revoke(*, actor: User, declaration: Declaration, reason: str) -> Declaration:
    _require_reviewer(actor, declaration)
    require(bool(reason.strip()), _("Give the reason for revoking the declaration."))
    return _transition(declaration, to=S.REVOKED, actor=actor, reason=reason.strip())


@transaction.atomic
def declaration_expire(
    *, declaration: Declaration, reason: str = "", message: Message | list[Message] | None = None
) -> Declaration:
    return _transition(declaration, to=S.EXPIRED, actor=None, reason=reason, message=message)
