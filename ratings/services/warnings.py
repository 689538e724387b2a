"""The warning pool's workflow: the merchant reports its rectification (with files), a regulator
of its region checks it, and an accepted report takes the merchant back to its former pool. The
hourly sweep exits merchants that did not rectify in time and flags appeals not decided in time.

Who may act is decided in ratings.permissions.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError, require
from common.messages import Message, day, msg
from common.uploads import inspect_uploads, save_uploads
from merchants.models import Merchant, Pool, User
from merchants.services.audit import audit_log
from merchants.services.notifications import notify_merchant_members, notify_users
from ratings import messages as m
from ratings.models import (
    Appeal,
    EvaluationPolicy,
    PoolChange,
    RatingFile,
    ReasonCode,
    Standing,
    WarningRectification,
)
from ratings.models.evaluation import STATE_TRIGGERS
from ratings.permissions import can_regulate, is_member
from ratings.services.pools import change_build, move_line, notify_pool_changes, standing_move
from ratings.signals import standings_changed


def notify_regulators(
    *, merchant: Merchant, key: str, subject: Message, body: Message | list[Message], link: str
) -> None:
    """An inbox row and a mail for each active regulator of the merchant's county (the desk
    that acts), in each one's language."""
    regulators = User.objects.filter(
        role=User.Role.REGULATOR, is_active=True, region_id=merchant.region_id
    ).values_list("pk", flat=True)
    notify_users(user_ids=list(regulators), key=key, subject=subject, body=body, link=link)


def current_warning(merchant: Merchant) -> PoolChange | None:
    """The move that put the merchant in the warning pool, if it is there now."""
    standing = Standing.objects.filter(merchant=merchant).first()
    if standing is None or standing.pool != Pool.WARNING:
        return None
    return (
        PoolChange.objects.filter(merchant=merchant, to_pool=Pool.WARNING)
        .order_by("-created_at", "-id")
        .first()
    )


def warning_rectification_submit(
    *, actor: User, merchant: Merchant, report: str, files: Sequence[UploadedFile] = ()
) -> WarningRectification:
    require(
        is_member(actor, merchant),
        _("Only someone working for this merchant can report its rectification."),
    )
    require(bool(report.strip()), _("Describe what was put right."))
    types = inspect_uploads(files)
    with transaction.atomic():
        Standing.objects.select_for_update().filter(merchant=merchant).first()
        warning = current_warning(merchant)
        require(warning is not None, _("This merchant is not in the warning pool."))
        try:
            with transaction.atomic():
                rectification = WarningRectification.objects.create(
                    merchant=merchant, warning=warning, report=report.strip(), submitted_by=actor
                )
        except IntegrityError as exc:
            raise DomainError(
                _("A rectification report is already waiting for the regulator.")
            ) from exc
        save_uploads(
            files,
            types,
            model=RatingFile,
            actor=actor,
            merchant=merchant,
            rectification=rectification,
        )
        audit_log(
            actor=actor,
            action="warning_rectification_submit",
            merchant=merchant,
            obj=rectification,
            data={"warning": warning.pk, "files": len(files)},
        )
        notify_regulators(
            merchant=merchant,
            key=f"warning-rectification-{rectification.pk}",
            subject=msg(m.RECTIFICATION_SUBJECT),
            body=msg(m.RECTIFICATION_BODY, merchant=merchant.name),
            link=reverse("pool-merchant", args=[merchant.pk]),
        )
    return rectification


def warning_clear_changes(standing: Standing, now: datetime) -> dict:
    """What clearing a warning writes on the standing: everything known now is acknowledged."""
    last = standing.last_evaluation
    known = [code for code in (last.triggers if last else []) if code in STATE_TRIGGERS]
    return {
        "warning_cleared_at": now,
        "acknowledged_triggers": known,
        "rectification_due": None,
        "former_pool": "",
        "former_stars": 0,
        "needs_evaluation": True,
    }


def _former_place(standing: Standing) -> tuple[str, int]:
    if standing.former_pool == Pool.STAR_RATED and standing.former_stars:
        return Pool.STAR_RATED, standing.former_stars
    return Pool.CULTIVATION, 0


