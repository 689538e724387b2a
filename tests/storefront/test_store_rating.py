"""The rating on the public side: the badge on /s/<code>/, stars in the public search and in
the open-data API, the merchant's appeal beside the decision, and the page cache following it."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from merchants.models import Declaration, Pool
from ratings.models import Appeal, PoolChange, Standing
from ratings.services.appeals import appeal_decide, appeal_file
from ratings.services.pools import pool_exit, standing_move
from ratings.services.warnings import warning_rectification_submit
from tests.conftest import client_for
from tests.factories import DeclarationFactory, MerchantFactory, region, scheme

pytestmark = pytest.mark.django_db

STATEMENT = "The three complaints were one customer's; we refunded all of them the same day."
REGULATOR_REASON = "Inspector's note: counterfeit tea found in the back room, case 2026-117."
STAR_TEXT = "(assured consumption star rating)"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def approved(merchant, scheme_code: str = "assured-unit") -> Declaration:
    return DeclarationFactory(
        merchant=merchant,
        scheme=scheme(scheme_code),
        state=Declaration.State.APPROVED,
        decided_at=timezone.now(),
    )


def move(merchant, to: str, stars: int = 0, code: str = "test", **changes) -> PoolChange:
    _standing, change = standing_move(
        merchant=merchant,
        to=to,
        stars=stars,
        reason_code=code,
        reason=REGULATOR_REASON,
        changes=changes,
    )
    return change


def cultivate(merchant) -> None:
    move(merchant, Pool.SELECTION, code="screening_passed")
    move(merchant, Pool.CULTIVATION, code="declaration_approved")


def rate(merchant, stars: int) -> PoolChange:
    cultivate(merchant)
    return move(merchant, Pool.STAR_RATED, stars, code="observation_passed")


def warn(merchant) -> PoolChange:
    rate(merchant, 3)
    return move(
        merchant,
        Pool.WARNING,
        code="warning",
        former_pool=Pool.STAR_RATED,
        former_stars=3,
        rectification_due=timezone.localdate() + timedelta(days=30),
    )


def page(merchant) -> str:
    response = client_for(None).get(reverse("store-page", args=[merchant.public_code]))
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<article") : html.index("</article>")]


def api_detail(merchant) -> dict:
    response = APIClient().get(reverse("api-public-merchant-detail", args=[merchant.public_code]))
    assert response.status_code == 200
    return response.json()


# The badge, pool by pool


def test_star_rated_shows_the_stars_with_text_for_screen_readers(merchant):
    approved(merchant)
    rate(merchant, 3)
    html = page(merchant)
    assert '<span class="store-stars" aria-hidden="true">★★★<span class="store-star-off">☆' in html
    assert f"3 stars {STAR_TEXT}" in html
    assert "✓</span> Assured consumption unit" in html
    badge = api_detail(merchant)["badge"]
    assert (badge["pool"], badge["stars"], badge["label"]) == (
        "star_rated",
        3,
        f"3 stars {STAR_TEXT}",
    )
    assert badge["appeal"] is None and badge["rectify_by"] is None
    assert badge["since"] == timezone.localdate().isoformat()


def test_one_star_is_singular(merchant):
    rate(merchant, 1)
    assert f"1 star {STAR_TEXT}" in page(merchant)


def test_cultivation_pool_is_shown_without_stars(merchant):
    approved(merchant)
    cultivate(merchant)
    html = page(merchant)
    assert "Cultivation pool" in html
    assert "under observation before a star rating" in html
    assert "★" not in html and "stars" not in html
    assert api_detail(merchant)["badge"]["pool"] == "cultivation"
    assert api_detail(merchant)["badge"]["stars"] is None


def test_selection_is_not_public(merchant):
    """The selection pool is a declaration under review or a regulator's invitation: not yet
    approved, so not public (the page's rule for pending declarations)."""
    move(merchant, Pool.SELECTION, code="screening_passed")
    html = page(merchant)
    assert "Not approved for any assured-consumption scheme yet" in html
    for text in ("election", "pplying", "Cultivation", "★"):
        assert text not in html
    badge = api_detail(merchant)["badge"]
    assert (badge["pool"], badge["stars"], badge["label"], badge["since"]) == (None, None, "", None)


def test_warning_is_a_factual_notice_and_suspends_the_stars(merchant):
    approved(merchant)
    warn(merchant)
    html = page(merchant)
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    today = timezone.localdate().isoformat()
    assert "Under warning: rectifying" in html
    assert f"put this business under warning on {today}" in html
    assert f"It is to put things right by {due}." in html
    assert 'role="note"' in html
    assert "★" not in html and STAR_TEXT not in html
    badge = api_detail(merchant)["badge"]
    assert (badge["pool"], badge["stars"], badge["rectify_by"]) == ("warning", None, due)


def test_removal_says_so_and_takes_the_seals_away(merchant, county_regulator):
    approved(merchant)
    rate(merchant, 2)
    pool_exit(actor=county_regulator, merchant=merchant, reason=REGULATOR_REASON)
    html = page(merchant)
    today = timezone.localdate().isoformat()
    assert f"Removed from the assured consumption programme on {today}." in html
    assert f"Removed from the programme on {today}: the approvals below no longer apply." in html
    assert "✓</span> Assured consumption unit" not in html
    assert "Not approved for any" not in html and "★" not in html
    badge = api_detail(merchant)["badge"]
    assert (badge["pool"], badge["stars"], badge["schemes"]) == ("exited", None, [])


def test_a_rejected_declaration_is_no_removal(merchant):
    move(merchant, Pool.SELECTION, code="screening_passed")
    move(merchant, Pool.EXITED, code="declaration_rejected", reentry_after=None)
    html = page(merchant)
    assert "Removed" not in html and "programme" not in html.split("store-badge")[1][:400]
    assert api_detail(merchant)["badge"]["pool"] is None


def test_no_standing_no_rating(merchant):
    approved(merchant)
    html = page(merchant)
    assert "✓</span> Assured consumption unit" in html
    assert "★" not in html and "Cultivation" not in html and "warning" not in html


def test_poster_carries_the_seals_but_no_rating(merchant, owner):
    approved(merchant)
    rate(merchant, 4)
    html = client_for(owner).get(reverse("store-poster", args=[merchant.public_code]))
    assert "Assured consumption unit" in html.content.decode()
    assert "★" not in html.content.decode()


# The merchant's right to reply


def test_pending_appeal_is_shown_with_the_statement(merchant, owner):
    decision = warn(merchant)
    appeal_file(actor=owner, decision=decision, statement=STATEMENT)
    html = page(merchant)
    assert "Under warning: rectifying" in html
    assert "The merchant has appealed this decision" in html
    assert "refunded all of them the same day." in html
    appeal = api_detail(merchant)["badge"]["appeal"]
    assert appeal == {
        "state": "pending",
        "state_label": "Waiting for a decision",
        "statement": STATEMENT,
        "submitted_on": timezone.localdate().isoformat(),
        "decided_on": None,
    }


def test_upheld_appeal_keeps_the_reply_beside_the_decision(merchant, owner, county_regulator):
    decision = warn(merchant)
    appeal = appeal_file(actor=owner, decision=decision, statement=STATEMENT)
    appeal_decide(actor=county_regulator, appeal=appeal, overturn=False, reason="Stands.")
    html = page(merchant)
    today = timezone.localdate().isoformat()
    assert f"The merchant appealed this decision; market supervision upheld it on {today}." in html
    assert "refunded all of them the same day." in html
    assert "Stands." not in html
    assert api_detail(merchant)["badge"]["appeal"]["state"] == "upheld"


def test_overturned_appeal_leaves_the_restored_rating_alone(merchant, owner, county_regulator):
    decision = warn(merchant)
    appeal = appeal_file(actor=owner, decision=decision, statement=STATEMENT)
    appeal_decide(actor=county_regulator, appeal=appeal, overturn=True, reason="Wrong count.")
    html = page(merchant)
    assert f"3 stars {STAR_TEXT}" in html
    assert "appealed" not in html and "refunded" not in html
    assert api_detail(merchant)["badge"]["appeal"] is None


def test_an_appeal_on_an_earlier_decision_is_not_shown_beside_a_later_one(merchant, owner):
    decision = warn(merchant)
    appeal_file(actor=owner, decision=decision, statement=STATEMENT)
    move(merchant, Pool.STAR_RATED, 3, code="warning_cleared")
    html = page(merchant)
    assert f"3 stars {STAR_TEXT}" in html and "appealed" not in html


# Nothing internal reaches the public


def test_no_score_reason_report_or_outcome_reaches_the_page_or_the_api(
    merchant, owner, county_regulator
):
    decision = warn(merchant)
    Standing.objects.filter(merchant=merchant).update(score=47)
    warning_rectification_submit(
        actor=owner, merchant=merchant, report="Moved the counterfeit stock to the bin."
    )
    appeal = appeal_file(actor=owner, decision=decision, statement=STATEMENT)
    appeal_decide(
        actor=county_regulator, appeal=appeal, overturn=False, reason="Outcome-secret-xyz"
    )
    html = page(merchant)
    detail = APIClient().get(reverse("api-public-merchant-detail", args=[merchant.public_code]))
    listing = APIClient().get(reverse("api-public-merchant-list"), {"q": merchant.name})
    for text in (html, detail.content.decode(), listing.content.decode()):
        for secret in (
            REGULATOR_REASON,
            "case 2026-117",
            "counterfeit stock",
            "Outcome-secret-xyz",
            county_regulator.username,
            owner.username,
            "score",
            ">47<",
            '"47"',
        ):
            assert secret not in text, secret
    assert set(detail.json()["badge"]) == {
        "schemes",
        "pool",
        "stars",
        "label",
        "since",
        "rectify_by",
        "appeal",
    }


# The cache follows the standing


def test_a_move_shows_on_the_next_request(merchant, django_capture_on_commit_callbacks):
    approved(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        rate(merchant, 2)
    assert f"2 stars {STAR_TEXT}" in page(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        move(merchant, Pool.STAR_RATED, 3, code="star_up")
    html = page(merchant)
    assert f"3 stars {STAR_TEXT}" in html and "2 stars" not in html


def test_an_appeal_filed_and_decided_shows_on_the_next_request(
    merchant, owner, county_regulator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decision = warn(merchant)
    assert "appealed" not in page(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        appeal = appeal_file(actor=owner, decision=decision, statement=STATEMENT)
    assert "The merchant has appealed this decision" in page(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        appeal_decide(actor=county_regulator, appeal=appeal, overturn=False, reason="Stands.")
    assert "market supervision upheld it" in page(merchant)
    assert Appeal.objects.get().state == Appeal.State.UPHELD


def test_the_rating_costs_the_page_no_extra_query(merchant, other_merchant, owner):
    """The standing is joined to the merchant and the appeal is a subquery of the same row."""
    for m in (merchant, other_merchant):
        approved(m)
    decision = warn(merchant)
    appeal_file(actor=owner, decision=decision, statement=STATEMENT)
    counts = []
    for m in (other_merchant, merchant):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            html = page(m)
        counts.append(len(queries))
    assert "The merchant has appealed this decision" in html
    assert counts[0] == counts[1], counts
    assert counts[1] <= 8


# Public search


def search(params: dict):
    return client_for(None).get(reverse("store-search"), params)


@pytest.fixture
def rated_shops(db) -> dict:
    shops = {}
    for name, stars in (("一星茶庄", 1), ("三星茶庄", 3), ("五星茶庄", 5)):
        shop = MerchantFactory(name=name, region=region("330106"))
        approved(shop)
        rate(shop, stars)
        shops[stars] = shop
    shops["cultivated"] = MerchantFactory(name="培育茶庄", region=region("330106"))
    cultivate(shops["cultivated"])
    shops["warned"] = MerchantFactory(name="预警茶庄", region=region("330106"))
    warn(shops["warned"])  # had 3 stars: they are suspended
    shops["plain"] = MerchantFactory(name="普通茶庄", region=region("330106"))
    return shops


def names(response) -> list[str]:
    return [row["name"] for row in response.context["page"].rows]


def test_search_by_least_stars(rated_shops):
    assert names(search({"min_stars": "3"})) == ["三星茶庄", "五星茶庄"]
    assert names(search({"min_stars": "1", "q": "茶庄"})) == ["一星茶庄", "三星茶庄", "五星茶庄"]
    assert names(search({"min_stars": "5"})) == ["五星茶庄"]
    assert len(names(search({"q": "茶庄"}))) == 6


def test_search_star_filter_is_a_labelled_choice_and_bad_values_are_clear_errors(rated_shops):
    html = search({}).content.decode()
    assert '<label for="id_min_stars">Star rating</label>' in html
    assert '<option value="3">At least 3 stars</option>' in html
    for bad in ("6", "0", "three"):
        response = search({"min_stars": bad})
        assert response.context["page"] is None
        assert "Select a valid choice" in response.content.decode()


def test_search_results_show_the_rating(rated_shops):
    html = search({"q": "茶庄"}).content.decode().split('class="store-results"')[1]

    def row(name: str) -> str:
        return html.split(name)[1].split("</li>")[0]

    assert f"3 stars {STAR_TEXT}" in row("三星茶庄")
    assert "★★★<span" in row("三星茶庄")
    assert "Cultivation pool" in row("培育茶庄")
    assert "Under warning: rectifying" in row("预警茶庄") and "★" not in row("预警茶庄")
    assert "★" not in row("普通茶庄") and "pool" not in row("普通茶庄")


def test_search_with_ratings_has_no_n_plus_one(db, django_assert_max_num_queries):
    for n in range(25):
        shop = MerchantFactory(name=f"星级商户{n:02d}")
        approved(shop)
        rate(shop, 1 + n % 5)
    with django_assert_max_num_queries(6):
        response = search({"q": "星级", "min_stars": "2"})
    assert response.context["page"].paginator.count == 20
    assert all(row["stars"] >= 2 for row in response.context["page"].rows)


# Open-data API


def test_api_list_gives_pool_and_stars_and_filters_by_least_stars(rated_shops):
    client = APIClient()
    body = client.get(reverse("api-public-merchant-list"), {"q": "茶庄"}).json()
    rows = {row["name"]: row for row in body["results"]}
    assert (rows["三星茶庄"]["pool"], rows["三星茶庄"]["stars"]) == ("star_rated", 3)
    assert rows["三星茶庄"]["rating"] == f"3 stars {STAR_TEXT}"
    assert (rows["培育茶庄"]["pool"], rows["培育茶庄"]["stars"]) == ("cultivation", None)
    assert (rows["预警茶庄"]["pool"], rows["预警茶庄"]["stars"]) == ("warning", None)
    assert (rows["普通茶庄"]["pool"], rows["普通茶庄"]["stars"]) == (None, None)
    rated = client.get(reverse("api-public-merchant-list"), {"min_stars": 3}).json()
    assert [(r["name"], r["stars"]) for r in rated["results"]] == [("三星茶庄", 3), ("五星茶庄", 5)]


def test_api_bad_least_stars_is_a_clear_400(db):
    response = APIClient().get(reverse("api-public-merchant-list"), {"min_stars": "9"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.json()["min_stars"][0]


def test_api_list_with_ratings_has_no_n_plus_one(db, django_assert_max_num_queries):
    for n in range(25):
        shop = MerchantFactory(name=f"开放星级{n:02d}")
        approved(shop)
        rate(shop, 1 + n % 5)
    with django_assert_max_num_queries(6):
        body = APIClient().get(reverse("api-public-merchant-list"), {"q": "开放星级"}).json()
    assert body["count"] == 25
    assert sorted({r["stars"] for r in body["results"]}) == [1, 2, 3, 4, 5]


def test_api_min_stars_is_documented(db, admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    (param,) = [
        p
        for p in schema["paths"]["/api/v1/public/merchants/"]["get"]["parameters"]
        if p["name"] == "min_stars"
    ]
    assert param["schema"] == {"type": "integer", "enum": [1, 2, 3, 4, 5]}
    badge = schema["components"]["schemas"]["PublicBadge"]["properties"]
    assert {"pool", "stars", "label", "since", "rectify_by", "appeal"} <= set(badge)
