"""Reads of appeals: whether a decision may be appealed now, and the regulators' lists scoped
by ratings.permissions.reach_q."""

from datetime import date, datetime, timedelta

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from merchants.models import User
from ratings.models import APPEALABLE_REASONS, Appeal, EvaluationPolicy, PoolChange
from ratings.permissions import reach_q


def appeal_deadline(decision: PoolChange, policy: EvaluationPolicy) -> datetime:
    return decision.created_at + timedelta(days=policy.appeal_days)


def appeal_open_reason(decision: PoolChange, *, now: datetime | None = None) -> str:
    """Why this decision cannot be appealed now, or "" if it can."""
    now = now or timezone.now()
    if decision.reason_code not in APPEALABLE_REASONS:
        return _("This decision cannot be appealed.")
    if Appeal.objects.filter(decision=decision).exists():
        return _("This decision has been appealed already.")
    if now > appeal_deadline(decision, EvaluationPolicy.current()):
        return _("The time to appeal this decision is over.")
    latest = (
        PoolChange.objects.filter(merchant_id=decision.merchant_id)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    if latest != decision.pk:
        return _("This decision is no longer in force.")
    return ""


def appeal_window(decision: PoolChange, *, now: datetime | None = None) -> tuple[str, datetime]:
    """(why it cannot be appealed now, or ""; the last moment to appeal it)."""
    return (
        appeal_open_reason(decision, now=now),
        appeal_deadline(decision, EvaluationPolicy.current()),
    )


# The regulators' lists


def appeal_list(*, user: User, today: date | None = None) -> QuerySet[Appeal]:
    """Every appeal of the user's reach, newest first; `overdue` when a pending one is past the
    date it was to be decided by."""
    today = today or timezone.localdate()
    return (
        Appeal.objects.filter(reach_q(user, "merchant__region_id"))
        .annotate(
            overdue=ExpressionWrapper(
                Q(state=Appeal.State.PENDING) & (Q(is_overdue=True) | Q(decide_by__lt=today)),
                output_field=BooleanField(),
            )
        )
        .select_related("merchant", "merchant__region", "decision", "decision__actor")
        .prefetch_related("files")
        .order_by("-submitted_at", "-pk")
    )


def appeals_pending(*, user: User, today: date | None = None) -> QuerySet[Appeal]:
    """Appeals of the user's reach waiting for a decision, the earliest deadline first."""
    return (
        appeal_list(user=user, today=today)
        .filter(state=Appeal.State.PENDING)
        .order_by("decide_by", "submitted_at", "pk")
    )


def appeal_in_reach(*, user: User, pk: int) -> Appeal:
    appeal = appeal_list(user=user).filter(pk=pk).first()
    if appeal is None:
        raise Http404
    return appeal
