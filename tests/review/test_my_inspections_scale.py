"""My inspections at province scale: a page's keys are read from indexes in two parts (the few
open visits, then the assignments' own order past them) and counted from the assignments, and
they give the very rows, order and counts of the list's own ordering
(review.selectors.inspections.inspector_assignment_list), page after page, in fixed queries."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from common.api import KeyedPagination
from merchants.models import User
from review.models import OPEN_INSPECTION_STATES as OPEN_STATES
from review.models import Inspection, InspectionAssignment
from review.selectors import inspections as selectors
from review.services.campaigns import campaign_close, campaign_draw
from review.services.inspections import inspection_record, inspections_follow_merchant_region
from tests.conftest import api, client_for
from tests.factories import (
    CampaignFactory,
    InspectionFactory,
    MerchantFactory,
    approved_merchants,
    region,
)

pytestmark = pytest.mark.django_db

STATES = (
    "scheduled",
    "closed",
    "rectifying",
    "cancelled",
    "rectification_submitted",
    "closed",
    "closed",
)
VISITS = 37
PAGE = 4


def _expected(user: User) -> list[int]:
    """The list's order computed here from the rows: open first, then due date, draw order, id."""
    rows = Inspection.objects.filter(assignments__inspector=user)
    order = sorted(rows, key=lambda i: (i.state not in OPEN_STATES, i.due_date, i.draw_order, i.pk))
    return [i.pk for i in order]


@pytest.fixture
def visits(county_regulator, other_county_regulator) -> list[int]:
    """37 visits of the county regulator in every state (changed on the rows, past the
    services), due dates that tie, draw orders that tie across two campaigns and run against
    the ids; some shared with another inspector, who has visits of their own. Returns the
    expected order."""
    today = timezone.localdate()
    first, second = CampaignFactory(), CampaignFactory()
    for n in range(VISITS):
        visit = InspectionFactory(
            campaign=first if n % 2 else second,
            inspector=county_regulator,
            due_date=today + timedelta(days=n % 4),
            draw_order=40 - n // 2,
        )
        if n % 5 == 0:
            InspectionAssignment.of(
                visit, inspector_id=other_county_regulator.pk, is_lead=False
            ).save()
        state = STATES[n % len(STATES)]
        Inspection.objects.filter(pk=visit.pk).update(
            state=state, result="" if state in ("scheduled", "cancelled") else "rectify"
        )
    for _ in range(6):
        InspectionFactory(inspector=other_county_regulator)
    return _expected(county_regulator)


def _open(user: User) -> int:
    return Inspection.objects.filter(assignments__inspector=user, state__in=OPEN_STATES).count()


def test_the_lists_own_order_is_open_first_then_due_then_drawn(county_regulator, visits):
    listed = selectors.inspector_assignment_list(user=county_regulator)
    assert list(listed.values_list("pk", flat=True)) == visits
    assert 0 < _open(county_regulator) < VISITS


def test_counts_equal_direct_counts(county_regulator, other_county_regulator, visits, consumer):
    assert selectors.inspector_assignment_counts(user=county_regulator) == (
        VISITS,
        _open(county_regulator),
    )
    others = Inspection.objects.filter(assignments__inspector=other_county_regulator)
    assert selectors.inspector_assignment_counts(user=other_county_regulator) == (
        others.count(),
        _open(other_county_regulator),
    )
    assert selectors.inspector_assignment_counts(user=consumer) == (0, 0)


def test_keys_of_every_slice_are_the_lists(county_regulator, other_county_regulator, visits):
    for user, expected in ((county_regulator, visits), (other_county_regulator, None)):
        expected = expected or _expected(user)
        open_count = _open(user)
        for size in (1, PAGE, 50):
            for bottom in range(len(expected)):
                top = min(bottom + size, len(expected))
                keys = selectors.inspector_assignment_keys(
                    user=user, open_count=open_count, bottom=bottom, top=top
                )
                assert keys == expected[bottom:top], (user, size, bottom)


def test_a_visit_closing_leaves_the_open_part(county_regulator, visits):
    """The open part follows the visit's state as it is now, not a copy of it."""
    first = visits[0]
    Inspection.objects.filter(pk=first).update(state="closed", result="pass")
    expected = _expected(county_regulator)
    assert expected != visits
    open_count = _open(county_regulator)
    keys = selectors.inspector_assignment_keys(
        user=county_regulator, open_count=open_count, bottom=0, top=VISITS
    )
    assert keys == expected


