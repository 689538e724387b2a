"""Appeals and the right to reply (DESIGN.md): a merchant may appeal a warning, an exit or a
star decision within the policy's appeal period, with reasons and files; a regulator of its
region who did not take the decision rules on it within the decision period. Overturned, the
decision is undone by a move back to where the merchant was. The merchant's statement is kept
and shown wherever the decision is shown.
"""

from collections.abc import Sequence
from datetime import timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError, require
from common.messages import day, msg
from common.uploads import inspect_uploads, save_uploads
from merchants.models import Pool, User
from merchants.services.audit import audit_log
from merchants.services.notifications import notify_merchant_members
from ratings import messages as m
from ratings.models import Appeal, EvaluationPolicy, PoolChange, RatingFile, ReasonCode, Standing
from ratings.permissions import can_regulate, is_member
from ratings.selectors.appeals import appeal_open_reason
from ratings.services.pools import move_line, standing_move
from ratings.services.warnings import notify_regulators, warning_clear_changes
from ratings.signals import standings_changed


def appeal_file(
    *, actor: User, decision: PoolChange, statement: str, files: Sequence[UploadedFile] = ()
) -> Appeal:
    merchant = decision.merchant
    require(
        is_member(actor, merchant),
        _("Only someone working for this merchant can appeal its decisions."),
    )
    statement = statement.strip()
    require(bool(statement), _("Give your reasons for the appeal."))
    types = inspect_uploads(files)
    policy = EvaluationPolicy.current()
    with transaction.atomic():
        Standing.objects.select_for_update().filter(merchant=merchant).first()
        problem = appeal_open_reason(decision)
        require(not problem, problem)
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(
                    merchant=merchant,
                    decision=decision,
                    statement=statement,
                    submitted_by=actor,
                    decide_by=timezone.localdate() + timedelta(days=policy.appeal_decision_days),
                )
        except IntegrityError as exc:
            raise DomainError(_("This decision has been appealed already.")) from exc
        save_uploads(files, types, model=RatingFile, actor=actor, merchant=merchant, appeal=appeal)
        standings_changed.send(sender=Appeal, public_codes=[merchant.public_code])
        audit_log(
            actor=actor,
            action="appeal_file",
            merchant=merchant,
            obj=appeal,
            data={"decision": decision.pk, "files": len(files)},
        )
        notify_regulators(
            merchant=merchant,
            key=f"appeal-{appeal.pk}",
            subject=msg(m.APPEAL_FILED_SUBJECT),
            body=msg(m.APPEAL_FILED_BODY, merchant=merchant.name, decision=decision.message),
            link=reverse("pool-merchant", args=[merchant.pk]),
        )
    return appeal


def appeal_decide(*, actor: User, appeal: Appeal, overturn: bool, reason: str) -> Appeal:
    merchant = appeal.merchant
    require(
        can_regulate(actor, merchant),
        _("Only a regulator of this merchant's region can decide its appeal."),
    )
    require(
        appeal.decision.actor_id != actor.pk,
        _("You took this decision: another regulator must decide the appeal."),
    )
    reason = reason.strip()
    require(bool(reason), _("Give the reasons for the outcome."))
    now = timezone.now()
    body = [m.text(reason)]
    with transaction.atomic():
        standing = Standing.objects.select_for_update().get(merchant=merchant)
        locked = Appeal.objects.select_for_update().select_related("decision").get(pk=appeal.pk)
        require(locked.state == Appeal.State.PENDING, _("This appeal has been decided already."))
        decision = locked.decision
        if overturn:
            latest = (
                PoolChange.objects.filter(merchant=merchant).order_by("-created_at", "-id").first()
            )
            require(
                latest == decision,
                _(
                    "The merchant has moved since this decision; it cannot be undone. "
                    "Uphold it and say so, or move the merchant from its page."
                ),
            )
            # The appeal stands against later runs until new evidence (pools.new_evidence).
            changes: dict = {
                "rectification_due": None,
                "reentry_after": None,
                "appeal_held_at": now,
                "appeal_held_score": standing.score,
            }
            if decision.to_pool in (Pool.WARNING, Pool.EXITED):
                changes |= warning_clear_changes(standing, now)
            if decision.from_pool == Pool.WARNING:
                # Back into the warning it was exited from: the rectification time starts again.
                policy = EvaluationPolicy.current()
                changes["rectification_due"] = timezone.localdate(now) + timedelta(
                    days=policy.rectification_days
                )
                changes["former_pool"] = standing.former_pool
                changes["former_stars"] = standing.former_stars
            _standing, reversal = standing_move(
                merchant=merchant,
                to=decision.from_pool,
                stars=decision.from_stars,
                reason_code=ReasonCode.APPEAL_OVERTURNED,
                reason=msg(
                    m.APPEAL_OVERTURNED,
                    date=day(timezone.localdate(decision.created_at)),
                    reason=reason,
                ),
                actor=actor,
                evidence={"appeal": locked.pk, "decision": decision.pk},
                changes=changes,
                reverses=decision,
                notify=False,  # the notice of the outcome below tells of the move
            )
            locked.reversal = reversal
            body.append(move_line(reversal, merchant.name))
        locked.state = Appeal.State.OVERTURNED if overturn else Appeal.State.UPHELD
        locked.outcome_reason, locked.decided_by, locked.decided_at = reason, actor, now
        locked.save()
        standings_changed.send(sender=Appeal, public_codes=[merchant.public_code])
        audit_log(
            actor=actor,
            action="appeal_decide",
            merchant=merchant,
            obj=locked,
            data={"overturned": overturn, "reason": reason},
        )
        notify_merchant_members(
            merchant_id=merchant.pk,
            key=f"appeal-{locked.pk}-decided",
            subject=msg(m.APPEAL_ALLOWED_SUBJECT if overturn else m.APPEAL_DISMISSED_SUBJECT),
            body=body,
            link=reverse("standing-merchant", args=[merchant.pk]),
        )
    return locked