def warning_rectification_decide(
    *, actor: User, rectification: WarningRectification, accept: bool, reason: str = ""
) -> WarningRectification:
    """A regulator checks the report: accepted, the merchant goes back to its former pool (and
    stars); not accepted, it must rectify further by the same date (reasons required)."""
    merchant = rectification.merchant
    require(
        can_regulate(actor, merchant),
        _("Only a regulator of this merchant's region can check its rectification."),
    )
    reason = reason.strip()
    require(accept or bool(reason), _("Say what is still missing."))
    now = timezone.now()
    with transaction.atomic():
        standing = Standing.objects.select_for_update().get(merchant=merchant)
        locked = WarningRectification.objects.select_for_update().get(pk=rectification.pk)
        require(not locked.decision, _("This report has been checked already."))
        require(
            standing.pool == Pool.WARNING and current_warning(merchant) == locked.warning,
            _("The merchant is no longer in this warning."),
        )
        locked.decide(actor=actor, accept=accept, reason=reason)
        body = [m.text(reason)] if reason else []
        if accept:
            to, stars = _former_place(standing)
            _standing, change = standing_move(
                merchant=merchant,
                to=to,
                stars=stars,
                reason_code=ReasonCode.WARNING_CLEARED,
                reason=msg(m.WARNING_CLEARED),
                actor=actor,
                evidence={"rectification": locked.pk, "warning": locked.warning_id},
                changes=warning_clear_changes(standing, now),
                notify=False,  # the notice of the decision below tells of the move
            )
            body = (body or [msg(m.RECTIFICATION_ACCEPTED_BODY)]) + [
                move_line(change, merchant.name)
            ]
        audit_log(
            actor=actor,
            action="warning_rectification_decide",
            merchant=merchant,
            obj=locked,
            data={"accepted": accept, "reason": reason},
        )
        notify_merchant_members(
            merchant_id=merchant.pk,
            key=f"warning-rectification-{locked.pk}-decided",
            subject=msg(
                m.RECTIFICATION_ACCEPTED_SUBJECT if accept else m.RECTIFICATION_REFUSED_SUBJECT
            ),
            body=body,
            link=reverse("standing-merchant", args=[merchant.pk]),
        )
    return locked


def ratings_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Hourly: exit merchants whose rectification time is over with no report waiting (a
    report waiting for the regulator holds the exit until it is checked); flag appeals past the
    date they were to be decided by. Set-based; safe to run any number of times."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy = EvaluationPolicy.current()
    # Only a report on the warning the merchant is in now holds the exit (one left waiting
    # from an earlier warning, e.g. when the merchant was exited meanwhile, does not).
    waiting = WarningRectification.objects.filter(
        merchant_id=OuterRef("merchant_id"),
        decision="",
        warning__created_at__gte=OuterRef("since"),
    )
    with transaction.atomic():
        standings = list(
            Standing.objects.select_for_update(skip_locked=True)
            .filter(pool=Pool.WARNING, rectification_due__lt=today)
            .exclude(Exists(waiting))
            .select_related("merchant")
        )
        changes = []
        for standing in standings:
            standing.reentry_after = today + timedelta(days=policy.reentry_days)
            changes.append(
                change_build(
                    standing,
                    to=Pool.EXITED,
                    stars=0,
                    reason_code=ReasonCode.NOT_RECTIFIED,
                    reason=msg(m.NOT_RECTIFIED, due=day(standing.rectification_due)),
                    now=now,
                    evidence={"rectify_by": standing.rectification_due.isoformat()},
                )
            )
            standing.rectification_due = None
        Standing.objects.bulk_update(
            standings,
            ["pool", "stars", "since", "stars_changed_at", "reentry_after", "rectification_due"],
        )
        PoolChange.objects.bulk_create(changes)
        if changes:
            standings_changed.send(
                sender=Standing, public_codes=[s.merchant.public_code for s in standings]
            )
            notify_pool_changes(changes)
        overdue = Appeal.objects.filter(
            state=Appeal.State.PENDING, is_overdue=False, decide_by__lt=today
        ).update(is_overdue=True)
    return {"exited": len(changes), "appeals_overdue": overdue}
