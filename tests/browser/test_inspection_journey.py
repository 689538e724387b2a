"""A spot check end to end: the supervisor draws the campaign; the inspector, on a phone, records
a failed visit with a photo; the merchant sees it and reports the rectification; the inspector
accepts it; the public store page shows the visit in the supervision record."""

import re

import pytest
from django.utils import timezone

from merchants.models import Membership
from review.models import Campaign, Inspection, InspectionMethod
from tests.browser.helpers import PASSWORD, PHONE, assert_fits_the_screen, log_in
from tests.factories import (
    PNG_BYTES,
    CampaignFactory,
    MembershipFactory,
    RegulatorFactory,
    UserFactory,
    approved_merchants,
    region,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_inspector_records_a_failed_visit_on_a_phone_and_accepts_the_rectification(
    reference_data, new_page, live_server, shot
):
    base = live_server.url
    (merchant,) = approved_merchants(1, name="湖滨电器商行", address="湖滨路18号")
    owner = UserFactory(username="zhou.owner", password=PASSWORD, role="merchant")
    MembershipFactory(user=owner, merchant=merchant, role=Membership.Role.OWNER)
    supervisor_user = RegulatorFactory(
        username="sup-hangzhou",
        password=PASSWORD,
        region=region("330100"),
        can_supervise=True,
        can_inspect=False,
    )
    inspector = RegulatorFactory(username="insp-xihu", password=PASSWORD, region=region("330106"))
    campaign = CampaignFactory(
        name="西湖区放心消费抽查",
        region=region("330100"),
        method=InspectionMethod.ON_SITE,
        sample_size=1,
        inspectors_per_visit=1,
        created_by=supervisor_user,
    )

    # The supervisor draws the sample and checks the draw (desktop).
    supervisor = new_page("zh-CN")
    log_in(supervisor, base, "sup-hangzhou")
    supervisor.goto(f"{base}/review/campaigns/")
    assert supervisor.locator("form.qc-campaign-form").count() == 1
    shot(supervisor, "00-campaign-list-and-form")
    supervisor.click(f"a[href='/review/campaigns/{campaign.pk}/']")
    supervisor.click("form[action$='/draw/'] button[type=submit]")
    supervisor.wait_for_load_state()
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.DRAWN
    assert campaign.seed in supervisor.locator(".qc-seed").inner_text()
    supervisor.click(f"a[href='/review/campaigns/{campaign.pk}/verify/']")
    supervisor.wait_for_load_state()
    assert supervisor.locator(".qc-check.notice-success").count() == 1
    shot(supervisor, "01-campaign-drawn-and-verified")
    inspection = Inspection.objects.get(campaign=campaign)
    assert list(inspection.inspectors.all()) == [inspector]

    # The inspector, on a phone at the shop, finds the visit and records it.
    phone = new_page("zh-CN", **PHONE)
    log_in(phone, base, "insp-xihu")
    phone.goto(f"{base}/review/inspections/")
    assert "湖滨电器商行" in phone.locator(".qc-cards").inner_text()
    assert_fits_the_screen(phone)
    shot(phone, "02-phone-my-inspections")
    phone.click(".qc-card-link")
    phone.wait_for_url(re.compile(rf"/review/inspections/{inspection.pk}/$"))
    photo_input = phone.locator("input[name=photos]")
    assert photo_input.get_attribute("accept") == "image/*"
    assert photo_input.get_attribute("capture") == "environment"
    for item in inspection.checklist:
        answer = "no" if item["code"] in ("licence-displayed", "prices-marked") else "yes"
        phone.check(f"input[name='item-{item['code']}'][value='{answer}']")
    # First try "rectify": a critical item is not met, so the page refuses and keeps the answers.
    phone.check("input[name=result][value=rectify]")
    phone.fill("[name=findings]", "营业执照未悬挂; 部分商品未明码标价。")
    phone.click(".qc-submit")
    phone.wait_for_load_state()
    assert phone.locator(".qc-errors").is_visible()
    assert phone.locator("input[name='item-licence-displayed'][value='no']").is_checked()
    shot(phone, "03-phone-refused-critical-item")
    phone.check("input[name=result][value=fail]")
    phone.fill("[name=notes]", "店员称老板不在。")
    photo_input.set_input_files(
        files=[{"name": "storefront.png", "mimeType": "image/png", "buffer": PNG_BYTES}]
    )
    shot(phone, "04-phone-record-form")
    phone.click(".qc-submit")
    phone.wait_for_load_state()
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.RECTIFYING and inspection.result == "fail"
    assert inspection.files.filter(kind="photo").count() == 1
    assert "storefront.png" in phone.locator("main").inner_text()
    assert_fits_the_screen(phone)
    shot(phone, "05-phone-recorded")

    # The merchant sees the result and reports the rectification.
    owner_page = new_page("zh-CN", **PHONE)
    log_in(owner_page, base, "zhou.owner")
    owner_page.click(".site-nav a[href='/review/merchant-inspections/']")
    owner_page.click(f"a[href='/review/merchant-inspections/{inspection.pk}/']")
    text = owner_page.locator("main").inner_text()
    assert "营业执照未悬挂" in text
    assert inspection.rectification_due.strftime("%Y-%m-%d") in text
    assert "店员称老板不在" not in text and "insp-xihu" not in text
    assert owner_page.locator(".qc-failed li").count() == 2
    owner_page.fill("[name=report]", "营业执照已悬挂于收银台上方, 全部商品已标价。")
    owner_page.set_input_files(
        "input[name=files]",
        files=[{"name": "licence-on-wall.png", "mimeType": "image/png", "buffer": PNG_BYTES}],
    )
    shot(owner_page, "06-merchant-rectification-form")
    owner_page.click(".qc-rectify button[type=submit]")
    owner_page.wait_for_load_state()
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.RECTIFICATION_SUBMITTED
    assert "licence-on-wall.png" in owner_page.locator("main").inner_text()
    shot(owner_page, "07-merchant-rectification-sent")

    # The inspector accepts the rectification.
    phone.goto(f"{base}/review/inspections/{inspection.pk}/")
    assert "营业执照已悬挂于收银台上方" in phone.locator("main").inner_text()
    phone.click(".qc-accept")
    phone.wait_for_load_state()
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.CLOSED
    assert inspection.rectifications.get().decision == "accepted"
    shot(phone, "08-phone-accepted")

    # The public page lists the visit in the supervision record.
    consumer = new_page("zh-CN", **PHONE)
    consumer.goto(f"{base}/s/{merchant.public_code}/")
    record = consumer.locator(".store-inspections li")
    assert record.count() == 1
    assert timezone.localdate(inspection.visited_at).isoformat() in record.inner_text()
    assert consumer.locator(".store-verdict-fail").count() == 1
    assert "店员称老板不在" not in consumer.locator("main").inner_text()
    shot(consumer, "09-public-page-supervision-record")
