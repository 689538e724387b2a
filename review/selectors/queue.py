"""Reads shared by the review pages and the review API: the queues, their counts, one declaration.

Scope comes from merchants.selectors.declaration_list (the regulator's region subtree); on top of
it only reviewers (review.permissions.is_reviewer) see anything.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import models
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.counts import COUNT_BOUND, bounded_count
from merchants.models import (
    REVIEW_QUEUE_OPEN_STATES,
    Declaration,
    Merchant,
    Region,
    Scheme,
    User,
)
from merchants.models import DeclarationState as S
from merchants.permissions import reaches
from merchants.selectors import declaration_get, declaration_list, subtree_q
from review.permissions import is_reviewer

logger = logging.getLogger(__name__)

QUEUE_PAGE_SIZE = 50
# The decided tab's count is read up to this bound ("10,000+" past it).
QUEUE_COUNT_BOUND = COUNT_BOUND


def queue_count_bound(tab: str) -> int | None:
    """The bound a tab's count is read with: the decided tab's; the open ones are exact."""
    return QUEUE_COUNT_BOUND if tab == QueueTab.DECIDED else None


DECIDED_WINDOW_DAYS = 90
# States in which a review deadline runs.
OPEN_REVIEW_STATES = (S.PENDING_REVIEW, S.UNDER_REVIEW)


class QueueTab(models.TextChoices):
    PENDING = "pending", _("Pending review")
    MINE = "mine", _("Claimed by me")
    CLAIMED = "claimed", _("Claimed by others")
    RETURNED = "returned", _("Returned to merchant")
    OVERDUE = "overdue", _("Overdue")
    DECIDED = "decided", _("Decided")


@dataclass(frozen=True)
class QueueFilters:
    scheme: Scheme | None = None
    # A county, or a city for all its counties; always inside the user's subtree (checked by the
    # form or serializer that built the filters, and harmless otherwise: scope is applied first).
    region: Region | None = None
    flagged: bool | None = None
    overdue: bool = False


def review_declaration_list(*, user: User) -> QuerySet[Declaration]:
    """Declarations the user may review: their region's subtree, nothing for non-reviewers."""
    qs = declaration_list(user=user)
    return qs if is_reviewer(user) else qs.none()


def review_declaration_get(*, user: User, pk: int) -> Declaration:
    if not is_reviewer(user):
        raise Http404
    return declaration_get(user=user, pk=pk)


def overdue_q(today: date) -> Q:
    """Late and still open: marked by the sweep, or past its due date since the last sweep."""
    return Q(state__in=OPEN_REVIEW_STATES) & (Q(is_overdue=True) | Q(review_due__lt=today))


def is_late(declaration: Declaration, today: date) -> bool:
    """The row-level twin of overdue_q, for one declaration already loaded."""
    return declaration.state in OPEN_REVIEW_STATES and (
        declaration.is_overdue
        or (declaration.review_due is not None and declaration.review_due < today)
    )


def _tab_q(tab: str, *, user: User, today: date) -> Q:
    if tab == QueueTab.PENDING:
        return Q(state=S.PENDING_REVIEW)
    if tab == QueueTab.MINE:
        return Q(state=S.UNDER_REVIEW, reviewer=user)
    if tab == QueueTab.CLAIMED:
        return Q(state=S.UNDER_REVIEW) & ~Q(reviewer=user)
    if tab == QueueTab.RETURNED:
        return Q(state=S.RETURNED)
    if tab == QueueTab.OVERDUE:
        return overdue_q(today)
    if tab == QueueTab.DECIDED:
        since = timezone.now() - timedelta(days=DECIDED_WINDOW_DAYS)
        return Q(state__in=(S.APPROVED, S.REJECTED), decided_at__gte=since)
    raise ValueError(f"unknown queue tab {tab!r}")


