"""Return calls (回访): the handler calls the consumer back once a handled complaint is closed
and records whether they were reached and how satisfied they are. Each call is a step on the
timeline and an entry in the audit log, like the handler's other actions."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError, require
from common.messages import day, label, msg
from complaints import messages as m
from complaints.models import (
    RETURN_CALL_NOTES_MAX,
    Complaint,
    ComplaintEvent,
    ComplaintReturnCall,
    Satisfaction,
    validate_return_call_time,
)
from complaints.permissions import can_handle
from merchants.models import User
from merchants.services.audit import audit_log


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


@transaction.atomic
def complaint_return_call_record(
    *,
    actor: User,
    complaint: Complaint,
    called_at: datetime,
    reached: bool,
    satisfaction: str = "",
    notes: str = "",
) -> ComplaintReturnCall:
    """Record one call to the consumer of a closed complaint the regulator handled (accepted,
    then settled, failed in mediation or withdrawn): when, whether they were reached and, if so,
    their satisfaction. A handler who reaches the complaint records it; a complaint still open,
    declined or withdrawn before acceptance is refused."""
    require(can_handle(actor, complaint), _("You do not handle complaints in this region."))
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    require(locked.is_closed, _("A return call is recorded once the complaint is closed."))
    require(
        locked.was_handled,
        _(
            "Only a complaint the regulator accepted and handled is called back: this one was "
            "closed before it was handled."
        ),
    )
    try:
        validate_return_call_time(called_at)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="called_at") from None
    if locked.closed_at is not None and _minute(called_at) < _minute(locked.closed_at):
        raise DomainError(
            _("The call cannot be before the complaint was closed."), field="called_at"
        )
    notes = notes.strip()
    if len(notes) > RETURN_CALL_NOTES_MAX:
        raise DomainError(
            _("Keep the notes under %(n)d characters.") % {"n": RETURN_CALL_NOTES_MAX},
            field="notes",
        )
    if reached:
        if satisfaction not in Satisfaction.values:
            raise DomainError(
                _("Record how satisfied the consumer is with the handling."), field="satisfaction"
            )
        message = msg(
            m.RETURN_CALL_REACHED,
            day=day(timezone.localtime(called_at).date()),
            satisfaction=label(Satisfaction(satisfaction).label),
        )
    else:
        if satisfaction:
            raise DomainError(
                _("A consumer who was not reached gave no satisfaction: leave it empty."),
                field="satisfaction",
            )
        message = msg(m.RETURN_CALL_NOT_REACHED, day=day(timezone.localtime(called_at).date()))
    event = ComplaintEvent.objects.create(
        complaint=locked, actor=actor, role=ComplaintEvent.Role.REGULATOR, message=message
    )
    call = ComplaintReturnCall.objects.create(
        complaint=locked,
        called_at=called_at,
        reached=reached,
        satisfaction=satisfaction,
        notes=notes,
        recorded_by=actor,
        event=event,
    )
    audit_log(
        actor=actor,
        action="complaint.return_call",
        merchant=locked.merchant,
        obj=locked,
        data={
            "return_call": call.pk,
            "called_at": called_at.isoformat(),
            "reached": reached,
            "satisfaction": satisfaction,
        },
    )
    return call
