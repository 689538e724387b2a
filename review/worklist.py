"""The reviewer's, supervisor's and inspector's part of the work list (merchants/worklist.py):
declarations to review and overdue, campaigns due, visits due and rectifications to check, and
coordinators' unscheduled visits of the past week. Each count is that of the page it links to,
read through this app's selectors, bounded."""

from datetime import date, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from merchants.models import User
from merchants.worklist import WorkItem, bounded_count
from review.models import Campaign, InspectionState
from review.permissions import can_supervise, is_inspector, is_reviewer
from review.selectors.inspections import campaign_list, inspector_assignment_list
from review.selectors.patrols import patrol_filter, patrol_list
from review.selectors.queue import QueueTab, review_queue

# Work falling due within this many days is on the list before it is late.
DUE_SOON_DAYS = 7
# Coordinators' visits of this many past days count as new.
NEW_PATROL_DAYS = 7


def _url(name: str, **query: str) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


def _review_items(user: User, today: date) -> list[WorkItem]:
    if not is_reviewer(user):
        return []
    return [
        WorkItem(
            kind="review.pending",
            label=_("Declarations waiting for review"),
            count=bounded_count(review_queue(user=user, tab=QueueTab.PENDING, today=today)),
            url=_url("review-queue", tab=QueueTab.PENDING),
        ),
        WorkItem(
            kind="review.overdue",
            label=_("Declarations past their review deadline"),
            count=bounded_count(review_queue(user=user, tab=QueueTab.OVERDUE, today=today)),
            url=_url("review-queue", tab=QueueTab.OVERDUE),
            overdue=True,
        ),
    ]


def _campaign_items(user: User, today: date) -> list[WorkItem]:
    if not (user.is_regulator or user.is_platform_admin) or not can_supervise(user):
        return []
    drawn = campaign_list(user=user).filter(state=Campaign.State.DRAWN)
    soon = today + timedelta(days=DUE_SOON_DAYS)
    return [
        WorkItem(
            kind="review.campaigns_overdue",
            label=_("Campaigns past their due date and not closed"),
            count=bounded_count(drawn.filter(due_date__lt=today)),
            url=_url("campaign-list"),
            overdue=True,
        ),
        WorkItem(
            kind="review.campaigns_due",
            label=_("Campaigns due within a week"),
            count=bounded_count(drawn.filter(due_date__gte=today, due_date__lte=soon)),
            url=_url("campaign-list"),
        ),
    ]


def _inspection_items(user: User, today: date) -> list[WorkItem]:
    if not is_inspector(user):
        return []
    mine = inspector_assignment_list(user=user)
    scheduled = mine.filter(state=InspectionState.SCHEDULED)
    url = _url("inspection-assignments")
    return [
        WorkItem(
            kind="review.visits_overdue",
            label=_("Your inspection visits past their due date"),
            count=bounded_count(scheduled.filter(due_date__lt=today)),
            url=url,
            overdue=True,
        ),
        WorkItem(
            kind="review.visits_due",
            label=_("Your inspection visits due within a week"),
            count=bounded_count(
                scheduled.filter(
                    due_date__gte=today, due_date__lte=today + timedelta(days=DUE_SOON_DAYS)
                )
            ),
            url=url,
        ),
        WorkItem(
            kind="review.rectifications",
            label=_("Rectifications of your inspections to check"),
            count=bounded_count(mine.filter(state=InspectionState.RECTIFICATION_SUBMITTED)),
            url=url,
        ),
    ]


def _patrol_items(user: User, today: date) -> list[WorkItem]:
    if not (user.is_regulator or user.is_platform_admin):
        return []
    since = today - timedelta(days=NEW_PATROL_DAYS)
    return [
        WorkItem(
            kind="review.patrols",
            label=_("Coordinators' unscheduled visits in the past week"),
            count=bounded_count(patrol_filter(patrol_list(user=user), date_from=since)),
            url=_url("patrol-list", date_from=since.isoformat()),
        )
    ]


def review_worklist(user: User, today: date) -> list[WorkItem]:
    return [
        *_review_items(user, today),
        *_campaign_items(user, today),
        *_inspection_items(user, today),
        *_patrol_items(user, today),
    ]
