"""A county regulator signs in, on a desktop and on a phone, in Chinese and in English: the home
page shows their work list (overdue work first, each a link), the link to new complaints opens
the queue on that tab, and the whole list shows the kinds with nothing waiting quietly."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import ComplaintState
from merchants.models import Declaration
from tests.browser.helpers import PASSWORD, PHONE, assert_fits_the_screen, log_in
from tests.factories import (
    ComplaintFactory,
    DeclarationFactory,
    MerchantFactory,
    RegulatorFactory,
    region,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "zh-CN": {
        "heading": "您的待办事项",
        "new": "待受理的新投诉",
        "overdue": "已超期的投诉",
        "review": "待审核的申报",
        "whole": "全部待办事项",
        "quiet": "暂无待办",
        "appeals": "待处理申诉",
    },
    "en-US": {
        "heading": "Your work list",
        "new": "New complaints waiting for a decision",
        "overdue": "Complaints past their deadline",
        "review": "Declarations waiting for review",
        "whole": "The whole work list",
        "quiet": "Nothing waiting",
        "appeals": "Appeals to decide",
    },
}


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_regulator_follows_the_work_list_from_home(
    reference_data, new_page, live_server, shot, locale, device
):
    words = WORDS[locale]
    base = live_server.url
    today = timezone.localdate()
    RegulatorFactory(
        username="reg-xihu", region=region("330106"), password=PASSWORD, can_supervise=True
    )
    tea = MerchantFactory(name="西湖茶楼", region=region("330106"))
    shop = MerchantFactory(name="湖滨百货", region=region("330106"))
    ComplaintFactory(merchant=tea, accept_due=today + timedelta(days=2))
    ComplaintFactory(merchant=shop, accept_due=today + timedelta(days=1))
    ComplaintFactory(merchant=shop, state=ComplaintState.WITH_MERCHANT, is_overdue=True)
    DeclarationFactory(
        merchant=tea, state=Declaration.State.PENDING_REVIEW, review_due=today + timedelta(5)
    )
    # Binjiang's complaint is not on Xihu's list.
    ComplaintFactory(merchant=MerchantFactory(name="滨江超市", region=region("330108")))

    page = new_page(locale=locale, **(PHONE if device == "phone" else {}))
    log_in(page, base, "reg-xihu")
    page.goto(f"{base}/")
    card = page.locator(".worklist-card")
    card.get_by_role("heading", name=words["heading"]).wait_for()
    items = card.locator(".worklist-item")
    assert items.count() == 3  # new, overdue, declarations: the empty kinds are not on home
    first = items.nth(0)
    assert words["overdue"] in first.inner_text() and "1" in first.inner_text()  # overdue first
    new = card.get_by_role("link", name=words["new"])
    assert new.inner_text().split()[0] == "2"  # Xihu's two, never Binjiang's
    assert card.get_by_role("link", name=words["review"]).is_visible()
    if device == "phone":
        assert_fits_the_screen(page)
    shot(page, "home")

    new.click()
    page.wait_for_url("**/complaints/queue/?tab=new")
    rows = page.locator("main table tbody tr")
    assert rows.count() == 2
    assert "西湖茶楼" in page.locator("main").inner_text()
    assert "滨江超市" not in page.locator("main").inner_text()
    shot(page, "queue")

    page.goto(f"{base}/")
    page.get_by_role("link", name=words["whole"]).click()
    page.wait_for_url("**/worklist/")
    page.get_by_role("heading", name=words["quiet"]).wait_for()
    quiet = page.locator(".worklist-item.is-empty")
    assert words["appeals"] in " ".join(quiet.all_inner_texts())
    if device == "phone":
        assert_fits_the_screen(page)
    shot(page, "worklist")
