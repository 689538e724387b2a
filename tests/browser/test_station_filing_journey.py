# ruff: noqa: RUF001
"""A coordinator at a village liaison station files 30 complaints in an hour for 30 callers, all
from the station's one network address, and none is refused (issue 15, acceptance): a few on
the filing page of a phone, the rest through the intake API with the coordinator's token. They
are all under "Complaints I filed"; the county regulator sees the station count 30, lists them
and opens one whose timeline names the coordinator; the coordinator logs a visit that the
county regulator then sees. On a phone, in Chinese and in English."""

import re

import pytest

from complaints.models import Complaint
from merchants.models import User
from merchants.services.stations import station_create
from merchants.services.tokens import api_token_create
from review.models import Patrol
from tests.browser.helpers import PASSWORD, PHONE, assert_fits_the_screen, log_in
from tests.factories import PNG_BYTES, RegulatorFactory, UserFactory, approved_merchants, region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CALLERS = 30
ON_THE_PAGE = 3

TEXTS = {
    "zh-CN": {
        "filer": "协管员 何桂英（在转塘街道双流村维权联络站代来电人登记）",
        "count": "今年 30 件 · 累计 30 件",
        "name": "何桂英",
    },
    "en-US": {
        "filer": "Coordinator 桂英 何 (filed for the caller at the 转塘街道双流村 liaison station)",
        "count": "30 this year · 30 in all",
        "name": "桂英 何",
    },
}


