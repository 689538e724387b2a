"""A person's account language (settings page and the site's language switch), and the
invitation mail as an outbox item: a mail server that is down never fails the invitation, and
the mail goes out once when it is back."""

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from common.messages import TEXT, msg
from common.models import OutboxItem
from common.outbox import outbox_redeliver
from merchants.models import Invitation, User
from merchants.services import merchants as svc
from merchants.services.notifications import notify_users
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# The invitation mail goes through the outbox


def _mail_server_down(monkeypatch):
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("common.outbox.send_mail", refuse)


def test_invitation_is_saved_when_the_mail_server_is_down_and_mailed_once_later(
    owner, merchant, monkeypatch, django_capture_on_commit_callbacks
):
    with monkeypatch.context() as patched:
        _mail_server_down(patched)
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(owner).post(
                reverse("merchant-staff", args=[merchant.pk]),
                {"email": "carol@example.com", "role": "staff"},
            )
    assert response.status_code == 302
    invitation = Invitation.objects.get(merchant=merchant)
    assert mail.outbox == []
    item = OutboxItem.objects.get(kind="mail", key=f"invitation:{invitation.pk}")
    assert (
        item.delivered_at is None and item.attempts == 1 and "mail server down" in item.last_error
    )
    # Back again: the periodic re-delivery sends it, once.
    OutboxItem.objects.filter(pk=item.pk).update(due_at=timezone.now())
    assert outbox_redeliver() == 1
    assert outbox_redeliver() == 0
    [sent] = mail.outbox
    assert sent.to == ["carol@example.com"]
    assert reverse("invitation-accept", args=[invitation.token]) in sent.body
    assert merchant.name in sent.subject


def test_the_invitation_is_written_in_the_invitee_account_language(
    owner, merchant, django_capture_on_commit_callbacks
):
    UserFactory(username="dave", email="dave@example.com", language="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        svc.invitation_create(actor=owner, merchant=merchant, email="dave@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        svc.invitation_create(actor=owner, merchant=merchant, email="erin@example.com")
    chinese, english = mail.outbox
    assert chinese.subject == f"邀请您加入{merchant.name}"
    assert not re.search("[A-Za-z]", chinese.body.split("http")[0].replace("alice", ""))
    assert english.subject == f"You are invited to join {merchant.name}"
    assert "To accept, log in" in english.body


# Account language


def test_the_account_page_stores_the_language_and_mail_follows_it(
    owner, django_capture_on_commit_callbacks
):
    client = client_for(owner)
    page = client.get(reverse("account-settings"))
    assert page.status_code == 200
    assert 'name="language"' in page.content.decode()
    response = client.post(reverse("account-settings"), {"language": "zh-hans"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "zh-hans"
    owner.refresh_from_db()
    assert owner.language == "zh-hans" and owner.reading_language == "zh-hans"
    # The page now shows in Chinese.
    assert "账户设置" in client.get(reverse("account-settings")).content.decode()
    # Mail to them is written in it.
    with django_capture_on_commit_callbacks(execute=True):
        notify_users(
            user_ids=[owner.pk],
            key="test:language",
            subject=msg("declaration.subject.approved"),
            body=msg(TEXT, text="x"),
            link="/",
        )
    assert not re.search("[A-Za-z]", mail.outbox[-1].subject)
    # Back to the site's default.
    client.post(reverse("account-settings"), {"language": ""})
    owner.refresh_from_db()
    assert owner.language == ""


def test_the_account_page_offers_complaint_notices_only_to_handlers(owner, county_regulator):
    assert (
        'name="complaint_notices"'
        not in client_for(owner).get(reverse("account-settings")).content.decode()
    )
    county_regulator.can_handle_complaints = True
    county_regulator.save(update_fields=["can_handle_complaints"])
    client = client_for(county_regulator)
    assert 'name="complaint_notices"' in client.get(reverse("account-settings")).content.decode()
    client.post(reverse("account-settings"), {"language": "en", "complaint_notices": "digest"})
    county_regulator.refresh_from_db()
    assert county_regulator.complaint_notices == User.ComplaintNotices.DIGEST
    assert county_regulator.language == "en"


def test_the_account_page_needs_login():
    response = Client().get(reverse("account-settings"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_site_language_switch_is_kept_on_the_account(owner):
    client = client_for(owner)
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.language == "zh-hans"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    owner.refresh_from_db()
    assert owner.language == "en"
    # An unknown language changes nothing.
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    owner.refresh_from_db()
    assert owner.language == "en"


def test_the_language_switch_still_works_signed_out():
    response = Client().post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "zh-hans"


def test_the_navigation_links_to_the_account_page(owner):
    page = client_for(owner).get(reverse("dashboard")).content.decode()
    assert reverse("account-settings") in page
