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
from common.messages import bilingual, label, msg, person
from common.outbox import mail_payload, outbox_add
from common.phones import validate_phone
from merchants.models import (
    CountyChangeRequest,
    Declaration,
    Invitation,
    Membership,
    Merchant,
    Permit,
    Region,
    User,
)
from merchants.permissions import can_decide_county_change, can_manage_merchant
from merchants.selectors import regions_reaching
from merchants.services.accounts import require_may_be_member
from merchants.services.audit import audit_log
from merchants.services.messages import (
    COUNTY_CHANGE_APPROVED,
    COUNTY_CHANGE_REFUSED,
    COUNTY_CHANGE_REQUESTED_BODY,
    COUNTY_CHANGE_REQUESTED_SUBJECT,
    INVITATION_BODY,
    INVITATION_SUBJECT,
    INVITATION_TO_ACCEPT,
    INVITATION_VALID_UNTIL,
)
from merchants.services.notifications import notify_merchant_members, notify_users
from merchants.signals import (
    merchant_facts_changed,
    merchant_region_changed,
    merchant_registered,
)
from merchants.validators import (
    MAX_PERMITS,
    normalize_uscc,
    validate_licence_date,
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
    require_may_be_member(actor)
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
        if field == "region" and value != merchant.region:
            raise DomainError(county_change_needed_message(), field="region")
        if getattr(merchant, field) != value:
            setattr(merchant, field, value)
            changed.append(field)
    _check_licence_dates(merchant.licence_valid_from, merchant.licence_valid_until)
    if "contact_phone" in changed:
        _check(validate_phone, merchant.contact_phone, "contact_phone")
    if changed:
        merchant.save(update_fields=[*changed, "updated_at"])
    if permits is not None:
        _replace_permits(merchant, permits)
        changed.append("permits")
    audit_log(actor=actor, action="merchant.update", merchant=merchant, data={"fields": changed})
    # The public store page shows the profile and permits.
    merchant_facts_changed.send(sender=Merchant, public_codes=[merchant.public_code])
    return merchant


def county_change_needed_message() -> str:
    return _(
        "A merchant's county cannot be changed here: request a county change, which a "
        "regulator of the new county approves."
    )


@transaction.atomic
def county_change_request(
    *, actor: User, merchant: Merchant, to_region: Region, reason: str
) -> CountyChangeRequest:
    """An owner asks to move the merchant to `to_region`; nothing moves until a regulator of
    that county approves."""
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    if not can_manage_merchant(actor, merchant):
        raise DomainError(_("Only the merchant's owners can request a county change."))
    _check_region(to_region)
    if to_region.pk == merchant.region_id:
        raise DomainError(_("The merchant is already in this county."), field="to_region")
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why the merchant moves."), field="reason")
    if merchant.county_change_requests.filter(state=CountyChangeRequest.State.REQUESTED).exists():
        raise DomainError(
            _("A county change request of this merchant is already waiting for a decision.")
        )
    request = CountyChangeRequest.objects.create(
        merchant=merchant,
        from_region_id=merchant.region_id,
        to_region=to_region,
        reason=reason,
        requested_by=actor,
    )
    audit_log(
        actor=actor,
        action="county_change.request",
        merchant=merchant,
        obj=request,
        data={"request": request.pk, "from": merchant.region_id, "to": to_region.pk},
    )
    # The regulators who may decide: those of the receiving county, its city and province.
    deciders = User.objects.filter(
        role=User.Role.REGULATOR,
        is_active=True,
        region_id__in=regions_reaching(to_region.pk),
    ).values_list("pk", flat=True)
    from_region = merchant.region
    notify_users(
        user_ids=list(deciders),
        key=f"county-change:{request.pk}:requested",
        subject=msg(
            COUNTY_CHANGE_REQUESTED_SUBJECT,
            merchant=merchant.name,
            county=bilingual(lambda: to_region.display_name),
        ),
        body=msg(
            COUNTY_CHANGE_REQUESTED_BODY,
            merchant=merchant.name,
            from_county=bilingual(lambda: from_region.display_name),
            county=bilingual(lambda: to_region.display_name),
        ),
        link=reverse("regulator-county-changes"),
        merchant_id=merchant.pk,
    )
    return request


@transaction.atomic
def county_change_decide(
    *, actor: User, request: CountyChangeRequest, approve: bool, note: str = ""
) -> CountyChangeRequest:
    """A regulator of the receiving county approves or refuses. On approval the merchant, its
    declarations and (through `merchant_region_changed`) every row of the higher apps that
    carries its region move in this one transaction."""
    request = CountyChangeRequest.objects.select_for_update().get(pk=request.pk)
    merchant = Merchant.objects.select_for_update().get(pk=request.merchant_id)
    if not can_decide_county_change(actor, request):
        raise DomainError(_("Only a regulator of the receiving county can decide this request."))
    if request.state != CountyChangeRequest.State.REQUESTED:
        raise DomainError(_("This request has already been decided."))
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note.strip()
    if approve and merchant.region_id != request.from_region_id:
        raise DomainError(
            _("The merchant is no longer in the county it asked to leave; refuse this request.")
        )
    request.state = (
        CountyChangeRequest.State.APPROVED if approve else CountyChangeRequest.State.REFUSED
    )
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    audit_log(
        actor=actor,
        action="county_change.approve" if approve else "county_change.refuse",
        merchant=merchant,
        obj=request,
        data={"request": request.pk, "from": request.from_region_id, "to": request.to_region_id},
    )
    if approve:
        _merchant_move(actor=actor, merchant=merchant, to_region=request.to_region)
    to_region = request.to_region
    outcome = msg(
        COUNTY_CHANGE_APPROVED if approve else COUNTY_CHANGE_REFUSED,
        merchant=merchant.name,
        county=bilingual(lambda: to_region.display_name),
    )
    notify_merchant_members(
        merchant_id=merchant.pk,
        key=f"county-change:{request.pk}:decided",
        subject=outcome,
        body=outcome,
        link=reverse("merchant-county-change", args=[merchant.pk]),
    )
    return request


def _merchant_move(*, actor: User, merchant: Merchant, to_region: Region) -> None:
    from_region = merchant.region
    merchant.region = to_region
    merchant.save(update_fields=["region", "updated_at"])
    moved = Declaration.objects.filter(merchant=merchant).update(region=to_region)
    audit_log(
        actor=actor,
        action="merchant.region_change",
        merchant=merchant,
        data={"from": from_region.pk, "to": to_region.pk, "declarations": moved},
    )
    merchant_region_changed.send(
        sender=Merchant,
        merchant=merchant,
        from_region=from_region,
        to_region=to_region,
        actor=actor,
    )
    # The public store page shows the county.
    merchant_facts_changed.send(sender=Merchant, public_codes=[merchant.public_code])


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


def require_may_accept(actor: User, invitation: Invitation) -> None:
    """Conflict of interest and possession: only an account that may work for a merchant, and
    whose e-mail is the invited address, accepts (a link passed on is of no use)."""
    require_may_be_member(actor)
    if (actor.email or "").strip().lower() != invitation.email.strip().lower():
        raise DomainError(
            _(
                "This invitation was sent to another e-mail address. Sign in with the account "
                "of %(email)s, or ask the owner to invite the address of your account."
            )
            % {"email": invitation.email}
        )


@transaction.atomic
def invitation_accept(*, actor: User, token: str) -> Membership:
    invitation = Invitation.objects.select_for_update().filter(token=token).first()
    if invitation is None or not invitation.is_usable:
        raise DomainError(_("This invitation is no longer valid. Ask the owner for a new one."))
    require_may_accept(actor, invitation)
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
