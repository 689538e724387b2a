"""Every complaint can be handled, on phone-sized screens in Chinese and English: a complaint about
a business not on the platform is linked to it once it registers and settled on the merchant's
desk; one is handled directly by the regulator and closed; one is transferred to another county
and accepted there."""

import re

import pytest
from django.utils import timezone

from complaints.models import Complaint
from complaints.models import ComplaintState as C
from complaints.services import complaints as svc
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

LOCALES = ["zh-CN", "en-US"]
CALLER = "13912345678"


def _unregistered(county: str = "330106") -> Complaint:
    return svc.complaint_submit(
        merchant=None,
        business_name="湖滨小家电",
        business_address="湖滨路 8 号",
        region=region(county),
        category="refund_refused",
        description="电水壶漏水, 要求退货被拒绝。",
        wanted_outcome="退货退款",
        complainant_name="周先生",
        complainant_phone=CALLER,
    )


def _main(page) -> str:
    return page.locator("main").inner_text()


@pytest.mark.parametrize("locale", LOCALES)
def test_an_unregistered_business_is_linked_once_registered_and_settled(
    reference_data, new_page, live_server, shot, locale
):
    base = live_server.url
    RegulatorFactory(username="reg-xihu", region=region("330106"), password=PASSWORD)

    consumer = new_page(locale, **PHONE)
    consumer.goto(f"{base}/complaints/new/?other=1")
    consumer.fill("[name=business_name]", "湖滨小家电")
    consumer.fill("[name=business_address]", "湖滨路 8 号")
    consumer.select_option("select[name=county]", "330106")
    consumer.select_option("select[name=category]", "refund_refused")
    consumer.fill("[name=description]", "电水壶漏水, 要求退货被拒绝。")
    consumer.fill("[name=wanted_outcome]", "退货退款")
    consumer.fill("[name=complainant_name]", "周先生")
    consumer.fill("[name=complainant_phone]", CALLER)
    consumer.click("main form.complaint-form button[type=submit]")
    consumer.wait_for_url(re.compile(r"/complaints/t/[\w-]+/"))
    tracking_url = consumer.url.split("?")[0]
    complaint = Complaint.objects.get(business_name="湖滨小家电")
    assert complaint.merchant is None

    # The business registers on the platform afterwards.
    owner = UserFactory(username="hubin.owner", password=PASSWORD, role="merchant")
    merchant = MerchantFactory(name="湖滨小家电商行", region=region("330106"))
    MembershipFactory(user=owner, merchant=merchant, role=Membership.Role.OWNER)

    regulator = new_page(locale, **PHONE)
    log_in(regulator, base, "reg-xihu")
    regulator.goto(f"{base}/complaints/queue/{complaint.pk}/")
    assert regulator.locator("form[action$='/accept/']").count() == 0  # nothing to pass it to
    shot(regulator, f"link-01-not-on-the-platform-{locale}")
    regulator.fill("#link [name=q]", "小家电")
    regulator.click("#link form[role=search] button[type=submit]")
    regulator.wait_for_selector(".handling-results")
    assert merchant.uscc in _main(regulator)
    assert_fits_the_screen(regulator)
    shot(regulator, f"link-02-search-{locale}")
    regulator.click(".handling-results form[action$='/link/'] button[type=submit]")
    regulator.wait_for_selector("form[action$='/accept/']")
    complaint.refresh_from_db()
    assert complaint.merchant == merchant and complaint.business_name == "湖滨小家电"
    assert merchant.uscc in _main(regulator)
    shot(regulator, f"link-03-linked-{locale}")
    regulator.click("form[action$='/accept/'] button[type=submit]")
    regulator.wait_for_load_state()
    complaint.refresh_from_db()
    assert complaint.state == C.WITH_MERCHANT

    desk = new_page(locale, **PHONE)
    log_in(desk, base, "hubin.owner")
    desk.goto(f"{base}/complaints/merchant/{complaint.pk}/")
    assert "*******5678" in _main(desk) and CALLER not in _main(desk)
    desk.fill("form[action$='/propose/'] [name=proposal]", "全额退款159元, 上门取回")
    desk.click("form[action$='/propose/'] button[type=submit]")
    desk.wait_for_load_state()
    complaint.refresh_from_db()
    assert complaint.state == C.PROPOSED

    consumer.goto(tracking_url)
    assert "全额退款159元" in _main(consumer)
    consumer.click("form[action$='/accept/'] button[type=submit]")
    consumer.wait_for_load_state()
    complaint.refresh_from_db()
    assert complaint.state == C.SETTLED and complaint.agreement.startswith("全额退款159元")
    assert_fits_the_screen(consumer)
    shot(consumer, f"link-04-settled-{locale}")


