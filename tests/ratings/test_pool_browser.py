"""The pool browser's reads (ratings/selectors/pools.py) and its page: every filter, the counts per
pool in one grouped query, the reach of each regulator, the CSV export, bounded queries.

`place` and `warn` put merchants where a test needs them (through standing_move, as the
services do); the other regulator-side test modules use them too.
"""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from merchants.models import Declaration, Merchant, Pool
from ratings.models import PoolChange, Standing
from ratings.selectors import pools
from ratings.selectors.pools import StandingFilters
from ratings.services.pools import standing_move
from tests.conftest import client_for
from tests.factories import DeclarationFactory, MerchantFactory, region, scheme

pytestmark = pytest.mark.django_db

PATHS = {
    Pool.SELECTION: [Pool.SELECTION],
    Pool.CULTIVATION: [Pool.SELECTION, Pool.CULTIVATION],
    Pool.STAR_RATED: [Pool.SELECTION, Pool.CULTIVATION, Pool.STAR_RATED],
    Pool.WARNING: [Pool.SELECTION, Pool.CULTIVATION, Pool.WARNING],
    Pool.EXITED: [Pool.SELECTION, Pool.EXITED],
}


def place(
    merchant: Merchant | None = None,
    pool: str = Pool.CULTIVATION,
    *,
    stars: int = 0,
    score: int | None = None,
    county: str = "330106",
    actor=None,
) -> Merchant:
    """A merchant (new unless given) moved along the pools to `pool`, with `stars` when star
    rated, and `score` as its latest score."""
    merchant = merchant or MerchantFactory(region=region(county))
    for step in PATHS[pool]:
        if step == Pool.WARNING:
            warn(merchant, actor=actor)
            continue
        standing_move(
            merchant=merchant,
            to=step,
            reason_code="t",
            reason="t",
            stars=stars if step == Pool.STAR_RATED else 0,
            actor=actor,
        )
    if score is not None:
        Standing.objects.filter(merchant=merchant).update(score=score)
    return merchant


def warn(merchant: Merchant, *, due_in_days: int = 30, actor=None) -> PoolChange:
    """Into the warning pool as the evaluation run puts a merchant there: the former pool and
    stars kept, a rectification date set."""
    standing = Standing.objects.get(merchant=merchant)
    _standing, change = standing_move(
        merchant=merchant,
        to=Pool.WARNING,
        reason_code="warning",
        reason="Warning: a failed inspection.",
        actor=actor,
        changes={
            "former_pool": standing.pool,
            "former_stars": standing.stars,
            "rectification_due": timezone.localdate() + timedelta(days=due_in_days),
        },
    )
    return change


def names(qs) -> set[str]:
    return {s.merchant.name for s in qs}


@pytest.fixture
def spread(db) -> dict[str, Merchant]:
    """One merchant per pool in Xihu, and one each in Binjiang (same city) and Yuecheng
    (another city)."""
    m = {
        "selection": place(pool=Pool.SELECTION),
        "cultivation": place(pool=Pool.CULTIVATION, score=72),
        "star2": place(pool=Pool.STAR_RATED, stars=2, score=83),
        "star4": place(pool=Pool.STAR_RATED, stars=4, score=91),
        "warning": place(pool=Pool.WARNING, score=55),
        "exited": place(pool=Pool.EXITED),
        "binjiang": place(pool=Pool.CULTIVATION, county="330108", score=80),
        "shaoxing": place(pool=Pool.CULTIVATION, county="330602", score=80),
    }
    for key, merchant in m.items():
        Merchant.objects.filter(pk=merchant.pk).update(name=f"m-{key}")
        merchant.name = f"m-{key}"
    return m


# Reach


def test_each_regulator_reaches_their_region(
    spread, county_regulator, other_county_regulator, city_regulator, admin_user, consumer
):
    xihu = {f"m-{k}" for k in ("selection", "cultivation", "star2", "star4", "warning", "exited")}
    assert names(pools.standing_list(user=county_regulator)) == xihu
    assert names(pools.standing_list(user=other_county_regulator)) == {"m-binjiang"}
    assert names(pools.standing_list(user=city_regulator)) == xihu | {"m-binjiang"}
    assert names(pools.standing_list(user=admin_user)) == xihu | {"m-binjiang", "m-shaoxing"}
    assert names(pools.standing_list(user=consumer)) == set()
    assert sum(pools.standing_counts(user=consumer).values()) == 0


