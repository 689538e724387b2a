"""Complaint lists as tables people download (CSV and XLSX): the columns and the rows.

The caller gives the list already scoped and filtered (the queue's tab, filters and search, or the
API's filtered list); a row shows the phone in full only where `full_contact_rule` lets the
viewer see it, masked (*******1234) everywhere else. An export holds at most `EXPORT_LIMIT`
rows, in the list's order, read from the database in chunks.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint, ComplaintCategory, ComplaintChannel, ComplaintState
from complaints.permissions import full_contact_rule
from complaints.selectors.complaints import complaint_is_late
from merchants.models import User

EXPORT_LIMIT = 50_000
EXPORT_CHUNK = 2000


@dataclass(frozen=True)
class ComplaintExport:
    header: list[str]
    rows: Iterator[list[Any]]
    total: int  # complaints the list holds
    count: int  # rows in the file: the total up to EXPORT_LIMIT

    @property
    def truncated(self) -> bool:
        return self.total > self.count


def _local(moment: datetime | None) -> datetime | None:
    """A timestamp as the reader's wall clock shows it, to the minute (spreadsheets hold no
    time zones)."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None, second=0, microsecond=0)


def complaint_export_header() -> list[str]:
    return [
        _("Complaint number"),
        _("Submitted"),
        _("Channel"),
        _("Category"),
        _("State"),
        _("County code"),
        _("County"),
        _("Business"),
        _("Unified social credit code"),
        _("Consumer"),
        _("Phone"),
        _("Decision due"),
        _("Handling due"),
        _("Closed"),
        _("Overdue"),
        _("Handler"),
    ]


def _rows(user: User, complaints: QuerySet[Complaint]) -> Iterator[list[Any]]:
    full = full_contact_rule(user)
    channels, categories = dict(ComplaintChannel.choices), dict(ComplaintCategory.choices)
    states = dict(ComplaintState.choices)
    yes, no = _("Yes"), _("No")
    today = timezone.localdate()
    for c in complaints.iterator(chunk_size=EXPORT_CHUNK):
        yield [
            c.reference,
            _local(c.created_at),
            str(channels.get(c.channel, c.channel)),
            str(categories.get(c.category, c.category)),
            str(states.get(c.state, c.state)),
            c.region_id,
            c.region.display_name,
            c.business_display,
            c.merchant.uscc if c.merchant_id else "",
            c.complainant_name,
            c.complainant_phone if full(c) else c.masked_phone,
            c.accept_due,
            c.close_due,
            _local(c.closed_at),
            yes if complaint_is_late(c, today) else no,
            c.handler.display_name if c.handler_id else "",
        ]


def complaint_export(*, user: User, complaints: QuerySet[Complaint]) -> ComplaintExport:
    """The list as a table: one query counts it, the rows are read as the file is written."""
    total = complaints.count()
    bounded = complaints.select_related("merchant", "region", "handler")[:EXPORT_LIMIT]
    return ComplaintExport(
        header=complaint_export_header(),
        rows=_rows(user, bounded),
        total=total,
        count=min(total, EXPORT_LIMIT),
    )
