"""The standing over the API: reading it (the merchant's people and the regulators in scope),
reporting a rectification and appealing (the merchant's people), with clear 400s."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from merchants.models import Pool
from ratings.models import Appeal, EvaluationRun, PoolChange, RatingFile, WarningRectification
from ratings.services import runs
from ratings.services.appeals import appeal_file
from ratings.services.warnings import warning_rectification_submit
from tests.conftest import api
from tests.factories import pdf_upload
from tests.ratings.test_standing_pages import accepted_complaints, long_history, placed, warned

pytestmark = pytest.mark.django_db

API = "/api/v1/ratings/merchants"


def test_the_member_reads_the_standing_explained(owner, merchant):
    warning = warned(merchant)
    response = api(owner).get(f"{API}/{merchant.pk}/standing/")
    assert response.status_code == 200
    body = response.json()
    assert (body["pool"], body["pool_label"], body["stars"], body["score"]) == (
        "warning",
        "Warning pool",
        0,
        81,
    )
    assert body["in_programme"] is True and body["policy_version"] == 1
    complaints = body["components"][0]
    assert (complaints["name"], complaints["points"], complaints["max"]) == ("complaints", 21, 30)
    assert complaints["lines"] == [
        {
            "code": "accepted_complaints",
            "points": -9,
            "text": "\u22129: 3 accepted complaints in 90 days",
            "sentence": "3 accepted complaints in 90 days",
        }
    ]
    assert body["warning_triggers"] == [
        {
            "code": "complaints_recent",
            "sentence": "3 complaints accepted in the last 30 days (warning at 3).",
            "bottom_line": False,
        }
    ]
    assert body["next_band"] == {
        "points": 4,
        "stars": 3,
        "band": 85,
        "text": "4 more points for ★★★",
    }
    assert any(a.startswith("Prevent complaints") for a in body["improvements"])
    newest = body["history"][0]
    assert (newest["id"], newest["from_pool"], newest["to_pool"], newest["who"]) == (
        warning.pk,
        "cultivation",
        "warning",
        "run",
    )
    assert newest["score"] == 81 and newest["appeal"] is None
    assert newest["appealable_until"] is not None
    tasks = body["tasks"]
    assert tasks["rectification"]["warning"] == warning.pk
    assert tasks["rectification"]["may_submit"] is True
    assert tasks["appealable"][0]["decision"] == warning.pk


def test_who_may_read_the_standing(
    merchant,
    county_regulator,
    city_regulator,
    other_owner,
    other_county_regulator,
    consumer,
    admin_user,
):
    warned(merchant)
    url = f"{API}/{merchant.pk}/standing/"
    for reader in (county_regulator, city_regulator, admin_user):
        assert api(reader).get(url).status_code == 200
    for outsider in (other_owner, other_county_regulator, consumer):
        assert api(outsider).get(url).status_code == 404
    assert api(None).get(url).status_code == 401
    assert api(county_regulator).get(f"{API}/999999/standing/").status_code == 404


def test_a_merchant_outside_the_programme(owner, merchant):
    body = api(owner).get(f"{API}/{merchant.pk}/standing/").json()
    assert (body["pool"], body["in_programme"], body["score"], body["history"]) == (
        "",
        False,
        None,
        [],
    )
    assert body["pool_label"] == "Not in the programme"
    assert body["tasks"] == {"rectification": None, "appealable": [], "pending_appeals": []}


def test_history_carries_the_appeal_and_the_reports_with_their_files(owner, merchant):
    warning = warned(merchant)
    warning_rectification_submit(
        actor=owner, merchant=merchant, report="Done.", files=[pdf_upload("proof.pdf")]
    )
    appeal_file(actor=owner, decision=warning, statement="Our reply.")
    newest = api(owner).get(f"{API}/{merchant.pk}/standing/").json()["history"][0]
    assert newest["appeal"]["statement"] == "Our reply."
    assert newest["appeal"]["state"] == "pending"
    report = newest["rectifications"][0]
    assert (report["report"], report["decision"]) == ("Done.", "")
    file = RatingFile.objects.get(rectification_id=report["id"])
    assert report["files"][0]["url"] == f"/ratings/files/{file.pk}/"


def test_the_standing_endpoint_queries_do_not_grow_with_the_history(
    owner, merchant, county_regulator, django_assert_max_num_queries
):
    long_history(merchant, owner, county_regulator, cycles=30)
    client = api(owner)
    with django_assert_max_num_queries(12):
        body = client.get(f"{API}/{merchant.pk}/standing/").json()
    assert len(body["history"]) == 62
    assert all(e["appeal"] for e in body["history"] if e["to_pool"] == Pool.WARNING)


# Rectifications


def test_the_member_reports_a_rectification_with_files(owner, merchant):
    warning = warned(merchant)
    response = api(owner).post(
        f"{API}/{merchant.pk}/rectifications/",
        {"report": "Retrained the staff.", "files": [pdf_upload("training.pdf")]},
        format="multipart",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["warning"], body["report"], body["decision"]) == (
        warning.pk,
        "Retrained the staff.",
        "",
    )
    assert body["files"][0]["original_name"] == "training.pdf"
    assert WarningRectification.objects.get().submitted_by == owner


def test_rectification_refusals_are_clear_400s(owner, merchant):
    url = f"{API}/{merchant.pk}/rectifications/"
    client = api(owner)
    placed(merchant)
    not_warned = client.post(url, {"report": "Fixed."}, format="multipart")
    assert not_warned.status_code == 400
    assert not_warned.json() == {"detail": ["This merchant is not in the warning pool."]}
    accepted_complaints(merchant, 3)
    runs.evaluation_run(kind=EvaluationRun.Kind.MANUAL)
    empty = client.post(url, {"report": ""}, format="multipart")
    assert empty.status_code == 400
    assert empty.json() == {"report": ["Describe what was put right."]}
    fake = SimpleUploadedFile("a.pdf", b"just text", content_type="application/pdf")
    bad_file = client.post(url, {"report": "Fixed.", "files": [fake]}, format="multipart")
    assert bad_file.status_code == 400
    assert "is not a PDF, JPEG or PNG file" in bad_file.json()["file"][0]
    assert client.post(url, {"report": "First."}, format="multipart").status_code == 201
    second = client.post(url, {"report": "Second."}, format="multipart")
    assert second.status_code == 400
    assert second.json() == {
        "detail": ["A rectification report is already waiting for the regulator."]
    }
    assert WarningRectification.objects.count() == 1


def test_only_members_report(merchant, county_regulator, other_owner, other_county_regulator):
    warned(merchant)
    url = f"{API}/{merchant.pk}/rectifications/"
    assert api(county_regulator).post(url, {"report": "x"}).status_code == 403
    for outsider in (other_owner, other_county_regulator):
        assert api(outsider).post(url, {"report": "x"}).status_code == 404
    assert api(None).post(url, {"report": "x"}).status_code == 401
    assert not WarningRectification.objects.exists()


# Appeals


def test_the_member_appeals_within_21_days(owner, merchant):
    warning = warned(merchant)
    response = api(owner).post(
        f"{API}/{merchant.pk}/appeals/",
        {
            "decision": warning.pk,
            "statement": "One order, three complaints.",
            "files": [pdf_upload()],
        },
        format="multipart",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["decision"], body["state"], body["statement"]) == (
        warning.pk,
        "pending",
        "One order, three complaints.",
    )
    assert body["decide_by"] == (timezone.localdate() + timedelta(days=21)).isoformat()
    assert len(body["files"]) == 1


def test_appeal_refusals_are_clear_400s(owner, merchant, other_merchant):
    warning = warned(merchant)
    url = f"{API}/{merchant.pk}/appeals/"
    client = api(owner)
    missing = client.post(url, {"decision": warning.pk}, format="json")
    assert missing.json() == {"statement": ["Give your reasons for the appeal."]}
    placed(other_merchant)
    foreign = PoolChange.objects.filter(merchant=other_merchant).first()
    not_ours = client.post(url, {"decision": foreign.pk, "statement": "x"}, format="json")
    assert not_ours.status_code == 400
    assert not_ours.json() == {"decision": ["This merchant has no such decision."]}
    approval = PoolChange.objects.get(merchant=merchant, to_pool=Pool.CULTIVATION)
    not_appealable = client.post(url, {"decision": approval.pk, "statement": "x"}, format="json")
    assert not_appealable.json() == {"detail": ["This decision cannot be appealed."]}
    assert client.post(url, {"decision": warning.pk, "statement": "x"}).status_code == 201
    twice = client.post(url, {"decision": warning.pk, "statement": "again"}, format="json")
    assert twice.status_code == 400
    assert twice.json() == {"detail": ["This decision has been appealed already."]}
    assert Appeal.objects.count() == 1


def test_an_appeal_after_21_days_is_refused(owner, merchant):
    warning = warned(merchant)
    PoolChange.objects.filter(merchant=merchant).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    PoolChange.objects.filter(pk=warning.pk).update(created_at=timezone.now() - timedelta(days=22))
    response = api(owner).post(
        f"{API}/{merchant.pk}/appeals/", {"decision": warning.pk, "statement": "x"}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": ["The time to appeal this decision is over."]}


def test_only_members_appeal(merchant, county_regulator, other_owner):
    warning = warned(merchant)
    url = f"{API}/{merchant.pk}/appeals/"
    data = {"decision": warning.pk, "statement": "x"}
    assert api(county_regulator).post(url, data).status_code == 403
    assert api(other_owner).post(url, data).status_code == 404
    assert api(None).post(url, data).status_code == 401
    assert not Appeal.objects.exists()


def test_the_schema_lists_the_standing_endpoints(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    for path in ("standing", "rectifications", "appeals"):
        assert f"/api/v1/ratings/merchants/{{id}}/{path}/" in schema["paths"]