def test_county_choices_are_the_users_counties(county_regulator, city_regulator):
    assert [c.code for c in pools.reach_counties(user=county_regulator)] == ["330106"]
    codes = [c.code for c in pools.reach_counties(user=city_regulator)]
    assert "330106" in codes and "330108" in codes
    assert all(code.startswith("3301") for code in codes)


# Filters


def test_filter_by_pool_and_stars(spread, county_regulator):
    def listed(**kw) -> set[str]:
        return names(pools.standing_list(user=county_regulator, filters=StandingFilters(**kw)))

    assert listed(pool=Pool.STAR_RATED) == {"m-star2", "m-star4"}
    assert listed(pool=Pool.WARNING) == {"m-warning"}
    assert listed(pool=Pool.EXITED) == {"m-exited"}
    assert listed(stars=4) == {"m-star4"}
    assert listed(pool=Pool.STAR_RATED, stars=2) == {"m-star2"}
    assert listed(pool=Pool.CULTIVATION, stars=2) == set()


def test_filter_by_score_range(spread, county_regulator):
    def listed(**kw) -> set[str]:
        return names(pools.standing_list(user=county_regulator, filters=StandingFilters(**kw)))

    assert listed(score_min=80) == {"m-star2", "m-star4"}
    assert listed(score_max=72) == {"m-cultivation", "m-warning"}
    assert listed(score_min=72, score_max=83) == {"m-cultivation", "m-star2"}
    # Not scored yet: outside any score range.
    assert "m-selection" not in listed(score_min=0)


def test_filter_by_scheme_counts_approved_declarations_only(spread, county_regulator):
    DeclarationFactory(
        merchant=spread["star2"], scheme=scheme("assured-unit"), state=Declaration.State.APPROVED
    )
    DeclarationFactory(
        merchant=spread["star4"],
        scheme=scheme("assured-unit"),
        state=Declaration.State.PENDING_REVIEW,
    )
    other = scheme("no-reason-return") if _has_scheme("no-reason-return") else None
    if other is not None:
        DeclarationFactory(
            merchant=spread["cultivation"], scheme=other, state=Declaration.State.APPROVED
        )
    filters = StandingFilters(scheme=scheme("assured-unit"))
    assert names(pools.standing_list(user=county_regulator, filters=filters)) == {"m-star2"}


def _has_scheme(code: str) -> bool:
    from merchants.models import Scheme

    return Scheme.objects.filter(code=code).exists()


def test_filter_by_county(spread, city_regulator):
    filters = StandingFilters(county="330108")
    assert names(pools.standing_list(user=city_regulator, filters=filters)) == {"m-binjiang"}
    # A county outside the reach finds nothing: the reach still applies.
    filters = StandingFilters(county="330602")
    assert names(pools.standing_list(user=city_regulator, filters=filters)) == set()


def test_search_by_name_or_credit_code(spread, county_regulator):
    def listed(q: str) -> set[str]:
        filters = StandingFilters(q=q)
        return names(pools.standing_list(user=county_regulator, filters=filters))

    assert listed("star") == {"m-star2", "m-star4"}
    uscc = spread["warning"].uscc
    assert listed(uscc) == {"m-warning"}
    assert listed(uscc[:-1].lower()) == {"m-warning"}
    assert listed("nothing-like-this") == set()


def test_sort_orders(spread, county_regulator):
    def order(sort: str) -> list[str]:
        filters = StandingFilters(score_min=0, sort=sort)
        return [
            s.merchant.name for s in pools.standing_list(user=county_regulator, filters=filters)
        ]

    assert order("score") == ["m-warning", "m-cultivation", "m-star2", "m-star4"]
    assert order("-score") == ["m-star4", "m-star2", "m-cultivation", "m-warning"]
    assert order("name") == sorted(order("name"))


# Counts


def test_counts_per_pool_follow_the_other_filters_in_one_grouped_query(
    spread, city_regulator, django_assert_num_queries
):
    with django_assert_num_queries(1):
        counts = pools.standing_counts(user=city_regulator)
    assert counts == {
        Pool.SELECTION: 1,
        Pool.CULTIVATION: 2,
        Pool.STAR_RATED: 2,
        Pool.WARNING: 1,
        Pool.EXITED: 1,
    }
    # The pool filter does not narrow the counts; the others do.
    filters = StandingFilters(pool=Pool.WARNING, score_min=80)
    with django_assert_num_queries(1):
        counts = pools.standing_counts(user=city_regulator, filters=filters)
    assert counts == {
        Pool.SELECTION: 0,
        Pool.CULTIVATION: 1,
        Pool.STAR_RATED: 2,
        Pool.WARNING: 0,
        Pool.EXITED: 0,
    }
    filters = StandingFilters(county="330106", scheme=scheme("assured-unit"))
    DeclarationFactory(
        merchant=spread["warning"], scheme=scheme("assured-unit"), state=Declaration.State.APPROVED
    )
    counts = pools.standing_counts(user=city_regulator, filters=filters)
    assert counts[Pool.WARNING] == 1 and sum(counts.values()) == 1


