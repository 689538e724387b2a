"""Review queues, pages and API: tabs, counts, filters, order, scope and query counts."""

import html
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from merchants.models import Declaration, Merchant, User
from review.selectors.queue import QueueFilters, review_queue, review_queue_counts
from tests.conftest import api, client_for
from tests.factories import (
    DeclarationFactory,
    MerchantFactory,
    RegulatorFactory,
    UserFactory,
    region,
    scheme,
)

pytestmark = pytest.mark.django_db

S = Declaration.State
QUEUE = reverse("review-queue")
API = "/api/v1/review/declarations/"


def page_text(response: Any) -> str:
    return html.unescape(response.content.decode())


def make(merchant: Merchant, state: str = S.PENDING_REVIEW, **fields: Any) -> Declaration:
    """A declaration in `state`, submitted five days ago and due in five days unless told."""
    now = timezone.now()
    defaults: dict[str, Any] = {
        "submitted_at": now - timedelta(days=5),
        "review_due": timezone.localdate() + timedelta(days=5),
    }
    if state in (S.APPROVED, S.REJECTED, S.RETURNED):
        defaults["decided_at"] = now - timedelta(days=1)
    return DeclarationFactory(merchant=merchant, state=state, **{**defaults, **fields})


def ids(response: Any) -> list[int]:
    return [d.pk for d in response.context["page"].object_list]


@pytest.fixture
def binjiang_merchant(db) -> Merchant:
    return MerchantFactory(name="滨江数码", region=region("330108"))


@pytest.fixture
def coordinator(db) -> User:
    return UserFactory(username="coord-xihu", role=User.Role.COORDINATOR, region=region("330106"))


@pytest.fixture
def non_reviewer(db) -> User:
    return RegulatorFactory(username="reg-xihu-clerk", region=region("330106"), can_review=False)


@pytest.fixture
def queue(merchant, other_merchant, county_regulator, other_county_regulator) -> dict:
    """One declaration per tab for the Xihu reviewer, and a few that belong in none."""
    today = timezone.localdate()
    now = timezone.now()
    return {
        "pending": make(merchant),
        "mine": make(other_merchant, S.UNDER_REVIEW, reviewer=county_regulator, claimed_at=now),
        "claimed": make(
            merchant,
            S.UNDER_REVIEW,
            scheme=scheme("no-reason-return"),
            reviewer=RegulatorFactory(username="reg-xihu-2", region=region("330106")),
            claimed_at=now,
        ),
        "returned": make(other_merchant, S.RETURNED, scheme=scheme("no-reason-return")),
        "overdue": make(
            merchant, scheme=scheme("assured-factory"), review_due=today - timedelta(days=1)
        ),
        "marked_overdue": make(other_merchant, scheme=scheme("assured-factory"), is_overdue=True),
        "decided": make(merchant, S.APPROVED, scheme=scheme("assured-financial-outlet")),
        "decided_long_ago": make(
            other_merchant,
            S.REJECTED,
            scheme=scheme("assured-financial-outlet"),
            decided_at=now - timedelta(days=91),
        ),
        "draft": DeclarationFactory(merchant=merchant, scheme=scheme("assured-district")),
    }


# Tabs and counts


@pytest.mark.parametrize(
    "tab, expected",
    [
        ("pending", {"pending", "overdue", "marked_overdue"}),
        ("mine", {"mine"}),
        ("claimed", {"claimed"}),
        ("returned", {"returned"}),
        ("overdue", {"overdue", "marked_overdue"}),
        ("decided", {"decided"}),
    ],
)
def test_each_tab_lists_its_declarations(county_regulator, queue, tab, expected):
    response = client_for(county_regulator).get(QUEUE, {"tab": tab})
    assert response.status_code == 200
    assert set(ids(response)) == {queue[name].pk for name in expected}


def test_default_tab_is_pending(county_regulator, queue):
    response = client_for(county_regulator).get(QUEUE)
    assert response.context["tab"] == "pending"
    assert queue["pending"].pk in ids(response)


def test_unknown_tab_is_404(county_regulator):
    assert client_for(county_regulator).get(QUEUE, {"tab": "everything"}).status_code == 404


