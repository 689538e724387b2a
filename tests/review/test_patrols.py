"""Coordinators' unscheduled visits (巡查): logged from their desk and the API, with photos
stripped of their metadata; seen by their coordinator and the regulators of the county and
above; never by another county, nor by the merchant's people."""

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from common.errors import DomainError
from common.uploads import MAX_FILE_BYTES
from merchants.models import AuditEntry, Station, User
from merchants.services.stations import station_create
from review.models import Patrol
from review.services.patrols import patrol_record
from tests.conftest import api, client_for
from tests.factories import (
    PNG_BYTES,
    MerchantFactory,
    UserFactory,
    assert_no_metadata,
    gps_jpeg_bytes,
    pdf_upload,
    png_upload,
    region,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(db) -> User:
    return UserFactory(username="coord-xihu", role=User.Role.COORDINATOR, region=region("330106"))


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
        address="双流村文化礼堂",
        phone="0571-87391234",
        coordinators=[coordinator],
    )


@pytest.fixture
def patrol(coordinator, station, merchant) -> Patrol:
    return patrol_record(
        actor=coordinator,
        station=station,
        merchant=merchant,
        visited_on=timezone.localdate(),
        findings="价目表缺失。",
        photos=[png_upload("shelf.png")],
    )


def _today() -> str:
    return timezone.localdate().isoformat()


# Logging a visit


def test_coordinator_logs_a_visit_from_the_desk_photo_without_metadata(
    coordinator, station, merchant
):
    client = client_for(coordinator)
    assert client.get(reverse("patrol-create")).status_code == 200
    photo = SimpleUploadedFile("gps.jpg", gps_jpeg_bytes(), content_type="image/jpeg")
    response = client.post(
        reverse("patrol-create"),
        {
            "station": station.pk,
            "merchant": merchant.pk,
            "visited_on": _today(),
            "findings": "营业执照未公示。",
            "photos": [photo],
        },
    )
    patrol = Patrol.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("patrol-detail", args=[patrol.pk])
    assert (patrol.region_id, patrol.station, patrol.merchant) == ("330106", station, merchant)
    stored = patrol.photos.get()
    with stored.file.open("rb") as handle:
        assert_no_metadata(handle.read())
    assert AuditEntry.objects.get(action="patrol.record").merchant == merchant
    listed = client.get(reverse("patrol-list")).content.decode()
    assert merchant.name in listed