# The page


def test_page_shows_counts_filters_and_rows(spread, county_regulator):
    response = client_for(county_regulator).get(reverse("pool-browser"), {"pool": Pool.STAR_RATED})
    assert response.status_code == 200
    page = response.content.decode()
    assert "m-star2" in page and "m-star4" in page
    assert "m-cultivation" not in page and "m-binjiang" not in page
    tabs = dict((value, count) for value, _label, count in response.context["tabs"])
    assert tabs == {
        Pool.SELECTION: 1,
        Pool.CULTIVATION: 1,
        Pool.STAR_RATED: 2,
        Pool.WARNING: 1,
        Pool.EXITED: 1,
    }
    assert response.context["total"] == 6
    assert response.context["page"].paginator.count == 2
    assert reverse("pool-merchant", args=[spread["star2"].pk]) in page


def test_page_county_filter_offers_only_the_users_counties(spread, county_regulator):
    client = client_for(county_regulator)
    form = client.get(reverse("pool-browser")).context["form"]
    offered = [
        code for _group, options in form.fields["county"].choices[1:] for code, _n in options
    ]
    assert offered == ["330106"]
    response = client.get(reverse("pool-browser"), {"county": "330108"})
    assert response.status_code == 200
    assert response.context["form"].errors["county"]
    assert "m-binjiang" not in response.content.decode()


def test_page_refuses_a_score_range_upside_down(spread, county_regulator):
    response = client_for(county_regulator).get(
        reverse("pool-browser"), {"score_min": 90, "score_max": 10}
    )
    assert "The lowest score cannot be above the highest." in response.content.decode()


def test_page_query_count_is_bounded(county_regulator, django_assert_max_num_queries):
    for n in range(35):
        place(pool=Pool.STAR_RATED if n % 2 else Pool.CULTIVATION, stars=n % 5 + 1, score=80)
    client = client_for(county_regulator)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("pool-browser"), {"sort": "score", "q": "测试"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 35
    with django_assert_max_num_queries(10):
        response = client.get(
            reverse("pool-browser"), {"pool": Pool.STAR_RATED, "scheme": scheme("assured-unit").pk}
        )
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["consumer", "owner", "admin_user"])
def test_who_gets_the_page(who, spread, request):
    response = client_for(request.getfixturevalue(who)).get(reverse("pool-browser"))
    assert response.status_code == (200 if who == "admin_user" else 404)
    assert client_for(request.getfixturevalue(who)).get(
        reverse("pool-browser-csv")
    ).status_code == (200 if who == "admin_user" else 404)


def test_anonymous_is_sent_to_log_in():
    response = client_for(None).get(reverse("pool-browser"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_csv_export_streams_the_filtered_list(spread, city_regulator):
    response = client_for(city_regulator).get(
        reverse("pool-browser-csv"), {"pool": Pool.CULTIVATION}
    )
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "Name"
    assert sorted(row[0] for row in rows[1:]) == ["m-binjiang", "m-cultivation"]
    binjiang = next(row for row in rows if row[0] == "m-binjiang")
    assert binjiang[2] == "330108" and binjiang[4] == "Cultivation pool" and binjiang[6] == "80"


def test_csv_export_neutralises_formulas(spread, city_regulator):
    """Issue 14, finding 8: a merchant named like a formula comes out as text."""
    Merchant.objects.filter(name="m-binjiang").update(name='=HYPERLINK("http://x","y")')
    Merchant.objects.filter(name="m-cultivation").update(name="@SUM(1+1)")
    response = client_for(city_regulator).get(
        reverse("pool-browser-csv"), {"pool": Pool.CULTIVATION}
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert sorted(row[0] for row in rows[1:]) == ['\'=HYPERLINK("http://x","y")', "'@SUM(1+1)"]
    assert next(row for row in rows if "HYPERLINK" in row[0])[6] == "80"
