"""The merchant's actions on its standing pages: reporting a warning's rectification and
appealing a decision, with the refusals a person can act on."""

import html
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from merchants.models import Notification, Pool
from ratings.models import Appeal, PoolChange, RatingFile, WarningRectification
from ratings.services.warnings import warning_rectification_submit
from tests.conftest import client_for
from tests.factories import pdf_upload, png_upload
from tests.ratings.test_standing_pages import placed, warned

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def rectify_url(merchant) -> str:
    return reverse("standing-rectify", args=[merchant.pk])


def appeal_url(merchant, change) -> str:
    return reverse("standing-appeal", args=[merchant.pk, change.pk])


# Rectification


def test_the_merchant_reports_its_rectification_with_files(owner, merchant, county_regulator):
    warning = warned(merchant)
    client = client_for(owner)
    response = client.post(
        rectify_url(merchant),
        {
            "report": "Retrained the staff; every order is now checked before delivery.",
            "files": [pdf_upload("training.pdf"), png_upload("checklist.png")],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("standing-merchant", args=[merchant.pk])
    report = WarningRectification.objects.get(merchant=merchant)
    assert report.warning == warning and report.submitted_by == owner and report.decision == ""
    assert sorted(
        RatingFile.objects.filter(rectification=report).values_list("original_name", "content_type")
    ) == [("checklist.png", "image/png"), ("training.pdf", "application/pdf")]
    assert Notification.objects.filter(user=county_regulator).exists()
    page = text(client.get(response["Location"]))
    assert "Your rectification report is sent." in page
    assert "The report is waiting for the regulator's check." in page


def test_an_empty_report_is_refused_on_the_form(owner, merchant):
    warned(merchant)
    response = client_for(owner).post(rectify_url(merchant), {"report": "   "})
    assert response.status_code == 400
    assert "Describe what was put right." in text(response)
    assert not WarningRectification.objects.exists()


def test_a_file_that_is_not_a_pdf_jpeg_or_png_is_refused(owner, merchant):
    warned(merchant)
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client_for(owner).post(rectify_url(merchant), {"report": "Fixed.", "files": [fake]})
    assert response.status_code == 400
    page = text(response)
    assert "The file “report.pdf” is not a PDF, JPEG or PNG file" in page
    assert not WarningRectification.objects.exists()


def test_a_second_report_while_one_waits_is_refused(owner, merchant):
    warned(merchant)
    warning_rectification_submit(actor=owner, merchant=merchant, report="First.")
    response = client_for(owner).post(rectify_url(merchant), {"report": "Second."})
    assert response.status_code == 400
    assert "A rectification report is already waiting for the regulator." in text(response)
    assert WarningRectification.objects.count() == 1


def test_a_merchant_not_in_warning_cannot_report(owner, merchant):
    placed(merchant)
    response = client_for(owner).post(rectify_url(merchant), {"report": "Nothing to fix."})
    assert response.status_code == 400
    assert "This merchant is not in the warning pool." in text(response)


def test_only_the_merchants_people_can_report(other_owner, merchant, county_regulator):
    warned(merchant)
    for user in (other_owner, county_regulator):
        assert client_for(user).post(rectify_url(merchant), {"report": "x"}).status_code == 404
    anonymous = client_for(None).post(rectify_url(merchant), {"report": "x"})
    assert anonymous.status_code == 302
    assert client_for(other_owner).get(rectify_url(merchant)).status_code in (404, 405)
    assert not WarningRectification.objects.exists()


# Appeals


def test_the_appeal_page_explains_the_deadline_and_who_decides(owner, merchant):
    warning = warned(merchant)
    response = client_for(owner).get(appeal_url(merchant, warning))
    assert response.status_code == 200
    page = text(response)
    until = timezone.localtime(warning.created_at + timedelta(days=21))
    assert f"You may appeal until {until:%Y-%m-%d %H:%M}" in page
    assert "A regulator who did not take the decision decides your appeal within 21 days." in page
    assert warning.reason in page


def _decided_days_ago(warning: PoolChange, days: int) -> None:
    """Move the decision (and the changes before it) back in time."""
    earlier = PoolChange.objects.filter(merchant=warning.merchant).exclude(pk=warning.pk)
    earlier.update(created_at=timezone.now() - timedelta(days=days + 10))
    PoolChange.objects.filter(pk=warning.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def test_an_appeal_within_21_days_is_filed(owner, merchant, county_regulator):
    warning = warned(merchant)
    _decided_days_ago(warning, 20)
    client = client_for(owner)
    response = client.post(
        appeal_url(merchant, warning),
        {
            "statement": "Two of the complaints were about the same order.",
            "files": [pdf_upload("order.pdf")],
        },
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get(decision=warning)
    assert appeal.state == Appeal.State.PENDING and appeal.submitted_by == owner
    assert appeal.decide_by == timezone.localdate() + timedelta(days=21)
    assert RatingFile.objects.filter(appeal=appeal).count() == 1
    assert Notification.objects.filter(user=county_regulator).exists()
    page = text(client.get(response["Location"]))
    assert "Your appeal is filed." in page
    assert "Two of the complaints were about the same order." in page
    assert "An appeal is waiting for a decision" in page


def test_an_appeal_after_21_days_is_refused(owner, merchant):
    warning = warned(merchant)
    _decided_days_ago(warning, 22)
    client = client_for(owner)
    page = text(client.get(appeal_url(merchant, warning)))
    assert "The time to appeal this decision is over." in page
    assert 'name="statement"' not in page
    response = client.post(appeal_url(merchant, warning), {"statement": "Too late?"})
    assert response.status_code == 400
    assert "The time to appeal this decision is over." in text(response)
    assert not Appeal.objects.exists()


def test_a_decision_that_cannot_be_appealed(owner, merchant):
    placed(merchant)
    approval = PoolChange.objects.get(merchant=merchant, to_pool=Pool.CULTIVATION)
    client = client_for(owner)
    assert "This decision cannot be appealed." in text(client.get(appeal_url(merchant, approval)))
    response = client.post(appeal_url(merchant, approval), {"statement": "Why not?"})
    assert response.status_code == 400
    assert "This decision cannot be appealed." in text(response)
    assert not Appeal.objects.exists()


def test_a_decision_is_appealed_once(owner, merchant):
    warning = warned(merchant)
    client = client_for(owner)
    assert client.post(appeal_url(merchant, warning), {"statement": "First."}).status_code == 302
    response = client.post(appeal_url(merchant, warning), {"statement": "Second."})
    assert response.status_code == 400
    assert "This decision has been appealed already." in text(response)
    assert Appeal.objects.count() == 1


def test_an_empty_statement_is_refused(owner, merchant):
    warning = warned(merchant)
    response = client_for(owner).post(appeal_url(merchant, warning), {"statement": ""})
    assert response.status_code == 400
    assert "Give your reasons for the appeal." in text(response)


def test_appeals_are_for_the_merchants_people_and_its_own_decisions(
    owner, merchant, other_owner, other_merchant, county_regulator
):
    warning = warned(merchant)
    for user in (other_owner, county_regulator):
        assert client_for(user).get(appeal_url(merchant, warning)).status_code == 404
        response = client_for(user).post(appeal_url(merchant, warning), {"statement": "x"})
        assert response.status_code == 404
    # Another merchant's decision under this merchant's address: not found.
    placed(other_merchant)
    foreign = PoolChange.objects.filter(merchant=other_merchant).first()
    assert client_for(owner).get(appeal_url(merchant, foreign)).status_code == 404
    assert not Appeal.objects.exists()
