"""Issue 14: the database itself refuses numbers and dates out of the bounds people may type,
whatever path wrote them (a form, the API, admin, a script); the model validators say the same
to forms and serializers built on the models."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from complaints.models import Complaint, DisclosureSettings
from merchants.models import Declaration, Merchant, Permit, User
from ratings.models import EvaluationPolicy
from review.models import (
    Campaign,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    QualityControlSetting,
)
from tests.factories import (
    CampaignFactory,
    ComplaintFactory,
    DeclarationFactory,
    InspectionFactory,
    PermitFactory,
    checklist,
)

pytestmark = pytest.mark.django_db


def _rows(merchant, county_regulator) -> dict[type, object]:
    campaign = CampaignFactory(created_by=county_regulator, sample_size=3)
    return {
        Merchant: merchant,
        Permit: PermitFactory(merchant=merchant),
        Declaration: DeclarationFactory(merchant=merchant),
        Complaint: ComplaintFactory(merchant=merchant, region=merchant.region),
        DisclosureSettings: DisclosureSettings.load(),
        Campaign: campaign,
        Inspection: InspectionFactory(campaign=campaign, merchant=merchant),
        ChecklistTemplate: checklist(),
        ChecklistItem: checklist().items.first(),
        QualityControlSetting: QualityControlSetting.current(),
        EvaluationPolicy: EvaluationPolicy.current(),
    }


REFUSED = [
    (Merchant, {"licence_valid_from": date(9999, 12, 31)}),
    (Merchant, {"licence_valid_from": date(1, 1, 1), "licence_valid_until": None}),
    (Merchant, {"licence_valid_until": date(9999, 12, 31)}),
    (Permit, {"valid_until": date(9999, 12, 31)}),
    (Permit, {"valid_until": date(1900, 1, 1)}),
    (Declaration, {"details": {"return_days": 3_000_000_000}}),
    (Declaration, {"details": {"return_days": 366}}),
    (Complaint, {"amount": Decimal("-1")}),
    (Complaint, {"amount": Decimal("9999999999.99")}),
    (Complaint, {"purchase_date": date(1, 1, 1)}),
    (Complaint, {"purchase_date": date(9999, 12, 31)}),
    (DisclosureSettings, {"merchant_threshold": 0}),
    (DisclosureSettings, {"merchant_threshold": 30_000}),
    (Campaign, {"sample_size": None, "sample_ratio": Decimal("0")}),
    (Campaign, {"sample_size": None, "sample_ratio": Decimal("5")}),
    (Campaign, {"inspectors_per_visit": 0}),
    (Campaign, {"inspectors_per_visit": 30_000}),
    (Campaign, {"exclude_recent_days": 30_000}),
    (Inspection, {"score": 101}),
    (ChecklistTemplate, {"pass_score": 30_000}),
    (ChecklistItem, {"weight": 0}),
    (ChecklistItem, {"weight": 101}),
    (QualityControlSetting, {"rectification_days": 0}),
    (QualityControlSetting, {"exclude_recent_days": 30_000}),
    (EvaluationPolicy, {"weight_complaints": 101}),
    (EvaluationPolicy, {"deduction_abnormal_list": 30_000}),
    (EvaluationPolicy, {"appeal_days": 0}),
    (EvaluationPolicy, {"reentry_days": 30_000}),
]


@pytest.mark.parametrize(
    ("model", "values"), REFUSED, ids=[f"{m.__name__}-{v}" for m, v in REFUSED]
)
def test_the_database_refuses_out_of_bounds_values(merchant, county_regulator, model, values):
    row = _rows(merchant, county_regulator)[model]
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**values)


def test_model_validators_match_the_constraints(merchant):
    merchant.licence_valid_until = date(9999, 12, 31)
    merchant.contact_phone = "<b>abc</b>"
    with pytest.raises(ValidationError) as caught:
        merchant.full_clean()
    assert {"licence_valid_until", "contact_phone"} <= set(caught.value.message_dict)
    complaint = ComplaintFactory(merchant=merchant, region=merchant.region)
    complaint.amount, complaint.complainant_phone = Decimal("-1"), "00000"
    with pytest.raises(ValidationError) as caught:
        complaint.full_clean()
    assert {"amount", "complainant_phone"} <= set(caught.value.message_dict)
    user = User(username="x", phone="\u0661\u0663\u0668")
    with pytest.raises(ValidationError) as caught:
        user.full_clean()
    assert "phone" in caught.value.message_dict


def test_values_within_the_bounds_are_kept(merchant):
    Merchant.objects.filter(pk=merchant.pk).update(
        licence_valid_from=date(1949, 10, 1), licence_valid_until=date(2100, 12, 31)
    )
    declaration = DeclarationFactory(merchant=merchant)
    Declaration.objects.filter(pk=declaration.pk).update(
        details={"return_days": 365, "goods_covered": "x"}
    )
    Declaration.objects.filter(pk=declaration.pk).update(details={"institution": "y"})
    complaint = ComplaintFactory(merchant=merchant, region=merchant.region)
    Complaint.objects.filter(pk=complaint.pk).update(
        amount=Decimal("100000000"), purchase_date=date(1990, 1, 1)
    )
