"""The complaints this platform holds, as a screening source (merchants.sources.ComplaintSource):
configured in EXTERNAL_SOURCE_ADAPTERS["complaints"], so screening counts complaints without the
review app importing this one."""

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from complaints.models import CLOSED_COMPLAINT_STATES, Complaint, ComplaintState
from merchants.sources import ComplaintCounts

NOT_COUNTED = (ComplaintState.DECLINED, ComplaintState.WITHDRAWN)


class ComplaintTableSource:
    def counts_bulk(self, usccs: Iterable[str], since: date) -> dict[str, ComplaintCounts]:
        """Per merchant (by USCC): complaints accepted and still open, and those lodged since
        `since` that were neither declined nor withdrawn; one query for the whole batch."""
        usccs = list(usccs)
        rows = (
            Complaint.objects.filter(merchant__uscc__in=usccs)
            .values("merchant__uscc")
            .annotate(
                open=Count(
                    "pk",
                    filter=~Q(state__in=[*CLOSED_COMPLAINT_STATES, ComplaintState.SUBMITTED]),
                ),
                recent=Count(
                    "pk",
                    filter=Q(created_at__date__gte=since) & ~Q(state__in=NOT_COUNTED),
                ),
            )
        )
        found = {row["merchant__uscc"]: (row["open"], row["recent"]) for row in rows}
        today = timezone.localdate()
        return {
            uscc: ComplaintCounts(
                record_id="",
                as_of=today,
                uscc=uscc,
                open=found.get(uscc, (0, 0))[0],
                recent=found.get(uscc, (0, 0))[1],
                since=since,
            )
            for uscc in usccs
        }
