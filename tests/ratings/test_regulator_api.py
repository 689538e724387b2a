"""The regulator's pool API (/api/v1/ratings/): the same filters, reach and rules as the pages;
outside the reach a 404, a refused action a 400 with the pages' message."""

import pytest

from merchants.models import Declaration, Pool
from ratings.models import Appeal, EvaluationRun, Nomination, Standing, WarningRectification
from ratings.services import runs
from ratings.services.appeals import appeal_file
from ratings.services.pools import pool_exit
from ratings.services.warnings import warning_rectification_submit
from tests.conftest import api
from tests.factories import (
    DeclarationFactory,
    MembershipFactory,
    MerchantFactory,
    RegistryRecordFactory,
    pdf_upload,
    region,
)
from tests.ratings.test_pool_browser import place, warn

pytestmark = pytest.mark.django_db

BASE = "/api/v1/ratings"


@pytest.fixture
def report(merchant, owner) -> WarningRectification:
    place(merchant, Pool.STAR_RATED, stars=2, score=81)
    warn(merchant)
    return warning_rectification_submit(
        actor=owner, merchant=merchant, report="Fixed.", files=[pdf_upload()]
    )


@pytest.fixture
def exit_appeal(other_merchant, other_owner, county_regulator) -> Appeal:
    place(other_merchant, Pool.CULTIVATION)
    change = pool_exit(actor=county_regulator, merchant=other_merchant, reason="Serious.")
    return appeal_file(actor=other_owner, decision=change, statement="Unfair.")


# Standings


def test_standings_list_with_filters_and_counts(county_regulator):
    cultivated = place(pool=Pool.CULTIVATION, score=70)
    star = place(pool=Pool.STAR_RATED, stars=3, score=88)
    DeclarationFactory(merchant=star, state=Declaration.State.APPROVED)
    place(pool=Pool.CULTIVATION, county="330108")
    client = api(county_regulator)
    data = client.get(f"{BASE}/standings/").json()
    assert data["count"] == 2
    assert data["counts"] == {
        "selection": 0,
        "cultivation": 1,
        "star_rated": 1,
        "warning": 0,
        "exited": 0,
    }
    data = client.get(f"{BASE}/standings/", {"pool": "star_rated", "score_min": 80}).json()
    assert [row["merchant"] for row in data["results"]] == [star.pk]
    row = data["results"][0]
    assert (row["pool"], row["stars"], row["score"], row["county"], row["uscc"]) == (
        "star_rated",
        3,
        88,
        "330106",
        star.uscc,
    )
    assert data["counts"]["cultivation"] == 0 and data["counts"]["star_rated"] == 1
    assert [
        r["merchant"]
        for r in client.get(f"{BASE}/standings/", {"scheme": "assured-unit"}).json()["results"]
    ] == [star.pk]
    assert [
        r["merchant"] for r in client.get(f"{BASE}/standings/", {"stars": 0}).json()["results"]
    ] == [cultivated.pk]
    assert [
        r["merchant"] for r in client.get(f"{BASE}/standings/", {"q": star.uscc}).json()["results"]
    ] == [star.pk]
    assert client.get(f"{BASE}/standings/", {"county": "330108"}).json()["count"] == 0


def test_standings_list_refuses_bad_filters(county_regulator):
    client = api(county_regulator)
    response = client.get(f"{BASE}/standings/", {"score_min": 90, "score_max": 10})
    assert response.status_code == 400
    assert response.json()["score_max"] == ["The lowest score cannot be above the highest."]
    assert client.get(f"{BASE}/standings/", {"pool": "heaven"}).status_code == 400
    assert client.get(f"{BASE}/standings/", {"scheme": "no-such"}).status_code == 400
    assert client.get(f"{BASE}/standings/", {"stars": 6}).status_code == 400


def test_standings_list_query_count(city_regulator, django_assert_max_num_queries):
    for n in range(32):
        place(pool=Pool.STAR_RATED, stars=n % 5 + 1, county="330108" if n % 2 else "330106")
    client = api(city_regulator)
    with django_assert_max_num_queries(6):
        data = client.get(f"{BASE}/standings/", {"page_size": 50}).json()
    assert len(data["results"]) == 32 and data["counts"]["star_rated"] == 32


