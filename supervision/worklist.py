"""The cockpit's part of the work list (merchants/worklist.py): merchants that newly crossed a
complaint threshold in the region (the cockpit's table of them, read from the rollup the
refresh keeps), linked to that table."""

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from merchants.models import Region, User
from merchants.selectors import subtree_q
from merchants.worklist import WorkItem, bounded_count
from supervision.models import ThresholdCrossing
from supervision.permissions import sees_cockpit


def supervision_worklist(user: User, today: date) -> list[WorkItem]:
    if not sees_cockpit(user):
        return []
    crossings = ThresholdCrossing.objects.all()
    if user.region_id:
        region: Region = user.region
        crossings = crossings.filter(subtree_q(region))
    return [
        WorkItem(
            kind="supervision.threshold_crossings",
            label=_("Merchants newly crossing a complaint threshold (past 7 days)"),
            count=bounded_count(crossings),
            url=f"{reverse('supervision')}#thresholds",
        )
    ]
