"""The regulator's complaint queue and list API at any region level (issue 17): tab counts equal
direct counts (open tabs exactly, the closed one bounded), the pages' and the API's query counts
do not depend on the page or on how much history there is."""

from datetime import timedelta

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from common.api import BoundedCountPagination, KeyedPagination
from complaints.models import CLOSED_COMPLAINT_STATES, Complaint
from complaints.models import ComplaintState as C
from complaints.selectors import complaints as selectors
from tests.conftest import api, client_for
from tests.factories import ComplaintFactory, MerchantFactory, region

pytestmark = pytest.mark.django_db

QUEUE = reverse("complaint-queue")


@pytest.fixture
def data(county_regulator):
    """Complaints in every tab, in Xihu (330106), Binjiang (330108, same city) and Ningbo
    (330203, another city); one pending transfer from Binjiang to Xihu."""
    now = timezone.now()
    today = timezone.localdate()
    for code, n in (("330106", 1), ("330108", 2), ("330203", 3)):
        merchant = MerchantFactory(region=region(code))
        for i in range(n):
            ComplaintFactory(merchant=merchant, state=C.SUBMITTED, accept_due=today + timedelta(i))
            ComplaintFactory(merchant=merchant, state=C.MEDIATION, close_due=today, is_overdue=True)
            ComplaintFactory(merchant=merchant, state=C.DIRECT, handler=county_regulator)
            ComplaintFactory(merchant=merchant, state=C.WITH_MERCHANT)
            for state in CLOSED_COMPLAINT_STATES:
                ComplaintFactory(merchant=merchant, state=state, closed_at=now - timedelta(i))
    ComplaintFactory(
        merchant=MerchantFactory(region=region("330108")),
        state=C.TRANSFER_PENDING,
        transfer_to=region("330106"),
        is_overdue=True,
    )


def _direct_counts(user, *, subtree: str) -> dict[str, int]:
    """Each tab counted the plain way: the user's subtree (and transfers to it), the tab's rule."""
    scope = Q(region__code__startswith=subtree) | Q(transfer_to__code__startswith=subtree)
    mine = Complaint.objects.filter(scope)
    open_ = ~Q(state__in=CLOSED_COMPLAINT_STATES)
    return {
        "new": mine.filter(state=C.SUBMITTED).count(),
        "mine": mine.filter(open_, handler=user).count(),
        "mediation": mine.filter(state__in=[C.MEDIATION, C.DIRECT]).count(),
        "overdue": mine.filter(open_, is_overdue=True).count(),
        "transfers": mine.filter(state=C.TRANSFER_PENDING).count(),
        "closed": mine.filter(state__in=CLOSED_COMPLAINT_STATES).count(),
    }


@pytest.mark.parametrize(
    "username, subtree",
    [("county_regulator", "330106"), ("city_regulator", "3301"), ("province", "33")],
)
def test_tab_counts_equal_direct_counts(data, request, username, subtree):
    if username == "province":
        from tests.factories import RegulatorFactory

        user = RegulatorFactory(username="reg-zhejiang", region=region("330000"))
    else:
        user = request.getfixturevalue(username)
    counts = selectors.complaint_queue_counts(user=user)
    assert counts == _direct_counts(user, subtree=subtree)
    # And the pages of each tab hold what the tab counts.
    for tab, count in counts.items():
        assert selectors.complaint_queue(user=user, tab=tab).count() == count, tab


def test_the_transfer_to_the_county_counts_where_it_waits(data, county_regulator):
    counts = selectors.complaint_queue_counts(user=county_regulator)
    assert (counts["transfers"], counts["overdue"]) == (1, 2)


def test_closed_tab_is_counted_bounded_and_shown_as_more(data, city_regulator, monkeypatch):
    monkeypatch.setattr(selectors, "QUEUE_COUNT_BOUND", 4)
    counts = selectors.complaint_queue_counts(user=city_regulator)
    assert counts["closed"] == 5  # bound + 1: "more than 4"
    assert counts["new"] == 3  # open tabs stay exact
    response = client_for(city_regulator).get(QUEUE + "?tab=closed")
    shown = {value: text for value, _, _, text in response.context["tabs"]}
    assert shown["closed"] == "4+"
    assert shown["new"] == "3"
    assert '<span class="tab-count">4+</span>' in response.content.decode()
    # Pages reach the bound, not the history: 5 rows, two pages of 3 would be asked for.
    assert response.context["page"].paginator.count == 5


def test_closed_tab_under_the_bound_is_exact(data, county_regulator, monkeypatch):
    monkeypatch.setattr(selectors, "QUEUE_COUNT_BOUND", 5)
    assert selectors.complaint_queue_counts(user=county_regulator)["closed"] == 5
    response = client_for(county_regulator).get(QUEUE + "?tab=closed")
    assert {v: t for v, _, _, t in response.context["tabs"]}["closed"] == "5"