def test_standing_detail_with_the_work_waiting(report, exit_appeal, county_regulator):
    data = api(county_regulator).get(f"{BASE}/standings/{report.merchant_id}/").json()
    assert (data["pool"], data["former_pool"], data["former_stars"]) == ("warning", "star_rated", 2)
    assert data["rectification"]["id"] == report.pk
    assert data["rectification"]["files"][0]["original_name"] == "licence.pdf"
    assert data["rectification"]["files"][0]["url"].endswith(
        f"/ratings/files/{report.files.get().pk}/"
    )
    assert data["appeal"] is None
    assert [h["to_pool"] for h in data["history"]][:2] == ["warning", "star_rated"]
    data = api(county_regulator).get(f"{BASE}/standings/{exit_appeal.merchant_id}/").json()
    assert data["appeal"]["id"] == exit_appeal.pk and data["appeal"]["may_decide"] is False


@pytest.mark.parametrize("who", ["consumer", "owner", "other_county_regulator"])
def test_outsiders_get_404(who, report, exit_appeal, request):
    client = api(request.getfixturevalue(who))
    merchant_pk = report.merchant_id
    assert client.get(f"{BASE}/standings/{merchant_pk}/").status_code == 404
    assert (
        client.post(
            f"{BASE}/rectifications/{report.pk}/decide/", {"accept": True}, format="json"
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"{BASE}/appeals/{exit_appeal.pk}/decide/",
            {"overturn": True, "reason": "x"},
            format="json",
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"{BASE}/merchants/{merchant_pk}/exit/", {"reason": "x"}, format="json"
        ).status_code
        == 404
    )
    listing = client.get(f"{BASE}/standings/")
    if who == "other_county_regulator":
        assert listing.json()["count"] == 0
        assert client.get(f"{BASE}/appeals/").json()["count"] == 0
        assert client.get(f"{BASE}/rectifications/").json()["count"] == 0
    else:
        assert listing.status_code == 404
        assert client.get(f"{BASE}/nominations/").status_code == 404
    report.refresh_from_db()
    assert report.decision == ""
    assert Standing.objects.get(merchant_id=merchant_pk).pool == Pool.WARNING


def test_anonymous_gets_401(report):
    assert api(None).get(f"{BASE}/standings/").status_code == 401


def test_a_merchant_outside_the_programme_has_no_standing(merchant, county_regulator):
    assert api(county_regulator).get(f"{BASE}/standings/{merchant.pk}/").status_code == 404
    assert api(county_regulator).get(f"{BASE}/standings/abc/").status_code == 404


# Rectifications


