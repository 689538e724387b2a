"""Review deadlines: the periodic sweep that flags declarations not decided in time."""

from datetime import date

from django.utils import timezone

from merchants.models import Declaration
from review.selectors.queue import OPEN_REVIEW_STATES


def declarations_mark_overdue(*, today: date | None = None) -> int:
    """Flag every open declaration whose review is past due; returns how many were flagged.

    One conditional UPDATE: idempotent, and two overlapping runs cannot flag a row twice. The
    flag is cleared by the state machine on a decision or a resubmission.
    """
    today = today or timezone.localdate()
    return Declaration.objects.filter(
        state__in=OPEN_REVIEW_STATES, review_due__lt=today, is_overdue=False
    ).update(is_overdue=True)
