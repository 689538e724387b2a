"""One store, one code on a phone: a consumer finds a merchant, reads its public page, goes on
to complain; the owner prints the A5 poster whose QR leads back to the page."""

import re
from datetime import date

import pytest
from django.core.cache import cache
from django.utils import timezone

from complaints.models import Complaint, ComplaintState
from merchants.models import Declaration, Membership
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import PASSWORD, PHONE, assert_fits_the_screen, log_in
from tests.factories import (
    DeclarationFactory,
    InspectionFactory,
    MembershipFactory,
    MerchantFactory,
    PermitFactory,
    RegistryRecordFactory,
    UserFactory,
    region,
    scheme,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shop():
    merchant = MerchantFactory(
        name="湖滨银泰服饰旗舰店西湖文化广场店", region=region("330106"), address="延安路258号"
    )
    PermitFactory(merchant=merchant, number="JY13301060012345", valid_until=date(2031, 5, 1))
    PermitFactory(merchant=merchant, number="JY13301060000001", valid_until=date(2022, 3, 1))
    declaration = DeclarationFactory(
        merchant=merchant,
        scheme=scheme("no-reason-return"),
        state=Declaration.State.APPROVED,
        decided_at=timezone.now(),
        details={
            "return_days": 7,
            "goods_covered": "服装、鞋帽、箱包",
            "goods_excluded": "贴身衣物",
            "cross_store_returns": True,
        },
    )
    declaration.accepted_commitments.set(declaration.scheme.commitments.all())
    RegistryRecordFactory(uscc=merchant.uscc, credit_level="A")
    InspectionFactory(merchant=merchant, visited_at=timezone.now(), result="pass")
    for state in (ComplaintState.SETTLED, ComplaintState.WITH_MERCHANT):
        Complaint.objects.create(
            merchant=merchant,
            region=merchant.region,
            category="quality",
            state=state,
            description="描述",
            wanted_outcome="退款",
            complainant_name="周先生",
            complainant_phone="13912345678",
            accepted_at=timezone.now(),
        )
    return merchant


def test_consumer_finds_reads_and_complains_on_a_phone(reference_data, new_page, live_server, shot):
    cache.clear()
    base = live_server.url
    merchant = _shop()

    phone = new_page("zh-CN", **PHONE)
    phone.goto(f"{base}/")
    phone.fill("#home-search-q", "银泰")
    phone.click("form.home-search button[type=submit]")
    phone.wait_for_url(re.compile(r"/s/\?q="))
    assert "湖滨银泰服饰旗舰店" in phone.locator(".store-results").inner_text()
    shot(phone, "01-phone-search")
    assert_fits_the_screen(phone)

    phone.click(".store-result h2 a")
    phone.wait_for_url(f"{base}/s/{merchant.public_code}/")
    text = phone.locator("main").inner_text()
    assert "7天无理由退货" in text.replace(" ", "") or "7-day" in text
    assert "JY13301060000001" in text
    assert phone.locator(".store-permits li.is-expired").count() == 1
    assert phone.locator(".store-seal").count() >= 1
    shot(phone, "02-phone-store-page")
    assert_fits_the_screen(phone)

    phone.locator(".store-head .store-complain").click()
    phone.wait_for_url(re.compile(r"/complaints/new/\?merchant="))
    assert "湖滨银泰服饰旗舰店" in phone.locator("main").inner_text()

    english = new_page("en-GB", **PHONE)
    english.goto(f"{base}/s/{merchant.public_code}/")
    assert (
        "7-day no-reason returns, also at our other stores" in english.locator("main").inner_text()
    )
    shot(english, "03-phone-store-page-en")


def test_owner_opens_the_poster_from_the_dashboard(reference_data, new_page, live_server, shot):
    cache.clear()
    base = live_server.url
    merchant = _shop()
    owner = UserFactory(username="zhou.owner", password=PASSWORD, role="merchant")
    MembershipFactory(user=owner, merchant=merchant, role=Membership.Role.OWNER)

    page = new_page("zh-CN")
    log_in(page, base, "zhou.owner")
    page.goto(f"{base}/dashboard/")
    assert page.locator(f'a[href="/s/{merchant.public_code}/qr.png?download=1"]').count() == 1
    shot(page, "01-dashboard-links")
    page.click(f'a[href="/s/{merchant.public_code}/poster/"]')
    page.wait_for_url(f"{base}/s/{merchant.public_code}/poster/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.querySelector('.poster-qr').naturalWidth") > 0
    shot(page, "02-poster-screen")
    page.emulate_media(media="print")
    assert page.locator(".poster-toolbar").is_hidden()
    shot(page, "03-poster-print")
    pdf = page.pdf(prefer_css_page_size=True)
    (ARTIFACTS / "test_owner_opens_the_poster_from_the_dashboard-04-poster.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    # One A5 sheet (148 x 210 mm = 420 x 595 pt).
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    assert re.search(rb"/MediaBox\s*\[\s*0 0 4(19|20)(\.\d+)? 59[45](\.\d+)?\s*\]", pdf)
