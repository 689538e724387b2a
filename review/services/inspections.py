"""Inspections and rectifications: recording a visit, the merchant's report, the inspector's
decision. One service per transition of TRANSITIONS, each writing an event row."""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from common.errors import DomainError, require
from common.messages import Message, day, label, msg
from common.uploads import inspect_uploads, save_uploads
from merchants.models import Merchant, Region, User
from merchants.services.notifications import notify_merchant_members, notify_users
from review.messages import (
    INSPECTION_OUTCOME,
    INSPECTION_RESULT_SUBJECT,
    RECTIFICATION_ACCEPTED_SUBJECT,
    RECTIFICATION_REJECTED_SUBJECT,
    RECTIFICATION_WAITING,
    RECTIFICATION_WAITING_SUBJECT,
    RECTIFY_BY,
)
from review.models import (
    OPEN_INSPECTION_STATES,
    Inspection,
    InspectionAssignment,
    InspectionEvent,
    InspectionFile,
    InspectionResult,
    QualityControlSetting,
    Rectification,
)
from review.models import InspectionState as S
from review.permissions import can_rectify, is_assigned
from review.signals import inspection_changed

TRANSITIONS: dict[str, frozenset[str]] = {
    S.SCHEDULED: frozenset({S.CLOSED, S.RECTIFYING, S.CANCELLED}),
    S.RECTIFYING: frozenset({S.RECTIFICATION_SUBMITTED}),
    S.RECTIFICATION_SUBMITTED: frozenset({S.CLOSED, S.RECTIFYING}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}

ANSWERS = ("yes", "no", "na")


# Inspections ---------------------------------------------------------------------------------


def _transition(
    inspection: Inspection,
    *,
    to: str,
    actor: User | None,
    action: str,
    note: str = "",
    changes: dict[str, Any] | None = None,
) -> Inspection:
    """Lock the row, check the move, save and record the event. Call inside atomic()."""
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if to not in TRANSITIONS[locked.state]:
        raise DomainError(
            _("An inspection that is “%(from)s” cannot become “%(to)s”.")
            % {"from": S(locked.state).label, "to": S(to).label}
        )
    from_state = locked.state
    now = timezone.now()
    updates: dict[str, Any] = {"state": to, **(changes or {})}
    if to in (S.CLOSED, S.CANCELLED):
        updates["closed_at"] = now
    for field, value in updates.items():
        setattr(locked, field, value)
    locked.save(update_fields=[*updates, "updated_at"])
    if to not in OPEN_INSPECTION_STATES:
        InspectionAssignment.objects.filter(inspection=locked).update(is_open=False)
    InspectionEvent.objects.create(
        inspection=locked,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=to,
        note=note,
        created_at=now,
    )
    inspection_changed.send(sender=Inspection, inspection=locked)
    return locked


def inspection_score(checklist: list[dict], answers: dict[str, str]) -> int:
    """Weighted share of the applicable items met, 0 to 100."""
    applicable = [item for item in checklist if answers.get(item["code"]) in ("yes", "no")]
    total = sum(item["weight"] for item in applicable)
    met = sum(item["weight"] for item in applicable if answers[item["code"]] == "yes")
    return round(100 * met / total) if total else 100


def _item_label(item: dict) -> str:
    english = (get_language() or "").startswith("en")
    return item["text_en"] if english and item.get("text_en") else item["text"]


def inspection_record(
    *,
    actor: User,
    inspection: Inspection,
    answers: dict[str, str],
    result: str,
    notes: str = "",
    findings: str = "",
    photos: Sequence[UploadedFile] = (),
) -> Inspection:
    """Record the visit: every checklist item answered, a result the answers allow."""
    require(
        is_assigned(actor, inspection), _("Only an inspector assigned to this visit can record it.")
    )
    codes = [item["code"] for item in inspection.checklist]
    missing = [code for code in codes if answers.get(code) not in ANSWERS]
    require(
        not missing,
        _("Answer every checklist item (yes, no or not applicable); %(n)d left.")
        % {"n": len(missing)},
    )
    answers = {code: answers[code] for code in codes}
    require(
        any(a != "na" for a in answers.values()),
        _("At least one checklist item must apply."),
    )
    require(result in InspectionResult.values, _("Choose a result: pass, rectify or fail."))
    score = inspection_score(inspection.checklist, answers)
    critical_failed = [
        item for item in inspection.checklist if item["critical"] and answers[item["code"]] == "no"
    ]
    if critical_failed:
        require(
            result == InspectionResult.FAIL,
            _("A critical item is not met (%(item)s): the result must be “fail”.")
            % {"item": _item_label(critical_failed[0])},
        )
    pass_score = inspection.checklist_template.pass_score if inspection.checklist_template else 80
    if result == InspectionResult.PASS:
        require(
            score >= pass_score,
            _("The score is %(score)d, below the pass score of %(pass)d: choose rectify or fail.")
            % {"score": score, "pass": pass_score},
        )
    else:
        require(
            bool(findings.strip()),
            _("Tell the merchant what to put right: the findings are required for this result."),
        )
    types = inspect_uploads(photos, images_only=True)
    now = timezone.now()
    changes: dict[str, Any] = {
        "answers": answers,
        "score": score,
        "result": result,
        "notes": notes.strip(),
        "findings": findings.strip(),
        "recorded_by": actor,
        "visited_at": now,
    }
    if result == InspectionResult.PASS:
        to = S.CLOSED
    else:
        to = S.RECTIFYING
        days = QualityControlSetting.current().rectification_days
        changes["rectification_due"] = timezone.localdate(now) + timedelta(days=days)
    with transaction.atomic():
        locked = _transition(
            inspection, to=to, actor=actor, action=InspectionEvent.Action.RECORDED, changes=changes
        )
        save_uploads(
            photos,
            types,
            model=InspectionFile,
            actor=actor,
            inspection=locked,
            kind=InspectionFile.Kind.PHOTO,
        )
        _notify_merchant(
            locked,
            "recorded",
            msg(INSPECTION_RESULT_SUBJECT, result=label(InspectionResult(result).label)),
        )
    inspection.refresh_from_db()
    return inspection


def _notify_merchant(inspection: Inspection, what: str, subject: Message) -> None:
    body = [
        msg(
            INSPECTION_OUTCOME,
            merchant=inspection.merchant.name,
            date=day(timezone.localdate(inspection.visited_at)) if inspection.visited_at else "",
            state=label(S(inspection.state).label),
        )
    ]
    if inspection.state == S.RECTIFYING and inspection.rectification_due:
        body.append(msg(RECTIFY_BY, due=day(inspection.rectification_due)))
    notify_merchant_members(
        merchant_id=inspection.merchant_id,
        key=f"inspection-{inspection.pk}-{what}-{inspection.rectifications.count()}",
        subject=subject,
        body=body,
        link=reverse("merchant-inspection-detail", args=[inspection.pk]),
    )


def rectification_submit(
    *, actor: User, inspection: Inspection, report: str, files: Sequence[UploadedFile] = ()
) -> Rectification:
    require(
        can_rectify(actor, inspection),
        _("Only someone working for this merchant can report its rectification."),
    )
    require(bool(report.strip()), _("Describe what was put right."))
    types = inspect_uploads(files)
    with transaction.atomic():
        locked = _transition(
            inspection,
            to=S.RECTIFICATION_SUBMITTED,
            actor=actor,
            action=InspectionEvent.Action.RECTIFICATION_SUBMITTED,
        )
        rectification = Rectification.objects.create(
            inspection=locked, report=report.strip(), submitted_by=actor
        )
        save_uploads(
            files,
            types,
            model=InspectionFile,
            actor=actor,
            inspection=locked,
            kind=InspectionFile.Kind.RECTIFICATION,
            rectification=rectification,
        )
        notify_users(
            user_ids=list(locked.assignments.values_list("inspector_id", flat=True)),
            key=f"inspection-{locked.pk}-rectification-{rectification.pk}",
            subject=msg(RECTIFICATION_WAITING_SUBJECT),
            body=msg(RECTIFICATION_WAITING, merchant=locked.merchant.name),
            link=reverse("inspection-record", args=[locked.pk]),
            merchant_id=locked.merchant_id,
        )
    inspection.refresh_from_db()
    return rectification


def _decide(*, actor: User, inspection: Inspection, accept: bool, reason: str) -> Inspection:
    require(
        is_assigned(actor, inspection),
        _("Only an inspector assigned to this visit can decide on the rectification."),
    )
    if not accept:
        require(bool(reason.strip()), _("Say why the rectification is not enough."))
    with transaction.atomic():
        rectification = (
            Rectification.objects.select_for_update()
            .filter(inspection=inspection, decision="")
            .order_by("-submitted_at", "-pk")
            .first()
        )
        require(rectification is not None, _("There is no rectification report to decide."))
        changes: dict[str, Any] = {}
        if not accept:
            days = QualityControlSetting.current().rectification_days
            changes["rectification_due"] = timezone.localdate() + timedelta(days=days)
        locked = _transition(
            inspection,
            to=S.CLOSED if accept else S.RECTIFYING,
            actor=actor,
            action=(
                InspectionEvent.Action.RECTIFICATION_ACCEPTED
                if accept
                else InspectionEvent.Action.RECTIFICATION_REJECTED
            ),
            note=reason.strip(),
            changes=changes,
        )
        rectification.decide(actor=actor, accept=accept, reason=reason.strip())
        _notify_merchant(
            locked,
            "accepted" if accept else "rejected",
            msg(RECTIFICATION_ACCEPTED_SUBJECT if accept else RECTIFICATION_REJECTED_SUBJECT),
        )
    inspection.refresh_from_db()
    return inspection


def rectification_accept(*, actor: User, inspection: Inspection, reason: str = "") -> Inspection:
    return _decide(actor=actor, inspection=inspection, accept=True, reason=reason)


def rectification_reject(*, actor: User, inspection: Inspection, reason: str) -> Inspection:
    return _decide(actor=actor, inspection=inspection, accept=False, reason=reason)


def inspections_follow_merchant_region(*, merchant: Merchant, region: Region) -> int:
    """A merchant moved county (an approved county change): its inspections are supervised
    where it now is; the campaigns that drew them keep their own region."""
    InspectionAssignment.objects.filter(inspection__merchant=merchant).update(region=region)
    return Inspection.objects.filter(merchant=merchant).update(region=region)
