from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from common.errors import DomainError
from merchants.models import AuditEntry, Invitation, Membership, Merchant, Permit, User
from merchants.services import merchants as svc
from merchants.services.accounts import user_sign_up
from merchants.uscc import build_uscc
from tests.factories import InvitationFactory, MembershipFactory, UserFactory, region

pytestmark = pytest.mark.django_db


def _profile(**overrides):
    data = {
        "name": "西溪湿地餐饮有限公司",
        "legal_representative": "李四",
        "address": "杭州市西湖区天目山路518号",
        "region": region("330106"),
        "industry": "catering",
        "licence_valid_from": date(2021, 3, 1),
        "licence_valid_until": None,
        "contact_phone": "0571-88888888",
    }
    return data | overrides


def test_register_makes_the_actor_owner_and_records_permits(consumer):
    uscc = build_uscc("330106", 777)
    merchant = svc.merchant_register(
        actor=consumer,
        uscc=uscc.lower(),
        permits=[
            {"permit_type": "food_business", "number": "JY1", "valid_until": date(2030, 1, 1)}
        ],
        **_profile(),
    )
    assert merchant.uscc == uscc
    assert Membership.objects.get(merchant=merchant).user == consumer
    assert Membership.objects.get(merchant=merchant).role == Membership.Role.OWNER
    assert merchant.permits.get().number == "JY1"
    consumer.refresh_from_db()
    assert consumer.role == User.Role.MERCHANT
    assert AuditEntry.objects.filter(action="merchant.register", merchant=merchant).exists()
    assert len(merchant.public_code) >= 16


def test_duplicate_uscc_is_refused_with_how_to_get_access(owner, merchant, other_owner):
    with pytest.raises(DomainError, match="invite you") as exc:
        svc.merchant_register(actor=other_owner, uscc=merchant.uscc, **_profile())
    assert exc.value.field == "uscc"
    assert Merchant.objects.count() == 1
    assert not Membership.objects.filter(user=other_owner).exists()


def test_region_must_be_a_county(consumer):
    with pytest.raises(DomainError, match="county"):
        svc.merchant_register(
            actor=consumer, uscc=build_uscc("330100", 1), **_profile(region=region("330100"))
        )
    assert not Merchant.objects.exists()


def test_licence_cannot_end_before_it_starts(consumer, owner, merchant):
    with pytest.raises(DomainError, match="cannot end before") as exc:
        svc.merchant_register(
            actor=consumer,
            uscc=build_uscc("330106", 778),
            **_profile(licence_valid_until=date(2020, 1, 1)),
        )
    assert exc.value.field == "licence_valid_until"
    with pytest.raises(DomainError, match="cannot end before"):
        svc.merchant_update(actor=owner, merchant=merchant, licence_valid_until=date(2000, 1, 1))
    assert Merchant.objects.count() == 1
    merchant.refresh_from_db()
    assert merchant.licence_valid_until == date(2040, 1, 1)


def test_update_changes_fields_and_replaces_permits(owner, merchant):
    svc.merchant_update(
        actor=owner,
        merchant=merchant,
        address="新地址1号",
        permits=[{"permit_type": "other", "number": "X-9", "valid_until": date(2031, 5, 5)}],
    )
    merchant.refresh_from_db()
    assert merchant.address == "新地址1号"
    assert list(Permit.objects.filter(merchant=merchant).values_list("number", flat=True)) == [
        "X-9"
    ]
    entry = AuditEntry.objects.get(action="merchant.update")
    assert entry.data["fields"] == ["address", "permits"]


def test_invitation_is_mailed_and_accepted(owner, merchant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = svc.invitation_create(actor=owner, merchant=merchant, email="Dave@Example.com")
    assert invitation.email == "dave@example.com"
    assert len(mail.outbox) == 1
    assert f"http://127.0.0.1:8000/invitations/{invitation.token}/" in mail.outbox[0].body
    dave = UserFactory(username="dave", email="dave@example.com")
    membership = svc.invitation_accept(actor=dave, token=invitation.token)
    assert membership.role == Membership.Role.STAFF and membership.merchant == merchant
    with pytest.raises(DomainError, match="no longer valid"):
        svc.invitation_accept(actor=UserFactory(), token=invitation.token)


def test_expired_or_revoked_invitation_is_refused(owner, merchant):
    expired = InvitationFactory(
        merchant=merchant, invited_by=owner, expires_at=timezone.now() - timedelta(seconds=1)
    )
    revoked = svc.invitation_revoke(
        actor=owner, invitation=InvitationFactory(merchant=merchant, invited_by=owner)
    )
    for token in (expired.token, revoked.token, "no-such-token"):
        with pytest.raises(DomainError):
            svc.invitation_accept(actor=UserFactory(), token=token)
    assert Membership.objects.filter(merchant=merchant).count() == 1


def test_inviting_an_existing_member_is_refused(owner, merchant):
    with pytest.raises(DomainError, match="already works"):
        svc.invitation_create(actor=owner, merchant=merchant, email=owner.email.upper())
    assert not Invitation.objects.exists()


def test_last_owner_cannot_be_removed(owner, merchant):
    membership = Membership.objects.get(user=owner, merchant=merchant)
    with pytest.raises(DomainError, match="at least one owner"):
        svc.membership_remove(actor=owner, membership=membership)
    staff = MembershipFactory(merchant=merchant, role=Membership.Role.STAFF)
    svc.membership_remove(actor=owner, membership=staff)
    assert not Membership.objects.filter(pk=staff.pk).exists()


def test_self_sign_up_only_for_public_roles():
    user = user_sign_up(
        username="erin", email="e@example.com", password="pw-12345678", role="consumer"
    )
    assert user.check_password("pw-12345678")
    with pytest.raises(ValueError):
        user_sign_up(username="mallory", email="m@example.com", password="x", role="regulator")
    assert not User.objects.filter(username="mallory").exists()


def test_moving_county_moves_the_declarations_with_it(
    owner, merchant, county_regulator, other_county_regulator
):
    from merchants.selectors import declaration_list
    from merchants.services.declarations import declaration_create
    from tests.factories import scheme

    declaration = declaration_create(actor=owner, merchant=merchant, scheme=scheme("assured-unit"))
    assert declaration.region_id == "330106"
    assert list(declaration_list(user=county_regulator)) == [declaration]
    request = svc.county_change_request(
        actor=owner, merchant=merchant, to_region=region("330108"), reason="We moved."
    )
    svc.county_change_decide(actor=other_county_regulator, request=request, approve=True)
    declaration.refresh_from_db()
    assert declaration.region_id == "330108"
    assert not declaration_list(user=county_regulator).exists()
    assert list(declaration_list(user=other_county_regulator)) == [declaration]
