"""A hotline operator files for a caller on a phone-sized screen; the caller gets the number by
SMS and, having lost the link, finds the complaint again by number, phone and the SMS code."""

import re

import pytest

from common import sms
from complaints.models import Complaint
from tests.browser.helpers import PASSWORD, PHONE, assert_fits_the_screen, log_in
from tests.factories import MerchantFactory, RegulatorFactory, region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CALLER = "13912345678"


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_hotline_files_for_a_caller_who_finds_it_again_by_number(
    reference_data, new_page, live_server, shot, locale
):
    base = live_server.url
    merchant = MerchantFactory(name="湖滨电器商行", region=region("330106"))
    RegulatorFactory(username="hotline-xihu", region=region("330106"), password=PASSWORD)
    sms.outbox.clear()

    operator = new_page(locale, **PHONE)
    log_in(operator, base, "hotline-xihu")
    operator.goto(f"{base}/complaints/file/?merchant={merchant.public_code}")
    operator.select_option("select[name=channel]", "hotline")
    operator.select_option("select[name=category]", "refund_refused")
    operator.fill("[name=description]", "来电反映 电水壶漏水 要求退货被拒绝")
    operator.fill("[name=wanted_outcome]", "退货退款")
    operator.fill("[name=complainant_name]", "周先生")
    operator.fill("[name=complainant_phone]", CALLER)
    assert_fits_the_screen(operator)
    shot(operator, f"hotline-01-file-{locale}")
    operator.click("main form.complaint-form button[type=submit]")
    operator.wait_for_url(re.compile(r"/complaints/filed/\d+/"))
    complaint = Complaint.objects.get(merchant=merchant)
    assert complaint.channel == "hotline" and complaint.lodged_by.username == "hotline-xihu"
    assert complaint.number in operator.locator("main").inner_text()
    shot(operator, f"hotline-02-filed-{locale}")
    operator.goto(f"{base}/complaints/filed/")
    assert complaint.number in operator.locator("main").inner_text()

    (to, receipt), *_ = sms.outbox
    assert to == CALLER and complaint.number in receipt

    caller = new_page(locale, **PHONE)
    caller.goto(f"{base}/complaints/find/")
    caller.fill("[name=number]", complaint.number)
    caller.fill("[name=phone]", "139 1234 5678")
    caller.click("main form.form button[type=submit]")
    caller.wait_for_selector("[name=code]")
    shot(caller, f"hotline-03-code-{locale}")
    to, text = sms.outbox[-1]
    assert to == CALLER and complaint.number in text
    code = re.search(r"\b(\d{6})\b", text.replace(complaint.number, "")).group(1)
    caller.fill("[name=code]", code)
    caller.click("main form.form button[type=submit]")
    caller.wait_for_url(re.compile(rf"/complaints/t/{complaint.tracking_token}/"))
    assert complaint.number in caller.locator("main").inner_text()
    assert_fits_the_screen(caller)
    shot(caller, f"hotline-04-tracking-{locale}")
