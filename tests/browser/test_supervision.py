"""The supervision cockpit in the browser (issue 16): a county regulator sees only their
county; a city regulator drills into a county and back; the tables beside the charts are
reached by keyboard; both downloads read back with the page's figures; the charts are drawn by
the ECharts the server serves (nothing leaves the server: the new_page fixture checks)."""

# ruff: noqa: RUF001
import csv
import io
from pathlib import Path

import openpyxl
import pytest

from supervision.services.refresh import supervision_refresh
from tests.browser.helpers import PASSWORD, PHONE, assert_fits_the_screen, log_in
from tests.factories import RegulatorFactory, region
from tests.supervision.conftest import build_province

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _province():
    build_province()
    supervision_refresh(recent=False)


def _download(page, selector: str) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    return Path(info.value.path()).read_bytes()


def _cells(page, table: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"table[data-table={table}] tbody tr",
        "rows => rows.map(r => Array.from(r.children).map(c => c.textContent.trim()))",
    )


def _charts_drawn(page) -> int:
    """Wait until every chart has loaded; none may have failed."""
    page.wait_for_function(
        "() => document.querySelectorAll('[data-chart]:not(.cockpit-chart-drawn)"
        ":not(.cockpit-chart-empty):not(.cockpit-chart-failed)').length === 0"
    )
    assert page.locator(".cockpit-chart-failed").count() == 0
    return page.locator(".cockpit-chart-drawn canvas").count()


def test_county_regulator_sees_only_their_county(reference_data, new_page, live_server, shot):
    _province()
    RegulatorFactory(username="reg-xihu", password=PASSWORD, region=region("330106"))
    page = new_page("zh-CN")
    log_in(page, live_server.url, "reg-xihu")
    page.click("nav.site-nav >> text=监管驾驶舱")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "监管驾驶舱：西湖区"
    assert _charts_drawn(page) >= 3
    assert [row[0] for row in _cells(page, "regions")] == ["西湖区"]
    assert "滨江" not in page.content()
    shot(page, "01-county-zh")
    response = page.goto(f"{live_server.url}/supervision/?region=330108")
    assert response.status == 404

    phone = new_page("en-US", **PHONE)
    log_in(phone, live_server.url, "reg-xihu")
    phone.goto(f"{live_server.url}/supervision/")
    assert phone.locator("h1").inner_text() == "Supervision cockpit: Xihu District"
    _charts_drawn(phone)
    assert_fits_the_screen(phone)
    shot(phone, "02-county-phone-en")


def test_city_regulator_drills_down_and_back_with_keyboard_and_downloads(
    reference_data, new_page, live_server, shot
):
    _province()
    RegulatorFactory(username="reg-hangzhou", password=PASSWORD, region=region("330100"))
    page = new_page("en-US")
    log_in(page, live_server.url, "reg-hangzhou")
    page.goto(f"{live_server.url}/supervision/")
    assert _charts_drawn(page) >= 5
    shot(page, "03-city-en")
    regions = {row[0]: row for row in _cells(page, "regions")}
    assert regions["Xihu District"][1] == "2"  # merchants

    # The table beside the trends chart, by keyboard: its summary opens it.
    summary = page.locator("#trends summary")
    summary.focus()
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    assert page.locator("#trends details").get_attribute("open") is not None
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('role')") == "region"

    # Downloads of the sub-regions' table read back with the page's figures.
    data = _download(page, "#regions a[href*='format=csv']")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    xihu = next(row for row in rows if row[0] == "330106")
    assert xihu[1] == "Xihu District" and xihu[2] == "2"
    data = _download(page, "#regions a[href*='format=xlsx']")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    xihu = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "330106")
    assert xihu[2] == 2

    # Into Xihu and back up to Hangzhou.
    page.click("table[data-table=regions] a:text('Xihu District')")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Supervision cockpit: Xihu District"
    _charts_drawn(page)
    shot(page, "04-drilled-into-xihu-en")
    page.click(".cockpit-trail a:text('Hangzhou City')")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Supervision cockpit: Hangzhou City"

    phone = new_page("zh-CN", **PHONE)
    log_in(phone, live_server.url, "reg-hangzhou")
    phone.goto(f"{live_server.url}/supervision/?region=330106")
    _charts_drawn(phone)
    assert_fits_the_screen(phone)
    shot(phone, "05-xihu-phone-zh")
    page.emulate_media(media="print")
    assert not page.locator(".site-nav").is_visible()
    shot(page, "06-print-view")