def _filter(qs: QuerySet[Declaration], filters: QueueFilters, today: date) -> QuerySet:
    if filters.scheme is not None:
        qs = qs.filter(scheme=filters.scheme)
    if filters.region is not None:
        if filters.region.level == Region.Level.COUNTY:
            qs = qs.filter(merchant__region_id=filters.region.code)
        else:
            qs = qs.filter(subtree_q(filters.region, "merchant__region_id"))
    if filters.flagged is not None:
        qs = qs.filter(flagged=filters.flagged)
    if filters.overdue:
        qs = qs.filter(overdue_q(today))
    return qs


def review_queue(
    *,
    user: User,
    tab: str,
    filters: QueueFilters | None = None,
    today: date | None = None,
) -> QuerySet[Declaration]:
    """One tab of the queue, deadline first (decided: most recent first).

    Each row carries `late`: open and past its deadline.
    """
    today = today or timezone.localdate()
    qs = _filter(review_declaration_list(user=user), filters or QueueFilters(), today)
    qs = (
        qs.filter(_tab_q(tab, user=user, today=today))
        .select_related("merchant", "merchant__region", "scheme", "reviewer")
        .annotate(late=ExpressionWrapper(overdue_q(today), output_field=BooleanField()))
    )
    if tab == QueueTab.DECIDED:
        return qs.order_by("-decided_at", "-id")
    return qs.order_by(models.F("review_due").asc(nulls_last=True), "id")


def review_queue_counts(
    *, user: User, filters: QueueFilters | None = None, today: date | None = None
) -> dict[str, int]:
    """The number of declarations in every tab, under the same filters. The open tabs exactly,
    in one query over open declarations only; the decided tab bounded: at most
    QUEUE_COUNT_BOUND + 1 rows are read (that number means "more")."""
    today = today or timezone.localdate()
    open_tabs = {
        tab: _tab_q(tab, user=user, today=today)
        for tab in QueueTab.values
        if tab != QueueTab.DECIDED
    }
    qs = _filter(review_declaration_list(user=user), filters or QueueFilters(), today)
    # Read only open declarations: drafts and decisions are never scanned for.
    qs = qs.filter(state__in=REVIEW_QUEUE_OPEN_STATES)
    # COUNT(state), not COUNT(id): a covering index on the filtered columns can answer it.
    counts = qs.aggregate(**{tab: Count("state", filter=q) for tab, q in open_tabs.items()})
    counts[QueueTab.DECIDED] = bounded_count(
        review_queue(user=user, tab=QueueTab.DECIDED, filters=filters, today=today),
        QUEUE_COUNT_BOUND,
    )
    return {tab: counts[tab] or 0 for tab in QueueTab.values}


def review_region_in_scope(*, user: User, code: str) -> Region | None:
    """A county or city of the user's subtree, by code; None when it is not theirs."""
    region = Region.objects.filter(code=code).select_related("parent").first()
    if region is None or region.level == Region.Level.PROVINCE:
        return None
    return region if reaches(user, region.code) else None


def merchant_declaration_history(*, declaration: Declaration) -> QuerySet[Declaration]:
    """The merchant's other declarations, newest first."""
    return (
        Declaration.objects.filter(merchant_id=declaration.merchant_id)
        .exclude(pk=declaration.pk)
        .select_related("scheme", "reviewer")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class RegistryData:
    """The enterprise registry's record of a merchant, as the review page shows it.

    `available` is False when no registry source is configured or it could not be reached;
    `entity` is None when the registry holds no record for the code.
    """

    available: bool
    entity: Any = None


def merchant_registry_data(*, merchant: Merchant) -> RegistryData:
    try:
        from merchants.sources import SourceUnavailable, get_source
    except ImportError:  # no external-data sources in this deployment
        return RegistryData(available=False)
    try:
        entity = get_source("registry").entity(merchant.uscc)
    except SourceUnavailable:
        logger.warning("registry unavailable for the review page of %s", merchant.uscc)
        return RegistryData(available=False)
    return RegistryData(available=True, entity=entity)
