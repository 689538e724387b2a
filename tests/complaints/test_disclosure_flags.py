"""Regulators decide on a merchant's flag before publication (issue 15, point 9): correct the
figures, leave the merchant out of the publication, or reject with a reason the merchant sees."""

import pytest
from django.core import mail

from common.errors import DomainError
from complaints.models import Complaint, DisclosureSnapshot, FlagDecision
from complaints.models import ComplaintState as C
from complaints.services import disclosure as svc
from merchants.models import AuditEntry, Notification, User
from tests.complaints.test_disclosure import data_set, disclosure_date, preview  # noqa: F401
from tests.conftest import api, client_for
from tests.factories import UserFactory, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(preview, merchant, owner):  # noqa: F811
    row = preview.merchant_rows.get(merchant=merchant)
    return svc.disclosure_flag(actor=owner, row=row, comment="第3件是别家商户的")


def test_rejecting_tells_the_merchant_why(
    flagged, county_regulator, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = svc.disclosure_flag_decide(
            actor=county_regulator, row=flagged, decision="rejected", reason="核实无误"
        )
    assert row.flag_decision == FlagDecision.REJECTED and row.flag_decided_by == county_regulator
    assert row.flag_decided_at and row.flag_decision_reason == "核实无误"
    entry = AuditEntry.objects.get(action="disclosure.flag_decide")
    assert entry.actor == county_regulator and entry.data["decision"] == "rejected"
    note = Notification.objects.get(user=owner, key__startswith="disclosure-flag:")
    assert "核实无误" in note.body and "Rejected" in note.subject
    page = client_for(owner).get("/disclosures/preview/").content.decode()
    assert "The regulators decided:" in page and "核实无误" in page
    assert any("核实无误" in message.body for message in mail.outbox)


def test_correcting_recounts_the_row_from_the_corrected_complaints(
    flagged, county_regulator, merchant, other_merchant
):
    received = flagged.received
    wrong = Complaint.objects.filter(merchant=merchant, state=C.WITH_MERCHANT).first()
    Complaint.objects.filter(pk=wrong.pk).update(merchant=other_merchant)  # the correction
    row = svc.disclosure_flag_decide(
        actor=county_regulator, row=flagged, decision="corrected", reason="第3件已改到正确商户"
    )
    assert row.received == received - 1 and row.flag_decision == FlagDecision.CORRECTED
    # Kept when the preview is rebuilt at publication.
    svc.disclosure_build(disclosure_date=flagged.snapshot.disclosure_date)
    rebuilt = DisclosureSnapshot.objects.get(pk=flagged.snapshot_id).merchant_rows.get(
        merchant=merchant
    )
    assert rebuilt.flag_decision == FlagDecision.CORRECTED and rebuilt.received == received - 1


def test_an_excluded_merchant_is_not_published_by_name(flagged, county_regulator, merchant):
    svc.disclosure_flag_decide(
        actor=county_regulator, row=flagged, decision="excluded", reason="数据核查中"
    )
    snapshot = svc.disclosure_publish(snapshot=flagged.snapshot)
    names = [
        r["merchant_name"]
        for r in api()
        .get(f"/api/v1/complaints/disclosures/{snapshot.pk}/merchants/")
        .json()["results"]
    ]
    assert merchant.name not in names
    csv_text = client_for(None).get(f"/disclosures/{snapshot.pk}/csv/").content.decode()
    assert merchant.name not in csv_text
    # The region's totals keep its complaints.
    assert snapshot.region_rows.get(region_id="330106", category="").received >= flagged.received


def test_only_the_regulators_of_the_county_decide(
    flagged, other_county_regulator, owner, city_regulator
):
    for outsider in (other_county_regulator, owner):
        with pytest.raises(DomainError, match="Only the regulators of the merchant's county"):
            svc.disclosure_flag_decide(actor=outsider, row=flagged, decision="rejected", reason="x")
    svc.disclosure_flag_decide(actor=city_regulator, row=flagged, decision="rejected", reason="y")


def test_a_reason_and_a_known_decision_are_required(flagged, county_regulator):
    with pytest.raises(DomainError, match="Give the merchant the reason"):
        svc.disclosure_flag_decide(
            actor=county_regulator, row=flagged, decision="rejected", reason=" "
        )
    with pytest.raises(DomainError, match="Choose a decision"):
        svc.disclosure_flag_decide(
            actor=county_regulator, row=flagged, decision="maybe", reason="x"
        )


def test_a_new_flag_reopens_the_decision_and_published_rows_cannot_be_decided(
    flagged, county_regulator, owner
):
    row = svc.disclosure_flag_decide(
        actor=county_regulator, row=flagged, decision="rejected", reason="核实无误"
    )
    row = svc.disclosure_flag(actor=owner, row=row, comment="请再核实第3件")
    assert row.flag_decision == "" and row.flag_decided_by is None
    svc.disclosure_publish(snapshot=row.snapshot)
    with pytest.raises(DomainError, match="still in preview"):
        svc.disclosure_flag_decide(actor=county_regulator, row=row, decision="rejected", reason="x")


def test_the_page_decides_and_outsiders_get_404(flagged, county_regulator, other_county_regulator):
    coordinator_user = UserFactory(role=User.Role.COORDINATOR, region=region("330106"))
    url = f"/disclosures/flags/{flagged.pk}/decide/"
    body = {"decision": "rejected", "reason": "已核实"}
    for outsider in (other_county_regulator, coordinator_user):
        assert client_for(outsider).post(url, body).status_code == 404
    client = client_for(county_regulator)
    page = client.get("/disclosures/flags/").content.decode()
    assert "Decide on the flag" in page and url in page
    response = client.post(url, body, follow=True)
    assert "The decision was recorded and the merchant told." in response.content.decode()
    assert "已核实" in client.get("/disclosures/flags/").content.decode()
    refused = client.post(url, {"decision": "rejected", "reason": ""}, follow=True)
    assert "This field is required." in refused.content.decode()


def test_the_api_lists_and_decides(flagged, county_regulator, other_county_regulator):
    regulator = api(county_regulator)
    listed = regulator.get("/api/v1/complaints/disclosure-flags/").json()["results"]
    assert [r["id"] for r in listed] == [flagged.pk] and listed[0]["flag_decision"] == ""
    url = f"/api/v1/complaints/disclosure-flags/{flagged.pk}/decide/"
    assert (
        api(other_county_regulator).post(url, {"decision": "rejected", "reason": "x"}).status_code
        == 404
    )
    bad = regulator.post(url, {"decision": "maybe", "reason": "x"}, format="json")
    assert bad.status_code == 400 and "decision" in bad.json()
    done = regulator.post(url, {"decision": "excluded", "reason": "核查中"}, format="json")
    assert done.status_code == 200 and done.json()["flag_decision"] == "excluded"
    assert done.json()["flag_decided_by"]
