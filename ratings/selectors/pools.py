"""Reads of the regulator's side of the pools: the pool browser and one merchant's page. Scoped
at the source with ratings.permissions.reach_q: a regulator reaches the standings of their region
and below, a platform admin everything, anyone else nothing.
"""

from dataclasses import dataclass, replace

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404

from merchants.models import Declaration, DeclarationState, Merchant, Pool, Region, Scheme, User
from merchants.selectors import county_list
from merchants.validators import normalize_uscc
from ratings.models import Appeal, PoolChange, Standing, WarningRectification
from ratings.permissions import is_pool_regulator, reach_q

SORTS = {
    "name": ("merchant__name", "merchant_id"),
    "score": (F("score").asc(nulls_last=True), "merchant_id"),
    "-score": (F("score").desc(nulls_last=True), "merchant_id"),
    "since": ("-since", "merchant_id"),
}

# A page of the browser reads its standings' merchants first (common.pages.KeysFirstPaginator):
# walking merchants by name, the unique index on a standing's merchant answers alone.
STANDING_KEY = "merchant_id"


def reach_counties(*, user: User) -> list[Region]:
    """The counties a user may filter by: those of their subtree (all, for admins)."""
    return county_list(user=user) if is_pool_regulator(user) else []


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
    """Standings in the user's reach under the filters, with what the browser shows, in the
    order of an index (bench/README.md, "Pool browser"). By name, the merchants are walked in
    name order (`merchant_name_idx`; `merchant_region_name_idx` within a county) and their
    standings looked up, so the reach and the county are tested on the merchant's county, which
    its standing copies (ratings.services.pools.standings_follow_merchant_region keeps them
    equal): testing both would make the planner misjudge how many rows a region holds."""
    filters = filters or StandingFilters()
    sort = filters.sort if filters.sort in SORTS else "name"
    if sort == "name":
        qs = _filtered(
            Standing.objects.filter(reach_q(user, "merchant__region_id")),
            replace(filters, county=""),
            with_pool=True,
        )
        if filters.county:
            qs = qs.filter(merchant__region_id=filters.county)
    else:
        qs = _filtered(standing_scope(user=user), filters, with_pool=True)
    return qs.select_related("merchant", "region").order_by(*SORTS[sort])


def standing_counts(*, user: User, filters: StandingFilters | None = None) -> dict[str, int]:
    """How many standings each pool holds under the same filters (the pool filter aside), in
    one grouped query."""
    filters = filters or StandingFilters()
    qs = _filtered(standing_scope(user=user), filters, with_pool=False)
    # COUNT(*), not of a column: standing_browser_idx then answers alone (index-only).
    rows = qs.order_by().values("pool").annotate(n=Count("*")).values_list("pool", "n")
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
