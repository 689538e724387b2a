"""An approved county change moves every row of every app that carries the merchant's region:
the other county then sees and decides all of it, the old one none of it."""

import pytest

from complaints.models import Complaint
from complaints.services.complaints import complaint_submit
from merchants.models import Region
from merchants.services import merchants as svc
from ratings.models import Pool, Standing
from review.models import Inspection
from tests.factories import InspectionFactory, StandingFactory

pytestmark = pytest.mark.django_db


def test_complaints_inspections_and_the_standing_follow_the_merchant(
    owner, merchant, other_county_regulator
):
    complaint = complaint_submit(
        merchant=merchant,
        category="quality",
        description="Stale bread.",
        wanted_outcome="Refund",
        complainant_name="Liu",
        complainant_phone="13900001111",
    )
    inspection = InspectionFactory(merchant=merchant)
    StandingFactory(merchant=merchant, pool=Pool.CULTIVATION)
    binjiang = Region.objects.get(code="330108")
    request = svc.county_change_request(
        actor=owner, merchant=merchant, to_region=binjiang, reason="Moved across the river."
    )
    svc.county_change_decide(actor=other_county_regulator, request=request, approve=True)

    assert Complaint.objects.get(pk=complaint.pk).region_id == "330108"
    assert Inspection.objects.get(pk=inspection.pk).region_id == "330108"
    assert Standing.objects.get(merchant=merchant).region_id == "330108"
    merchant.refresh_from_db()
    assert merchant.region_id == "330108"
