"""The quality-control API: the same rules and scoping as the pages; refusals are 400s."""

import json
from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from merchants.models import Pool, User
from review.models import Campaign, Inspection, InspectionMethod
from review.services.campaigns import campaign_draw, draw_run
from review.services.inspections import inspection_record
from tests.conftest import api
from tests.factories import (
    CampaignFactory,
    InspectionFactory,
    MerchantFactory,
    StandingFactory,
    approved_merchants,
    checklist,
    png_upload,
    region,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/review"


@pytest.fixture
def supervisor(city_regulator) -> User:
    city_regulator.can_supervise = True
    city_regulator.save(update_fields=["can_supervise"])
    return city_regulator


@pytest.fixture
def drawn(supervisor, county_regulator) -> Campaign:
    approved_merchants(5)
    campaign = CampaignFactory(created_by=supervisor, region=region("330106"), sample_size=3)
    campaign_draw(actor=supervisor, campaign=campaign, seed="api-seed")
    campaign.refresh_from_db()
    return campaign


def _new_campaign(**changes: object) -> dict[str, object]:
    return {
        "name": "API check",
        "region": "330106",
        "schemes": ["assured-unit"],
        "method": "covert",
        "checklist": checklist().pk,
        "sample_ratio": "0.1",
        "inspectors_per_visit": 1,
        "due_date": (timezone.localdate() + timedelta(days=14)).isoformat(),
    } | changes


def _recorded(merchant, inspector, **kwargs) -> Inspection:
    inspection = InspectionFactory(merchant=merchant, inspector=inspector, **kwargs)
    answers = {item["code"]: "yes" for item in inspection.checklist} | {"prices-marked": "no"}
    return inspection_record(
        actor=inspector,
        inspection=inspection,
        answers=answers,
        result="rectify",
        findings="Mark prices.",
        notes="INTERNAL",
    )


# Campaigns


def test_supervisor_creates_draws_verifies_exports_and_closes(supervisor, county_regulator):
    approved_merchants(12)
    client = api(supervisor)
    response = client.post(f"{BASE}/campaigns/", _new_campaign(), format="json")
    assert response.status_code == 201, response.data
    pk = response.data["id"]
    assert response.data["state"] == "draft" and response.data["seed"] == ""
    response = client.post(f"{BASE}/campaigns/{pk}/draw/")
    assert response.status_code == 200 and response.data["state"] == "drawn"
    assert response.data["population_count"] == 12 and len(response.data["seed"]) == 32
    visits = client.get(f"{BASE}/campaigns/{pk}/visits/").data
    assert visits["count"] == 2  # ceil(12 * 0.1)
    assert client.get(f"{BASE}/campaigns/{pk}/verify/").data["matches"] is True
    export = client.get(f"{BASE}/campaigns/{pk}/export/").data
    campaign = Campaign.objects.get(pk=pk)
    rerun = draw_run(
        campaign,
        seed=export["seed"],
        population=export["population"],
        pool=export["inspector_pool"],
    )
    assert [v.merchant_id for v in rerun.visits] == [v["merchant_id"] for v in export["visits"]]
    response = client.post(f"{BASE}/campaigns/{pk}/close/")
    assert response.data["state"] == "closed"


def test_a_campaign_scoped_to_the_warning_pool_draws_only_warned_merchants(supervisor):
    warned, _others = approved_merchants(1), approved_merchants(3)
    StandingFactory(merchant=warned[0], pool=Pool.WARNING)
    client = api(supervisor)
    response = client.post(
        f"{BASE}/campaigns/", _new_campaign(pools=["warning"], sample_ratio="1"), format="json"
    )
    assert response.status_code == 201, response.data
    assert response.data["pools"] == ["warning"]
    drawn = client.post(f"{BASE}/campaigns/{response.data['id']}/draw/").data
    assert drawn["population_count"] == 1
    response = client.post(f"{BASE}/campaigns/", _new_campaign(pools=["moon"]), format="json")
    assert response.status_code == 400 and "pools" in response.data


def test_create_refusals_are_400_with_the_message(supervisor, county_regulator):
    response = api(supervisor).post(
        f"{BASE}/campaigns/", _new_campaign(sample_size=3), format="json"
    )
    assert response.status_code == 400
    assert response.data["detail"] == ["Give a sample size or a sample ratio, not both."]
    response = api(supervisor).post(
        f"{BASE}/campaigns/", _new_campaign(region="330200"), format="json"
    )
    assert response.status_code == 400
    assert "supervisor of this region" in response.data["detail"][0]
    response = api(county_regulator).post(f"{BASE}/campaigns/", _new_campaign(), format="json")
    assert response.status_code == 400
    assert not Campaign.objects.exists()


def test_draw_refusals_are_400(drawn, supervisor, county_regulator):
    response = api(supervisor).post(f"{BASE}/campaigns/{drawn.pk}/draw/")
    assert response.status_code == 400 and "drawn already" in response.data["detail"][0]
    response = api(county_regulator).post(f"{BASE}/campaigns/{drawn.pk}/close/")
    assert response.status_code == 400 and "supervisor" in response.data["detail"][0]


def test_campaign_list_is_scoped_and_counted(
    drawn, supervisor, county_regulator, other_county_regulator, django_assert_max_num_queries
):
    for _ in range(10):
        CampaignFactory(created_by=supervisor, region=region("330106"))
    first = drawn.inspections.order_by("pk").first()
    Inspection.objects.filter(pk=first.pk).update(visited_at=timezone.now())
    with django_assert_max_num_queries(6):
        response = api(county_regulator).get(f"{BASE}/campaigns/")
    assert response.data["count"] == 11
    # Each campaign's visits and those recorded, counted per campaign of the page.
    counted = {row["id"]: row for row in response.data["results"]}
    assert counted[drawn.pk]["visit_count"] == drawn.inspections.count() > 1
    assert counted[drawn.pk]["recorded_count"] == 1
    others = [row for pk, row in counted.items() if pk != drawn.pk]
    assert all(row["visit_count"] == row["recorded_count"] == 0 for row in others)
    assert api(other_county_regulator).get(f"{BASE}/campaigns/").data["count"] == 0
    assert api(other_county_regulator).get(f"{BASE}/campaigns/{drawn.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["consumer", "owner"])
def test_outsiders_get_404_on_campaigns(who, drawn, request):
    client = api(request.getfixturevalue(who))
    assert client.get(f"{BASE}/campaigns/").status_code == 404
    assert client.get(f"{BASE}/campaigns/{drawn.pk}/").status_code == 404
    assert client.get(f"{BASE}/campaigns/{drawn.pk}/export/").status_code == 404
    assert client.post(f"{BASE}/campaigns/{drawn.pk}/draw/").status_code == 404


def test_anonymous_gets_401(drawn):
    assert api(None).get(f"{BASE}/campaigns/").status_code == 401


# Inspections


def test_inspector_records_with_photos_over_multipart(merchant, county_regulator):
    inspection = InspectionFactory(merchant=merchant, inspector=county_regulator)
    answers = {item["code"]: "yes" for item in inspection.checklist}

    response = api(county_regulator).post(
        f"{BASE}/inspections/{inspection.pk}/record/",
        {"answers": json.dumps(answers), "result": "pass", "photos": [png_upload()]},
        format="multipart",
    )
    assert response.status_code == 200, response.data
    assert response.data["state"] == "closed" and response.data["score"] == 100
    assert len(response.data["photos"]) == 1


def test_record_refusals_are_400(merchant, county_regulator, city_regulator):
    inspection = InspectionFactory(merchant=merchant, inspector=county_regulator)
    answers = {item["code"]: "yes" for item in inspection.checklist} | {"no-counterfeits": "no"}
    url = f"{BASE}/inspections/{inspection.pk}/record/"
    response = api(county_regulator).post(
        url, {"answers": answers, "result": "pass"}, format="json"
    )
    assert response.status_code == 400 and "critical item" in response.data["detail"][0]
    response = api(city_regulator).post(url, {"answers": answers, "result": "fail"}, format="json")
    assert (
        response.status_code == 400 and "Only an inspector assigned" in response.data["detail"][0]
    )
    response = api(county_regulator).post(url, {"answers": [], "result": "pass"}, format="json")
    assert response.status_code == 400 and "answers" in response.data


def test_accept_and_reject_over_the_api(merchant, county_regulator, owner):
    inspection = _recorded(merchant, county_regulator)
    response = api(owner).post(
        f"{BASE}/merchant-inspections/{inspection.pk}/rectify/",
        {"report": "Prices marked.", "files": [png_upload()]},
        format="multipart",
    )
    assert response.status_code == 200 and response.data["state"] == "rectification_submitted"
    client = api(county_regulator)
    response = client.post(f"{BASE}/inspections/{inspection.pk}/reject/", {}, format="json")
    assert response.status_code == 400 and "Say why" in response.data["detail"][0]
    response = client.post(
        f"{BASE}/inspections/{inspection.pk}/reject/", {"reason": "No photo"}, format="json"
    )
    assert response.data["state"] == "rectifying"
    api(owner).post(
        f"{BASE}/merchant-inspections/{inspection.pk}/rectify/", {"report": "Photo."}, format="json"
    )
    response = client.post(f"{BASE}/inspections/{inspection.pk}/accept/", {}, format="json")
    assert response.data["state"] == "closed"
    assert [e["action"] for e in response.data["events"]][-1] == "rectification_accepted"


def test_inspection_list_scope_assigned_filter_and_query_count(
    county_regulator, other_county_regulator, django_assert_max_num_queries
):
    campaign = CampaignFactory()
    for m in MerchantFactory.create_batch(12):
        InspectionFactory(campaign=campaign, merchant=m, inspector=county_regulator)
    cross = InspectionFactory(
        campaign=campaign,
        merchant=MerchantFactory(region=region("330108")),
        inspector=county_regulator,
    )
    with django_assert_max_num_queries(6):
        response = api(county_regulator).get(f"{BASE}/inspections/")
    assert response.data["count"] == 13
    mine = api(other_county_regulator).get(f"{BASE}/inspections/?assigned=true").data
    for wrong in ("1", "", "yes"):
        refused = api(other_county_regulator).get(f"{BASE}/inspections/?assigned={wrong}")
        assert refused.status_code == 400 and "assigned" in refused.data
    assert mine["count"] == 0
    # Binjiang's regulator sees the Binjiang visit (their county), even though not assigned.
    listed = api(other_county_regulator).get(f"{BASE}/inspections/").data["results"]
    assert [i["id"] for i in listed] == [cross.pk]


def test_inspection_list_count_and_pages_equal_the_direct_answer(
    county_regulator, city_regulator, django_assert_num_queries
):
    """The staff list's count, read in two bounded parts (the region's visits, then those
    assigned outside it), equals a direct count; the pages, read keys first, walk the list once
    in its order with the same queries on a deep page."""
    campaign = CampaignFactory()
    for n, county in enumerate(["330106"] * 70 + ["330108"] * 40 + ["330602"] * 12):
        InspectionFactory(
            campaign=campaign,
            merchant=MerchantFactory(region=region(county)),
            due_date=timezone.localdate() + timedelta(days=n % 9),
            inspector=county_regulator if n % 4 == 0 else None,
        )
    for user in (county_regulator, city_regulator):
        expected = list(
            Inspection.objects.filter(
                Q(region__code__startswith=user.region.prefix) | Q(assignments__inspector=user)
            )
            .distinct()
            .order_by("-due_date", "-pk")
            .values_list("pk", flat=True)
        )
        client = api(user)
        seen = []
        for number in range(1, len(expected) // 50 + 2):
            with django_assert_num_queries(5):
                data = client.get(f"{BASE}/inspections/", {"page": number}).data
            assert data["count"] == len(expected) and data["count_bounded"] is False
            seen += [row["id"] for row in data["results"]]
        assert seen == expected


@pytest.mark.parametrize("who", ["consumer", "owner", "other_county_regulator"])
def test_outsiders_get_404_on_inspections(who, merchant, county_regulator, request):
    inspection = _recorded(merchant, county_regulator)
    client = api(request.getfixturevalue(who))
    assert client.get(f"{BASE}/inspections/{inspection.pk}/").status_code == 404
    response = client.post(
        f"{BASE}/inspections/{inspection.pk}/accept/", {"reason": ""}, format="json"
    )
    assert response.status_code == 404
    if who != "other_county_regulator":
        assert client.get(f"{BASE}/inspections/").status_code == 404


# The merchant's side


def test_merchant_api_hides_internal_notes_inspectors_and_covert_visits(
    merchant, county_regulator, owner, django_assert_max_num_queries
):
    recorded = _recorded(merchant, county_regulator)
    covert = InspectionFactory(
        merchant=merchant, inspector=county_regulator, method=InspectionMethod.COVERT
    )
    with django_assert_max_num_queries(6):
        listing = api(owner).get(f"{BASE}/merchant-inspections/").data
    assert [i["id"] for i in listing["results"]] == [recorded.pk]
    assert api(owner).get(f"{BASE}/merchant-inspections/{covert.pk}/").status_code == 404
    detail = api(owner).get(f"{BASE}/merchant-inspections/{recorded.pk}/").data
    assert detail["failed_items"][0]["code"] == "prices-marked"
    assert detail["findings"] == "Mark prices."
    text = str(detail)
    assert "INTERNAL" not in text and "reg-xihu" not in text and "actor" not in text
    assert "notes" not in detail and "photos" not in detail


@pytest.mark.parametrize("who", ["consumer", "other_owner", "county_regulator"])
def test_outsiders_get_404_on_merchant_inspections(who, merchant, county_regulator, request):
    inspection = _recorded(merchant, county_regulator)
    client = api(request.getfixturevalue(who))
    assert client.get(f"{BASE}/merchant-inspections/{inspection.pk}/").status_code == 404
    response = client.post(
        f"{BASE}/merchant-inspections/{inspection.pk}/rectify/", {"report": "x"}, format="json"
    )
    assert response.status_code == 404
