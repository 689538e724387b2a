"""The pool browser at more than a page of rows (bench/README.md, "Pool browser"): its tab counts
equal direct counts for every regulator and filter, its pages (read keys first, in the order of
an index) walk exactly the ordered list, and the page and the API ask a fixed number of queries
on page 1 and on a deep page alike."""

import pytest
from django.urls import reverse

from merchants.models import Merchant, Pool
from ratings.models import Standing
from ratings.selectors import pools
from ratings.selectors.pools import StandingFilters
from tests.conftest import api, client_for
from tests.factories import MerchantFactory, RegulatorFactory, region

pytestmark = pytest.mark.django_db

COUNTIES = ["330106", "330108", "330602"]  # Xihu and Binjiang (Hangzhou), Yuecheng (Shaoxing)
POOLS = [Pool.SELECTION, Pool.CULTIVATION, Pool.STAR_RATED, Pool.WARNING, Pool.EXITED]
ROWS = 160  # 130 in Hangzhou, 107 in Xihu: three pages of 50 for the county


@pytest.fixture
def standings(db) -> list[Standing]:
    """ROWS standings spread over the counties, pools, stars and scores, some names shared (the
    order's tie is broken by the merchant); a merchant outside the programme is left out."""
    rows = []
    for n in range(ROWS):
        county = COUNTIES[0] if n % 3 else COUNTIES[1 + n % 2]
        merchant = MerchantFactory(region=region(county), name=f"商户{(n * 37) % 90:03d}")
        pool = POOLS[n % 5]
        rows.append(
            Standing(
                merchant=merchant,
                region_id=county,
                pool=pool,
                stars=(n % 5) + 1 if pool in (Pool.STAR_RATED, Pool.WARNING) else 0,
                score=None if n % 7 == 0 else 40 + (n * 13) % 60,
            )
        )
    MerchantFactory(region=region(COUNTIES[0]), name="商户000")
    return Standing.objects.bulk_create(rows)


@pytest.fixture
def province_regulator(db):
    return RegulatorFactory(username="reg-zhejiang", region=region("330000"))


def _reached(user, rows: list[Standing]) -> list[Standing]:
    prefix = user.region.prefix
    return [s for s in rows if s.region_id.startswith(prefix)]


def _ordered(rows: list[Standing], sort: str) -> list[int]:
    names = dict(Merchant.objects.values_list("pk", "name"))

    def score(s: Standing, sign: int) -> tuple:
        return (s.score is None, sign * (s.score or 0), s.merchant_id)

    keys = {
        "name": lambda s: (names[s.merchant_id], s.merchant_id),
        "score": lambda s: score(s, 1),
        "-score": lambda s: score(s, -1),
        "since": lambda s: (-s.since.timestamp(), s.merchant_id),
    }
    return [s.merchant_id for s in sorted(rows, key=keys[sort])]


FILTERS = [
    StandingFilters(),
    StandingFilters(pool=Pool.STAR_RATED),
    StandingFilters(pool=Pool.WARNING, stars=3),
    StandingFilters(county="330106", sort="-score"),
    StandingFilters(score_min=50, score_max=80, sort="score"),
    StandingFilters(stars=2, sort="since"),
]


def _matches(s: Standing, f: StandingFilters, *, with_pool: bool = True) -> bool:
    return (
        (not with_pool or not f.pool or s.pool == f.pool)
        and (f.stars is None or s.stars == f.stars)
        and (not f.county or s.region_id == f.county)
        and (f.score_min is None or (s.score is not None and s.score >= f.score_min))
        and (f.score_max is None or (s.score is not None and s.score <= f.score_max))
    )


@pytest.mark.parametrize("who", ["county_regulator", "city_regulator", "province_regulator"])
@pytest.mark.parametrize("filters", FILTERS, ids=range(len(FILTERS)))
def test_counts_and_pages_equal_the_direct_answer(who, filters, standings, request):
    user = request.getfixturevalue(who)
    rows = [s for s in Standing.objects.all() if s.region_id.startswith(user.region.prefix)]
    assert len(rows) == len(_reached(user, standings))

    counts = pools.standing_counts(user=user, filters=filters)
    assert counts == {
        pool: sum(1 for s in rows if s.pool == pool and _matches(s, filters, with_pool=False))
        for pool in POOLS
    }
    expected = _ordered([s for s in rows if _matches(s, filters)], filters.sort)
    assert (counts[filters.pool] if filters.pool else sum(counts.values())) == len(expected)
    assert [s.merchant_id for s in pools.standing_list(user=user, filters=filters)] == expected


@pytest.mark.parametrize("who", ["county_regulator", "city_regulator", "province_regulator"])
def test_page_after_page_walks_the_list_once(who, standings, request):
    user = request.getfixturevalue(who)
    expected = _ordered(_reached(user, standings), "name")
    client = client_for(user)
    seen = []
    for number in range(1, len(expected) // 50 + 2):
        response = client.get(reverse("pool-browser"), {"page": number})
        assert response.status_code == 200
        seen += [s.merchant_id for s in response.context["page"].object_list]
    assert seen == expected
    pages = api(user).get("/api/v1/ratings/standings/", {"page": 2}).json()
    assert pages["count"] == len(expected)
    assert [r["merchant"] for r in pages["results"]] == expected[50:100]


def test_page_queries_are_the_same_on_a_deep_page(
    standings, city_regulator, django_assert_num_queries
):
    """Session, user, region (and its parent), counts, the page's keys, its rows, the unread
    inbox, the scheme choices: the same on page 1 and page 3, for any filter."""
    client = client_for(city_regulator)
    client.get(reverse("pool-browser"))
    for params in ({}, {"page": 3}, {"pool": Pool.CULTIVATION, "sort": "-score"}):
        with django_assert_num_queries(9):
            response = client.get(reverse("pool-browser"), params)
        assert len(response.context["page"].object_list) > 0


def test_api_queries_are_the_same_on_a_deep_page(
    standings, city_regulator, django_assert_num_queries
):
    """Counts, the page's keys, its rows (the client is authenticated without a query): no
    count of its own."""
    client = api(city_regulator)
    for params in ({}, {"page": 3}, {"pool": Pool.STAR_RATED, "sort": "since"}):
        with django_assert_num_queries(3):
            response = client.get("/api/v1/ratings/standings/", params)
        assert response.status_code == 200 and response.json()["results"]


def test_name_order_follows_a_merchant_that_changed_county(standings, county_regulator):
    """The name order tests the merchant's county, the counts the standing's: both move
    together (ratings.services.pools.standings_follow_merchant_region)."""
    from ratings.services.pools import standings_follow_merchant_region

    moved = next(s for s in standings if s.region_id == "330602")
    Merchant.objects.filter(pk=moved.merchant_id).update(region_id="330106")
    merchant = Merchant.objects.get(pk=moved.merchant_id)
    standings_follow_merchant_region(merchant=merchant, region=region("330106"))
    listed = [s.merchant_id for s in pools.standing_list(user=county_regulator)]
    assert moved.merchant_id in listed
    assert sum(pools.standing_counts(user=county_regulator).values()) == len(listed)
