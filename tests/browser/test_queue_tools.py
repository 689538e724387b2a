"""The regulator's queue tools in the browser: search and filters (a bad date range refused in
the reader's language), both downloads read back, and a complaint's case file on screen and as
printed (issue 15, point 6)."""

# ruff: noqa: RUF001
import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest

from complaints.models import ComplaintEvent
from complaints.services import complaints as svc
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import PASSWORD, PHONE, assert_fits_the_screen, log_in
from tests.factories import MerchantFactory, RegulatorFactory, pdf_upload, png_upload, region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _complaints(handler):
    tea = MerchantFactory(name="西湖茶楼", region=region("330106"))
    shop = MerchantFactory(name="湖滨百货商店", region=region("330106"))
    first = svc.complaint_submit(
        merchant=tea,
        category="refund_refused",
        description="购买的龙井茶未拆封，七日内要求退货被拒绝。",
        wanted_outcome="退货退款 268 元",
        complainant_name="刘晓梅",
        complainant_phone="13812341234",
        complainant_email="liu@example.com",
        consent_to_contact=True,
        evidence=[pdf_upload("购物小票.pdf"), png_upload("货架照片.png")],
    )
    svc.complaint_claim(actor=handler, complaint=first)
    svc.complaint_accept(actor=handler, complaint=first)
    svc.complaint_message(
        complaint=first,
        role=ComplaintEvent.Role.REGULATOR,
        text="请商家三个工作日内答复消费者。",
        actor=handler,
    )
    hotline = svc.complaint_submit(
        merchant=shop,
        category="quality",
        description="电水壶使用一周后漏水。",
        wanted_outcome="换货",
        complainant_name="王建国",
        complainant_phone="13900001111",
        channel="hotline",
        lodged_by=handler,
    )
    svc.complaint_submit(
        merchant=None,
        region=region("330106"),
        business_name="河坊街无名小吃摊",
        category="price",
        description="标价 10 元结账 30 元。",
        wanted_outcome="退还差价",
        complainant_name="陈静",
        complainant_phone="13700007777",
    )
    return first, hotline


def _download(page, link: str) -> bytes:
    with page.expect_download() as info:
        page.click(link)
    return Path(info.value.path()).read_bytes()


def test_queue_search_filters_exports_and_case_file(reference_data, new_page, live_server, shot):
    base = live_server.url
    handler = RegulatorFactory(
        username="reg-xihu", password=PASSWORD, region=region("330106"), last_name="周"
    )
    first, hotline = _complaints(handler)

    page = new_page("zh-CN")
    log_in(page, base, "reg-xihu")
    page.goto(f"{base}/complaints/queue/")
    assert page.locator("main table.complaint-list tbody tr").count() == 2  # new: 2 submitted
    # A date range the wrong way round: refused in Chinese, nothing to download.
    page.fill("[name=submitted_from]", "2026-03-20")
    page.fill("[name=submitted_to]", "2026-03-01")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert "结束日期早于开始日期。" in page.locator("form.filters").inner_text()
    assert page.locator(".queue-export").count() == 0
    shot(page, "01-queue-bad-dates")

    # Search by the hotline caller's phone, written as people do, with the channel filter.
    page.goto(f"{base}/complaints/queue/")
    page.fill("[name=q]", "+86 139-0000-1111")
    page.select_option("select[name=channel]", "hotline")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    rows = page.locator("main table.complaint-list tbody tr")
    assert rows.count() == 1 and hotline.number in rows.inner_text()
    shot(page, "02-queue-search-phone")

    # Every tab, searched by the beginning of the number, and downloaded.
    page.goto(f"{base}/complaints/queue/?tab=closed")
    page.click("nav.tabs a[href*='tab=new']")
    page.fill("[name=q]", first.number[:11])
    page.select_option("select[name=category]", "price")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert "河坊街无名小吃摊" in text and hotline.number not in text
    assert "下载此列表" in text and "50,000" in text
    shot(page, "03-queue-filters-and-downloads")
    data = _download(page, ".queue-export a[href*='export.csv']")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][0] == "投诉编号" and len(table) == 2
    assert "河坊街无名小吃摊" in table[1] and "13700007777" in table[1]
    data = _download(page, ".queue-export a[href*='export.xlsx']")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert len(values) == 2 and "河坊街无名小吃摊" in values[1]

    # The accepted complaint's page links its case file.
    page.goto(f"{base}/complaints/queue/?tab=mine")
    page.click(f"a:has-text('{first.number}')")
    page.click("a:has-text('打印投诉案卷')")
    page.wait_for_url(re.compile(rf"/complaints/queue/{first.pk}/case-file/$"))
    page.wait_for_load_state("networkidle")
    text = page.locator("main").inner_text()
    for fact in (
        first.number,
        "刘晓梅",
        "13812341234",
        "请商家三个工作日内答复消费者。",
        "承办该投诉",
    ):
        assert fact in text, fact
    assert "购物小票.pdf" in text and "image/png" in text
    assert page.locator(".case-file-toolbar").is_visible()
    shot(page, "04-case-file-screen")
    page.emulate_media(media="print")
    assert page.locator(".case-file-toolbar").is_hidden()
    shot(page, "05-case-file-print")
    pdf = page.pdf(prefer_css_page_size=True)
    (ARTIFACTS / "test_queue_search_filters_exports_and_case_file-06-case-file.pdf").write_bytes(
        pdf
    )
    assert pdf.startswith(b"%PDF")
    # A4 (210 x 297 mm = 595 x 842 pt).
    assert re.search(rb"/MediaBox\s*\[\s*0 0 59[45](\.\d+)? 84[12](\.\d+)?\s*\]", pdf)


def test_queue_tools_on_a_phone_in_english(reference_data, new_page, live_server, shot):
    base = live_server.url
    handler = RegulatorFactory(username="reg-xihu", password=PASSWORD, region=region("330106"))
    first, _ = _complaints(handler)
    page = new_page("en-US", **PHONE)
    log_in(page, base, "reg-xihu")
    page.goto(f"{base}/complaints/queue/?tab=new&q=%E5%B0%8F%E5%90%83&channel=web")
    text = page.locator("main").inner_text()
    assert "河坊街无名小吃摊" in text and "Download this list" in text
    assert_fits_the_screen(page)
    shot(page, "01-phone-queue-en")
    page.goto(f"{base}/complaints/queue/{first.pk}/case-file/")
    assert f"Complaint {first.number}" in page.locator("main h1").inner_text()
    assert_fits_the_screen(page)
    shot(page, "02-phone-case-file-en")
