"""Issue 14, findings 2 and 3: an account is either a regulator or a merchant's person, never
both; a merchant's county changes only by a request that the receiving county approves, and
what carries its region follows it."""

import pytest
from django.urls import reverse

from common.errors import DomainError
from merchants.models import (
    AuditEntry,
    CountyChangeRequest,
    Declaration,
    Membership,
    Merchant,
    User,
)
from merchants.permissions import can_declare, is_merchant_operator, works_for
from merchants.selectors import declaration_list, merchant_list
from merchants.services import merchants as svc
from merchants.signals import merchant_region_changed
from tests.conftest import api, client_for
from tests.factories import (
    DeclarationFactory,
    InvitationFactory,
    MembershipFactory,
    RegulatorFactory,
    UserFactory,
    region,
)

API = "/api/v1"


# Conflict of interest.


def test_regulator_accepting_an_owners_invitation_is_refused(owner, merchant, county_regulator):
    # The attack: the owner invites the regulator's own address, the regulator accepts.
    invitation = InvitationFactory(
        merchant=merchant, invited_by=owner, email=county_regulator.email
    )
    client = client_for(county_regulator)
    page = client.get(reverse("invitation-accept", args=[invitation.token]))
    assert "cannot work for a merchant" in page.content.decode()
    assert "Accept the invitation" not in page.content.decode()
    response = client.post(reverse("invitation-accept", args=[invitation.token]), follow=True)
    assert "cannot work for a merchant" in response.content.decode()
    assert not Membership.objects.filter(user=county_regulator).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not can_declare(county_regulator, merchant)


@pytest.mark.parametrize("role", ["regulator", "coordinator", "admin"])
def test_no_supervisor_accepts_an_invitation(owner, merchant, role):
    user = UserFactory(role=role, region=region("330106"))
    invitation = InvitationFactory(merchant=merchant, invited_by=owner, email=user.email)
    with pytest.raises(DomainError, match="cannot work for a merchant"):
        svc.invitation_accept(actor=user, token=invitation.token)


def test_an_invitation_is_accepted_only_by_its_address(owner, merchant, consumer):
    invitation = InvitationFactory(merchant=merchant, invited_by=owner, email="dave@example.com")
    with pytest.raises(DomainError, match="another e-mail address"):
        svc.invitation_accept(actor=consumer, token=invitation.token)
    assert not Membership.objects.filter(user=consumer).exists()
    dave = UserFactory(username="dave", email="Dave@Example.com")
    assert svc.invitation_accept(actor=dave, token=invitation.token).merchant == merchant


def test_regulator_cannot_register_a_merchant_by_api(county_regulator):
    response = api(county_regulator).post(
        f"{API}/merchants/",
        {
            "uscc": "91330106MA2XXXXX0X",
            "name": "Mine",
            "legal_representative": "Me",
            "address": "Here",
            "region": "330106",
            "industry": "retail",
            "licence_valid_from": "2020-01-01",
            "contact_phone": "0571-88888888",
        },
        format="json",
    )
    assert response.status_code == 400
    assert not Merchant.objects.filter(name="Mine").exists()
    with pytest.raises(DomainError, match="cannot work for a merchant"):
        svc.merchant_register(
            actor=county_regulator,
            uscc="91330106MA27XL9X3A",
            name="Mine",
            legal_representative="Me",
            address="Here",
            region=region("330106"),
            industry="retail",
            licence_valid_from="2020-01-01",
            contact_phone="0571-88888888",
        )