def test_counts_per_tab_in_two_queries(county_regulator, queue, django_assert_num_queries):
    """The open tabs in one query; the decided tab, history, in a bounded one."""
    with django_assert_num_queries(2):
        counts = review_queue_counts(user=county_regulator)
    assert counts == {
        "pending": 3,
        "mine": 1,
        "claimed": 1,
        "returned": 1,
        "overdue": 2,
        "decided": 1,
    }


def test_decided_tab_is_counted_bounded_and_shown_as_more(
    county_regulator, merchant, queue, monkeypatch
):
    """History is counted up to the bound ("1+" past it); the open tabs stay exact."""
    from review.selectors import queue as selectors

    make(merchant, S.REJECTED, scheme=scheme("assured-district"))
    monkeypatch.setattr(selectors, "QUEUE_COUNT_BOUND", 1)
    counts = review_queue_counts(user=county_regulator)
    assert (counts["decided"], counts["pending"]) == (2, 3)
    response = client_for(county_regulator).get(QUEUE, {"tab": "decided"})
    shown = {value: text for value, _label, _count, text in response.context["tabs"]}
    assert (shown["decided"], shown["pending"]) == ("1+", "3")
    assert '<span class="tab-count">1+</span>' in response.content.decode()
    monkeypatch.setattr(selectors, "QUEUE_COUNT_BOUND", 2)
    assert review_queue_counts(user=county_regulator)["decided"] == 2


def test_counts_are_shown_on_the_tabs(county_regulator, queue):
    response = client_for(county_regulator).get(QUEUE)
    tabs = {value: count for value, _label, count, _shown in response.context["tabs"]}
    assert tabs["pending"] == 3
    assert tabs["mine"] == 1
    assert response.context["page"].paginator.count == 3


def test_mine_and_claimed_depend_on_who_asks(city_regulator, queue):
    """The city regulator holds none of them: both claimed ones are someone else's."""
    counts = review_queue_counts(user=city_regulator)
    assert counts["mine"] == 0
    assert counts["claimed"] == 2


def test_sorted_by_deadline_then_id(county_regulator, merchant):
    today = timezone.localdate()
    later = make(merchant, review_due=today + timedelta(days=9))
    first = make(merchant, scheme=scheme("no-reason-return"), review_due=today)
    tie = make(merchant, scheme=scheme("assured-factory"), review_due=today)
    response = client_for(county_regulator).get(QUEUE)
    assert ids(response) == [first.pk, tie.pk, later.pk]


def test_decided_tab_is_most_recent_first(county_regulator, merchant):
    now = timezone.now()
    older = make(merchant, S.APPROVED, decided_at=now - timedelta(days=30))
    newer = make(
        merchant, S.REJECTED, scheme=scheme("no-reason-return"), decided_at=now - timedelta(1)
    )
    response = client_for(county_regulator).get(QUEUE, {"tab": "decided"})
    assert ids(response) == [newer.pk, older.pk]


def test_list_shows_merchant_county_scheme_due_flags_and_reviewer(county_regulator, queue):
    queue["pending"].flagged = True
    queue["pending"].save()
    text = page_text(client_for(county_regulator).get(QUEUE))
    assert "西湖茶楼" in text
    assert "西湖区" in text
    assert queue["pending"].merchant.uscc in text
    assert queue["pending"].review_due.isoformat() in text
    assert "Flagged" in text
    assert 'class="nowrap due-late"' in text  # the overdue row's date is red
    mine = page_text(client_for(county_regulator).get(QUEUE, {"tab": "claimed"}))
    assert "reg-xihu-2" in mine


def test_screening_incomplete_badge(county_regulator, merchant):
    make(merchant, flagged=True, screening_incomplete=True)
    text = page_text(client_for(county_regulator).get(QUEUE))
    assert "Screening incomplete" in text


def test_only_clean_pending_rows_have_a_checkbox(county_regulator, merchant, other_merchant):
    clean = make(merchant)
    flagged = make(other_merchant, flagged=True)
    text = page_text(client_for(county_regulator).get(QUEUE))
    assert f'name="ids" value="{clean.pk}"' in text
    assert f'name="ids" value="{flagged.pk}"' not in text


# Filters


