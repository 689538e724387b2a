"""A merchant's full history as a zip (issue 14, finding 13): the regulator of its region gets
everything, the owner what the merchant's people may see, anyone else a 404."""

import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from complaints.models import ComplaintEvidence
from complaints.services.complaints import complaint_accept
from merchants.models import Membership
from merchants.services.declarations import declaration_attach_document
from review.models import InspectionFile, InspectionMethod
from tests.conftest import api, client_for
from tests.factories import (
    PDF_BYTES,
    ComplaintFactory,
    DeclarationFactory,
    InspectionFactory,
    MembershipFactory,
    RegulatorFactory,
    UserFactory,
    pdf_upload,
    scheme,
)

PHONE = "13912345678"
EMAIL = "wang@example.com"
NOTE = "INTERNAL: owner seemed nervous"


@pytest.fixture
def history(merchant, owner):
    declaration = DeclarationFactory(
        merchant=merchant, created_by=owner, scheme=scheme("assured-unit")
    )
    document = declaration_attach_document(
        actor=owner,
        declaration=declaration,
        required_document=declaration.scheme.required_documents.first(),
        upload=pdf_upload("营业执照.pdf"),
    )
    complaint = ComplaintFactory(
        merchant=merchant, complainant_phone=PHONE, complainant_email=EMAIL
    )
    # Accepted: the merchant's people see it (on the desk and in their copy) from then on.
    complaint_accept(actor=RegulatorFactory(region=merchant.region), complaint=complaint)
    evidence = ComplaintEvidence(
        complaint=complaint, original_name="receipt.pdf", content_type="application/pdf", size=1
    )
    evidence.file.save("e", ContentFile(PDF_BYTES), save=True)
    inspection = InspectionFactory(merchant=merchant, notes=NOTE, findings="Clean the shelves")
    photo = InspectionFile(
        inspection=inspection,
        kind=InspectionFile.Kind.PHOTO,
        original_name="shelf.pdf",
        content_type="application/pdf",
        size=1,
        uploaded_by=owner,
    )
    photo.file.save("p", ContentFile(PDF_BYTES), save=True)
    covert = InspectionFactory(merchant=merchant, method=InspectionMethod.COVERT)
    return {
        "declaration": declaration,
        "document": document,
        "complaint": complaint,
        "inspection": inspection,
        "covert": covert,
    }


def _export(user, merchant):
    return api(user).get(f"/api/v1/merchants/{merchant.pk}/export/")


def _unzip(response) -> tuple[dict, zipfile.ZipFile]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    assert "merchant-" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return json.loads(archive.read("history.json")), archive


def test_regulator_of_the_region_gets_everything(history, merchant, county_regulator):
    data, archive = _unzip(_export(county_regulator, merchant))
    assert data["copy"] == "regulator"
    assert data["merchant"][0]["name"] == merchant.name
    [declaration] = data["declarations"]
    [document] = declaration["documents"]
    assert archive.read(document["path"]) == PDF_BYTES
    [complaint] = data["complaints"]
    assert complaint["complainant_phone"] == PHONE and complaint["complainant_email"] == EMAIL
    assert complaint["number"] == history["complaint"].number and complaint["channel"] == "web"
    assert "tracking_token" not in complaint and "submitted_ip" not in complaint
    assert archive.read(complaint["evidence"][0]["path"]) == PDF_BYTES
    inspections = {i["id"]: i for i in data["inspections"]}
    assert set(inspections) == {history["inspection"].pk, history["covert"].pk}
    assert inspections[history["inspection"].pk]["notes"] == NOTE
    assert [f["kind"] for f in inspections[history["inspection"].pk]["files"]] == ["photo"]
    assert "standing" in data and "pool_changes" in data and "appeals" in data
    assert set(archive.namelist()) == {
        "history.json",
        document["path"],
        complaint["evidence"][0]["path"],
        inspections[history["inspection"].pk]["files"][0]["path"],
    }


def test_owner_gets_what_the_merchant_may_see(history, merchant, owner):
    response = _export(owner, merchant)
    data, archive = _unzip(response)
    assert data["copy"] == "owner"
    [complaint] = data["complaints"]
    assert "complainant_phone" not in complaint and "complainant_email" not in complaint
    assert "lodged_by" not in complaint
    assert complaint["number"] == history["complaint"].number != ""
    assert complaint["complainant_phone_masked"] == history["complaint"].masked_phone
    assert PHONE.encode() not in response.content and EMAIL.encode() not in response.content
    [inspection] = data["inspections"]  # the covert visit not yet made is not there
    assert inspection["id"] == history["inspection"].pk
    assert "notes" not in inspection and inspection["files"] == []
    assert inspection["findings"] == "Clean the shelves"
    assert NOTE.encode() not in archive.read("history.json")
    assert "nominations" not in data
    assert archive.read(data["declarations"][0]["documents"][0]["path"]) == PDF_BYTES
    assert len(archive.namelist()) == 3  # history.json, the document, the evidence


@pytest.mark.parametrize(
    "who", ["other_owner", "other_county_regulator", "consumer", "staff_member"]
)
def test_others_get_nothing(history, merchant, who, request):
    if who == "staff_member":
        user = UserFactory(username="staffer")
        MembershipFactory(user=user, merchant=merchant, role=Membership.Role.STAFF)
        assert _export(user, merchant).status_code == 403  # sees the merchant, not its history
        return
    assert _export(request.getfixturevalue(who), merchant).status_code == 404


def test_anonymous_is_refused(history, merchant):
    assert _export(None, merchant).status_code == 401


def test_merchant_page_links_the_export(merchant, owner, county_regulator):
    url = reverse("api-merchant-export", args=[merchant.pk])
    assert url == f"/api/v1/merchants/{merchant.pk}/export/"
    for user in (owner, county_regulator):
        page = client_for(user).get(reverse("merchant-detail", args=[merchant.pk]))
        assert url in page.content.decode()
    # The session of the page is enough to download it.
    assert client_for(owner).get(url)["Content-Type"] == "application/zip"
