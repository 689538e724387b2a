"""Reads of the warning pool for regulators: the reports waiting for a check and the warnings
open or past their rectification date, scoped by ratings.permissions.reach_q."""

from datetime import date

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from merchants.models import Pool, User
from ratings.models import Standing, WarningRectification
from ratings.permissions import reach_q
from ratings.selectors.pools import standing_scope


def rectifications_waiting(
    *, user: User, today: date | None = None
) -> QuerySet[WarningRectification]:
    """Reports waiting for a regulator that answer the warning the merchant is in now, oldest
    first; `is_overdue` when the rectification date has passed while the report waits."""
    today = today or timezone.localdate()
    return (
        WarningRectification.objects.filter(
            reach_q(user, "merchant__region_id"),
            decision="",
            merchant__standing__pool=Pool.WARNING,
            warning__created_at__gte=F("merchant__standing__since"),
        )
        .annotate(
            rectification_due=F("merchant__standing__rectification_due"),
            is_overdue=ExpressionWrapper(
                Q(merchant__standing__rectification_due__lt=today), output_field=BooleanField()
            ),
        )
        .select_related("merchant", "merchant__region", "warning", "submitted_by")
        .prefetch_related("files")
        .order_by("submitted_at", "pk")
    )


def _waiting_report(standing_ref: str = "merchant_id") -> Exists:
    return Exists(
        WarningRectification.objects.filter(
            merchant_id=OuterRef(standing_ref),
            decision="",
            warning__created_at__gte=OuterRef("since"),
        )
    )


def warnings_open(*, user: User, today: date | None = None) -> QuerySet[Standing]:
    """Merchants in the warning pool, earliest rectification date first, with whether a report
    waits and whether the date has passed."""
    today = today or timezone.localdate()
    return (
        standing_scope(user=user)
        .filter(pool=Pool.WARNING)
        .annotate(
            report_waiting=_waiting_report(),
            is_past_due=ExpressionWrapper(
                Q(rectification_due__lt=today), output_field=BooleanField()
            ),
        )
        .select_related("merchant", "region")
        .order_by(F("rectification_due").asc(nulls_last=True), "since", "merchant_id")
    )


def warnings_past_due(*, user: User, today: date | None = None) -> QuerySet[Standing]:
    """Warnings whose rectification date has passed. Those with no report waiting are exited by
    the next sweep; the others wait for the regulator's check."""
    today = today or timezone.localdate()
    return warnings_open(user=user, today=today).filter(rectification_due__lt=today)


def rectification_in_reach(*, user: User, pk: int) -> WarningRectification:
    rectification = (
        WarningRectification.objects.filter(reach_q(user, "merchant__region_id"), pk=pk)
        .select_related("merchant", "warning")
        .first()
    )
    if rectification is None:
        raise Http404
    return rectification