@pytest.mark.parametrize("locale", LOCALES)
def test_a_complaint_handled_directly_and_closed(
    reference_data, new_page, live_server, shot, locale
):
    base = live_server.url
    RegulatorFactory(username="reg-xihu", region=region("330106"), password=PASSWORD)
    complaint = _unregistered()

    regulator = new_page(locale, **PHONE)
    log_in(regulator, base, "reg-xihu")
    regulator.goto(f"{base}/complaints/queue/{complaint.pk}/")
    regulator.fill("form[action$='/direct/'] [name=text]", "经营者未入驻平台, 电话联系。")
    assert_fits_the_screen(regulator)
    shot(regulator, f"direct-01-decide-{locale}")
    regulator.click("form[action$='/direct/'] button[type=submit]")
    regulator.wait_for_selector("form[action$='/contact/']")
    complaint.refresh_from_db()
    assert complaint.state == C.DIRECT and complaint.close_due

    contact = "form[action$='/contact/']"
    assert regulator.input_value(f"{contact} [name=contacted_on]") == (
        timezone.localdate().isoformat()
    )
    regulator.select_option(f"{contact} select[name=method]", "phone")
    regulator.fill(f"{contact} [name=summary]", "店主同意退货, 约定明日上门退款。")
    regulator.click(f"{contact} button[type=submit]")
    regulator.wait_for_load_state()
    regulator.select_option(f"{contact} select[name=method]", "visit")
    regulator.fill(f"{contact} [name=summary]", "上门核实, 已当面退款159元。")
    regulator.click(f"{contact} button[type=submit]")
    regulator.wait_for_load_state()
    assert complaint.contacts.count() == 2
    text = _main(regulator)
    assert "店主同意退货" in text and "已当面退款159元" in text
    assert_fits_the_screen(regulator)
    shot(regulator, f"direct-02-contacts-{locale}")

    regulator.fill("form[action$='/settle/'] [name=agreement]", "经营者退货退款159元。")
    regulator.click("form[action$='/settle/'] button[type=submit]")
    regulator.wait_for_load_state()
    complaint.refresh_from_db()
    assert complaint.state == C.SETTLED and complaint.closed_at is not None
    shot(regulator, f"direct-03-settled-{locale}")

    consumer = new_page(locale, **PHONE)
    consumer.goto(f"{base}/complaints/t/{complaint.tracking_token}/")
    assert "上门核实, 已当面退款159元。" in _main(consumer)
    assert_fits_the_screen(consumer)
    shot(consumer, f"direct-04-consumer-{locale}")


@pytest.mark.parametrize("locale", LOCALES)
def test_a_complaint_transferred_to_another_county_and_accepted_there(
    reference_data, new_page, live_server, shot, locale
):
    base = live_server.url
    RegulatorFactory(username="reg-xihu", region=region("330106"), password=PASSWORD)
    RegulatorFactory(username="reg-binjiang", region=region("330108"), password=PASSWORD)
    complaint = _unregistered()

    sender = new_page(locale, **PHONE)
    log_in(sender, base, "reg-xihu")
    sender.goto(f"{base}/complaints/queue/{complaint.pk}/")
    sender.click("details.handling-transfers summary")
    sender.select_option("form[action$='/transfer/'] select[name=county]", "330108")
    sender.fill("form[action$='/transfer/'] [name=reason]", "经核实, 店铺位于滨江区。")
    assert_fits_the_screen(sender)
    shot(sender, f"transfer-01-ask-{locale}")
    sender.click("form[action$='/transfer/'] button[type=submit]")
    sender.wait_for_load_state()
    complaint.refresh_from_db()
    assert complaint.state == C.TRANSFER_PENDING and complaint.transfer_to_id == "330108"
    shot(sender, f"transfer-02-waiting-{locale}")

    receiver = new_page(locale, **PHONE)
    log_in(receiver, base, "reg-binjiang")
    receiver.goto(f"{base}/complaints/queue/?tab=transfers")
    receiver.click(f"a[href$='/complaints/queue/{complaint.pk}/']")
    receiver.wait_for_selector("form[action$='/transfer/accept/']")
    assert "经核实, 店铺位于滨江区。" in _main(receiver)
    assert_fits_the_screen(receiver)
    shot(receiver, f"transfer-03-incoming-{locale}")
    receiver.click("form[action$='/transfer/accept/'] button[type=submit]")
    receiver.wait_for_selector("form[action$='/direct/']")
    complaint.refresh_from_db()
    assert complaint.state == C.SUBMITTED and complaint.region_id == "330108"
    assert complaint.accept_due >= timezone.localdate() and complaint.handler is None
    shot(receiver, f"transfer-04-accepted-{locale}")

    sender.goto(f"{base}/complaints/queue/{complaint.pk}/")
    assert sender.locator("form[action$='/direct/']").count() == 0  # out of Xihu's reach now
