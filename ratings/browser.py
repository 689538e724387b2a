"""Reads of the regulator's side of the pools: the pool browser, the work queues, nominations
and the evaluation runs. Scoped at the source: a regulator reaches the standings of their region
and below (a standing's region is the merchant's county, so the subtree is a code prefix); a
platform admin reaches everything; anyone else nothing.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.http import Http404
from django.utils import timezone

from merchants.models import Declaration, DeclarationState, Merchant, Pool, Region, Scheme, User
from merchants.validators import normalize_uscc
from ratings.models import (
    Appeal,
    EvaluationRun,
    Nomination,
    PoolChange,
    Standing,
    WarningRectification,
)
from review.permissions import can_supervise

SORTS = {
    "name": ("merchant__name", "merchant_id"),
    "score": (F("score").asc(nulls_last=True), "merchant_id"),
    "-score": (F("score").desc(nulls_last=True), "merchant_id"),
    "since": ("-since", "merchant_id"),
}


def is_pool_regulator(user: User) -> bool:
    """Who has the regulator's side of the pools at all: regulators and platform admins."""
    return (
        user.is_authenticated and user.is_active and (user.is_regulator or user.is_platform_admin)
    )


def reach_q(user: User, field: str = "region__code") -> Q:
    """The counties a user reaches, as a Q on `field` (the path to a county code)."""
    if not is_pool_regulator(user):
        return Q(pk__in=[])
    if user.is_platform_admin:
        return Q()
    return Q(**{f"{field}__startswith": user.region.prefix})


def reach_counties(*, user: User) -> list[Region]:
    """The counties a user may filter by: those of their subtree (all, for admins)."""
    if not is_pool_regulator(user):
        return []
    counties = Region.objects.select_related("parent").filter(level=Region.Level.COUNTY)
    return list(counties.filter(reach_q(user, "code")))


@dataclass(frozen=True)
class StandingFilters:
    pool: str = ""
    stars: int | None = None
    scheme: Scheme | None = None
    county: str = ""
    score_min: int | None = None
    score_max: int | None = None
    q: str = ""
    sort: str = "name"


def _filtered(
    qs: QuerySet[Standing], filters: StandingFilters, *, with_pool: bool
) -> QuerySet[Standing]:
    if with_pool and filters.pool:
        qs = qs.filter(pool=filters.pool)
    if filters.stars is not None:
        qs = qs.filter(stars=filters.stars)
    if filters.scheme is not None:
        qs = qs.filter(
            Exists(
                Declaration.objects.filter(
                    merchant_id=OuterRef("merchant_id"),
                    scheme=filters.scheme,
                    state=DeclarationState.APPROVED,
                )
            )
        )
    if filters.county:
        qs = qs.filter(region_id=filters.county)
    if filters.score_min is not None:
        qs = qs.filter(score__gte=filters.score_min)
    if filters.score_max is not None:
        qs = qs.filter(score__lte=filters.score_max)
    text = filters.q.strip()
    if text:
        # A prefix match on the unique USCC index stays fast over the whole province.
        code = normalize_uscc(text)
        match = Q(merchant__name__icontains=text)
        if code:
            match |= Q(merchant__uscc__startswith=code)
        qs = qs.filter(match)
    return qs


def standing_scope(*, user: User) -> QuerySet[Standing]:
    return Standing.objects.filter(reach_q(user))


def standing_list(*, user: User, filters: StandingFilters | None = None) -> QuerySet[Standing]:
    """Standings in the user's reach under the filters, with what the browser shows."""
    filters = filters or StandingFilters()
    qs = _filtered(standing_scope(user=user), filters, with_pool=True)
    return qs.select_related("merchant", "region").order_by(*SORTS.get(filters.sort, SORTS["name"]))


def standing_counts(*, user: User, filters: StandingFilters | None = None) -> dict[str, int]:
    """How many standings each pool holds under the same filters (the pool filter aside), in
    one grouped query."""
    filters = filters or StandingFilters()
    qs = _filtered(standing_scope(user=user), filters, with_pool=False)
    rows = qs.order_by().values("pool").annotate(n=Count("pk")).values_list("pool", "n")
    counts = dict.fromkeys(Pool.values, 0)
    counts.update(dict(rows))
    return counts


def merchant_in_reach(*, user: User, merchant_pk: int) -> Merchant:
    """A merchant of the user's reach (in the programme or not), or 404."""
    merchant = (
        Merchant.objects.filter(reach_q(user), pk=merchant_pk)
        .select_related("region", "region__parent")
        .first()
    )
    if merchant is None:
        raise Http404
    return merchant


# Queues


def rectifications_waiting(
    *, user: User, today: date | None = None
) -> QuerySet[WarningRectification]:
    """Reports waiting for a regulator that answer the warning the merchant is in now, oldest
    first; `is_overdue` when the rectification date has passed while the report waits."""
    today = today or timezone.localdate()
    return (
        WarningRectification.objects.filter(
            reach_q(user, "merchant__region__code"),
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


def appeal_list(*, user: User, today: date | None = None) -> QuerySet[Appeal]:
    """Every appeal of the user's reach, newest first; `overdue` when a pending one is past the
    date it was to be decided by."""
    today = today or timezone.localdate()
    return (
        Appeal.objects.filter(reach_q(user, "merchant__region__code"))
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


def rectification_in_reach(*, user: User, pk: int) -> WarningRectification:
    rectification = (
        WarningRectification.objects.filter(reach_q(user, "merchant__region__code"), pk=pk)
        .select_related("merchant", "warning")
        .first()
    )
    if rectification is None:
        raise Http404
    return rectification


# One merchant


@dataclass
class MerchantWork:
    """What waits for a regulator on one merchant's page."""

    standing: Standing | None
    rectification: WarningRectification | None
    appeal: Appeal | None
    history: list[PoolChange]


def merchant_work(*, merchant: Merchant) -> MerchantWork:
    standing = Standing.objects.filter(merchant=merchant).select_related("last_evaluation").first()
    rectification = None
    if standing is not None and standing.pool == Pool.WARNING:
        rectification = (
            WarningRectification.objects.filter(
                merchant=merchant, decision="", warning__created_at__gte=standing.since
            )
            .select_related("warning", "submitted_by")
            .prefetch_related("files")
            .order_by("submitted_at", "pk")
            .first()
        )
    appeal = (
        Appeal.objects.filter(merchant=merchant, state=Appeal.State.PENDING)
        .select_related("decision", "decision__actor", "submitted_by")
        .prefetch_related("files")
        .order_by("submitted_at", "pk")
        .first()
    )
    history = list(
        PoolChange.objects.filter(merchant=merchant)
        .select_related("actor")
        .order_by("-created_at", "-pk")[:20]
    )
    return MerchantWork(
        standing=standing, rectification=rectification, appeal=appeal, history=history
    )


# Nominations


def nomination_list(*, user: User) -> QuerySet[Nomination]:
    """Nominations of the user's reach, newest first, with the merchant's pool now."""
    return (
        Nomination.objects.filter(reach_q(user))
        .annotate(current_pool=F("merchant__standing__pool"))
        .select_related("region", "merchant", "nominated_by")
        .order_by("-created_at", "-pk")
    )


# Evaluation runs


def may_see_runs(user: User) -> bool:
    return can_supervise(user)


def run_list() -> QuerySet[EvaluationRun]:
    return EvaluationRun.objects.select_related("policy").order_by("-started_at", "-pk")


def run_duration(run: EvaluationRun) -> timedelta | None:
    if run.finished_at is None:
        return None
    return run.finished_at - run.started_at