@pytest.mark.parametrize("tab", ["new", "closed"])
def test_queue_page_costs_the_same_on_every_page(
    data, city_regulator, tab, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(selectors, "QUEUE_PAGE_SIZE", 2)
    client = client_for(city_regulator)
    for page in (1, 2):
        # Session, user, the county choices, the user's region, the open tabs' counts, the
        # transfers to the city from elsewhere, the closed tab's bounded count, the page's keys
        # (an index walk) and its rows, the unread notifications.
        with django_assert_num_queries(10):
            response = client.get(QUEUE + f"?tab={tab}&page={page}")
        assert response.status_code == 200
        assert response.context["page"].number == page


def test_list_api_query_count_and_bounded_count(
    data, city_regulator, monkeypatch, django_assert_num_queries
):
    client = api(city_regulator)
    for page in (1, 2):
        # The bounded count, the page's keys (an index walk), its rows (merchant, region and
        # handler joined).
        with django_assert_num_queries(3):
            body = client.get(f"/api/v1/complaints/?page_size=5&page={page}").json()
        assert len(body["results"]) == 5
    total = Complaint.objects.filter(region__code__startswith="3301").count()
    assert (body["count"], body["count_bounded"]) == (total, False)
    monkeypatch.setattr(BoundedCountPagination, "count_bound", 6)
    body = client.get("/api/v1/complaints/?page_size=5").json()
    assert (body["count"], body["count_bounded"]) == (6, True)
    assert body["next"] is not None
    # The last reachable page is the one holding row bound + 1.
    assert client.get("/api/v1/complaints/?page_size=5&page=2").json()["results"]
    assert client.get("/api/v1/complaints/?page_size=5&page=3").status_code == 404


def test_export_notice_past_the_bound_reads_further_still_bounded(
    data, city_regulator, monkeypatch
):
    """The closed tab shows "4+"; whether a download is cut is still told right, by a count
    bounded at the export's limit."""
    monkeypatch.setattr(selectors, "QUEUE_COUNT_BOUND", 4)
    client = client_for(city_regulator)
    monkeypatch.setattr("complaints.views.desks.EXPORT_LIMIT", 15)  # the city's 15 closed
    assert "a download holds its first" not in client.get(QUEUE + "?tab=closed").content.decode()
    monkeypatch.setattr("complaints.views.desks.EXPORT_LIMIT", 14)
    assert "a download holds its first 14" in client.get(QUEUE + "?tab=closed").content.decode()


def _listed_ids(client, query: str) -> tuple[list[int], dict]:
    ids, page, body = [], 1, {}
    while True:
        body = client.get(f"/api/v1/complaints/?page_size=3&page={page}{query}").json()
        ids += [row["id"] for row in body["results"]]
        if body["next"] is None:
            return ids, body
        page += 1


@pytest.mark.parametrize("query", ["", "&state=transfer_pending", "&state=submitted", "&q=NAME"])
def test_list_api_merges_the_county_and_its_transfers_in_the_lists_order(
    data, county_regulator, query
):
    """A county handler's list is read as two parts (its county's complaints, those pending
    transfer to it from elsewhere), each from its own index, merged: the pages hold exactly what
    the plain list holds, in its order, under the same filters."""
    far = MerchantFactory(region=region("330203"))
    for _ in range(2):  # transfers from another city, the newest complaints of all
        ComplaintFactory(merchant=far, state=C.TRANSFER_PENDING, transfer_to=region("330106"))
    plain = selectors.complaint_list(user=county_regulator)
    if query == "&state=transfer_pending":
        plain = plain.filter(state=C.TRANSFER_PENDING)
    elif query == "&state=submitted":
        plain = plain.filter(state=C.SUBMITTED)
    elif query == "&q=NAME":  # the business's name: the transfers from afar only
        query = f"&q={far.name}"
        plain = plain.filter(selectors.complaint_search_q(far.name, user=county_regulator))
    expected = list(plain.values_list("pk", flat=True))
    assert len(expected) >= 1
    ids, body = _listed_ids(api(county_regulator), query)
    assert ids == expected
    assert (body["count"], body["count_bounded"]) == (len(expected), False)


def test_list_api_parts_cost_a_fixed_handful_and_stay_bounded(
    data, county_regulator, monkeypatch, django_assert_num_queries
):
    far = MerchantFactory(region=region("330203"))
    for _ in range(3):
        ComplaintFactory(merchant=far, state=C.TRANSFER_PENDING, transfer_to=region("330106"))
    client = api(county_regulator)
    expected = list(selectors.complaint_list(user=county_regulator).values_list("pk", flat=True))
    for page in (1, 2):
        # Both parts' bounded counts in one statement, each part's keys, the page's rows.
        with django_assert_num_queries(4):
            body = client.get(f"/api/v1/complaints/?page_size=3&page={page}").json()
        assert [row["id"] for row in body["results"]] == expected[(page - 1) * 3 : page * 3]
    monkeypatch.setattr(KeyedPagination, "count_bound", 4)
    body = client.get("/api/v1/complaints/?page_size=3").json()
    assert (body["count"], body["count_bounded"]) == (4, True)
    # The last reachable page is the one holding row bound + 1 (rows 4 and 5), in list order.
    page_2 = client.get("/api/v1/complaints/?page_size=3&page=2").json()["results"]
    assert [row["id"] for row in page_2] == expected[3:5]
    assert client.get("/api/v1/complaints/?page_size=3&page=3").status_code == 404


def test_only_a_handler_with_a_region_has_the_transfers_as_a_part(
    county_regulator, city_regulator, admin_user, consumer
):
    assert len(selectors.complaint_list_parts(user=county_regulator)) == 2
    assert len(selectors.complaint_list_parts(user=city_regulator)) == 2
    for user in (admin_user, consumer):
        (whole,) = selectors.complaint_list_parts(user=user)
        assert list(whole) == list(selectors.complaint_list(user=user))
