"""Screening and review in headless Chromium: a failed screening explained to the merchant, a
clean declaration claimed and approved by the county regulator, the result in the inbox."""

import re
from datetime import date, timedelta

import pytest

from merchants.models import Declaration, Membership, Notification
from merchants.services import declarations as svc
from tests.browser.helpers import PASSWORD, log_in
from tests.factories import (
    MembershipFactory,
    MerchantFactory,
    RegistryRecordFactory,
    RegulatorFactory,
    UserFactory,
    pdf_upload,
    region,
    scheme,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _complete_draft(owner, merchant) -> Declaration:
    s = scheme("assured-unit")
    declaration = svc.declaration_create(actor=owner, merchant=merchant, scheme=s)
    svc.declaration_update(actor=owner, declaration=declaration, commitments=s.commitments.all())
    for doc in s.required_documents.all():
        svc.declaration_attach_document(
            actor=owner, declaration=declaration, required_document=doc, upload=pdf_upload()
        )
    return declaration


def test_failed_screening_is_explained_and_a_clean_declaration_is_approved(
    reference_data, new_page, live_server, shot, settings
):
    settings.LANGUAGE_CODE = "zh-hans"  # the platform's language, in which mail is written
    base = live_server.url
    owner = UserFactory(username="chen.jing", password=PASSWORD, role="merchant")
    RegulatorFactory(username="reg-xihu", region=region("330106"), password=PASSWORD)
    expired = MerchantFactory(name="西湖旧书店", region=region("330106"))
    clean = MerchantFactory(name="龙井问茶茶庄", region=region("330106"))
    for m in (expired, clean):
        MembershipFactory(user=owner, merchant=m, role=Membership.Role.OWNER)
    RegistryRecordFactory(uscc=expired.uscc, licence_valid_until=date.today() - timedelta(days=40))
    RegistryRecordFactory(uscc=clean.uscc)
    failing = _complete_draft(owner, expired)
    passing = _complete_draft(owner, clean)

    merchant_page = new_page("zh-CN")
    log_in(merchant_page, base, "chen.jing")
    for declaration in (failing, passing):
        merchant_page.goto(f"{base}/declarations/{declaration.pk}/")
        merchant_page.click("form[action$='/submit/'] button[type=submit]")
        merchant_page.wait_for_load_state()

    failing.refresh_from_db()
    passing.refresh_from_db()
    assert failing.state == Declaration.State.SCREENING_FAILED
    assert passing.state == Declaration.State.PENDING_REVIEW

    # The merchant sees why screening failed and how to go on.
    merchant_page.goto(f"{base}/declarations/{failing.pk}/")
    text = merchant_page.locator("main").inner_text()
    assert "初审未通过" in text
    assert (date.today() - timedelta(days=40)).isoformat() in text
    assert merchant_page.locator(f"main a[href$='/declarations/{failing.pk}/edit/']").count() >= 1
    shot(merchant_page, "01-merchant-screening-failed")

    # The Xihu regulator finds the clean one in the queue, claims and approves it.
    regulator = new_page("zh-CN")
    log_in(regulator, base, "reg-xihu")
    regulator.goto(f"{base}/review/")
    queue = regulator.locator("main").inner_text()
    assert "龙井问茶茶庄" in queue and "西湖旧书店" not in queue
    shot(regulator, "02-regulator-queue")
    regulator.click(f"main a[href$='/review/declarations/{passing.pk}/']")
    regulator.wait_for_url(re.compile(rf"/review/declarations/{passing.pk}/$"))
    regulator.click("form[action$='/claim/'] button[type=submit]")
    regulator.wait_for_load_state()
    shot(regulator, "03-regulator-claimed")
    regulator.click("form[action$='/approve/'] button[type=submit]")
    regulator.wait_for_load_state()
    passing.refresh_from_db()
    assert passing.state == Declaration.State.APPROVED
    assert passing.reviewer.username == "reg-xihu"

    # The merchant sees the result and unread messages in the inbox: the failed screening, the
    # approval, and the two pool moves (selection after screening, cultivation on approval).
    merchant_page.goto(f"{base}/dashboard/")
    assert merchant_page.locator("nav .nav-badge").inner_text().strip() == "4"
    assert "已通过" in merchant_page.locator("main").inner_text()
    merchant_page.goto(f"{base}/inbox/")
    inbox = merchant_page.locator("main").inner_text()
    assert "您的申报已审核通过" in inbox and "龙井问茶茶庄" in inbox
    assert "未通过系统初审" in inbox
    shot(merchant_page, "04-merchant-inbox")
    assert Notification.objects.filter(user=owner, read_at__isnull=True).count() == 4
