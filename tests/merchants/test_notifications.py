"""Outcome notifications: one inbox row per member of the merchant, mailed once after commit."""

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from merchants.models import Declaration, Membership, Notification, User
from merchants.models import DeclarationState as S
from merchants.services import declarations as svc
from merchants.services.notifications import (
    notification_mark_read,
    notification_send_emails,
    notify_declaration_event,
)
from tests.factories import (
    DeclarationFactory,
    MembershipFactory,
    NotificationFactory,
    UserFactory,
    pdf_upload,
    scheme,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(merchant) -> User:
    user = UserFactory(username="dave", role=User.Role.MERCHANT)
    MembershipFactory(user=user, merchant=merchant, role=Membership.Role.STAFF)
    return user


@pytest.fixture
def members(owner, staff) -> set[User]:
    return {owner, staff}


def _in_state(merchant, owner, state: str) -> Declaration:
    """A declaration put straight into a state, to drive the transitions that leave it."""
    d = DeclarationFactory(merchant=merchant, created_by=owner, scheme=scheme("assured-unit"))
    Declaration.objects.filter(pk=d.pk).update(state=state)
    d.refresh_from_db()
    return d


def _fail_screening(declaration: Declaration) -> Declaration:
    svc.declaration_screening_start(declaration=declaration)
    return svc.declaration_screening_finish(
        declaration=declaration, passed=False, reason="营业执照已过期"
    )


def _decide(regulator: User, declaration: Declaration, outcome: str) -> Declaration:
    svc.declaration_claim(actor=regulator, declaration=declaration)
    if outcome == S.APPROVED:
        return svc.declaration_approve(actor=regulator, declaration=declaration)
    if outcome == S.REJECTED:
        return svc.declaration_reject(actor=regulator, declaration=declaration, reason="近期有处罚")
    return svc.declaration_return(actor=regulator, declaration=declaration, comments="请补充照片")


SUBJECTS = {
    S.SCREENING_FAILED: "Your declaration did not pass the automatic screening",
    S.APPROVED: "Your declaration is approved",
    S.REJECTED: "Your declaration is rejected",
    S.RETURNED: "Your declaration is returned for amendment",
    S.REVOKED: "Your approval is revoked",
}


def _drive(outcome: str, *, merchant, owner, regulator) -> Declaration:
    if outcome == S.SCREENING_FAILED:
        return _fail_screening(_in_state(merchant, owner, S.SUBMITTED))
    if outcome == S.REVOKED:
        d = _in_state(merchant, owner, S.APPROVED)
        return svc.declaration_revoke(actor=regulator, declaration=d, reason="假冒商品")
    return _decide(regulator, _in_state(merchant, owner, S.PENDING_REVIEW), outcome)


@pytest.mark.parametrize("outcome", list(SUBJECTS))
def test_each_outcome_tells_every_member_of_the_merchant(
    outcome, merchant, owner, members, other_owner, other_merchant, county_regulator
):
    d = _drive(outcome, merchant=merchant, owner=owner, regulator=county_regulator)
    assert d.state == outcome
    rows = list(Notification.objects.filter(declaration=d))
    assert {n.user for n in rows} == members
    event = d.events.get(to_state=outcome)
    for n in rows:
        assert n.key == f"declaration-event:{event.pk}"
        assert n.merchant_id == merchant.pk
        assert n.subject == SUBJECTS[outcome]
        assert merchant.name in n.body and d.scheme.display_name in n.body
        assert str(S(outcome).label) in n.body
        assert n.link == reverse("declaration-detail", args=[d.pk])
        assert n.read_at is None
    if event.reason:
        assert all(f"Reason: {event.reason}" in n.body for n in rows)
    assert not Notification.objects.filter(user=other_owner).exists()
    assert not Notification.objects.filter(user=county_regulator).exists()


def test_submission_screening_pass_and_claim_tell_nobody(
    merchant, owner, members, county_regulator, django_capture_on_commit_callbacks
):
    d = svc.declaration_create(actor=owner, merchant=merchant, scheme=scheme("assured-unit"))
    svc.declaration_update(actor=owner, declaration=d, commitments=d.scheme.commitments.all())
    for doc in d.scheme.required_documents.filter(is_mandatory=True):
        svc.declaration_attach_document(
            actor=owner, declaration=d, required_document=doc, upload=pdf_upload()
        )
    # Screening is left to run by hand below, so its rules cannot decide this test.
    with django_capture_on_commit_callbacks(execute=False):
        svc.declaration_submit(actor=owner, declaration=d)
    assert d.state == S.SUBMITTED
    svc.declaration_screening_start(declaration=d)
    svc.declaration_screening_finish(declaration=d, passed=True, reason="", flagged=True)
    svc.declaration_claim(actor=county_regulator, declaration=d)
    svc.declaration_release(actor=county_regulator, declaration=d)
    assert d.state == S.PENDING_REVIEW
    # Only the move into the selection pool is told (ratings tells of every pool change).
    assert not Notification.objects.exclude(key__startswith="pool-change-").exists()


def test_mail_goes_after_commit_once_per_member_with_the_absolute_link(
    merchant, owner, staff, county_regulator, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://acp.example.gov.cn/"
    d = _in_state(merchant, owner, S.PENDING_REVIEW)
    svc.declaration_claim(actor=county_regulator, declaration=d)
    mail.outbox.clear()  # the move into the selection pool, told by ratings
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        svc.declaration_approve(actor=county_regulator, declaration=d)
    assert Notification.objects.filter(declaration=d).count() == 2
    assert mail.outbox == []  # nothing is mailed inside the transaction
    for callback in callbacks:
        callback()
    # Besides the ratings' mail of the move into the cultivation pool:
    approved = [m for m in mail.outbox if m.subject == "Your declaration is approved"]
    assert sorted(m.to[0] for m in approved) == sorted([owner.email, staff.email])
    url = f"https://acp.example.gov.cn/declarations/{d.pk}/"
    for message in approved:
        assert message.subject == "Your declaration is approved"
        assert url in message.body and merchant.name in message.body
    assert not Notification.objects.filter(declaration=d, emailed_at__isnull=True).exists()
    # The hook running again (a retry, a second worker) mails nobody twice.
    for callback in callbacks:
        callback()
    key = Notification.objects.filter(declaration=d).values_list("key", flat=True).first()
    assert notification_send_emails(key=key) == 0
    assert len([m for m in mail.outbox if m.subject == "Your declaration is approved"]) == 2


def test_a_member_without_an_email_address_still_gets_the_inbox_row(
    merchant, owner, county_regulator, django_capture_on_commit_callbacks
):
    no_mail = UserFactory(username="erin", email="", role=User.Role.MERCHANT)
    MembershipFactory(user=no_mail, merchant=merchant, role=Membership.Role.STAFF)
    d = _in_state(merchant, owner, S.PENDING_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        _decide(county_regulator, d, S.RETURNED)
    assert Notification.objects.filter(user=no_mail, declaration=d).exists()
    assert [m.to for m in mail.outbox] == [[owner.email]]


def test_a_rolled_back_transition_leaves_no_notification_and_no_mail(
    merchant, owner, county_regulator, django_capture_on_commit_callbacks
):
    d = _in_state(merchant, owner, S.PENDING_REVIEW)
    svc.declaration_claim(actor=county_regulator, declaration=d)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        svc.declaration_reject(actor=county_regulator, declaration=d, reason="近期有处罚")
        raise RuntimeError("something after the decision failed")
    assert callbacks == []
    assert Declaration.objects.get(pk=d.pk).state == S.UNDER_REVIEW
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_writing_the_same_event_twice_keeps_one_row_each(
    merchant, owner, members, django_capture_on_commit_callbacks
):
    d = _fail_screening(_in_state(merchant, owner, S.SUBMITTED))
    event = d.events.get(to_state=S.SCREENING_FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        notify_declaration_event(event=event)
    assert Notification.objects.filter(declaration=d).count() == len(members)
    assert len(mail.outbox) == len(members)


def test_mark_read_touches_only_the_users_own_unread_rows(owner, other_owner):
    mine = NotificationFactory.create_batch(3, user=owner)
    theirs = NotificationFactory(user=other_owner)
    assert notification_mark_read(user=owner, notification_ids=[mine[0].pk, theirs.pk]) == 1
    assert notification_mark_read(user=owner, notification_ids=[mine[0].pk]) == 0
    assert notification_mark_read(user=owner) == 2
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None
