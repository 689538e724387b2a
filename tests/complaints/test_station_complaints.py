# ruff: noqa: RUF001
"""Complaints lodged at village liaison stations (issue 15, points 3 and 4): a coordinator files
at a station they serve (form and intake API), refused clearly otherwise; the station pages
count what was lodged at each station and list it for the county's handlers; the timeline names
who filed; coordinators reach through the API only what they filed."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from common.errors import DomainError
from common.messages import render
from complaints.models import Complaint, ComplaintChannel, ComplaintEvent
from complaints.selectors.stations import station_complaint_counts
from complaints.services import complaints as svc
from merchants.models import Station, User
from merchants.services.stations import station_create, station_update
from tests.conftest import api, client_for
from tests.factories import MerchantFactory, RegulatorFactory, UserFactory, region

pytestmark = pytest.mark.django_db

INTAKE = "/api/v1/complaints/intake/"
NOT_SERVED = "You are not assigned to this liaison station"
ONLY_COORDINATORS = "Only a coordinator filing for a caller records a liaison station."
NEEDS_CHANNEL = "A liaison station is recorded only for a complaint lodged at a station"
REQUIRED = "Choose the liaison station where the caller lodged the complaint."


@pytest.fixture
def coordinator(db) -> User:
    return UserFactory(
        username="coord-xihu",
        role=User.Role.COORDINATOR,
        region=region("330106"),
        last_name="何",
        first_name="桂英",
    )


@pytest.fixture
def other_coordinator(db) -> User:
    return UserFactory(username="coord-xihu-2", role=User.Role.COORDINATOR, region=region("330106"))


def _station(regulator: User, name: str, *coordinators: User, county: str = "330106") -> Station:
    return station_create(
        actor=regulator,
        county=region(county),
        name=name,
        address=f"{name}文化礼堂",
        phone="0571-87391234",
        coordinators=list(coordinators),
    )


@pytest.fixture
def station(county_regulator, coordinator) -> Station:
    return _station(county_regulator, "双流村", coordinator)


@pytest.fixture
def not_mine(county_regulator, other_coordinator) -> Station:
    """A station of the same county that the coordinator does not serve."""
    return _station(county_regulator, "龙坞村", other_coordinator)


def _form(phone: str = "13812340000", **overrides) -> dict:
    return {
        "channel": "station",
        "category": "quality",
        "description": "茶叶发霉",
        "wanted_outcome": "退款",
        "complainant_name": "刘女士",
        "complainant_phone": phone,
    } | overrides


def _body(merchant, **overrides) -> dict:
    return {
        "merchant": merchant.public_code,
        "category": "quality",
        "description": "茶叶发霉",
        "wanted_outcome": "退款",
        "complainant_name": "刘女士",
        "complainant_phone": "13812340000",
        "channel": "station",
    } | overrides


def _file_url(merchant) -> str:
    return reverse("complaint-file") + f"?merchant={merchant.public_code}"


def _lodge(merchant, *, lodged_by=None, station=None, phone="13812340000", **kw) -> Complaint:
    return svc.complaint_submit(
        merchant=merchant,
        category="quality",
        description="茶叶发霉",
        wanted_outcome="退款",
        complainant_name="刘女士",
        complainant_phone=phone,
        lodged_by=lodged_by,
        channel=kw.pop("channel", ComplaintChannel.STATION if station else ComplaintChannel.WEB),
        station=station,
        **kw,
    )


# The filing form


def test_the_form_offers_the_only_station_chosen_and_the_station_channel(
    merchant, coordinator, station
):
    html = client_for(coordinator).get(_file_url(merchant)).content.decode()
    assert 'name="station"' in html
    assert f'<option value="{station.pk}" selected>双流村</option>' in html
    assert '<option value="station" selected>' in html


def test_the_form_offers_only_the_coordinators_active_stations(
    merchant, coordinator, station, not_mine, county_regulator
):
    second = _station(county_regulator, "西溪社区", coordinator)
    closed = _station(county_regulator, "灵隐村", coordinator)
    station_update(
        actor=county_regulator,
        station=closed,
        name=closed.name,
        address=closed.address,
        phone=closed.phone,
        opening_hours="",
        coordinators=[coordinator],
        is_active=False,
    )
    html = client_for(coordinator).get(_file_url(merchant)).content.decode()
    assert "双流村" in html and "西溪社区" in html
    assert "龙坞村" not in html and "灵隐村" not in html
    # Two to choose from: none chosen for the coordinator.
    assert f'<option value="{second.pk}" selected>' not in html


def test_a_coordinator_files_at_their_station(
    merchant, coordinator, station, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_file_url(merchant), _form(station=station.pk))
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert (complaint.station, complaint.channel, complaint.lodged_by) == (
        station,
        "station",
        coordinator,
    )
    first = complaint.events.get()
    assert (first.role, first.actor) == (ComplaintEvent.Role.FILER, coordinator)
    label = "Coordinator 桂英 何 (filed for the caller at the 双流村 liaison station)"
    assert first.by_display == label
    assert render(first.message, "zh-hans") == "协管员 何桂英（在双流村维权联络站代来电人登记）"
    detail = client.get(response["Location"]).content.decode()
    assert label in detail and "Regulator" not in detail
    # The caller's tracking page says the same, never "Regulator" or "Consumer".
    track = client_for(None).get(reverse("complaint-track", args=[complaint.tracking_token]))
    text = track.content.decode()
    assert label in text and ">Regulator<" not in text and ">Consumer<" not in text


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({}, REQUIRED),
        ({"station": "not_mine"}, NOT_SERVED),
        ({"channel": "walk_in", "station": "station"}, NEEDS_CHANNEL),
    ],
    ids=["station-channel-without-station", "not-assigned", "station-without-its-channel"],
)
def test_the_form_refuses_clearly(merchant, coordinator, station, not_mine, form, error):
    fields = {**form}
    if "station" in fields:
        fields["station"] = {"station": station, "not_mine": not_mine}[fields["station"]].pk
    response = client_for(coordinator).post(_file_url(merchant), _form(**fields))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Complaint.objects.exists()


def test_a_coordinator_without_a_station_is_told_and_may_use_another_channel(merchant, coordinator):
    client = client_for(coordinator)
    html = client.get(_file_url(merchant)).content.decode()
    assert "You serve no liaison station yet" in html
    assert client.post(_file_url(merchant), _form()).status_code == 200
    assert not Complaint.objects.exists()
    assert client.post(_file_url(merchant), _form(channel="walk_in")).status_code == 302
    assert Complaint.objects.get().station is None


def test_the_hotline_operator_has_no_station_field_and_is_named_as_operator(
    merchant, county_regulator
):
    county_regulator.last_name, county_regulator.first_name = "周", "建华"
    county_regulator.save()
    client = client_for(county_regulator)
    assert 'name="station"' not in client.get(_file_url(merchant)).content.decode()
    response = client.post(_file_url(merchant), _form(channel="hotline"))
    assert response.status_code == 302
    event = Complaint.objects.get().events.get()
    assert event.role == ComplaintEvent.Role.FILER
    assert event.by_display == "Hotline operator 建华 周 (filed for the caller)"
    assert render(event.message, "zh-hans") == "热线接线员 周建华（代来电人登记）"


def test_a_consumers_own_complaint_is_still_the_consumers(merchant):
    event = _lodge(merchant).events.get()
    assert (event.role, event.by_display, event.message) == ("consumer", "Consumer", {})


# The intake API


def test_the_api_records_the_station(merchant, coordinator, station):
    response = api(coordinator).post(INTAKE, _body(merchant, station=station.pk), format="json")
    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get(number=response.json()["number"])
    assert (complaint.station, complaint.lodged_by) == (station, coordinator)
    detail = api(coordinator).get(f"/api/v1/complaints/{complaint.pk}/").json()
    assert detail["station"] == station.pk
    assert detail["timeline"][0]["role"] == "filer"
    assert detail["timeline"][0]["message"].startswith("Coordinator 桂英 何 (filed for the caller")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"station": None}, REQUIRED),
        ({"station": "not_mine"}, NOT_SERVED),
        ({"station": 999_999}, NOT_SERVED),
        ({"channel": "hotline", "station": "station"}, NEEDS_CHANNEL),
    ],
    ids=["missing", "not-assigned", "unknown", "other-channel"],
)
def test_the_api_refuses_a_coordinators_wrong_station(
    merchant, coordinator, station, not_mine, body, error
):
    fields = {**body}
    if isinstance(fields.get("station"), str):
        fields["station"] = {"station": station, "not_mine": not_mine}[fields["station"]].pk
    response = api(coordinator).post(INTAKE, _body(merchant, **fields), format="json")
    assert response.status_code == 400
    assert error in response.json()["station"][0]
    assert not Complaint.objects.exists()


def test_an_inactive_station_is_refused(merchant, coordinator, station, county_regulator):
    station_update(
        actor=county_regulator,
        station=station,
        name=station.name,
        address=station.address,
        phone=station.phone,
        opening_hours="",
        coordinators=[coordinator],
        is_active=False,
    )
    response = api(coordinator).post(INTAKE, _body(merchant, station=station.pk), format="json")
    assert response.status_code == 400 and NOT_SERVED in response.json()["station"][0]


@pytest.mark.parametrize("who", ["anonymous", "consumer", "county_regulator"])
def test_a_station_from_anyone_but_a_coordinator_is_refused(merchant, station, who, request):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    channel = "hotline" if who == "county_regulator" else "web"
    response = api(user).post(
        INTAKE, _body(merchant, channel=channel, station=station.pk), format="json"
    )
    assert response.status_code == 400
    assert response.json()["station"] == [ONLY_COORDINATORS]
    assert not Complaint.objects.exists()


def test_the_service_refuses_the_same(merchant, coordinator, station, not_mine, consumer):
    cases = [
        {"lodged_by": coordinator, "station": not_mine},
        {"lodged_by": coordinator, "station": station, "channel": ComplaintChannel.WALK_IN},
        {"lodged_by": coordinator, "channel": ComplaintChannel.STATION},
        {"consumer": consumer, "station": station, "channel": ComplaintChannel.WEB},
    ]
    for case in cases:
        with pytest.raises(DomainError) as refused:
            _lodge(merchant, **case)
        assert refused.value.field == "station"
    assert not Complaint.objects.exists()


def test_the_database_keeps_a_station_to_the_station_channel(merchant, coordinator, station):
    complaint = _lodge(merchant, lodged_by=coordinator, station=station)
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(channel=ComplaintChannel.HOTLINE)


# Complaints count for their station


def _age(complaint: Complaint, days: int) -> None:
    Complaint.objects.filter(pk=complaint.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def test_the_counts_per_station_this_year_and_in_all(merchant, coordinator, station, not_mine):
    filed = [
        _lodge(merchant, lodged_by=coordinator, station=station, phone=f"1381234000{i}")
        for i in range(3)
    ]
    _age(filed[0], days=400)  # last year (and before), still in all
    _lodge(merchant, lodged_by=coordinator, channel=ComplaintChannel.WALK_IN, phone="13912340000")
    counts = station_complaint_counts(station_ids=[station.pk, not_mine.pk])
    assert counts == {station.pk: (2, 3)}


def test_the_station_list_shows_each_stations_count_in_few_queries(
    merchant, coordinator, county_regulator, django_assert_max_num_queries
):
    stations = [_station(county_regulator, f"村{i}", coordinator) for i in range(8)]
    for i, station in enumerate(stations[:4]):
        for j in range(i + 1):
            _lodge(merchant, lodged_by=coordinator, station=station, phone=f"138123{i}{j:04d}")
    client = client_for(county_regulator)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("station-list")).content.decode()
    assert "Complaints lodged" in html
    assert html.count("4 this year") == 1 and "4 in all" in html
    assert html.count("0 this year") == 4
    link = reverse("complaint-station", args=[stations[3].pk])
    assert f'href="{link}"' in html


def test_the_station_page_shows_the_count_and_a_regulator_without_complaints_sees_no_link(
    merchant, coordinator, station
):
    _lodge(merchant, lodged_by=coordinator, station=station)
    supervisor = RegulatorFactory(username="reg-xihu-2", can_handle_complaints=False)
    for user, linked in ((RegulatorFactory(username="reg-xihu-3"), True), (supervisor, False)):
        html = client_for(user).get(reverse("station-edit", args=[station.pk])).content.decode()
        assert "1 this year" in html and "1 in all" in html
        assert (reverse("complaint-station", args=[station.pk]) in html) is linked


def test_the_county_handler_lists_the_stations_complaints(
    merchant, coordinator, station, county_regulator, django_assert_max_num_queries
):
    elsewhere = MerchantFactory(name="滨江超市", region=region("330108"))
    mine = [
        _lodge(merchant, lodged_by=coordinator, station=station, phone=f"138123400{i:02d}")
        for i in range(12)
    ]
    other = _lodge(elsewhere, lodged_by=coordinator, station=station, phone="13912340000")
    walk_in = _lodge(merchant, lodged_by=coordinator, channel="walk_in", phone="13712340000")
    url = reverse("complaint-station", args=[station.pk])
    client = client_for(county_regulator)
    with django_assert_max_num_queries(10):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert all(c.number in html for c in [*mine, other]) and walk_in.number not in html
    assert "13 this year" in html and "13 in all" in html
    assert reverse("complaint-queue-detail", args=[mine[0].pk]) in html
    # Binjiang's complaint, lodged at a Xihu station: listed, not opened from here.
    assert reverse("complaint-queue-detail", args=[other.pk]) not in html
    assert "13812340000" not in html  # no caller's contact on the list


@pytest.mark.parametrize("who", ["other_county_regulator", "coordinator", "consumer", "owner"])
def test_outsiders_get_404_on_a_stations_complaints(station, who, request):
    user = request.getfixturevalue(who)
    url = reverse("complaint-station", args=[station.pk])
    assert client_for(user).get(url).status_code == 404


def test_the_city_sees_a_county_stations_complaints(station, city_regulator):
    url = reverse("complaint-station", args=[station.pk])
    assert client_for(city_regulator).get(url).status_code == 200


# Coordinators reach through the API what they filed, never their region's complaints


def test_a_coordinator_reads_only_their_filings_through_the_api(
    merchant, coordinator, other_coordinator, station
):
    theirs = _lodge(merchant, lodged_by=coordinator, station=station)
    colleague = _lodge(
        merchant, lodged_by=other_coordinator, channel="walk_in", phone="13912349999"
    )
    consumers = _lodge(merchant, phone="13712340000")
    client = api(coordinator)
    listed = [row["id"] for row in client.get("/api/v1/complaints/").json()["results"]]
    assert listed == [theirs.pk]
    assert client.get(f"/api/v1/complaints/{theirs.pk}/").json()["phone"] == "13812340000"
    for hidden in (colleague, consumers):
        assert client.get(f"/api/v1/complaints/{hidden.pk}/").status_code == 404
        assert client.post(f"/api/v1/complaints/{hidden.pk}/claim/").status_code == 404
    # Their own filing they only read: the handling is the regulator's.
    assert client.post(f"/api/v1/complaints/{theirs.pk}/claim/").status_code == 403
    assert client_for(coordinator).get(reverse("complaint-queue")).status_code == 404


# Complaints filed before this change


def test_earlier_filings_are_relabelled_by_the_migration(merchant, coordinator):
    complaint = _lodge(merchant, lodged_by=coordinator, channel=ComplaintChannel.WALK_IN)
    complaint.events.update(role=ComplaintEvent.Role.REGULATOR, message={})
    _lodge(merchant, phone="13912340000")
    migration = import_module("complaints.migrations.0014_complaint_station")
    migration.relabel_filings(django_apps, None)
    first = complaint.events.get()
    assert first.role == ComplaintEvent.Role.FILER
    assert first.by_display == "Coordinator 桂英 何 (filed for the caller)"
    assert ComplaintEvent.objects.filter(role=ComplaintEvent.Role.CONSUMER).count() == 1
