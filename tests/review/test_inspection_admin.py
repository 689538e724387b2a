"""Admin of quality control: checklist versions, the one settings row, read-only draws."""

from typing import Any

import pytest
from django.urls import reverse

from merchants.models import AuditEntry
from review.models import Campaign, ChecklistTemplate, QualityControlSetting
from review.services.campaigns import campaign_draw
from tests.conftest import client_for
from tests.factories import (
    CampaignFactory,
    InspectionFactory,
    RegulatorFactory,
    approved_merchants,
    checklist,
    region,
)

pytestmark = pytest.mark.django_db


def _form_data(response: Any) -> dict[str, Any]:
    """The change form as the browser would post it back unchanged."""
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def _change(admin_client: Any, template: ChecklistTemplate, **changes: Any) -> Any:
    url = reverse("admin:review_checklisttemplate_change", args=[template.pk])
    data = _form_data(admin_client.get(url)) | changes
    return admin_client.post(url, data)


def test_unchanged_save_keeps_the_version(admin_user):
    template = checklist()
    response = _change(client_for(admin_user), template)
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.version == 1


def test_changing_a_field_or_an_item_raises_the_version(admin_user, merchant):
    template = checklist()
    inspection = InspectionFactory(merchant=merchant, campaign=CampaignFactory(checklist=template))
    before = list(inspection.checklist)
    client = client_for(admin_user)
    assert _change(client, template, pass_score="70").status_code == 302
    template.refresh_from_db()
    assert template.version == 2 and template.pass_score == 70
    assert _change(client, template, **{"items-0-weight": "30"}).status_code == 302
    template.refresh_from_db()
    assert template.version == 3
    assert AuditEntry.objects.filter(action="checklist_change").count() == 2
    # The inspection keeps the items and version it was drawn with.
    inspection.refresh_from_db()
    assert inspection.checklist == before and inspection.checklist_version == 1


def test_settings_are_one_row(admin_user):
    QualityControlSetting.current()
    client = client_for(admin_user)
    assert client.get(reverse("admin:review_qualitycontrolsetting_add")).status_code == 403
    url = reverse("admin:review_qualitycontrolsetting_change", args=[1])
    assert client.get(url).status_code == 200


def test_a_drawn_campaign_is_read_only_in_admin(admin_user, city_regulator):
    approved_merchants(2)
    RegulatorFactory(username="xihu-insp", region=region("330106"))
    campaign = CampaignFactory(created_by=admin_user, region=region("330106"), sample_size=1)
    campaign_draw(actor=admin_user, campaign=campaign)
    client = client_for(admin_user)
    page = client.get(reverse("admin:review_campaign_change", args=[campaign.pk]))
    assert page.status_code == 200
    assert 'name="seed"' not in page.content.decode()
    assert 'name="sample_size"' not in page.content.decode()
    draft = CampaignFactory(created_by=admin_user)
    page = client.get(reverse("admin:review_campaign_change", args=[draft.pk]))
    assert 'name="sample_size"' in page.content.decode()


@pytest.mark.parametrize("model", ["campaign", "inspection", "rectification", "checklisttemplate"])
def test_admin_lists_search(admin_user, model, merchant):
    InspectionFactory(merchant=merchant)
    response = client_for(admin_user).get(
        reverse(f"admin:review_{model}_changelist"), {"q": "西湖"}
    )
    assert response.status_code == 200
    assert Campaign.objects.exists()
