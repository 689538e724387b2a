from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.messages import label, msg, person
from common.outbox import mail_payload, outbox_add
from merchants.models import Declaration, Invitation, Membership, Merchant, Permit, Region, User
from merchants.services.audit import audit_log
from merchants.services.messages import (
    INVITATION_BODY,
    INVITATION_SUBJECT,
    INVITATION_TO_ACCEPT,
    INVITATION_VALID_UNTIL,
)
from merchants.signals import merchant_facts_changed, merchant_registered
from merchants.validators import (
    MAX_PERMITS,
    normalize_uscc,
    validate_licence_date,
    validate_phone,
)

PROFILE_FIELDS = (
    "name",
    "legal_representative",
    "address",
    "region",
    "industry",
    "licence_valid_from",
    "licence_valid_until",
    "contact_phone",
)


class PermitData(TypedDict):
    permit_type: str
    number: str
    valid_until: date


def duplicate_uscc_message() -> str:
    return _(
        "A merchant with this unified social credit code is already registered. If you work "
        "for it, ask its owner to invite you by e-mail from the merchant's staff page; if you "
        "believe someone registered it wrongly, contact your county market-supervision office."
    )


def _check_region(region: Region) -> None:
    if region.level != Region.Level.COUNTY:
        raise DomainError(_("Choose a county or district, not a city or province."), field="region")


def _check(validator: Any, value: Any, field: str) -> None:
    """A validator's refusal as a DomainError naming the field (form and API alike)."""
    try:
        validator(value)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field=field) from exc


def _check_licence_dates(valid_from: date | None, valid_until: date | None) -> None:
    _check(validate_licence_date, valid_from, "licence_valid_from")
    _check(validate_licence_date, valid_until, "licence_valid_until")
    if valid_from and valid_until and valid_until < valid_from:
        raise DomainError(
            _("The licence cannot end before it becomes valid."), field="licence_valid_until"
        )


def _replace_permits(merchant: Merchant, permits: Iterable[PermitData]) -> None:
    permits = list(permits)
    if len(permits) > MAX_PERMITS:
        raise DomainError(
            _("At most %(n)d permits per merchant.") % {"n": MAX_PERMITS}, field="permits"
        )
    for permit in permits:
        _check(validate_licence_date, permit.get("valid_until"), "permits")
    merchant.permits.all().delete()
    Permit.objects.bulk_create(Permit(merchant=merchant, **p) for p in permits)


@transaction.atomic
def merchant_register(
    *, actor: User, uscc: str, permits: Iterable[PermitData] = (), **profile: Any
) -> Merchant:
    """Register a merchant; the person registering becomes its owner."""
    uscc = normalize_uscc(uscc)
    if Merchant.objects.filter(uscc=uscc).exists():
        raise DomainError(duplicate_uscc_message(), field="uscc")
    _check_region(profile["region"])
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown merchant fields: {sorted(unknown)}")
    _check_licence_dates(profile.get("licence_valid_from"), profile.get("licence_valid_until"))
    _check(validate_phone, profile.get("contact_phone"), "contact_phone")
    try:
        with transaction.atomic():
            merchant = Merchant.objects.create(uscc=uscc, **profile)
    except IntegrityError as exc:  # a concurrent registration of the same code won the race
        raise DomainError(duplicate_uscc_message(), field="uscc") from exc
    Membership.objects.create(user=actor, merchant=merchant, role=Membership.Role.OWNER)
    _replace_permits(merchant, permits)
    if actor.role == User.Role.CONSUMER:
        actor.role = User.Role.MERCHANT
        actor.save(update_fields=["role"])
    audit_log(actor=actor, action="merchant.register", merchant=merchant, data={"uscc": uscc})
    merchant_registered.send(sender=Merchant, merchant=merchant, actor=actor)
    return merchant


