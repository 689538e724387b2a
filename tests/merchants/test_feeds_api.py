"""The feed API (`POST /api/v1/feeds/<source>/`): a system account with the push_feed permission
pushes records; everyone else is refused."""

import pytest
from django.contrib.auth.models import Permission
from knox.models import AuthToken
from rest_framework.test import APIClient

from merchants.models import AuditEntry, RegistryRecord, User
from merchants.services.records import IMPORT_ACTION
from merchants.uscc import build_uscc
from tests.factories import UserFactory

URL = "/api/v1/feeds/{source}/"


def registry_record(n: int, **changes) -> dict:
    return {
        "uscc": build_uscc("330106", 7000 + n),
        "record_id": f"QY-{n}",
        "as_of": "2026-11-01",
        "entity_status": "active",
        "licence_valid_until": None,
        "on_abnormal_list": False,
        "on_dishonest_list": False,
        "credit_level": "A",
        **changes,
    }


@pytest.fixture
def feed_account(db) -> User:
    """The registry's system account: an admin granted it the feed permission."""
    user = UserFactory(username="feed-registry", role=User.Role.ADMIN)
    user.user_permissions.add(Permission.objects.get(codename="push_feed"))
    return user


def token_client(user: User) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def test_push_imports_and_reports(feed_account):
    records = [registry_record(0), registry_record(1), registry_record(2, as_of="2026-02-30")]
    response = token_client(feed_account).post(
        URL.format(source="registry"), records, format="json"
    )
    assert response.status_code == 200
    report = response.json()
    assert {k: report[k] for k in ("source", "rows", "created", "updated", "unchanged")} == {
        "source": "registry",
        "rows": 3,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    assert report["failed"] == 1
    assert report["errors"] == [
        {
            "index": 2,
            "field": "as_of",
            "message": "Not a date in the form YYYY-MM-DD: “2026-02-30”.",
        }
    ]
    assert sorted(RegistryRecord.objects.values_list("record_id", flat=True)) == ["QY-0", "QY-1"]
    entry = AuditEntry.objects.get(action=IMPORT_ACTION)
    assert (entry.actor, entry.data["origin"]) == (feed_account, "feed API")


def test_second_push_changes_nothing(feed_account):
    client = token_client(feed_account)
    body = {"records": [registry_record(0), registry_record(1)]}
    assert client.post(URL.format(source="registry"), body, format="json").json()["created"] == 2
    report = client.post(URL.format(source="registry"), body, format="json").json()
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 2)
    body["records"][1]["credit_level"] = "B"
    report = client.post(URL.format(source="registry"), body, format="json").json()
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 1)
    assert RegistryRecord.objects.get(record_id="QY-1").credit_level == "B"


def test_records_that_are_not_objects_are_reported(feed_account):
    response = token_client(feed_account).post(
        URL.format(source="enforcement"), ["text", 3], format="json"
    )
    assert response.status_code == 200
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(0, ""), (1, "")]


@pytest.mark.parametrize("body", [{"record": []}, {"records": "QY-1"}, "QY-1"])
def test_a_body_that_is_not_a_list_of_records_is_400(feed_account, body):
    response = token_client(feed_account).post(URL.format(source="registry"), body, format="json")
    assert response.status_code == 400
    assert "list of records" in str(response.json())


def test_unknown_source_is_404(feed_account):
    response = token_client(feed_account).post(
        URL.format(source="weather"), [registry_record(0)], format="json"
    )
    assert response.status_code == 404


def test_anonymous_is_401(db):
    response = APIClient().post(URL.format(source="registry"), [registry_record(0)], format="json")
    assert response.status_code == 401
    assert not RegistryRecord.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "user_fixture", ["consumer", "owner", "county_regulator", "city_regulator"]
)
def test_users_without_the_feed_permission_get_403(request, user_fixture):
    user = request.getfixturevalue(user_fixture)
    response = token_client(user).post(
        URL.format(source="registry"), [registry_record(0)], format="json"
    )
    assert response.status_code == 403
    assert not RegistryRecord.objects.exists()


def test_session_login_with_the_permission_works_too(feed_account):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(feed_account)
    response = client.post(URL.format(source="registry"), [registry_record(0)], format="json")
    assert response.status_code == 200
    assert response.json()["created"] == 1


def test_get_is_not_allowed(feed_account):
    assert token_client(feed_account).get(URL.format(source="registry")).status_code == 405
