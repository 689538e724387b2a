"""The complaint handler's part of the work list (merchants/worklist.py): new complaints waiting
for a decision, overdue ones, transfers to accept. Each count is that of the queue tab it links
to (complaints.selectors.complaints.complaint_queue), read bounded."""

from datetime import date
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from complaints.permissions import is_complaint_handler
from complaints.selectors.complaints import ComplaintQueueTab, complaint_queue
from merchants.models import User
from merchants.selectors import subtree_q
from merchants.worklist import WorkItem, bounded_count


def _queue_url(tab: str) -> str:
    return f"{reverse('complaint-queue')}?{urlencode({'tab': tab})}"


def complaint_worklist(user: User, today: date) -> list[WorkItem]:
    if not is_complaint_handler(user):
        return []
    transfers = complaint_queue(user=user, tab=ComplaintQueueTab.TRANSFERS)
    if not user.is_platform_admin:
        # The tab shows transfers both ways; only those to the handler's counties await them.
        transfers = transfers.filter(subtree_q(user.region, "transfer_to_id"))
    return [
        WorkItem(
            kind="complaints.new",
            label=_("New complaints waiting for a decision"),
            count=bounded_count(complaint_queue(user=user, tab=ComplaintQueueTab.NEW)),
            url=_queue_url(ComplaintQueueTab.NEW),
        ),
        WorkItem(
            kind="complaints.overdue",
            label=_("Complaints past their deadline"),
            count=bounded_count(complaint_queue(user=user, tab=ComplaintQueueTab.OVERDUE)),
            url=_queue_url(ComplaintQueueTab.OVERDUE),
            overdue=True,
        ),
        WorkItem(
            kind="complaints.transfers",
            label=_("Complaints transferred to you to accept"),
            count=bounded_count(transfers),
            url=_queue_url(ComplaintQueueTab.TRANSFERS),
        ),
    ]
