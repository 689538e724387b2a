# ruff: noqa: RUF001
"""A signed-in consumer on a phone, in Chinese and in English: the home page shows their
complaints and "Lodge a complaint" (never the merchants' cards), the form comes filled in from
the account, the new complaint joins the home page; once it is settled, its handler records a
return call, and the consumer sees the regulator by name."""

import re

import pytest

from complaints.models import Complaint
from complaints.services import complaints as svc
from merchants.models import Membership, User
from tests.browser.helpers import PASSWORD, PHONE, assert_fits_the_screen, log_in
from tests.factories import (
    MembershipFactory,
    MerchantFactory,
    RegulatorFactory,
    UserFactory,
    region,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "zh-CN": {
        "lodge": "我要投诉",
        "mine": "我的投诉",
        "merchants": "您的商户",
        "register": "注册商户",
        "record": "记录回访",
        "regulator": "监管人员 · 吴敏",
        "satisfied": "满意度：满意",
        "name": "李娜",
    },
    "en-US": {
        "lodge": "Lodge a complaint",
        "mine": "My complaints",
        "merchants": "Your merchants",
        "register": "Register a merchant",
        "record": "Record the return call",
        "regulator": "Regulator · 敏 吴",
        "satisfied": "Satisfaction: Satisfied",
        "name": "娜 李",
    },
}


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_consumer_finds_their_complaints_and_lodges_one_from_home(
    reference_data, new_page, live_server, shot, locale
):
    words = WORDS[locale]
    base = live_server.url
    owner = UserFactory(username="zhou.owner", password=PASSWORD, role=User.Role.MERCHANT)
    merchant = MerchantFactory(name="湖滨电器商行", region=region("330106"))
    MembershipFactory(user=owner, merchant=merchant, role=Membership.Role.OWNER)
    RegulatorFactory(
        username="reg-xihu",
        region=region("330106"),
        password=PASSWORD,
        first_name="敏",
        last_name="吴",
    )
    carol = UserFactory(
        username="consumer-li",
        password=PASSWORD,
        role=User.Role.CONSUMER,
        first_name="娜",
        last_name="李",
        phone="13700137000",
        email="li.na@example.com",
    )
    other = MerchantFactory(name="西溪家电城", region=region("330106"))
    earlier = svc.complaint_submit(
        merchant=other,
        category="quality",
        description="买到的电饭煲无法加热。",
        wanted_outcome="换货",
        complainant_name="李娜",
        complainant_phone="13700137000",
        consumer=carol,
    )

    page = new_page(locale, **PHONE)
    log_in(page, base, "consumer-li")
    page.goto(f"{base}/")
    main = page.locator("main").inner_text()
    assert "西溪家电城" in main and earlier.number in main
    assert words["lodge"] in main and words["mine"] in main
    assert words["merchants"] not in main and words["register"] not in page.content()
    assert_fits_the_screen(page)
    shot(page, "01-home-with-complaints")

    page.click(f"main a.button:has-text('{words['lodge']}')")
    page.wait_for_url(re.compile(r"/complaints/new/"))
    page.goto(f"{base}/complaints/new/?merchant={merchant.public_code}")
    assert page.input_value("[name=complainant_name]") == words["name"]
    assert page.input_value("[name=complainant_phone]") == "13700137000"
    assert page.input_value("[name=complainant_email]") == "li.na@example.com"
    page.select_option("select[name=category]", "refund_refused")
    page.fill("[name=description]", "新买的电水壶漏水，要求退货被拒绝。")
    page.fill("[name=wanted_outcome]", "退货退款")
    assert_fits_the_screen(page)
    shot(page, "02-form-filled-in-from-the-account")
    page.click("main form.complaint-form button[type=submit]")
    page.wait_for_url(re.compile(r"/complaints/t/[\w-]+/"))
    lodged = Complaint.objects.exclude(pk=earlier.pk).get()
    assert lodged.consumer == carol and lodged.complainant_email == "li.na@example.com"

    page.goto(f"{base}/")
    assert lodged.number in page.locator("main").inner_text()
    shot(page, "03-home-with-the-new-complaint")

    # Settled, then called back by its handler on a phone.
    regulator = User.objects.get(username="reg-xihu")
    svc.complaint_accept(actor=regulator, complaint=lodged)
    svc.complaint_propose(actor=owner, complaint=lodged, proposal="全额退款")
    svc.complaint_accept_proposal(complaint=lodged)
    handler = new_page(locale, **PHONE)
    log_in(handler, base, "reg-xihu")
    handler.goto(f"{base}/complaints/queue/{lodged.pk}/")
    assert words["record"] in handler.locator("main").inner_text()
    handler.check("input[name=reached][value=yes]")
    handler.select_option("select[name=satisfaction]", "satisfied")
    handler.fill("form[action$='/return-call/'] [name=notes]", "退款已到账")
    assert_fits_the_screen(handler)
    shot(handler, "04-return-call-form")
    handler.click("form[action$='/return-call/'] button[type=submit]")
    handler.wait_for_load_state()
    assert lodged.return_calls.get().satisfaction == "satisfied"
    shot(handler, "05-return-call-recorded")

    page.goto(f"{base}/complaints/t/{lodged.tracking_token}/")
    text = page.locator("main").inner_text()
    assert words["regulator"] in text and words["satisfied"] in text
    assert "reg-xihu" not in text and "退款已到账" not in text
    shot(page, "06-track-regulator-by-name")
