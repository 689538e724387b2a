"""The complaints this platform holds, as a screening source (merchants.sources.ComplaintSource):
configured in EXTERNAL_SOURCE_ADAPTERS["complaints"], so screening counts complaints without the
review app importing this one."""

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from complaints.models import (
    AWAITING_DECISION_STATES,
    CLOSED_COMPLAINT_STATES,
    Complaint,
    ComplaintState,
)
from merchants.sources import ComplaintCounts

# Not against the merchant here: declined, withdrawn, or sent to an authority of another province.
NOT_COUNTED = (ComplaintState.DECLINED, ComplaintState.WITHDRAWN, ComplaintState.TRANSFERRED_OUT)


class ComplaintTableSource:
    def counts_bulk(self, usccs: Iterable[str], since: date) -> dict[str, ComplaintCounts]:
        """Per merchant (by USCC): complaints accepted and still open, and those lodged since
        `since` that were neither declined, withdrawn nor transferred out; one query for the
        whole batch."""
        usccs = list(usccs)
        rows = (
            Complaint.objects.filter(merchant__uscc__in=usccs)
            .values("merchant__uscc")
            .annotate(
                open=Count(
                    "pk",
                    filter=~Q(state__in=[*CLOSED_COMPLAINT_STATES, *AWAITING_DECISION_STATES]),
                ),
                recent=Count(
                    "pk",
                    filter=Q(created_at__date__gte=since) & ~Q(state__in=NOT_COUNTED),
                ),
            )
        )
        found = {row.pop("merchant__uscc"): row for row in rows}  # {"open": n, "recent": n}
        today = timezone.localdate()
        none = {"open": 0, "recent": 0}
        return {
            uscc: ComplaintCounts(
                record_id="", as_of=today, uscc=uscc, since=since, **found.get(uscc, none)
            )
            for uscc in usccs
        }