def test_pages_walk_the_list_once_in_fixed_queries(
    county_regulator, visits, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(selectors, "INSPECTION_PAGE_SIZE", PAGE)
    open_count = _open(county_regulator)
    client = client_for(county_regulator)
    client.get(reverse("inspection-assignments"))
    seen, shown_open = [], []
    for number in range(1, (VISITS + PAGE - 1) // PAGE + 1):
        bottom = (number - 1) * PAGE
        straddles = bottom < open_count < bottom + PAGE
        # Session, user, the counts, the page's keys (open part, rest), its rows, the inbox.
        with django_assert_num_queries(7 if straddles else 6):
            response = client.get(reverse("inspection-assignments"), {"page": number})
        page = response.context["page"]
        assert page.paginator.count == VISITS
        seen += [i.pk for i in page.object_list]
        shown_open += [i.is_open for i in page.object_list]
    assert seen == visits
    assert shown_open == [n < open_count for n in range(VISITS)]


def test_api_pages_walk_the_list_once_in_fixed_queries(
    county_regulator, visits, django_assert_num_queries
):
    open_count = _open(county_regulator)
    client = api(county_regulator)
    seen = []
    for number in range(1, (VISITS + PAGE - 1) // PAGE + 1):
        bottom = (number - 1) * PAGE
        straddles = bottom < open_count < bottom + PAGE
        # The counts, the page's keys (open part, rest), its rows, their inspectors.
        with django_assert_num_queries(5 if straddles else 4):
            data = client.get(
                "/api/v1/review/inspections/",
                {"assigned": "true", "page": number, "page_size": PAGE},
            ).data
        assert data["count"] == VISITS and data["count_bounded"] is False
        seen += [row["id"] for row in data["results"]]
    assert seen == visits


def test_api_count_stops_at_the_bound_as_before(county_regulator, visits, monkeypatch):
    """Past the bound the count says so, and the last page ends at row bound + 1."""
    monkeypatch.setattr(KeyedPagination, "count_bound", 10)
    client = api(county_regulator)
    url = "/api/v1/review/inspections/"
    data = client.get(url, {"assigned": "true", "page_size": PAGE, "page": 3}).data
    assert data["count"] == 10 and data["count_bounded"] is True
    assert [row["id"] for row in data["results"]] == visits[8:11]
    assert data["next"] is None
    beyond = client.get(url, {"assigned": "true", "page_size": PAGE, "page": 4})
    assert beyond.status_code == 404


def _copies() -> list[tuple]:
    """(copied, visit's) of every assignment: due date, draw order, and whether open."""
    rows = InspectionAssignment.objects.select_related("inspection")
    return [
        (
            (a.due_date, a.draw_order, a.is_open),
            (a.inspection.due_date, a.inspection.draw_order, a.inspection.state in OPEN_STATES),
        )
        for a in rows
    ]


def test_the_draw_and_the_services_keep_the_copies(city_regulator, county_regulator):
    """Drawn visits' assignments copy the visit's order and are marked open; recording a pass
    closes the visit and unmarks them, a rectify keeps them open; closing the campaign cancels
    the visits not made and unmarks theirs."""
    city_regulator.can_supervise = True
    city_regulator.save(update_fields=["can_supervise"])
    approved_merchants(4)
    campaign = CampaignFactory(created_by=city_regulator, region=region("330106"), sample_size=3)
    campaign_draw(actor=city_regulator, campaign=campaign, seed="copies")
    passed, rectify, unvisited = campaign.inspections.order_by("draw_order")
    assert InspectionAssignment.objects.filter(is_open=True).count() == 3
    for visit, result in ((passed, "pass"), (rectify, "rectify")):
        inspector = visit.assignments.get().inspector
        answers = {item["code"]: "yes" for item in visit.checklist}
        if result == "rectify":
            answers["prices-marked"] = "no"
        inspection_record(
            actor=inspector,
            inspection=visit,
            answers=answers,
            result=result,
            notes="",
            findings="Mark every price." if result == "rectify" else "",
            photos=[],
        )
    campaign_close(actor=city_regulator, campaign=campaign)
    unvisited.refresh_from_db()
    assert unvisited.state == "cancelled"
    assert set(
        InspectionAssignment.objects.filter(is_open=True).values_list("inspection", flat=True)
    ) == {rectify.pk}
    copies = _copies()
    assert copies and all(copied == visit for copied, visit in copies)


def test_the_migration_copies_into_earlier_assignments(county_regulator, visits):
    """The migration copies every assignment's visit's due date, draw order and openness."""
    InspectionAssignment.objects.update(due_date=timezone.localdate(), draw_order=0, is_open=False)
    migration = importlib.import_module("review.migrations.0013_assignment_list_order")
    migration.copy_visit_order(apps, None)
    copies = _copies()
    assert copies and all(copied == visit for copied, visit in copies)


# The staff list (the API without ?assigned): the region's visits merged with those assigned
# elsewhere.


@pytest.fixture
def staff_visits(county_regulator, city_regulator) -> None:
    """Visits in Xihu (the county regulator's), elsewhere in Hangzhou and in Shaoxing, due on
    days that tie; some assigned to the county regulator, in and out of their region."""
    today = timezone.localdate()
    for n, county in enumerate(["330106"] * 9 + ["330108"] * 7 + ["330602"] * 6):
        InspectionFactory(
            merchant=MerchantFactory(region=region(county)),
            due_date=today + timedelta(days=n % 5),
            inspector=county_regulator if n % 3 == 0 else None,
        )


def _staff_order(user: User) -> list[int]:
    return list(
        selectors.inspection_staff_list(user=user)
        .order_by("-due_date", "-pk")
        .values_list("pk", flat=True)
    )


def test_staff_keys_of_every_slice_are_the_lists(county_regulator, city_regulator, staff_visits):
    for user in (county_regulator, city_regulator):
        expected = _staff_order(user)
        count, elsewhere = selectors.inspection_staff_count(user=user)
        assert count == len(expected)
        for given in (elsewhere, None):
            for size in (1, 4, 50):
                for bottom in range(len(expected)):
                    top = min(bottom + size, len(expected))
                    keys = selectors.inspection_staff_keys(
                        user=user, elsewhere=given, bottom=bottom, top=top
                    )
                    assert keys == expected[bottom:top], (user, given is None, size, bottom)
    assert len(_staff_order(county_regulator)) == 9 + 5  # Xihu's, and 5 assigned elsewhere


def test_staff_count_past_the_bound_leaves_the_rest_to_the_keys(county_regulator, staff_visits):
    count, elsewhere = selectors.inspection_staff_count(user=county_regulator, bound=5)
    assert count == 6 and elsewhere is None
    count, elsewhere = selectors.inspection_staff_count(user=county_regulator, bound=10)
    assert count == 11 and len(elsewhere) == 5


def test_staff_api_pages_walk_the_list_once(
    county_regulator, staff_visits, django_assert_num_queries
):
    expected = _staff_order(county_regulator)
    client = api(county_regulator)
    seen = []
    for number in range(1, (len(expected) + PAGE - 1) // PAGE + 1):
        # The region's count, those elsewhere, the page's keys, its rows, their inspectors.
        with django_assert_num_queries(5):
            data = client.get(
                "/api/v1/review/inspections/", {"page": number, "page_size": PAGE}
            ).data
        assert data["count"] == len(expected)
        seen += [row["id"] for row in data["results"]]
    assert seen == expected


def test_a_county_change_moves_the_assignments_copy(county_regulator, staff_visits):
    """A merchant moving county moves its visits and their assignments' copy of the county:
    the visit leaves the staff list of its former county's regulator, unless assigned to them."""
    visit = Inspection.objects.filter(region_id="330106", assignments__isnull=True).first()
    InspectionAssignment.of(visit, inspector_id=county_regulator.pk, is_lead=False).save()
    inspections_follow_merchant_region(merchant=visit.merchant, region=region("330108"))
    assert set(visit.assignments.values_list("region_id", flat=True)) == {"330108"}
    expected = _staff_order(county_regulator)
    assert visit.pk in expected
    count, elsewhere = selectors.inspection_staff_count(user=county_regulator)
    keys = selectors.inspection_staff_keys(
        user=county_regulator, elsewhere=elsewhere, bottom=0, top=count
    )
    assert keys == expected