def test_a_place_instead_of_a_merchant(coordinator):
    response = client_for(coordinator).post(
        reverse("patrol-create"),
        {"place": "农贸集市", "visited_on": _today(), "findings": "两家未明码标价。"},
    )
    assert response.status_code == 302
    assert Patrol.objects.get().where == "农贸集市"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"place": ""}, "Name the merchant or the place visited."),
        ({"visited_on": "tomorrow"}, "The date of the visit cannot be in the future."),
        ({"findings": ""}, "This field is required."),
    ],
)
def test_bad_input_is_refused_on_the_page(coordinator, changes, message):
    data = {"place": "集市", "visited_on": _today(), "findings": "发现。", **changes}
    if data["visited_on"] == "tomorrow":
        data["visited_on"] = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client_for(coordinator).post(reverse("patrol-create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Patrol.objects.exists()


def test_oversized_photo_and_non_photo_are_refused(coordinator):
    big = SimpleUploadedFile(
        "big.png", PNG_BYTES + b"\0" * MAX_FILE_BYTES, content_type="image/png"
    )
    client = client_for(coordinator)
    data = {"place": "集市", "visited_on": _today(), "findings": "发现。"}
    response = client.post(reverse("patrol-create"), {**data, "photos": [big]})
    assert response.status_code == 400 and "the limit is" in response.content.decode()
    response = client.post(reverse("patrol-create"), {**data, "photos": [pdf_upload()]})
    assert response.status_code == 400 and "is not a photo" in response.content.decode()
    assert not Patrol.objects.exists()


def test_merchant_and_station_of_another_county_are_refused(
    coordinator, county_regulator, other_county_regulator
):
    far = station_create(
        actor=other_county_regulator,
        county=region("330108"),
        name="联庄社区",
        address="联庄",
        phone="13812345678",
    )
    binjiang = MerchantFactory(region=region("330108"))
    with pytest.raises(DomainError, match="merchant of your county"):
        patrol_record(
            actor=coordinator, merchant=binjiang, visited_on=timezone.localdate(), findings="x"
        )
    with pytest.raises(DomainError, match="stations you serve"):
        patrol_record(
            actor=coordinator, station=far, place="p", visited_on=timezone.localdate(), findings="x"
        )
    with pytest.raises(DomainError, match="Only coordinators"):
        patrol_record(
            actor=county_regulator, place="p", visited_on=timezone.localdate(), findings="x"
        )


# Who sees a visit


@pytest.mark.parametrize("who", ["coordinator", "county_regulator", "city_regulator", "admin_user"])
def test_visit_is_seen_by_its_coordinator_and_regulators_above(request, who, patrol):
    client = client_for(request.getfixturevalue(who))
    page = client.get(reverse("patrol-detail", args=[patrol.pk]))
    assert page.status_code == 200 and "价目表缺失" in page.content.decode()
    photo = patrol.photos.get()
    download = client.get(reverse("patrol-photo", args=[patrol.pk, photo.pk]))
    assert download.status_code == 200
    assert str(patrol.pk) in json.dumps(
        api(request.getfixturevalue(who)).get("/api/v1/review/patrols/").json()["results"]
    )


@pytest.mark.parametrize("who", ["other_coordinator", "other_county_regulator"])
def test_another_county_gets_404(request, who, patrol):
    user = request.getfixturevalue(who)
    assert client_for(user).get(reverse("patrol-detail", args=[patrol.pk])).status_code == 404
    photo = patrol.photos.get()
    assert (
        client_for(user).get(reverse("patrol-photo", args=[patrol.pk, photo.pk])).status_code == 404
    )
    assert api(user).get(f"/api/v1/review/patrols/{patrol.pk}/").status_code == 404
    assert api(user).get("/api/v1/review/patrols/").json()["count"] == 0


@pytest.mark.parametrize("who", ["owner", "consumer"])
def test_the_merchants_people_never_see_visits(request, who, patrol):
    user = request.getfixturevalue(who)
    client = client_for(user)
    assert client.get(reverse("patrol-list")).status_code == 404
    assert client.get(reverse("patrol-detail", args=[patrol.pk])).status_code == 404
    assert client.get(reverse("patrol-create")).status_code == 404
    assert api(user).get(f"/api/v1/review/patrols/{patrol.pk}/").status_code == 404
    assert api(user).post("/api/v1/review/patrols/", {}, format="json").status_code == 404
    assert "价目表缺失" not in client.get(reverse("merchant-inspections")).content.decode()


def test_anonymous_is_sent_to_log_in(patrol):
    response = client_for(None).get(reverse("patrol-detail", args=[patrol.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_regulator_list_filters_by_county_station_and_date(
    county_regulator, city_regulator, coordinator, patrol, station
):
    older = patrol_record(
        actor=coordinator,
        place="集市",
        visited_on=timezone.localdate() - timedelta(days=10),
        findings="旧的。",
    )
    client = client_for(city_regulator)
    url = reverse("patrol-list")
    by_station = client.get(url, {"station": station.pk}).context["page"].object_list
    assert list(by_station) == [patrol]
    since = (timezone.localdate() - timedelta(days=2)).isoformat()
    assert list(client.get(url, {"date_from": since}).context["page"].object_list) == [patrol]
    assert list(client.get(url, {"county": "330108"}).context["page"].object_list) == []
    both = client.get(url, {"county": "330106"}).context["page"].object_list
    assert list(both) == [patrol, older]
    through_api = api(city_regulator).get(
        "/api/v1/review/patrols/", {"date_to": (timezone.localdate() - timedelta(days=5))}
    )
    assert [row["id"] for row in through_api.json()["results"]] == [older.pk]
    assert api(city_regulator).get("/api/v1/review/patrols/", {"date_from": "x"}).status_code == 400
    assert client_for(county_regulator).get(url).context["may_record"] is False


# The API


def test_api_coordinator_logs_a_visit_with_a_photo(coordinator, station, merchant):
    response = api(coordinator).post(
        "/api/v1/review/patrols/",
        {
            "station": station.pk,
            "merchant": merchant.pk,
            "visited_on": _today(),
            "findings": "良好。",
            "photos": [png_upload()],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["merchant_name"] == merchant.name and len(body["photos"]) == 1


def test_api_bad_input(coordinator, county_regulator):
    client = api(coordinator)
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(
        "/api/v1/review/patrols/",
        {"place": "集市", "visited_on": future, "findings": "x"},
        format="json",
    )
    assert response.status_code == 400 and "visited_on" in response.json()
    response = client.post(
        "/api/v1/review/patrols/", {"visited_on": _today(), "findings": "x"}, format="json"
    )
    assert response.status_code == 400 and "place" in response.json()
    refused = api(county_regulator).post(
        "/api/v1/review/patrols/",
        {"place": "集市", "visited_on": _today(), "findings": "x"},
        format="json",
    )
    assert refused.status_code == 403
    assert not Patrol.objects.exists()


# Where a merchant's inspections reach the regulators: its history export


def test_visits_are_in_the_regulators_export_not_the_owners(
    patrol, merchant, owner, county_regulator
):
    def exported(user):
        response = api(user).get(f"/api/v1/merchants/{merchant.pk}/export/")
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        return json.loads(archive.read("history.json")), archive

    data, archive = exported(county_regulator)
    [row] = data["patrols"]
    assert row["findings"] == "价目表缺失。"
    assert archive.read(row["photos"][0]["path"])
    data, archive = exported(owner)
    assert "patrols" not in data
    assert not any(name.startswith("patrols/") for name in archive.namelist())


def test_merchant_page_links_its_visits_for_regulators_only(
    patrol, merchant, owner, county_regulator
):
    url = f"{reverse('patrol-list')}?merchant={merchant.pk}"
    detail = reverse("merchant-detail", args=[merchant.pk])
    assert url in client_for(county_regulator).get(detail).content.decode()
    owner_page = client_for(owner).get(detail)
    assert reverse("patrol-list") not in owner_page.content.decode()
    listed = client_for(county_regulator).get(url).context["page"].object_list
    assert list(listed) == [patrol]
    other = client_for(county_regulator).get(reverse("patrol-list"), {"merchant": merchant.pk + 1})
    assert list(other.context["page"].object_list) == []
    for junk in ({"merchant": "9" * 30}, {"station": "x"}, {"county": "3301"}):
        by_api = api(county_regulator).get("/api/v1/review/patrols/", junk)
        assert by_api.status_code == 400 and set(by_api.json()) == set(junk)


def test_pages_speak_the_readers_language(coordinator, patrol):
    client = client_for(coordinator)
    zh = client.get(reverse("patrol-create"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "登记巡查" in zh and "巡查日期" in zh and "Log a visit" not in zh
    en = client.get(reverse("patrol-list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Unscheduled visits" in en


def test_the_database_refuses_a_visit_without_merchant_or_place_or_out_of_bounds(patrol):
    for changes in ({"merchant": None, "place": ""}, {"visited_on": date(9999, 12, 31)}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Patrol.objects.filter(pk=patrol.pk).update(**changes)
