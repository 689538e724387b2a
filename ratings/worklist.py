"""The pools' part of the work list (merchants/worklist.py): rectification reports to check,
warnings past their rectification date, appeals to decide, and merchants warned in the past week
for crossing a complaint threshold. Each count is that of the page it links to, read through
this app's selectors, bounded."""

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merchants.models import Pool, User
from merchants.worklist import WorkItem, bounded_count
from ratings.models import Trigger
from ratings.permissions import is_pool_regulator
from ratings.selectors.appeals import appeals_pending
from ratings.selectors.pools import standing_scope
from ratings.selectors.warnings import rectifications_waiting, warnings_past_due

# A warning of this many past days is new.
NEW_WARNING_DAYS = 7
COMPLAINT_TRIGGERS = (Trigger.COMPLAINTS_RECENT, Trigger.OVERDUE_COMPLAINT)


def complaint_threshold_q() -> Q:
    """Standings whose latest evaluation breached a complaint trigger (the codes are stored as a
    JSON list; matched as quoted strings, which works on every database)."""
    q = Q()
    for trigger in COMPLAINT_TRIGGERS:
        q |= Q(last_evaluation__triggers__icontains=f'"{trigger.value}"')
    return q


def ratings_worklist(user: User, today: date) -> list[WorkItem]:
    if not is_pool_regulator(user):
        return []
    queue = reverse("rectification-queue")
    appeals = appeals_pending(user=user, today=today)
    week_ago = today - timedelta(days=NEW_WARNING_DAYS)
    since = timezone.make_aware(datetime.combine(week_ago, time.min))
    newly_warned = standing_scope(user=user).filter(
        complaint_threshold_q(), pool=Pool.WARNING, since__gte=since
    )
    return [
        WorkItem(
            kind="ratings.warnings_past_due",
            label=_("Warnings past their rectification date"),
            count=bounded_count(warnings_past_due(user=user, today=today)),
            url=queue,
            overdue=True,
        ),
        WorkItem(
            kind="ratings.rectifications",
            label=_("Rectification reports to check"),
            count=bounded_count(rectifications_waiting(user=user, today=today)),
            url=queue,
        ),
        WorkItem(
            kind="ratings.appeals_overdue",
            label=_("Appeals past the date to decide them"),
            count=bounded_count(appeals.filter(overdue=True)),
            url=reverse("appeal-queue"),
            overdue=True,
        ),
        WorkItem(
            kind="ratings.appeals",
            label=_("Appeals to decide"),
            count=bounded_count(appeals),
            url=reverse("appeal-queue"),
        ),
        WorkItem(
            kind="ratings.complaint_thresholds",
            label=_("Merchants warned this week for crossing a complaint threshold"),
            count=bounded_count(newly_warned),
            url=f"{reverse('pool-browser')}?{urlencode({'pool': Pool.WARNING, 'sort': 'since'})}",
        ),
    ]