def test_rectification_accept(report, county_regulator):
    client = api(county_regulator)
    listed = client.get(f"{BASE}/rectifications/").json()
    assert [r["id"] for r in listed["results"]] == [report.pk]
    response = client.post(
        f"{BASE}/rectifications/{report.pk}/decide/", {"accept": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["decision"] == "accepted"
    assert response.json()["decided_by"] == county_regulator.username
    standing = Standing.objects.get(merchant_id=report.merchant_id)
    assert (standing.pool, standing.stars) == (Pool.STAR_RATED, 2)
    assert client.get(f"{BASE}/rectifications/").json()["count"] == 0


def test_rectification_reject_needs_a_reason(report, county_regulator):
    client = api(county_regulator)
    url = f"{BASE}/rectifications/{report.pk}/decide/"
    response = client.post(url, {"accept": False}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": ["Say what is still missing."]}
    response = client.post(url, {"accept": False, "reason": "More."}, format="json")
    assert response.status_code == 200 and response.json()["decision"] == "rejected"
    response = client.post(url, {"accept": True}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": ["This report has been checked already."]}
    assert client.post(url, {}, format="json").status_code == 400


# Appeals


def test_appeals_list_and_decide_by_another_regulator(
    exit_appeal, county_regulator, city_regulator
):
    data = api(county_regulator).get(f"{BASE}/appeals/").json()
    assert [a["id"] for a in data["results"]] == [exit_appeal.pk]
    assert data["results"][0]["may_decide"] is False
    assert data["results"][0]["decision"]["reason_code"] == "exited_by_regulator"
    response = api(county_regulator).post(
        f"{BASE}/appeals/{exit_appeal.pk}/decide/",
        {"overturn": True, "reason": "Mine."},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": ["You took this decision: another regulator must decide the appeal."]
    }
    client = api(city_regulator)
    assert client.get(f"{BASE}/appeals/").json()["results"][0]["may_decide"] is True
    response = client.post(
        f"{BASE}/appeals/{exit_appeal.pk}/decide/",
        {"overturn": True, "reason": "Another shop."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["state"] == "overturned" and response.json()["may_decide"] is False
    assert Standing.objects.get(merchant_id=exit_appeal.merchant_id).pool == Pool.CULTIVATION
    assert client.get(f"{BASE}/appeals/").json()["count"] == 0
    decided = client.get(f"{BASE}/appeals/", {"state": "overturned"}).json()
    assert [a["id"] for a in decided["results"]] == [exit_appeal.pk]
    assert client.get(f"{BASE}/appeals/", {"state": "all"}).json()["count"] == 1
    assert client.get(f"{BASE}/appeals/", {"state": "lost"}).status_code == 400
    assert client.get(f"{BASE}/appeals/{exit_appeal.pk}/").json()["outcome_reason"] == (
        "Another shop."
    )


def test_appeal_decide_needs_reasons(exit_appeal, city_regulator):
    response = api(city_regulator).post(
        f"{BASE}/appeals/{exit_appeal.pk}/decide/", {"overturn": False}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()


def test_appeals_list_query_count(county_regulator, owner, django_assert_max_num_queries):
    for _ in range(31):
        merchant = place(pool=Pool.CULTIVATION)
        MembershipFactory(user=owner, merchant=merchant)
        appeal_file(actor=owner, decision=warn(merchant), statement="No.", files=[pdf_upload()])
    with django_assert_max_num_queries(8):
        data = api(county_regulator).get(f"{BASE}/appeals/", {"page_size": 50}).json()
    assert len(data["results"]) == 31


# Exit


def test_exit_through_the_api(merchant, county_regulator):
    place(merchant, Pool.CULTIVATION)
    client = api(county_regulator)
    url = f"{BASE}/merchants/{merchant.pk}/exit/"
    assert client.post(url, {"reason": " "}, format="json").status_code == 400
    response = client.post(url, {"reason": "Counterfeit goods."}, format="json")
    assert response.status_code == 201
    assert (response.json()["to_pool"], response.json()["reason_code"]) == (
        "exited",
        "exited_by_regulator",
    )
    response = client.post(url, {"reason": "Again."}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": ["This merchant is not in the programme."]}


# Nominations


def test_nominations_list_and_create(county_regulator, other_county_regulator):
    merchant = MerchantFactory()
    RegistryRecordFactory(uscc=merchant.uscc)
    client = api(county_regulator)
    response = client.post(f"{BASE}/nominations/", {"uscc": merchant.uscc}, format="json")
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["merchant"]) == (
        "in_selection",
        merchant.pk,
    )
    record = RegistryRecordFactory()
    response = client.post(
        f"{BASE}/nominations/",
        {"uscc": record.uscc, "name": "新店", "county": "330106", "email": "a@example.com"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["status"] == "invited"
    data = client.get(f"{BASE}/nominations/").json()
    assert {n["status"] for n in data["results"]} == {"invited", "in_selection"}
    assert api(other_county_regulator).get(f"{BASE}/nominations/").json()["count"] == 0


def test_nomination_errors_are_400(county_regulator, merchant):
    client = api(county_regulator)
    response = client.post(f"{BASE}/nominations/", {"uscc": "123"}, format="json")
    assert response.status_code == 400 and "uscc" in response.json()
    response = client.post(f"{BASE}/nominations/", {"uscc": merchant.uscc}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": ["No active entity with this code is in the registry."]}
    record = RegistryRecordFactory()
    response = client.post(
        f"{BASE}/nominations/",
        {"uscc": record.uscc, "name": "x", "county": "330108"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": ["This merchant is outside your region."]}
    assert not Nomination.objects.exists()
    assert region("330108").level == "county"


# Runs


def test_runs_for_supervisors_only(county_regulator, city_regulator, merchant):
    place(merchant, Pool.CULTIVATION)
    runs.evaluation_run(kind=EvaluationRun.Kind.MANUAL)
    assert api(county_regulator).get(f"{BASE}/runs/").status_code == 404
    city_regulator.can_supervise = True
    city_regulator.save(update_fields=["can_supervise"])
    data = api(city_regulator).get(f"{BASE}/runs/").json()
    assert data["count"] == 1
    run = data["results"][0]
    assert (run["kind"], run["state"], run["merchants_evaluated"]) == ("manual", "finished", 1)
    assert run["duration_seconds"] is not None and run["policy_version"] >= 1