def test_filter_by_scheme(county_regulator, queue):
    response = client_for(county_regulator).get(
        QUEUE, {"tab": "overdue", "scheme": scheme("assured-factory").pk}
    )
    assert set(ids(response)) == {queue["overdue"].pk, queue["marked_overdue"].pk}
    tabs = {value: count for value, _label, count, _shown in response.context["tabs"]}
    assert tabs["pending"] == 2  # counts follow the filters
    assert tabs["mine"] == 0


def test_filter_flagged(county_regulator, merchant, other_merchant):
    flagged = make(merchant, flagged=True)
    clean = make(other_merchant)
    client = client_for(county_regulator)
    assert ids(client.get(QUEUE, {"flagged": "yes"})) == [flagged.pk]
    assert ids(client.get(QUEUE, {"flagged": "no"})) == [clean.pk]
    assert set(ids(client.get(QUEUE, {"flagged": ""}))) == {flagged.pk, clean.pk}


def test_filter_overdue(county_regulator, queue):
    response = client_for(county_regulator).get(QUEUE, {"overdue": "on"})
    assert set(ids(response)) == {queue["overdue"].pk, queue["marked_overdue"].pk}


def test_filter_by_county_for_the_city_regulator(city_regulator, merchant, binjiang_merchant):
    xihu = make(merchant)
    binjiang = make(binjiang_merchant)
    client = client_for(city_regulator)
    assert set(ids(client.get(QUEUE))) == {xihu.pk, binjiang.pk}
    assert ids(client.get(QUEUE, {"county": "330108"})) == [binjiang.pk]


def test_county_outside_the_subtree_is_refused(county_regulator, merchant, binjiang_merchant):
    make(binjiang_merchant)
    xihu = make(merchant)
    response = client_for(county_regulator).get(QUEUE, {"county": "330108"})
    assert response.status_code == 200
    assert response.context["form"].errors["county"]
    assert ids(response) == [xihu.pk]


# Scope and who has queues


def test_regulator_sees_only_their_subtree(
    county_regulator, other_county_regulator, city_regulator, merchant, binjiang_merchant
):
    xihu = make(merchant)
    binjiang = make(binjiang_merchant)
    assert ids(client_for(county_regulator).get(QUEUE)) == [xihu.pk]
    assert ids(client_for(other_county_regulator).get(QUEUE)) == [binjiang.pk]
    assert set(ids(client_for(city_regulator).get(QUEUE))) == {xihu.pk, binjiang.pk}


def test_admin_sees_every_region(admin_user, merchant, binjiang_merchant):
    pks = {make(merchant).pk, make(binjiang_merchant).pk}
    assert set(ids(client_for(admin_user).get(QUEUE))) == pks


@pytest.mark.parametrize("who", ["coordinator", "non_reviewer", "owner", "consumer"])
def test_non_reviewers_get_404(request, who, queue):
    user = request.getfixturevalue(who)
    assert client_for(user).get(QUEUE).status_code == 404
    assert api(user).get(API).status_code == 404


def test_anonymous_is_sent_to_log_in(queue):
    response = client_for(None).get(QUEUE)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert api(None).get(API).status_code == 401


# Query counts: constant in the page size


def _queries(client: Any, url: str, params: dict[str, Any]) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("who", ["county_regulator", "city_regulator", "admin_user"])
@pytest.mark.parametrize("tab", ["pending", "mine", "decided"])
def test_queue_page_query_count_is_constant(request, who, tab, merchant):
    user = request.getfixturevalue(who)
    state = {"pending": S.PENDING_REVIEW, "mine": S.UNDER_REVIEW, "decided": S.APPROVED}[tab]
    extra = {"reviewer": user} if tab == "mine" else {}
    merchants = MerchantFactory.create_batch(60, region=region("330106"))
    client = client_for(user)
    params = {"tab": tab, "scheme": scheme("assured-unit").pk, "flagged": "no"}
    make(merchants[0], state, **extra)
    few, _ = _queries(client, QUEUE, params)
    for m in merchants[1:]:
        make(m, state, flagged=m.pk % 3 == 0, **extra)
        make(m, state, scheme=scheme("no-reason-return"), **extra)
    many, response = _queries(client, QUEUE, {**params, "flagged": ""})
    assert len(response.context["page"].object_list) == 50
    assert many == few <= 12  # session, user, region, notifications, filters, counts, rows


