"""The merchant's file (一户一档) in the browser: a county regulator opens it from the merchant list
on a desktop in Chinese, follows the contents, downloads the JSON and prints it (A4 PDF, without
the site's header); on a phone in English it fits the screen. The owner opens the owner's copy
from the merchant page, on a phone in Chinese and a desktop in English, and sees none of what is
kept from the merchant's people. No request leaves the server (the new_page fixture)."""

import json
import re

import pytest

from merchants.models import Membership, User
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import PASSWORD, PHONE, assert_fits_the_screen, log_in
from tests.factories import (
    MembershipFactory,
    MerchantFactory,
    RegulatorFactory,
    UserFactory,
    region,
)
from tests.merchants.test_merchant_file import FORBIDDEN, SHARED, build_full_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cast(reference_data):
    merchant = MerchantFactory(name="西湖茶楼", region=region("330106"))
    owner = UserFactory(username="alice", password=PASSWORD, role=User.Role.MERCHANT)
    MembershipFactory(user=owner, merchant=merchant, role=Membership.Role.OWNER)
    regulator = RegulatorFactory(username="reg-xihu", password=PASSWORD, region=region("330106"))
    coordinator = UserFactory(
        username="coord-xihu", role=User.Role.COORDINATOR, region=region("330106")
    )
    build_full_file(merchant=merchant, owner=owner, regulator=regulator, coordinator=coordinator)
    return merchant


def _main_text(page) -> str:
    return page.locator("main").inner_text()


def test_regulator_opens_downloads_and_prints_the_file(cast, new_page, live_server, shot):
    base, merchant = live_server.url, cast
    page = new_page("zh-CN")
    log_in(page, base, "reg-xihu")
    page.goto(f"{base}/regulator/merchants/")
    page.locator("table tr", has_text="西湖茶楼").get_by_role("link", name="一户一档").click()
    page.wait_for_url(f"{base}/merchants/{merchant.pk}/file/")
    text = _main_text(page)
    for heading in ("许可证", "申报", "投诉", "检查", "时间线", "协管员"):
        assert heading in text, heading
    for value in (*FORBIDDEN.values(), *SHARED.values()):
        assert value in page.content(), value
    shot(page, "01-regulator-desktop-zh")

    # The contents lead to each section; the timeline's entries are dated, newest first.
    page.click("nav.merchant-file-contents a[href='#file-timeline']")
    assert page.evaluate("location.hash") == "#file-timeline"
    times = page.locator(".merchant-file-timeline time").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('datetime'))"
    )
    assert len(times) > 10 and times == sorted(times, reverse=True)

    with page.expect_download() as download:
        page.click(f"a[href='/merchants/{merchant.pk}/file.json']")
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert data["copy"] == "regulator"
    assert len(data["timeline"]) == len(times)

    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".merchant-file-actions").first.is_hidden()
    shot(page, "02-regulator-print")
    pdf = page.pdf(prefer_css_page_size=True)
    (ARTIFACTS / "test_regulator_opens_downloads_and_prints_the_file-03.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2
    # A4 portrait: 595 x 842 pt.
    assert re.search(rb"/MediaBox\s*\[\s*0 0 59[45](\.\d+)? 84[12](\.\d+)?\s*\]", pdf)

    phone = new_page("en-GB", **PHONE)
    log_in(phone, base, "reg-xihu")
    phone.goto(f"{base}/merchants/{merchant.pk}/file/")
    assert "Unscheduled visits by coordinators" in _main_text(phone)
    assert "Return calls" in _main_text(phone)
    assert_fits_the_screen(phone)
    shot(phone, "04-regulator-phone-en")


def test_owner_sees_the_owners_copy_only(cast, new_page, live_server, shot):
    base, merchant = live_server.url, cast
    page = new_page("zh-CN", **PHONE)
    log_in(page, base, "alice")
    page.goto(f"{base}/merchants/{merchant.pk}/")
    page.get_by_role("link", name="一户一档").click()
    page.wait_for_url(f"{base}/merchants/{merchant.pk}/file/")
    html = page.content()
    for what, value in FORBIDDEN.items():
        assert value not in html, what
    for value in SHARED.values():
        assert value in html, value
    assert "协管员" not in _main_text(page)
    assert_fits_the_screen(page)
    shot(page, "01-owner-phone-zh")

    desktop = new_page("en-GB")
    log_in(desktop, base, "alice")
    desktop.goto(f"{base}/merchants/{merchant.pk}/file/")
    text = _main_text(desktop)
    assert "The merchant's copy" in text and "Complaints" in text
    assert "Return calls" not in text
    shot(desktop, "02-owner-desktop-en")