def _caller(i: int) -> str:
    return f"139{i:08d}"


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_station_files_thirty_complaints_in_an_hour_and_the_county_sees_them(
    reference_data, browser, new_page, live_server, shot, locale, settings
):
    base = live_server.url
    texts = TEXTS[locale]
    merchant, other = approved_merchants(2, name="双流农家乐", address="双流村8号")
    regulator_account = RegulatorFactory(
        username="reg-xihu", password=PASSWORD, region=region("330106")
    )
    coordinator = UserFactory(
        username="coord-xihu",
        password=PASSWORD,
        role=User.Role.COORDINATOR,
        region=region("330106"),
        last_name="何",
        first_name="桂英",
    )
    station = station_create(
        actor=regulator_account,
        county=region("330106"),
        name="转塘街道双流村",
        address="双流村文化礼堂一楼",
        phone="0571-87391234",
        opening_hours="周一至周五 9:00-17:00",
        coordinators=[coordinator],
    )
    # 30 in an hour from one address is past the per-address limit anyone else meets.
    assert settings.COMPLAINT_ADDRESS_LIMITS["hour"] < CALLERS

    # A few callers at the station, filed on the coordinator's phone.
    phone = new_page(locale, **PHONE)
    log_in(phone, base, "coord-xihu")
    phone.click(".site-nav a[href='/complaints/filed/']")
    phone.click("main a[href='/complaints/file/']")
    phone.fill("[name=q]", "双流农家乐")
    phone.click("form.complaint-search button[type=submit]")
    phone.click(f"a[href='/complaints/file/?merchant={merchant.public_code}']")
    for i in range(ON_THE_PAGE):
        if i:
            phone.goto(f"{base}/complaints/file/?merchant={merchant.public_code}")
        # The coordinator's only station and the station channel are chosen already.
        assert phone.locator("select[name=station]").input_value() == str(station.pk)
        assert phone.locator("select[name=channel]").input_value() == "station"
        phone.select_option("select[name=category]", "price")
        phone.fill("[name=description]", f"来电人{i}：农家乐菜价与菜单不符，多收费用。")
        phone.fill("[name=wanted_outcome]", "退还多收的钱")
        phone.fill("[name=complainant_name]", f"村民{i}")
        phone.fill("[name=complainant_phone]", _caller(i))
        if i == 0:
            assert_fits_the_screen(phone)
            shot(phone, f"01-file-at-station-{locale}")
        phone.click("main form.complaint-form button[type=submit]")
        phone.wait_for_url(re.compile(r"/complaints/filed/\d+/\?new=1$"))
    complaint = Complaint.objects.get(complainant_phone=_caller(0))
    assert (complaint.station, complaint.lodged_by, complaint.channel) == (
        station,
        coordinator,
        "station",
    )
    text = phone.locator("main").inner_text()
    assert texts["filer"] in text
    assert_fits_the_screen(phone)
    shot(phone, f"02-filed-{locale}")

    # The other callers through the intake API, with the coordinator's token, from the same
    # address (the live server sees every request from 127.0.0.1).
    _token, key = api_token_create(user=coordinator)
    api_context = browser.new_context()
    try:
        answers = []
        for i in range(ON_THE_PAGE, CALLERS):
            business = merchant if i % 2 else other
            response = api_context.request.post(
                f"{base}/api/v1/complaints/intake/",
                headers={"Authorization": f"Token {key}", "Accept-Language": locale},
                data={
                    "merchant": business.public_code,
                    "channel": "station",
                    "station": station.pk,
                    "category": "quality",
                    "description": f"来电人{i}：买到过期食品。",
                    "wanted_outcome": "退货退款",
                    "complainant_name": f"村民{i}",
                    "complainant_phone": _caller(i),
                },
            )
            answers.append(response.status)
    finally:
        api_context.close()
    assert answers == [201] * (CALLERS - ON_THE_PAGE)
    filed = Complaint.objects.filter(lodged_by=coordinator, station=station)
    assert filed.count() == CALLERS
    assert len(set(filed.values_list("submitted_ip", flat=True))) == 1
    assert len(set(filed.values_list("complainant_phone", flat=True))) == CALLERS

    # All 30 under "Complaints I filed".
    phone.click(".site-nav a[href='/complaints/filed/']")
    phone.wait_for_url(re.compile(r"/complaints/filed/$"))
    assert phone.locator("main table.complaint-list tbody tr").count() == CALLERS
    assert_fits_the_screen(phone)
    shot(phone, f"03-filed-list-{locale}")

    # The county regulator, on a phone: the station counts 30, its list, one complaint.
    regulator = new_page(locale, **PHONE)
    log_in(regulator, base, "reg-xihu")
    regulator.goto(f"{base}/regulator/stations/")
    row = regulator.locator("main table tbody tr", has_text="转塘街道双流村")
    assert texts["count"] in re.sub(r"\s+", " ", row.inner_text())
    assert_fits_the_screen(regulator)
    shot(regulator, f"04-county-station-list-{locale}")
    row.locator(f"a[href='/regulator/stations/{station.pk}/']").click()
    regulator.wait_for_url(re.compile(rf"/regulator/stations/{station.pk}/$"))
    assert texts["count"] in re.sub(r"\s+", " ", regulator.locator("main dl").inner_text())
    shot(regulator, f"04b-county-station-page-{locale}")
    regulator.click(f"main dl a[href='/complaints/stations/{station.pk}/']")
    regulator.wait_for_url(re.compile(rf"/complaints/stations/{station.pk}/$"))
    assert regulator.locator("main table tbody tr").count() == CALLERS
    assert complaint.number in regulator.locator("main").inner_text()
    assert_fits_the_screen(regulator)
    shot(regulator, f"05-county-station-complaints-{locale}")
    regulator.click(f"main a[href='/complaints/queue/{complaint.pk}/']")
    regulator.wait_for_url(re.compile(rf"/complaints/queue/{complaint.pk}/$"))
    timeline = regulator.locator("#timeline-title + ol").inner_text()
    assert texts["filer"] in timeline
    shot(regulator, f"06-county-complaint-timeline-{locale}")

    # The coordinator logs a visit to the farm restaurant; the county regulator sees it.
    phone.click(".site-nav a[href='/review/patrols/']")
    phone.click("a[href='/review/patrols/new/']")
    phone.select_option("select[name=station]", str(station.pk))
    phone.select_option("select[name=merchant]", str(merchant.pk))
    phone.fill("[name=visited_on]", "2026-01-15")
    phone.fill("[name=findings]", "菜单价格未公示，与来电反映一致。已提醒整改。")
    phone.set_input_files(
        "input[name=photos]",
        files=[{"name": "menu.png", "mimeType": "image/png", "buffer": PNG_BYTES}],
    )
    phone.click("main form.form button[type=submit]")
    phone.wait_for_url(re.compile(r"/review/patrols/\d+/$"))
    patrol = Patrol.objects.get()
    assert (patrol.station, patrol.merchant, patrol.recorded_by) == (station, merchant, coordinator)
    assert_fits_the_screen(phone)
    shot(phone, f"07-visit-logged-{locale}")

    regulator.goto(f"{base}/review/patrols/")
    regulator.select_option("select[name=station]", str(station.pk))
    regulator.click("form.filters button[type=submit]")
    regulator.wait_for_load_state()
    assert "双流农家乐" in regulator.locator("main table").inner_text()
    regulator.click(f"main table a[href='/review/patrols/{patrol.pk}/'] >> nth=0")
    regulator.wait_for_url(re.compile(rf"/review/patrols/{patrol.pk}/$"))
    main = regulator.locator("main").inner_text()
    assert "菜单价格未公示" in main and texts["name"] in main
    assert_fits_the_screen(regulator)
    shot(regulator, f"08-county-sees-the-visit-{locale}")
