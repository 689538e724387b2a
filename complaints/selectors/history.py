"""The complaints part of a merchant's history (merchants.services.history): the exported zip
and the merchant's file."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from complaints.models import PASSED_TO_MERCHANT, Complaint, ComplaintReturnCall
from complaints.permissions import is_complaint_handler
from merchants.models import Merchant
from merchants.services.history import (
    Column,
    FileRow,
    HistorySection,
    TimelineEntry,
    file_entry,
    model_cells,
    record,
)

# Never in an export: the tracking link's token is a key, the address is the consumer's.
SECRET_FIELDS = ("tracking_token", "submitted_ip")
# Kept from the owner's copy as from the merchant's desk (the phone goes out masked), and so are
# the staff member who filed it for a caller, the liaison station, the regulator handling it and
# the consumer's consent to be contacted (the desk shows none of them).
OWNER_HIDDEN = (
    "complainant_phone",
    "complainant_email",
    "consumer",
    "lodged_by",
    "station",
    "handler",
    "consent_to_contact",
)


def complaint_history(
    *, merchant: Merchant, full: bool, viewer: Any = None
) -> list[HistorySection]:
    """The merchant's complaints with their timeline and evidence. The owner's copy (`full`
    False) holds, as the merchant's desk shows, only the complaints the regulator accepted,
    with the complainant's phone masked, no e-mail and nobody's name but the consumer's; the
    regulators' copy adds the return calls to the consumer with their notes."""
    complaints, files, rows, timeline = [], [], [], []
    found = Complaint.objects.filter(merchant=merchant).select_related("handler")
    if not full:
        found = found.filter(PASSED_TO_MERCHANT)
    links = viewer is not None and (not full or is_complaint_handler(viewer))
    for complaint in found.prefetch_related("events__actor", "evidence").order_by(
        "created_at", "pk"
    ):
        hidden = SECRET_FIELDS if full else (*SECRET_FIELDS, *OWNER_HIDDEN)
        row = record(complaint, exclude=hidden)
        if not full:
            row["complainant_phone_masked"] = complaint.masked_phone
        evidence = []
        for item in complaint.evidence.all():
            entry, stored = file_entry(f"complaints/{complaint.pk}", item)
            evidence.append(entry)
            files.append(stored)
        row["events"] = [
            record(e) if full else record(e, exclude=("actor",)) for e in complaint.events.all()
        ]
        row["evidence"] = evidence
        complaints.append(row)
        url = ""
        if links:
            name = "complaint-queue-detail" if full else "complaint-merchant-detail"
            url = reverse(name, args=[complaint.pk])
        rows.append(FileRow(_complaint_cells(complaint, full=full), url))
        timeline.extend(_complaint_timeline(complaint, full=full, url=url))
    columns = [
        Column("number", _("Complaint number")),
        Column("created_at", _("Received")),
        Column("category", _("Category")),
        Column("state", _("State")),
        Column("consumer", _("Consumer")),
        Column("description", _("What happened")),
        Column("outcome", _("Outcome")),
        Column("rating", _("Consumer's rating")),
    ]
    if full:
        columns[2:2] = [Column("channel", _("Channel"))]
        columns.append(Column("handler", _("Handler")))
    sections = [
        HistorySection(
            "complaints",
            complaints,
            files,
            title=_("Complaints"),
            columns=columns,
            rows=rows,
            timeline=timeline,
            order=20,
        )
    ]
    if full:
        sections.append(_return_call_section(merchant))
    return sections


def _complaint_cells(complaint: Complaint, *, full: bool) -> dict[str, str]:
    cells = model_cells(
        complaint, ("created_at", "category", "state", "description", "channel", "rating")
    )
    phone = complaint.complainant_phone if full else complaint.masked_phone
    consumer = f"{complaint.complainant_name} · {phone}"
    if full and complaint.complainant_email:
        consumer += f" · {complaint.complainant_email}"
    outcome = complaint.agreement or (
        complaint.get_decline_ground_display() if complaint.decline_ground else ""
    )
    return {
        **cells,
        "number": complaint.reference,
        "consumer": consumer,
        "outcome": outcome,
        "rating": f"{complaint.rating}/5" if complaint.rating else "",
        "handler": complaint.handler.display_name if full and complaint.handler else "",
    }


def _complaint_timeline(complaint: Complaint, *, full: bool, url: str) -> list[TimelineEntry]:
    """Each step of the complaint as its desk shows it: by whom (people named in the
    regulators' copy only), the move, the system's words and what was written."""
    entries = []
    for event in complaint.events.all():
        by = str(event.by_display)
        if full and event.actor is not None and event.role not in ("consumer", "filer"):
            by = f"{by} · {event.actor.display_name}"
        parts = [_("Complaint %(number)s") % {"number": complaint.reference}, by]
        if event.to_state:
            parts.append(
                f"{event.get_from_state_display()} → {event.get_to_state_display()}"
                if event.from_state
                else str(event.get_to_state_display())
            )
        head = " · ".join(parts)
        body = [t for t in (event.message_text if event.shows_message else "", event.text) if t]
        entries.append(TimelineEntry(event.created_at, "\n".join([head, *body]), url))
    return entries


def _return_call_section(merchant: Merchant) -> HistorySection:
    """The calls back to the consumers after the handling, with the caller's notes: for the
    regulators only (the merchant's people never see them)."""
    calls = list(
        ComplaintReturnCall.objects.filter(complaint__merchant=merchant)
        .select_related("complaint", "recorded_by")
        .order_by("called_at", "pk")
    )
    rows, timeline = [], []
    for call in calls:
        cells = {
            **model_cells(call, ("called_at", "reached", "satisfaction", "notes")),
            "complaint": call.complaint.reference,
            "recorded_by": call.recorded_by.display_name,
        }
        rows.append(FileRow(cells))
        text = _("Return call on complaint %(number)s: %(reached)s") % {
            "number": call.complaint.reference,
            "reached": _("consumer reached") if call.reached else _("consumer not reached"),
        }
        if call.satisfaction:
            text += f" · {call.get_satisfaction_display()}"
        timeline.append(TimelineEntry(call.called_at, text))
    return HistorySection(
        "return_calls",
        [record(c) for c in calls],
        title=_("Return calls"),
        columns=[
            Column("complaint", _("Complaint number")),
            Column("called_at", _("Called at")),
            Column("reached", _("Consumer reached")),
            Column("satisfaction", _("Satisfaction")),
            Column("notes", _("Notes")),
            Column("recorded_by", _("Recorded by")),
        ],
        rows=rows,
        timeline=timeline,
        order=21,
    )
