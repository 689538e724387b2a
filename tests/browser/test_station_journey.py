"""Village liaison stations end to end: the county regulator opens a station and assigns the
coordinator; the public finds it (phone, zh and en); the coordinator, on a phone, logs an
unscheduled visit with a photo; the county regulator sees it in the list and opens it."""

import re

import pytest

from merchants.models import Station, User
from review.models import Patrol
from tests.browser.helpers import PASSWORD, PHONE, assert_fits_the_screen, log_in
from tests.factories import PNG_BYTES, RegulatorFactory, UserFactory, approved_merchants, region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_station_opened_found_by_the_public_and_a_visit_seen_by_the_county(
    reference_data, new_page, live_server, shot
):
    base = live_server.url
    (merchant,) = approved_merchants(1, name="双流农家乐", address="双流村8号")
    RegulatorFactory(username="reg-xihu", password=PASSWORD, region=region("330106"))
    coordinator = UserFactory(
        username="coord-xihu",
        password=PASSWORD,
        role=User.Role.COORDINATOR,
        region=region("330106"),
        last_name="何",
        first_name="桂英",
    )

    # The county regulator opens the station and assigns the coordinator (desktop).
    regulator = new_page("zh-CN")
    log_in(regulator, base, "reg-xihu")
    regulator.click(".site-nav a[href='/regulator/stations/']")
    regulator.click("a[href='/regulator/stations/new/']")
    regulator.select_option("select[name=county]", "330106")
    regulator.fill("[name=name]", "转塘街道双流村")
    regulator.fill("[name=address]", "双流村文化礼堂一楼")
    regulator.fill("[name=phone]", "12345")
    regulator.click("main form.form button[type=submit]")
    regulator.wait_for_load_state()
    assert regulator.locator(".field-has-error [name=phone]").count() == 1
    assert not Station.objects.exists()
    shot(regulator, "00-station-phone-refused")
    regulator.fill("[name=phone]", "0571-87391234")
    regulator.fill("[name=opening_hours]", "周一至周五 9:00-17:00")
    regulator.check(f"input[name=coordinators][value='{coordinator.pk}']")
    regulator.click("main form.form button[type=submit]")
    regulator.wait_for_url(re.compile(r"/regulator/stations/$"))
    station = Station.objects.get()
    assert list(station.coordinators.all()) == [coordinator]
    assert "转塘街道双流村" in regulator.locator("main").inner_text()
    shot(regulator, "01-station-list")

    # Anyone finds it from the store search, on a phone, in Chinese and in English.
    for locale, name in (("zh-CN", "何桂英"), ("en-US", "桂英 何")):
        public = new_page(locale, **PHONE)
        public.goto(f"{base}/s/")
        public.click("a[href='/stations/']")
        public.select_option("select[name=county]", "330106")
        public.click("form.filters button[type=submit]")
        public.wait_for_load_state()
        text = public.locator("main").inner_text()
        assert "转塘街道双流村" in text and "057187391234" in text
        assert name in text
        assert "coord-xihu" not in text
        assert_fits_the_screen(public)
        shot(public, f"02-public-stations-{locale}")

    # The coordinator, on a phone, logs a visit with a photo.
    phone = new_page("zh-CN", **PHONE)
    log_in(phone, base, "coord-xihu")
    phone.click(".site-nav a[href='/review/patrols/']")
    phone.click("a[href='/review/patrols/new/']")
    phone.select_option("select[name=station]", str(station.pk))
    phone.select_option("select[name=merchant]", str(merchant.pk))
    phone.fill("[name=findings]", "价目表未公示。已提醒整改。")
    phone.set_input_files(
        "input[name=photos]",
        files=[{"name": "menu.png", "mimeType": "image/png", "buffer": PNG_BYTES}],
    )
    shot(phone, "03-phone-visit-form")
    phone.click("main form.form button[type=submit]")
    phone.wait_for_load_state()
    # No date: the form asks for it and keeps the rest.
    assert phone.locator(".field-has-error").count() >= 1
    phone.fill("[name=visited_on]", "2026-01-15")
    phone.set_input_files(
        "input[name=photos]",
        files=[{"name": "menu.png", "mimeType": "image/png", "buffer": PNG_BYTES}],
    )
    phone.click("main form.form button[type=submit]")
    phone.wait_for_url(re.compile(r"/review/patrols/\d+/$"))
    patrol = Patrol.objects.get()
    assert patrol.merchant == merchant and patrol.photos.count() == 1
    assert "menu.png" in phone.locator("main").inner_text()
    assert_fits_the_screen(phone)
    shot(phone, "04-phone-visit-recorded")

    # The county regulator sees the visit in the list, filtered by station, and opens it.
    regulator.click(".site-nav a[href='/review/patrols/']")
    regulator.select_option("select[name=station]", str(station.pk))
    regulator.click("form.filters button[type=submit]")
    regulator.wait_for_load_state()
    assert "双流农家乐" in regulator.locator("main table").inner_text()
    shot(regulator, "05-county-visit-list")
    regulator.click(f"main table a[href='/review/patrols/{patrol.pk}/'] >> nth=0")
    regulator.wait_for_url(re.compile(rf"/review/patrols/{patrol.pk}/$"))
    assert "价目表未公示" in regulator.locator("main").inner_text()
    shot(regulator, "06-county-visit-detail")
