"""A merchant operator's first visit, end to end in headless Chromium, and who sees the result."""

import re

import pytest

from merchants.models import Declaration, Merchant, Scheme, User
from merchants.uscc import build_uscc
from tests.browser.helpers import PASSWORD, SUBMIT, log_in
from tests.factories import PDF_BYTES, PNG_BYTES, RegulatorFactory, region

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_merchant_registers_declares_and_the_right_regulators_see_it(
    reference_data, new_page, live_server, shot, tmp_path
):
    base = live_server.url
    for name, county in (("reg-xihu", "330106"), ("reg-binjiang", "330108")):
        RegulatorFactory(username=name, region=region(county), password=PASSWORD)

    page = new_page("zh-CN")

    # Sign up as a merchant operator.
    page.goto(f"{base}/accounts/signup/")
    shot(page, "01-signup")
    page.fill("input[name=username]", "wang.fang")
    page.fill("input[name=email]", "wang.fang@example.com")
    page.fill("input[name=phone]", "13905710001")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.check(f"input[name=role][value={User.Role.MERCHANT}]")
    page.click(SUBMIT)
    page.wait_for_url(re.compile(r"/merchants/register/$"))

    # Register the merchant.
    uscc = build_uscc("330106", 4_242_424)
    page.fill("input[name=uscc]", uscc)
    page.fill("input[name=name]", "杭州西湖龙井茶庄有限公司")
    page.fill("input[name=legal_representative]", "王芳")
    page.fill("input[name=address]", "杭州市西湖区龙井路1号")
    page.select_option("select[name=city]", "330100")
    page.select_option("select[name=region]", "330106")
    page.select_option("select[name=industry]", "retail")
    page.fill("input[name=licence_valid_from]", "2021-06-01")
    page.fill("input[name=contact_phone]", "0571-87960000")
    shot(page, "02-register-merchant")
    page.click(SUBMIT)
    page.wait_for_url(re.compile(r"/merchants/\d+/$"))
    merchant = Merchant.objects.get(uscc=uscc)
    assert merchant.memberships.get().user.username == "wang.fang"
    shot(page, "03-merchant-detail")

    # Start a no-reason-return declaration.
    page.click("main a[href$='/declarations/new/']")
    scheme = Scheme.objects.get(code="no-reason-return")
    page.check(f"input[name=scheme][value='{scheme.pk}']")
    page.click(SUBMIT)
    page.wait_for_url(re.compile(r"/declarations/\d+/edit/$"))

    # Tick every commitment, fill the return terms, upload the documents.
    for box in page.locator("input[name=commitments]").all():
        box.check()
    page.fill("input[name=return_days]", "15")
    page.fill("[name=goods_covered]", "茶叶、茶具")
    page.fill("[name=goods_excluded]", "已拆封的散装茶叶")
    page.check("input[name=cross_store_returns]")
    pdf = tmp_path / "承诺书.pdf"
    pdf.write_bytes(PDF_BYTES)
    png = tmp_path / "营业执照.png"
    png.write_bytes(PNG_BYTES)
    for i, doc in enumerate(scheme.required_documents.all()):
        page.set_input_files(f"input[name=document_{doc.pk}]", str(pdf if i % 2 else png))
    shot(page, "04-declaration-edit")
    page.click(SUBMIT)
    page.wait_for_url(re.compile(r"/declarations/\d+/$"))
    declaration = Declaration.objects.get(merchant=merchant)
    assert declaration.documents.count() == scheme.required_documents.count()

    # Submit: screening runs and the declaration waits for review.
    page.click("form[action$='/submit/'] button[type=submit]")
    page.wait_for_load_state()
    declaration.refresh_from_db()
    assert declaration.state == Declaration.State.PENDING_REVIEW
    shot(page, "05-declaration-submitted")

    page.goto(f"{base}/dashboard/")
    dashboard = page.locator("main").inner_text()
    assert "杭州西湖龙井茶庄有限公司" in dashboard
    assert "待审核" in dashboard
    shot(page, "06-dashboard")

    # The Xihu regulator sees it in the regional list and can open it.
    regulator = new_page("zh-CN")
    log_in(regulator, base, "reg-xihu")
    regulator.goto(f"{base}/regulator/declarations/")
    assert "杭州西湖龙井茶庄有限公司" in regulator.locator("main").inner_text()
    shot(regulator, "07-regulator-xihu-list")
    regulator.click(f"main a[href$='/declarations/{declaration.pk}/']")
    regulator.wait_for_url(re.compile(rf"/declarations/{declaration.pk}/$"))
    assert "承诺书.pdf" in regulator.locator("main").inner_text()
    shot(regulator, "08-regulator-xihu-detail")

    # The Binjiang regulator neither lists it nor reaches it by address.
    outsider = new_page("zh-CN")
    log_in(outsider, base, "reg-binjiang")
    outsider.goto(f"{base}/regulator/declarations/")
    assert "杭州西湖龙井茶庄有限公司" not in outsider.locator("main").inner_text()
    shot(outsider, "09-regulator-binjiang-list")
    response = outsider.goto(f"{base}/declarations/{declaration.pk}/")
    assert response.status == 404
    response = outsider.goto(f"{base}/merchants/{merchant.pk}/")
    assert response.status == 404
