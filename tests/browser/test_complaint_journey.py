"""A complaint on a phone: lodged from the merchant's link, accepted by the county regulator,
settled by the merchant's refund proposal, accepted and rated by the consumer."""

import re

import pytest

from complaints.models import Complaint
from merchants.models import Membership
from tests.browser.helpers import PASSWORD, PHONE, log_in
from tests.factories import (
    MembershipFactory,
    MerchantFactory,
    RegulatorFactory,
    UserFactory,
    region,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_consumer_complains_on_a_phone_and_the_refund_settles_it(
    reference_data, new_page, live_server, shot
):
    base = live_server.url
    owner = UserFactory(username="zhou.owner", password=PASSWORD, role="merchant")
    merchant = MerchantFactory(name="湖滨电器商行", region=region("330106"))
    MembershipFactory(user=owner, merchant=merchant, role=Membership.Role.OWNER)
    RegulatorFactory(username="reg-xihu", region=region("330106"), password=PASSWORD)

    consumer = new_page("zh-CN", **PHONE)
    consumer.goto(f"{base}/complaints/new/?merchant={merchant.public_code}")
    assert "湖滨电器商行" in consumer.locator("main").inner_text()
    consumer.select_option("select[name=category]", "refund_refused")
    consumer.fill("[name=description]", "新买的电水壶漏水, 要求退货被拒绝。")
    consumer.fill("[name=amount]", "159")
    consumer.fill("[name=purchase_date]", "2026-11-20")
    consumer.fill("[name=wanted_outcome]", "退货退款")
    consumer.fill("[name=complainant_name]", "周先生")
    consumer.fill("[name=complainant_phone]", "13912345678")
    consumer.check("input[name=consent_to_contact]")
    shot(consumer, "01-phone-intake")
    consumer.click("main form.complaint-form button[type=submit]")
    consumer.wait_for_url(re.compile(r"/complaints/t/[\w-]+/"))
    complaint = Complaint.objects.get(merchant=merchant)
    assert complaint.tracking_token in consumer.url
    shot(consumer, "02-phone-tracking-link")
    tracking_url = consumer.url.split("?")[0]

    regulator = new_page("zh-CN")
    log_in(regulator, base, "reg-xihu")
    regulator.goto(f"{base}/complaints/queue/")
    assert "湖滨电器商行" in regulator.locator("main").inner_text()
    regulator.goto(f"{base}/complaints/queue/{complaint.pk}/")
    regulator.click("form[action$='/accept/'] button[type=submit]")
    regulator.wait_for_load_state()
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.WITH_MERCHANT

    merchant_page = new_page("zh-CN")
    log_in(merchant_page, base, "zhou.owner")
    merchant_page.goto(f"{base}/complaints/merchant/{complaint.pk}/")
    text = merchant_page.locator("main").inner_text()
    assert "*******5678" in text and "13912345678" not in text
    merchant_page.fill("form[action$='/propose/'] [name=proposal]", "全额退款159元, 上门取回电水壶")
    merchant_page.click("form[action$='/propose/'] button[type=submit]")
    merchant_page.wait_for_load_state()
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.PROPOSED

    consumer.goto(tracking_url)
    assert "全额退款159元" in consumer.locator("main").inner_text()
    shot(consumer, "03-phone-proposal")
    consumer.click("form[action$='/accept/'] button[type=submit]")
    consumer.wait_for_load_state()
    consumer.check("input[name=rating][value='5']")
    consumer.fill("form[action$='/rate/'] [name=comment]", "处理很快")
    consumer.click("form[action$='/rate/'] button[type=submit]")
    consumer.wait_for_load_state()
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.SETTLED
    assert complaint.rating == 5 and complaint.agreement.startswith("全额退款159元")
    shot(consumer, "04-phone-settled-and-rated")
