"""Village liaison stations: the county's regulators manage them (pages, API, audited), the
public sees the active ones with the coordinators' names only."""

import pytest
from django.urls import reverse

from merchants.models import AuditEntry, Station, User
from merchants.selectors import station_list_for_coordinator
from merchants.services.stations import station_create
from tests.conftest import api, client_for
from tests.factories import UserFactory, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(db) -> User:
    return UserFactory(
        username="coord-xihu",
        role=User.Role.COORDINATOR,
        region=region("330106"),
        last_name="何",
        first_name="桂英",
        phone="13800001111",
        email="coord@example.com",
    )


@pytest.fixture
def other_coordinator(db) -> User:
    return UserFactory(
        username="coord-binjiang", role=User.Role.COORDINATOR, region=region("330108")
    )


@pytest.fixture
def station(county_regulator, coordinator) -> Station:
    return station_create(
        actor=county_regulator,
        county=region("330106"),
        name="双流村",
        address="转塘街道双流村文化礼堂",
        phone="0571-87391234",
        opening_hours="周一至周五 9:00-17:00",
        coordinators=[coordinator],
    )


def _form(**changes: object) -> dict[str, object]:
    data = {
        "county": "330106",
        "name": "古荡社区",
        "address": "古荡新村东区8幢",
        "phone": "138 1234 5678",
        "opening_hours": "工作日",
    }
    return {**data, **changes}


# Pages


def test_county_regulator_creates_a_station_with_its_coordinator(county_regulator, coordinator):
    client = client_for(county_regulator)
    response = client.post(
        reverse("station-create"), _form(coordinators=[coordinator.pk]), follow=True
    )
    assert response.status_code == 200
    station = Station.objects.get(name="古荡社区")
    assert station.phone == "13812345678"  # stored normalised
    assert list(station.coordinators.all()) == [coordinator]
    entry = AuditEntry.objects.get(action="station.create")
    assert entry.actor == county_regulator and entry.data["coordinators"] == [coordinator.pk]
    assert "古荡社区" in client.get(reverse("station-list")).content.decode()


def test_junk_phone_is_refused_on_the_form(county_regulator):
    response = client_for(county_regulator).post(reverse("station-create"), _form(phone="12345"))
    assert response.status_code == 400
    assert "mainland China phone number" in response.content.decode()
    assert not Station.objects.exists()


def test_a_coordinator_of_another_county_cannot_serve_the_station(
    county_regulator, city_regulator, other_coordinator
):
    # The county regulator is not even offered Binjiang's coordinator; the city regulator is,
    # and the service refuses the mismatch.
    response = client_for(city_regulator).post(
        reverse("station-create"), _form(coordinators=[other_coordinator.pk])
    )
    assert response.status_code == 400
    assert "is not a coordinator of" in response.content.decode()
    refused = client_for(county_regulator).post(
        reverse("station-create"), _form(coordinators=[other_coordinator.pk])
    )
    assert refused.status_code == 400 and not Station.objects.exists()


def test_a_county_outside_the_reach_is_not_offered(county_regulator):
    response = client_for(county_regulator).post(reverse("station-create"), _form(county="330108"))
    assert response.status_code == 400
    assert not Station.objects.exists()


def test_regulator_edits_and_deactivates(county_regulator, station, coordinator):
    client = client_for(county_regulator)
    page = client.get(reverse("station-edit", args=[station.pk]))
    assert page.status_code == 200 and "双流村" in page.content.decode()
    response = client.post(
        reverse("station-edit", args=[station.pk]),
        {
            "name": "双流村",
            "address": "新地址",
            "phone": "0571-87391234",
            "opening_hours": "",
            "coordinators": [],
        },
    )
    assert response.status_code == 302
    station.refresh_from_db()
    assert station.is_active is False and station.address == "新地址"
    assert not station.coordinators.exists()
    entry = AuditEntry.objects.get(action="station.update")
    assert set(entry.data["fields"]) == {"address", "opening_hours", "is_active", "coordinators"}


