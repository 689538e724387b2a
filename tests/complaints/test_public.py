"""The consumer's side through the front door: intake, the tracking page and its actions."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, ComplaintEvent, ComplaintEvidence
from complaints.models import ComplaintState as C
from complaints.services import complaints as svc
from tests.conftest import client_for
from tests.factories import MerchantFactory, UserFactory, pdf_upload, png_upload, region

pytestmark = pytest.mark.django_db

NEW = "/complaints/new/"
PHONE = "13812341234"


def _form(**overrides) -> dict:
    data = {
        "category": "refund_refused",
        "description": "Unopened tea, refund refused within seven days.",
        "amount": "268.00",
        "purchase_date": "2026-11-20",
        "wanted_outcome": "A refund",
        "complainant_name": "Liu",
        "complainant_phone": PHONE,
        "complainant_email": "",
        "consent_to_contact": "on",
    }
    return data | overrides


def _lodge(merchant, **overrides) -> Complaint:
    data = {
        "merchant": merchant,
        "category": "quality",
        "description": "Stale bread.",
        "wanted_outcome": "Refund",
        "complainant_name": "Liu",
        "complainant_phone": "13900001111",
    }
    return svc.complaint_submit(**(data | overrides))


def _track_url(complaint: Complaint, action: str = "") -> str:
    url = reverse("complaint-track", args=[complaint.tracking_token])
    return f"{url}{action}/" if action else url


# Intake


def test_intake_from_a_public_code_shows_the_merchant_and_lodges_against_it(client, merchant):
    url = f"{NEW}?merchant={merchant.public_code}"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert merchant.name in html and merchant.address in html
    assert 'name="business_name"' not in html

    response = client.post(
        url, _form(evidence=[pdf_upload(), png_upload()]), REMOTE_ADDR="10.1.2.3"
    )

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _track_url(complaint) + "?new=1"
    assert complaint.merchant == merchant and complaint.region_id == "330106"
    assert complaint.submitted_ip == "10.1.2.3" and complaint.consent_to_contact
    assert complaint.amount == Decimal("268.00") and complaint.consumer is None
    assert complaint.evidence.count() == 2

    page = client.get(response["Location"]).content.decode()
    assert "Keep this link" in page and f"http://testserver{_track_url(complaint)}" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_a_signed_in_consumer_lodges_into_their_account(consumer, merchant):
    client = client_for(consumer)
    client.post(f"{NEW}?merchant={merchant.public_code}", _form())
    assert Complaint.objects.get().consumer == consumer


def test_unknown_public_code_says_so_and_offers_the_search(client):
    html = client.get(f"{NEW}?merchant=nope").content.decode()
    assert "could not find a business with this code" in html
    assert 'name="q"' in html and 'name="description"' not in html


def test_search_lists_public_facts_and_links_to_the_intake(client, merchant, other_merchant):
    html = client.get(NEW, {"q": "西湖"}).content.decode()
    assert merchant.name in html and other_merchant.name not in html
    assert f"?merchant={merchant.public_code}" in html
    assert "Complain about this merchant" in html
    assert merchant.uscc not in html and merchant.contact_phone not in html

    by_uscc = client.get(NEW, {"q": other_merchant.uscc.lower()}).content.decode()
    assert other_merchant.name in by_uscc

    by_county = client.get(NEW, {"q": "", "county": "330108"}).content.decode()
    assert merchant.name not in by_county and "No business on the platform matches" in by_county


def test_search_lists_at_most_twenty(client, merchant, django_assert_max_num_queries):
    MerchantFactory.create_batch(25, name="西湖分店", region=region("330106"))
    with django_assert_max_num_queries(6):
        html = client.get(NEW, {"q": "西湖分店"}).content.decode()
    assert html.count("Complain about this merchant") == 20


def test_intake_for_a_business_not_on_the_platform(client):
    url = f"{NEW}?other=1"
    html = client.get(url).content.decode()
    assert 'name="business_name"' in html and "<optgroup" in html

    response = client.post(
        url,
        _form(business_name="Fruit stall", business_address="Wensan Rd 1", county="330106"),
    )

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert complaint.merchant is None and complaint.business_name == "Fruit stall"
    assert complaint.region_id == "330106" and complaint.business_address == "Wensan Rd 1"


def test_validation_errors_keep_what_was_typed(client, merchant):
    response = client.post(
        f"{NEW}?merchant={merchant.public_code}",
        _form(complainant_phone="12345", description="My own words here", evidence=[pdf_upload()]),
    )
    html = response.content.decode()
    assert response.status_code == 200 and not Complaint.objects.exists()
    assert "Enter a mainland China phone number" in html
    assert "My own words here" in html and 'value="12345"' in html
    assert "choose your evidence files again" in html


@pytest.mark.parametrize("phone", ["13812341234", "+86 138 1234 1234", "0571-87654321"])
def test_mobile_and_landline_numbers_are_accepted(client, merchant, phone):
    response = client.post(f"{NEW}?merchant={merchant.public_code}", _form(complainant_phone=phone))
    assert response.status_code == 302


def test_bad_evidence_is_refused_and_nothing_saved(client, merchant):
    fake = SimpleUploadedFile("receipt.pdf", b"this is not a pdf", "application/pdf")
    response = client.post(
        f"{NEW}?merchant={merchant.public_code}", _form(evidence=[pdf_upload(), fake])
    )
    html = response.content.decode()
    assert response.status_code == 200 and "not a PDF" in html
    assert "choose your evidence files again" in html and "Unopened tea" in html
    assert not Complaint.objects.exists() and not ComplaintEvidence.objects.exists()


def test_six_files_are_refused(client, merchant):
    response = client.post(
        f"{NEW}?merchant={merchant.public_code}", _form(evidence=[png_upload() for _ in range(6)])
    )
    assert "at most 5" in response.content.decode() and not Complaint.objects.exists()


def test_over_the_hourly_limit_the_message_shows_and_the_data_stays(client, settings):
    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 1, "day": 20}
    url = f"{NEW}?other=1"
    data = _form(business_name="Fruit stall", county="330106")
    assert client.post(url, data).status_code == 302

    response = client.post(url, data | {"description": "A second, different story"})

    html = response.content.decode()
    assert response.status_code == 200 and Complaint.objects.count() == 1
    assert "Too many complaints from this phone" in html
    assert "A second, different story" in html and 'value="Fruit stall"' in html


def test_a_likely_duplicate_is_pointed_out_then_confirmed(client, merchant):
    earlier = _lodge(merchant, complainant_phone=PHONE, complainant_name="Secret Name")
    url = f"{NEW}?merchant={merchant.public_code}"

    warned = client.post(url, _form(description="Another story"))

    html = warned.content.decode()
    assert warned.status_code == 200 and Complaint.objects.count() == 1
    assert "You may have complained about this business already" in html
    submitted = timezone.localtime(earlier.created_at).strftime("%Y-%m-%d")
    assert submitted in html and "Submitted" in html
    assert "Secret Name" not in html and earlier.tracking_token not in html
    assert "Another story" in html and 'name="confirm_duplicate"' in html

    confirmed = client.post(url, _form(description="Another story", confirm_duplicate="on"))
    assert confirmed.status_code == 302 and Complaint.objects.count() == 2


def test_intake_pages_load_no_external_assets(client, merchant):
    for url in (NEW, f"{NEW}?merchant={merchant.public_code}", f"{NEW}?other=1"):
        html = client.get(url).content.decode()
        assert not re.search(r'(src|href)="(https?:)?//', html), url


# Tracking page


@pytest.fixture
def complaint(merchant) -> Complaint:
    return _lodge(merchant, evidence=[pdf_upload("receipt.pdf")])


def test_the_tracking_page_shows_status_timeline_and_deadline(client, complaint):
    response = client.get(_track_url(complaint))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Submitted" in html and "Consumer" in html
    assert complaint.accept_due.strftime("%Y-%m-%d") in html
    assert "receipt.pdf" in html and "Stale bread." in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_a_wrong_token_is_404(client, complaint):
    assert client.get("/complaints/t/not-a-token/").status_code == 404
    assert client.post("/complaints/t/not-a-token/withdraw/").status_code == 404


def test_evidence_is_served_by_its_token_only(client, complaint, merchant):
    item = complaint.evidence.get()
    own = client.get(_track_url(complaint, f"evidence/{item.pk}"))
    assert own.status_code == 200 and own["Content-Type"] == "application/pdf"
    assert b"".join(own.streaming_content).startswith(b"%PDF")

    mine = _lodge(merchant, complainant_phone="13700002222")
    assert client.get(_track_url(mine, f"evidence/{item.pk}")).status_code == 404


def test_staff_usernames_never_show_only_roles(client, complaint, county_regulator, owner):
    svc.complaint_claim(actor=county_regulator, complaint=complaint)
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    svc.complaint_propose(actor=owner, complaint=complaint, proposal="Full refund of 268 yuan")
    html = client.get(_track_url(complaint)).content.decode()
    assert "Regulator" in html and "Merchant" in html
    assert county_regulator.username not in html and owner.username not in html


def test_accept_the_proposal_then_rate_once(client, complaint, county_regulator, owner):
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    svc.complaint_propose(actor=owner, complaint=complaint, proposal="Full refund of 268 yuan")
    page = client.get(_track_url(complaint)).content.decode()
    assert "Full refund of 268 yuan" in page and "Accept the proposal" in page

    client.post(_track_url(complaint, "accept"))
    complaint.refresh_from_db()
    assert complaint.state == C.SETTLED and complaint.agreement == "Full refund of 268 yuan"

    response = client.post(_track_url(complaint, "rate"), {"rating": "5", "comment": "Quick"})
    complaint.refresh_from_db()
    assert response.status_code == 302
    assert complaint.rating == 5 and complaint.rating_comment == "Quick"

    again = client.post(_track_url(complaint, "rate"), {"rating": "1"}, follow=True)
    complaint.refresh_from_db()
    assert complaint.rating == 5 and "already been rated" in again.content.decode()


def test_reject_the_proposal_needs_a_reason(client, complaint, county_regulator, owner):
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    svc.complaint_propose(actor=owner, complaint=complaint, proposal="A voucher")

    refused = client.post(_track_url(complaint, "reject"), {"text": " "}, follow=True)
    complaint.refresh_from_db()
    assert complaint.state == C.PROPOSED
    assert "Say why the proposal does not settle it" in refused.content.decode()

    client.post(_track_url(complaint, "reject"), {"text": "I want money back"})
    complaint.refresh_from_db()
    assert complaint.state == C.MEDIATION
    assert complaint.events.last().text == "I want money back"


def test_withdraw(client, complaint):
    client.post(_track_url(complaint, "withdraw"), {"text": "Sorted out"})
    complaint.refresh_from_db()
    assert complaint.state == C.WITHDRAWN
    html = client.get(_track_url(complaint)).content.decode()
    assert "Withdraw the complaint" not in html and "Add a message" not in html
    # Withdrawn before the regulator accepted it: there was no handling to rate.
    assert "Rate the handling" not in html


def test_reopen_within_fifteen_days_of_settlement(client, complaint, county_regulator, owner):
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    svc.complaint_propose(actor=owner, complaint=complaint, proposal="Refund")
    svc.complaint_accept_proposal(complaint=complaint)
    assert "Reopen the complaint" in client.get(_track_url(complaint)).content.decode()

    client.post(_track_url(complaint, "reopen"), {"text": "Refund never came"})
    complaint.refresh_from_db()
    assert complaint.state == C.MEDIATION


def test_reopen_is_refused_after_fifteen_days(client, complaint, county_regulator, owner):
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    svc.complaint_propose(actor=owner, complaint=complaint, proposal="Refund")
    svc.complaint_accept_proposal(complaint=complaint)
    Complaint.objects.filter(pk=complaint.pk).update(closed_at=timezone.now() - timedelta(days=16))
    assert "Reopen the complaint" not in client.get(_track_url(complaint)).content.decode()

    response = client.post(_track_url(complaint, "reopen"), {"text": "Late"}, follow=True)
    complaint.refresh_from_db()
    assert complaint.state == C.SETTLED and "within 15 days" in response.content.decode()


def test_a_message_joins_the_timeline(client, complaint):
    client.post(_track_url(complaint, "message"), {"text": "Receipt photo coming"})
    event = complaint.events.last()
    assert event.role == ComplaintEvent.Role.CONSUMER and event.text == "Receipt photo coming"
    assert "Receipt photo coming" in client.get(_track_url(complaint)).content.decode()


def test_actions_are_post_only(client, complaint):
    assert client.get(_track_url(complaint, "withdraw")).status_code == 405
    complaint.refresh_from_db()
    assert complaint.state == C.SUBMITTED


def test_attach_to_my_account_and_list_it(consumer, complaint, merchant):
    client = client_for(consumer)
    assert "Attach to my account" in client.get(_track_url(complaint)).content.decode()
    client.post(_track_url(complaint, "attach"))
    complaint.refresh_from_db()
    assert complaint.consumer == consumer
    assert "Attach to my account" not in client.get(_track_url(complaint)).content.decode()

    _lodge(merchant, complainant_phone="13700002222")  # not attached: not listed
    html = client.get(reverse("complaint-mine")).content.decode()
    assert html.count("/complaints/t/") == 1 and _track_url(complaint) in html


def test_my_complaints_needs_a_login_and_shows_only_mine(client, consumer, complaint):
    assert client.get(reverse("complaint-mine")).status_code == 302
    svc.complaint_attach_to_account(complaint=complaint, consumer=consumer)
    other = client_for(UserFactory(username="dave"))
    assert _track_url(complaint) not in other.get(reverse("complaint-mine")).content.decode()


def test_attach_needs_a_login(client, complaint):
    response = client.post(_track_url(complaint, "attach"))
    complaint.refresh_from_db()
    assert response.status_code == 302 and complaint.consumer is None


def test_my_complaints_query_count_does_not_grow(consumer, merchant, django_assert_max_num_queries):
    for n in range(12):
        complaint = _lodge(merchant, complainant_phone=f"137000000{n:02d}")
        svc.complaint_attach_to_account(complaint=complaint, consumer=consumer)
    client = client_for(consumer)
    with django_assert_max_num_queries(6):
        html = client.get(reverse("complaint-mine")).content.decode()
    assert html.count("/complaints/t/") == 12
