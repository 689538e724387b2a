"""The warning pool end to end: a two-star merchant gets three accepted complaints in a week; the
nightly run (the task beat starts) puts it in the warning pool; its owner, on a phone, sees why and
reports the rectification with a photo; a regulator of the county checks and accepts it from the
pool pages; the merchant is back in the star-rated pool with its two stars, and the public page
shows them."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from merchants.models import Membership, Pool
from ratings.models import PoolChange, Standing
from ratings.services.pools import standing_move
from ratings.tasks import evaluate_nightly
from tests.browser.helpers import PASSWORD, PHONE, assert_fits_the_screen, log_in
from tests.factories import (
    PNG_BYTES,
    ComplaintFactory,
    MembershipFactory,
    MerchantFactory,
    RegulatorFactory,
    UserFactory,
    region,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_accepted_complaints_warn_the_merchant_who_rectifies_and_the_regulator_restores_it(
    reference_data, new_page, live_server, shot, tmp_path
):
    base = live_server.url
    merchant = MerchantFactory(name="湖滨电器商行", region=region("330106"))
    owner = UserFactory(username="zhou.owner", password=PASSWORD, role="merchant")
    MembershipFactory(user=owner, merchant=merchant, role=Membership.Role.OWNER)
    RegulatorFactory(username="reg-xihu", password=PASSWORD, region=region("330106"))
    with transaction.atomic():
        for step, stars in ((Pool.SELECTION, 0), (Pool.CULTIVATION, 0), (Pool.STAR_RATED, 2)):
            standing_move(merchant=merchant, to=step, stars=stars, reason_code="t", reason="t")
    long_ago = timezone.now() - timedelta(days=300)
    Standing.objects.filter(merchant=merchant).update(
        since=long_ago, stars_changed_at=long_ago, warning_cleared_at=long_ago
    )
    week = timezone.now() - timedelta(days=7)
    for _ in range(3):
        ComplaintFactory(merchant=merchant, created_at=week, accepted_at=week, state="settled")

    assert evaluate_nightly() == 1
    standing = Standing.objects.get(merchant=merchant)
    assert (standing.pool, standing.former_pool, standing.former_stars) == (
        Pool.WARNING,
        Pool.STAR_RATED,
        2,
    )

    # The owner, on a phone: the standing list, then the merchant's standing page.
    page = new_page(locale="en-GB", **PHONE)
    log_in(page, base, "zhou.owner")
    page.click("nav.site-nav a[href='/standing/']")
    row = page.locator("table tr", has_text="湖滨电器商行")
    assert "Warning pool" in row.inner_text()
    row.locator("a").click()
    page.wait_for_load_state()
    assert page.locator(".standing-summary .standing-pool-warning").count() == 1
    triggers = page.locator(".standing-triggers").inner_text()
    assert "3 complaints accepted in the last 30 days" in triggers
    assert "3 accepted complaints in 90 days" in page.locator("main").inner_text()
    assert_fits_the_screen(page)
    shot(page, "warning-1-merchant-sees-why")

    photo = tmp_path / "new-returns-desk.png"
    photo.write_bytes(PNG_BYTES)
    page.fill("textarea[name=report]", "设立退换货服务台。店长每日处理投诉。已与三位消费者和解。")
    page.set_input_files("input[name=files]", str(photo))
    page.click("#rectify button[type=submit]")
    page.wait_for_load_state()
    assert "Waiting for the regulator's check" in page.locator(".standing-tasks").inner_text()
    shot(page, "warning-2-report-sent")

    # The county regulator: Pools → the rectification queue → the merchant's pool page.
    reg = new_page()
    log_in(reg, base, "reg-xihu")
    reg.click("nav.site-nav a[href='/ratings/pools/']")
    reg.goto(f"{base}/ratings/rectifications/")
    reg.locator("table a", has_text="湖滨电器商行").click()
    reg.wait_for_load_state()
    assert "设立退换货服务台" in reg.locator("main").inner_text()
    reg.check("input[name=accept][value=yes]")
    reg.click("form.pool-decide-form button[type=submit]")
    reg.wait_for_load_state()
    shot(reg, "warning-3-regulator-accepted")

    standing.refresh_from_db()
    assert (standing.pool, standing.stars, standing.rectification_due) == (
        Pool.STAR_RATED,
        2,
        None,
    )
    back = PoolChange.objects.filter(merchant=merchant).order_by("-created_at", "-pk").first()
    assert (back.from_pool, back.to_pool, back.reason_code) == (
        Pool.WARNING,
        Pool.STAR_RATED,
        "warning_cleared",
    )

    # The owner sees the merchant back with its stars; so does the public page.
    page.reload()
    assert page.locator(".standing-summary .standing-pool-star_rated").count() == 1
    assert "2 stars of 5" in page.locator(".standing-summary").inner_text()
    assert_fits_the_screen(page)
    shot(page, "warning-4-back-with-stars")
    public = new_page(locale="en-GB", **PHONE)
    public.goto(f"{base}/s/{merchant.public_code}/")
    assert "★★" in public.locator("main").inner_text()
    shot(public, "warning-5-public-page")