@transaction.atomic
def merchant_update(
    *,
    actor: User,
    merchant: Merchant,
    permits: Iterable[PermitData] | None = None,
    **profile: Any,
) -> Merchant:
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    changed = []
    for field, value in profile.items():
        if field not in PROFILE_FIELDS:
            raise TypeError(f"field {field!r} cannot be edited")
        if field == "region":
            _check_region(value)
        if getattr(merchant, field) != value:
            setattr(merchant, field, value)
            changed.append(field)
    _check_licence_dates(merchant.licence_valid_from, merchant.licence_valid_until)
    if "contact_phone" in changed:
        _check(validate_phone, merchant.contact_phone, "contact_phone")
    if changed:
        merchant.save(update_fields=[*changed, "updated_at"])
    if "region" in changed:
        Declaration.objects.filter(merchant=merchant).update(region=merchant.region)
    if permits is not None:
        _replace_permits(merchant, permits)
        changed.append("permits")
    audit_log(actor=actor, action="merchant.update", merchant=merchant, data={"fields": changed})
    # The public store page shows the profile and permits.
    merchant_facts_changed.send(sender=Merchant, public_codes=[merchant.public_code])
    return merchant


@transaction.atomic
def invitation_create(
    *, actor: User, merchant: Merchant, email: str, role: str = Membership.Role.STAFF
) -> Invitation:
    email = email.strip().lower()
    if merchant.memberships.filter(user__email__iexact=email).exists():
        raise DomainError(_("This person already works for the merchant."), field="email")
    invitation = Invitation.objects.create(
        merchant=merchant,
        email=email,
        role=role,
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    audit_log(
        actor=actor,
        action="invitation.create",
        merchant=merchant,
        data={"email": email, "role": role},
    )
    _mail_invitation(invitation)
    return invitation


def _mail_invitation(invitation: Invitation) -> None:
    """Record the invitation mail in the outbox (sent after the commit, again later if the mail
    server was down), in the language of the invitee's account if they have one, else in the
    inviter's page language."""
    invitee = User.objects.filter(email__iexact=invitation.email).exclude(language="").first()
    language = (
        invitee.reading_language
        if invitee is not None
        else translation.get_language() or settings.LANGUAGE_CODE
    )
    url = settings.SITE_URL.rstrip("/") + reverse("invitation-accept", args=[invitation.token])
    valid_until = timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M")
    outbox_add(
        "mail",
        mail_payload(
            to=[invitation.email],
            subject=msg(INVITATION_SUBJECT, merchant=invitation.merchant.name),
            body=[
                msg(
                    INVITATION_BODY,
                    inviter=person(invitation.invited_by),
                    merchant=invitation.merchant.name,
                    role=label(Membership.Role(invitation.role).label),
                ),
                msg(INVITATION_VALID_UNTIL, date=valid_until),
                msg(INVITATION_TO_ACCEPT),
            ],
            language=language,
            link=url,
        ),
        key=f"invitation:{invitation.pk}",
    )


@transaction.atomic
def invitation_accept(*, actor: User, token: str) -> Membership:
    invitation = Invitation.objects.select_for_update().filter(token=token).first()
    if invitation is None or not invitation.is_usable:
        raise DomainError(_("This invitation is no longer valid. Ask the owner for a new one."))
    membership, created = Membership.objects.get_or_create(
        user=actor, merchant=invitation.merchant, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if actor.role == User.Role.CONSUMER:
        actor.role = User.Role.MERCHANT
        actor.save(update_fields=["role"])
    audit_log(
        actor=actor,
        action="invitation.accept",
        merchant=invitation.merchant,
        data={"email": invitation.email, "created": created},
    )
    return membership


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise DomainError(_("This invitation has already been accepted."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_log(
        actor=actor,
        action="invitation.revoke",
        merchant=invitation.merchant,
        data={"email": invitation.email},
    )
    return invitation


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    merchant = Merchant.objects.select_for_update().get(pk=membership.merchant_id)
    if (
        membership.role == Membership.Role.OWNER
        and merchant.memberships.filter(role=Membership.Role.OWNER).count() == 1
    ):
        raise DomainError(_("A merchant must keep at least one owner."))
    username = membership.user.username
    membership.delete()
    audit_log(actor=actor, action="membership.remove", merchant=merchant, data={"user": username})
