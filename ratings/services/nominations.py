"""A regulator's nomination: an invitation to declare, sent to a merchant found in the registry.

A merchant already registered on the platform enters the selection pool at once and its people
are told to declare. One not registered yet is recorded with the name and county the regulator
gives (the registry holds neither) and, if an e-mail address is given, invited by mail; it
enters the selection pool when it registers with that USCC (`nominations_on_register`).
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import require
from common.messages import msg
from common.outbox import mail_payload, outbox_add
from merchants.models import Merchant, Pool, Region, RegistryRecord, User
from merchants.services.audit import audit_log
from merchants.services.notifications import notify_merchant_members
from merchants.validators import normalize_uscc
from ratings import messages as m
from ratings.models import IN_PROGRAMME, Nomination, ReasonCode, Standing
from ratings.permissions import can_nominate, is_pool_regulator
from ratings.services.pools import move_line, require_may_declare, standing_move


def _enter_selection(nomination: Nomination, merchant: Merchant, actor: User | None) -> None:
    _standing, change = standing_move(
        merchant=merchant,
        to=Pool.SELECTION,
        reason_code=ReasonCode.NOMINATED,
        reason=msg(m.NOMINATED),
        actor=actor,
        evidence={"nomination": nomination.pk},
        changes={"reentry_after": None, "former_pool": "", "former_stars": 0},
        notify=False,  # the invitation below tells of the move
    )
    nomination.merchant, nomination.entered_at = merchant, change.created_at
    nomination.save(update_fields=["merchant", "entered_at"])
    notify_merchant_members(
        merchant_id=merchant.pk,
        key=f"nomination-{nomination.pk}",
        subject=msg(m.NOMINATION_SUBJECT),
        body=[
            m.text(nomination.message) if nomination.message else msg(m.NOMINATION_BODY),
            move_line(change, merchant.name),
        ],
        link=reverse("declaration-create", args=[merchant.pk]),
    )


def nomination_create(
    *,
    actor: User,
    uscc: str,
    name: str = "",
    region: Region | None = None,
    email: str = "",
    message: str = "",
) -> Nomination:
    require(is_pool_regulator(actor), _("Only a regulator can nominate a merchant."))
    uscc = normalize_uscc(uscc)
    require(
        RegistryRecord.objects.filter(
            uscc=uscc, entity_status=RegistryRecord.Status.ACTIVE
        ).exists(),
        _("No active entity with this code is in the registry."),
    )
    merchant = Merchant.objects.filter(uscc=uscc).first()
    if merchant is not None:
        name, region = merchant.name, merchant.region
    require(bool(name.strip()), _("Give the merchant's name."))
    require(region is not None, _("Choose the merchant's county."))
    require(can_nominate(actor, region), _("This merchant is outside your region."))
    with transaction.atomic():
        if merchant is not None:
            standing = Standing.objects.select_for_update().filter(merchant=merchant).first()
            require(
                standing is None or standing.pool not in IN_PROGRAMME,
                _("This merchant is in the programme already (%(pool)s).")
                % {"pool": Pool(standing.pool).label if standing else ""},
            )
            require_may_declare(merchant)
        nomination = Nomination.objects.create(
            uscc=uscc,
            name=name.strip(),
            region=region,
            email=email,
            message=message.strip(),
            nominated_by=actor,
        )
        if merchant is not None:
            _enter_selection(nomination, merchant, actor)
        elif email:
            link = settings.SITE_URL.rstrip("/") + reverse("merchant-register")
            invitation = msg(m.INVITATION_BODY, name=name.strip(), uscc=uscc, link=link)
            # No account yet, so no language of its own: the site's.
            outbox_add(
                "mail",
                mail_payload(
                    to=[email],
                    subject=msg(m.INVITATION_SUBJECT),
                    body=[m.text(nomination.message), invitation]
                    if nomination.message
                    else invitation,
                    language=settings.LANGUAGE_CODE,
                ),
                key=f"nomination-{nomination.pk}-invitation",
            )
        audit_log(
            actor=actor,
            action="nomination_create",
            merchant=merchant,
            obj=nomination,
            data={"uscc": uscc, "registered": merchant is not None},
        )
    return nomination


def nominations_on_register(*, merchant: Merchant) -> int:
    """A newly registered merchant that was nominated enters the selection pool."""
    pending = Nomination.objects.filter(uscc=merchant.uscc, merchant__isnull=True).order_by(
        "created_at"
    )
    nomination = pending.first()
    if nomination is None:
        return 0
    with transaction.atomic():
        _enter_selection(nomination, merchant, None)
        pending.exclude(pk=nomination.pk).update(merchant=merchant, entered_at=timezone.now())
    return 1