def test_admin_cannot_make_a_member_a_regulator(admin_user, owner, merchant):
    client = client_for(admin_user)
    url = reverse("admin:merchants_user_change", args=[owner.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {
            "role": "regulator",
            "region": "330106",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "last_login_0": "",
            "last_login_1": "",
            "groups": [],
            "user_permissions": [],
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "remove its memberships" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == User.Role.MERCHANT


def test_admin_cannot_give_a_regulator_a_membership(admin_user, merchant, county_regulator):
    client = client_for(admin_user)
    response = client.post(
        reverse("admin:merchants_membership_add"),
        {"user": county_regulator.pk, "merchant": merchant.pk, "role": "staff"},
    )
    assert response.status_code == 200
    assert "cannot work for a merchant" in response.content.decode()
    assert not Membership.objects.filter(user=county_regulator).exists()


def test_a_membership_left_from_before_never_lets_a_regulator_act(merchant, county_regulator):
    # A row made before the rule (or by SQL): the regulator still does not act as the merchant.
    Membership.objects.create(user=county_regulator, merchant=merchant, role="staff")
    assert not can_declare(county_regulator, merchant)
    assert not works_for(county_regulator, merchant.pk)
    assert not is_merchant_operator(county_regulator)
    response = api(county_regulator).post(
        f"{API}/declarations/", {"merchant": merchant.pk, "scheme": "assured-unit"}, format="json"
    )
    assert response.status_code in (400, 403, 404)


# County change.


def test_owner_cannot_patch_the_region(owner, merchant):
    response = api(owner).patch(
        f"{API}/merchants/{merchant.pk}/", {"region": "330282"}, format="json"
    )
    assert response.status_code == 400
    assert "county change" in str(response.json()["region"])
    merchant.refresh_from_db()
    assert merchant.region_id == "330106"
    # The same county, or other fields, still save.
    assert (
        api(owner)
        .patch(
            f"{API}/merchants/{merchant.pk}/",
            {"region": "330106", "address": "新址"},
            format="json",
        )
        .status_code
        == 200
    )


def test_owner_cannot_move_by_the_page(owner, merchant):
    page = client_for(owner).get(reverse("merchant-edit", args=[merchant.pk]))
    assert page.context["form"].fields["region"].disabled
    assert (
        reverse("merchant-county-change", args=[merchant.pk])
        in client_for(owner).get(reverse("merchant-detail", args=[merchant.pk])).content.decode()
    )


def _request(owner, merchant, to="330108"):
    response = client_for(owner).post(
        reverse("merchant-county-change", args=[merchant.pk]),
        {"to_region": to, "reason": "We moved to Binjiang."},
    )
    assert response.status_code == 302
    return CountyChangeRequest.objects.get(merchant=merchant, state="requested")


def test_request_then_approval_by_the_receiving_county_moves_the_merchant(
    owner, merchant, county_regulator, other_county_regulator
):
    declaration = DeclarationFactory(merchant=merchant, created_by=owner)
    request = _request(owner, merchant)
    assert (request.from_region_id, request.to_region_id) == ("330106", "330108")
    merchant.refresh_from_db()
    assert merchant.region_id == "330106"  # nothing moves before the decision

    # The county it leaves cannot decide (it does not even see the request).
    leaving = client_for(county_regulator)
    assert leaving.get(reverse("regulator-county-changes")).context["requests"].count() == 0
    assert (
        leaving.post(
            reverse("county-change-decide", args=[request.pk]), {"decision": "approve"}
        ).status_code
        == 404
    )
    with pytest.raises(DomainError):
        svc.county_change_decide(actor=county_regulator, request=request, approve=True)

    moved = []

    def receiver(sender, merchant, from_region, to_region, actor, **kwargs):
        moved.append((merchant.pk, from_region.pk, to_region.pk, actor))

    merchant_region_changed.connect(receiver)
    try:
        receiving = client_for(other_county_regulator)
        page = receiving.get(reverse("regulator-county-changes"))
        assert merchant.name in page.content.decode()
        response = receiving.post(
            reverse("county-change-decide", args=[request.pk]),
            {"decision": "approve", "note": "OK"},
        )
        assert response.status_code == 302
    finally:
        merchant_region_changed.disconnect(receiver)

    merchant.refresh_from_db()
    request.refresh_from_db()
    declaration.refresh_from_db()
    assert merchant.region_id == "330108"
    assert declaration.region_id == "330108"
    assert request.state == "approved" and request.decided_by == other_county_regulator
    assert moved == [(merchant.pk, "330106", "330108", other_county_regulator)]
    assert merchant not in merchant_list(user=county_regulator)
    assert merchant in merchant_list(user=other_county_regulator)
    assert not declaration_list(user=county_regulator).filter(pk=declaration.pk).exists()
    # The receiving county heard of the request; the owner heard of the decision.
    assert other_county_regulator.notifications.filter(
        key=f"county-change:{request.pk}:requested"
    ).exists()
    assert not county_regulator.notifications.exists()
    notice = owner.notifications.get(key=f"county-change:{request.pk}:decided")
    assert "approved" in notice.subject
    actions = set(AuditEntry.objects.filter(merchant=merchant).values_list("action", flat=True))
    assert {"county_change.request", "county_change.approve", "merchant.region_change"} <= actions


def test_refusal_keeps_the_merchant_and_a_city_regulator_may_decide(
    owner, merchant, city_regulator
):
    request = _request(owner, merchant)
    # Only one open request at a time.
    with pytest.raises(DomainError, match="already waiting"):
        svc.county_change_request(
            actor=owner, merchant=merchant, to_region=region("330105"), reason="x"
        )
    svc.county_change_decide(actor=city_regulator, request=request, approve=False, note="No.")
    merchant.refresh_from_db()
    request.refresh_from_db()
    assert merchant.region_id == "330106" and request.state == "refused"
    with pytest.raises(DomainError, match="already been decided"):
        svc.county_change_decide(actor=city_regulator, request=request, approve=True)
    assert AuditEntry.objects.filter(action="county_change.refuse").exists()


def test_only_owners_request_and_a_regulator_of_another_city_cannot_decide(
    owner, merchant, consumer
):
    staff = UserFactory(role="merchant")
    MembershipFactory(user=staff, merchant=merchant, role="staff")
    with pytest.raises(DomainError, match="owners"):
        svc.county_change_request(
            actor=staff, merchant=merchant, to_region=region("330108"), reason="x"
        )
    assert (
        client_for(staff).get(reverse("merchant-county-change", args=[merchant.pk])).status_code
        == 404
    )
    request = _request(owner, merchant)
    ningbo = RegulatorFactory(region=region("330203"))
    with pytest.raises(DomainError):
        svc.county_change_decide(actor=ningbo, request=request, approve=True)
    assert Declaration.objects.count() == 0