@pytest.mark.parametrize("who", ["other_county_regulator", "coordinator", "owner", "consumer"])
def test_others_do_not_see_the_station(request, who, station):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("station-edit", args=[station.pk])).status_code == 404
    assert client.post(reverse("station-edit", args=[station.pk]), {}).status_code == 404


def test_city_regulator_and_admin_reach_the_station(city_regulator, admin_user, station):
    for user in (city_regulator, admin_user):
        assert client_for(user).get(reverse("station-edit", args=[station.pk])).status_code == 200


def test_regulator_nav_links_to_stations_and_visits(county_regulator):
    page = client_for(county_regulator).get(reverse("home")).content.decode()
    assert reverse("station-list") in page and reverse("patrol-list") in page


# The public list


def test_public_page_shows_active_stations_and_only_names_of_coordinators(station, coordinator):
    Station.objects.create(
        region=region("330106"), name="停用村", address="某处", phone="13800000000", is_active=False
    )
    page = client_for(None).get(reverse("station-public-list"), {"county": "330106"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "双流村" in text and "停用村" not in text
    assert coordinator.display_name in text
    assert "coord-xihu" not in text and "13800001111" not in text and "coord@" not in text
    search = client_for(None).get(reverse("store-search")).content.decode()
    assert reverse("station-public-list") in search


def test_public_api_lists_active_stations_of_a_county(station, coordinator):
    response = api().get("/api/v1/public/stations/", {"county": "330106"})
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row == {
        "name": "双流村",
        "county": {"code": "330106", "name": station.region.display_name},
        "address": "转塘街道双流村文化礼堂",
        "phone": "057187391234",
        "opening_hours": "周一至周五 9:00-17:00",
        "coordinators": [coordinator.display_name],
    }
    assert api().get("/api/v1/public/stations/", {"county": "330108"}).json()["count"] == 0
    assert api().get("/api/v1/public/stations/", {"county": "xx"}).status_code == 400


# The API


def test_api_create_update_and_scope(county_regulator, other_county_regulator, coordinator):
    client = api(county_regulator)
    created = client.post(
        "/api/v1/stations/",
        {
            "county": "330106",
            "name": "古荡社区",
            "address": "古荡新村",
            "phone": "0571-88861234",
            "coordinators": [coordinator.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["coordinators"] == [
        {"id": coordinator.pk, "username": "coord-xihu", "name": coordinator.display_name}
    ]
    changed = client.patch(f"/api/v1/stations/{pk}/", {"is_active": False}, format="json")
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    assert client.get("/api/v1/stations/", {"active": "false"}).json()["count"] == 1
    assert api(other_county_regulator).get(f"/api/v1/stations/{pk}/").status_code == 404
    assert api(other_county_regulator).get("/api/v1/stations/").json()["count"] == 0
    assert api(coordinator).get("/api/v1/stations/").status_code == 404
    assert client.get("/api/v1/stations/", {"county": "x"}).status_code == 400
    assert client.get("/api/v1/stations/", {"active": "maybe"}).status_code == 400


def test_api_refuses_junk_phone_and_other_counties(county_regulator):
    client = api(county_regulator)
    junk = client.post(
        "/api/v1/stations/",
        {"county": "330106", "name": "村", "address": "路", "phone": "call me"},
        format="json",
    )
    assert junk.status_code == 400 and "phone" in junk.json()
    outside = client.post(
        "/api/v1/stations/",
        {"county": "330108", "name": "村", "address": "路", "phone": "13812345678"},
        format="json",
    )
    assert outside.status_code == 400
    not_county = client.post(
        "/api/v1/stations/",
        {"county": "330100", "name": "村", "address": "路", "phone": "13812345678"},
        format="json",
    )
    assert not_county.status_code == 400
    assert not Station.objects.exists()


def test_selector_for_the_complaints_side(station, coordinator, other_coordinator):
    assert list(station_list_for_coordinator(user=coordinator)) == [station]
    assert not station_list_for_coordinator(user=other_coordinator).exists()
    Station.objects.filter(pk=station.pk).update(is_active=False)
    assert not station_list_for_coordinator(user=coordinator).exists()
