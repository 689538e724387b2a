# ruff: noqa: RUF001  (Chinese text with Chinese punctuation, as the reader writes it)
"""A merchant objects to its figures before publication (on a phone); the county regulator
rejects the objection with a reason; the merchant reads the decision on its preview page."""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from complaints.models import Complaint, DisclosureDate, DisclosureSettings, FlagDecision
from complaints.models import ComplaintState as C
from complaints.services import disclosure as disclosure_services
from merchants.models import Membership
from tests.browser.helpers import PASSWORD, PHONE, assert_fits_the_screen, log_in
from tests.factories import (
    MembershipFactory,
    MerchantFactory,
    RegulatorFactory,
    UserFactory,
    region,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_objection_is_decided_and_the_merchant_reads_why(
    reference_data, new_page, live_server, shot
):
    base = live_server.url
    owner = UserFactory(username="zhou.owner", password=PASSWORD, role="merchant")
    merchant = MerchantFactory(name="湖滨电器商行", region=region("330106"))
    MembershipFactory(user=owner, merchant=merchant, role=Membership.Role.OWNER)
    RegulatorFactory(
        username="reg-xihu", region=region("330106"), password=PASSWORD, first_name="建华"
    )
    disclosure_date = DisclosureDate.objects.get(date=date(2026, 3, 15))
    for _ in range(3):
        Complaint.objects.create(
            merchant=merchant,
            region=merchant.region,
            category="quality",
            state=C.WITH_MERCHANT,
            description="质量问题",
            wanted_outcome="退款",
            complainant_name="王五",
            complainant_phone="13900139000",
            created_at=timezone.make_aware(datetime.combine(date(2026, 3, 1), time(12))),
            accepted_at=timezone.make_aware(datetime.combine(date(2026, 3, 2), time(12))),
        )
    DisclosureSettings.objects.filter(pk=1).update(merchant_threshold=1)
    disclosure_services.disclosure_open_preview(
        snapshot=disclosure_services.disclosure_build(disclosure_date=disclosure_date)
    )

    owner_page = new_page("zh-CN", **PHONE)
    log_in(owner_page, base, "zhou.owner")
    owner_page.goto(f"{base}/disclosures/preview/")
    owner_page.fill("textarea[name=comment]", "其中一件投诉是隔壁商户的")
    owner_page.click("form[action$='/flag/'] button[type=submit]")
    owner_page.wait_for_load_state()
    assert "其中一件投诉是隔壁商户的" in owner_page.locator("main").inner_text()
    assert_fits_the_screen(owner_page)
    shot(owner_page, "01-phone-merchant-flags")

    regulator = new_page("zh-CN")
    log_in(regulator, base, "reg-xihu")
    regulator.click("nav >> text=公示数据异议")
    regulator.wait_for_url(f"{base}/disclosures/flags/")
    assert "其中一件投诉是隔壁商户的" in regulator.locator("main").inner_text()
    regulator.check("input[name=decision][value=rejected]")
    regulator.fill("textarea[name=reason]", "经核实，三件投诉均属本商户")
    shot(regulator, "02-regulator-decides")
    regulator.click("form[action$='/decide/'] button[type=submit]")
    regulator.wait_for_load_state()
    assert "处理决定已记录" in regulator.locator("main").inner_text()
    shot(regulator, "03-regulator-decided")
    row = merchant.disclosure_rows.get()
    assert row.flag_decision == FlagDecision.REJECTED

    owner_page.goto(f"{base}/disclosures/preview/")
    text = owner_page.locator("main").inner_text()
    assert "监管部门的处理决定" in text and "经核实，三件投诉均属本商户" in text
    owner_page.goto(f"{base}/inbox/")
    assert "异议" in owner_page.locator("main").inner_text()
    assert_fits_the_screen(owner_page)
    shot(owner_page, "04-phone-merchant-reads-the-decision")