@pytest.mark.parametrize("who", ["county_regulator", "city_regulator"])
def test_queue_api_query_count_is_constant(request, who, merchant):
    client = api(request.getfixturevalue(who))
    make(merchant)
    few, _ = _queries(client, API, {})
    for m in MerchantFactory.create_batch(60, region=region("330106")):
        make(m, flagged=m.pk % 2 == 0)
    many, response = _queries(client, API, {"page_size": 100})
    assert len(response.json()["results"]) == 61
    assert many == few <= 4


# API


def test_api_lists_a_tab_with_the_counts(county_regulator, queue):
    response = api(county_regulator).get(API, {"tab": "mine"})
    assert response.status_code == 200
    body = response.json()
    assert [d["id"] for d in body["results"]] == [queue["mine"].pk]
    assert body["count"] == 1
    assert body["counts"] == {
        "pending": 3,
        "mine": 1,
        "claimed": 1,
        "returned": 1,
        "overdue": 2,
        "decided": 1,
    }
    row = body["results"][0]
    assert row["reviewer"] == "reg-xihu"
    assert row["county"] == "330106"
    assert row["scheme"] == "assured-unit"
    assert row["late"] is False


def test_api_default_tab_is_pending_sorted_by_deadline(county_regulator, queue):
    body = api(county_regulator).get(API).json()
    assert [d["id"] for d in body["results"]] == [
        queue["overdue"].pk,
        queue["pending"].pk,
        queue["marked_overdue"].pk,
    ]
    assert body["results"][0]["late"] is True


def test_api_filters(county_regulator, city_regulator, queue, binjiang_merchant):
    binjiang = make(binjiang_merchant, flagged=True)
    client = api(county_regulator)
    overdue = client.get(API, {"tab": "pending", "overdue": "true"}).json()
    assert {d["id"] for d in overdue["results"]} == {
        queue["overdue"].pk,
        queue["marked_overdue"].pk,
    }
    by_scheme = client.get(API, {"tab": "returned", "scheme": "no-reason-return"}).json()
    assert [d["id"] for d in by_scheme["results"]] == [queue["returned"].pk]
    city = api(city_regulator)
    assert [d["id"] for d in city.get(API, {"county": "330108"}).json()["results"]] == [binjiang.pk]
    assert [d["id"] for d in city.get(API, {"flagged": "true"}).json()["results"]] == [binjiang.pk]
    whole_city = city.get(API, {"county": "330100"}).json()
    assert whole_city["counts"]["pending"] == 4


def test_api_refuses_a_county_outside_the_region(county_regulator, queue):
    response = api(county_regulator).get(API, {"county": "330108"})
    assert response.status_code == 400
    assert "county" in response.json()
    assert api(county_regulator).get(API, {"tab": "nonsense"}).status_code == 400


def test_api_with_a_token(county_regulator, queue):
    from knox.models import AuthToken

    _, token = AuthToken.objects.create(user=county_regulator)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(API).json()["count"] == 3


def test_selector_today_is_a_parameter(county_regulator, merchant):
    due = date(2026, 10, 9)
    declaration = make(merchant, review_due=due)
    before = review_queue(user=county_regulator, tab="overdue", filters=QueueFilters(), today=due)
    after = review_queue(
        user=county_regulator, tab="overdue", filters=QueueFilters(), today=due + timedelta(1)
    )
    assert list(before) == []
    assert list(after) == [declaration]


@pytest.mark.parametrize("tab", ["pending", "decided"])
def test_queue_pages_cost_the_same_queries_deep_as_first(
    county_regulator, merchant, tab, monkeypatch, django_assert_num_queries
):
    """Session, user, the county choices and the user's region, the open tabs' counts, the
    decided tab's bounded count, the page's keys (an index walk) and its rows, the unread
    notifications, the schemes of the filter form."""
    from review.selectors import queue as selectors

    monkeypatch.setattr(selectors, "QUEUE_PAGE_SIZE", 2)
    state = S.PENDING_REVIEW if tab == "pending" else S.APPROVED
    for code in ("assured-unit", "assured-district", "assured-factory", "no-reason-return"):
        make(merchant, state, scheme=scheme(code))
    client = client_for(county_regulator)
    for page in (1, 2):
        with django_assert_num_queries(10):
            response = client.get(QUEUE, {"tab": tab, "page": page})
        assert response.context["page"].number == page
        assert len(response.context["page"].object_list) == 2
