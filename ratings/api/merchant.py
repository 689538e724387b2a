"""The merchant's standing over the API (/api/v1/ratings/merchants/<pk>/...).

Reading: the merchant's people and the regulators whose region contains it (the same selectors as
the pages); anyone else gets a 404. Reporting a rectification and appealing: the merchant's
people only (a regulator in scope gets a 403). A refused rule is a 400 with the pages' message.
"""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ERROR_RESPONSES, BoundedJSONParser, id_field
from merchants.models import Merchant
from ratings.forms import TEXT_MAX
from ratings.models import Appeal, PoolChange, WarningRectification
from ratings.permissions import is_member
from ratings.selectors import standings
from ratings.selectors.standings import HistoryEntry
from ratings.services.appeals import appeal_file
from ratings.services.warnings import warning_rectification_submit

# Output. Codes are plain strings with a translated label beside them (no enums: pools and
# states are listed in the descriptions).


class StandingFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    url = serializers.CharField(help_text=gettext_lazy("Download link (the same scope)."))


class StandingLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    points = serializers.IntegerField()
    text = serializers.CharField(
        help_text=gettext_lazy("Points and sentence: “-6: 2 accepted complaints in 90 days”.")
    )
    sentence = serializers.CharField()


class StandingComponentSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    points = serializers.IntegerField()
    max = serializers.IntegerField()
    lines = StandingLineSerializer(many=True)


class StandingTriggerSerializer(serializers.Serializer):
    code = serializers.CharField()
    sentence = serializers.CharField()
    bottom_line = serializers.BooleanField()


class StandingNextBandSerializer(serializers.Serializer):
    points = serializers.IntegerField(help_text=gettext_lazy("Points still missing."))
    stars = serializers.IntegerField()
    band = serializers.IntegerField(help_text=gettext_lazy("The lowest score for those stars."))
    text = serializers.CharField()


class StandingRectificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    warning = serializers.IntegerField(help_text=gettext_lazy("The pool change it answers."))
    report = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    decision = serializers.CharField(
        help_text=gettext_lazy('"" while waiting, "accepted" or "rejected".')
    )
    decision_label = serializers.CharField()
    decision_reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    files = StandingFileSerializer(many=True)


class StandingAppealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    decision = serializers.IntegerField(help_text=gettext_lazy("The pool change appealed."))
    statement = serializers.CharField(help_text=gettext_lazy("The merchant's reply."))
    submitted_at = serializers.DateTimeField()
    decide_by = serializers.DateField()
    state = serializers.CharField(help_text=gettext_lazy('"pending", "upheld" or "overturned".'))
    state_label = serializers.CharField()
    is_overdue = serializers.BooleanField()
    outcome_reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    files = StandingFileSerializer(many=True)


class StandingHistorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    from_pool = serializers.CharField(help_text=gettext_lazy('"" when entering the programme.'))
    from_pool_label = serializers.CharField()
    to_pool = serializers.CharField()
    to_pool_label = serializers.CharField()
    from_stars = serializers.IntegerField()
    to_stars = serializers.IntegerField()
    reason_code = serializers.CharField()
    reason = serializers.CharField()
    score = serializers.IntegerField(allow_null=True)
    who = serializers.CharField(
        help_text=gettext_lazy('"run", "regulator", "automatic" or "merchant".')
    )
    who_label = serializers.CharField()
    appealable_until = serializers.DateTimeField(
        allow_null=True, help_text=gettext_lazy("Set when it can be appealed now.")
    )
    appeal = StandingAppealSerializer(allow_null=True)
    rectifications = StandingRectificationSerializer(many=True)


class StandingRectificationTaskSerializer(serializers.Serializer):
    warning = serializers.IntegerField()
    rectify_by = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    may_submit = serializers.BooleanField(
        help_text=gettext_lazy("False while a report waits for the regulator's check.")
    )
    latest = StandingRectificationSerializer(allow_null=True)


class StandingAppealTaskSerializer(serializers.Serializer):
    decision = serializers.IntegerField()
    reason = serializers.CharField()
    until = serializers.DateTimeField()


class StandingTasksSerializer(serializers.Serializer):
    rectification = StandingRectificationTaskSerializer(allow_null=True)
    appealable = StandingAppealTaskSerializer(many=True)
    pending_appeals = serializers.ListField(
        child=serializers.IntegerField(), help_text=gettext_lazy("Appeals waiting (ids).")
    )


class StandingSerializer(serializers.Serializer):
    merchant = serializers.IntegerField()
    merchant_name = serializers.CharField()
    in_programme = serializers.BooleanField()
    pool = serializers.CharField(
        help_text=gettext_lazy(
            '"selection", "cultivation", "star_rated", "warning", "exited"; "" when the '
            "merchant is not in the programme."
        )
    )
    pool_label = serializers.CharField()
    stars = serializers.IntegerField()
    score = serializers.IntegerField(allow_null=True)
    since = serializers.DateTimeField(allow_null=True)
    rectification_due = serializers.DateField(allow_null=True)
    reentry_after = serializers.DateField(allow_null=True)
    evaluated_at = serializers.DateTimeField(allow_null=True)
    policy_version = serializers.IntegerField(allow_null=True)
    components = StandingComponentSerializer(many=True)
    warning_triggers = StandingTriggerSerializer(many=True)
    improvements = serializers.ListField(child=serializers.CharField())
    next_band = StandingNextBandSerializer(allow_null=True)
    history = StandingHistorySerializer(many=True)
    history_truncated = serializers.BooleanField()
    tasks = StandingTasksSerializer()


def _files(files: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": f.pk,
            "original_name": f.original_name,
            "content_type": f.content_type,
            "size": f.size,
            "uploaded_at": f.uploaded_at,
            "url": reverse("rating-file", args=[f.pk]),
        }
        for f in files
    ]


def _rectification(r: WarningRectification) -> dict[str, Any]:
    return {
        "id": r.pk,
        "warning": r.warning_id,
        "report": r.report,
        "submitted_at": r.submitted_at,
        "decision": r.decision,
        "decision_label": r.get_decision_display() if r.decision else _("Waiting for a check"),
        "decision_reason": r.decision_reason,
        "decided_at": r.decided_at,
        "files": _files(r.files.all()),
    }


def _appeal(a: Appeal) -> dict[str, Any]:
    return {
        "id": a.pk,
        "decision": a.decision_id,
        "statement": a.statement,
        "submitted_at": a.submitted_at,
        "decide_by": a.decide_by,
        "state": a.state,
        "state_label": a.get_state_display(),
        "is_overdue": a.is_overdue,
        "outcome_reason": a.outcome_reason,
        "decided_at": a.decided_at,
        "files": _files(a.files.all()),
    }


def _history(entry: HistoryEntry) -> dict[str, Any]:
    change: PoolChange = entry.change
    return {
        "id": change.pk,
        "created_at": change.created_at,
        "from_pool": change.from_pool,
        "from_pool_label": change.get_from_pool_display() if change.from_pool else "",
        "to_pool": change.to_pool,
        "to_pool_label": change.get_to_pool_display(),
        "from_stars": change.from_stars,
        "to_stars": change.to_stars,
        "reason_code": change.reason_code,
        "reason": change.reason,
        "score": change.evaluation.score if change.evaluation else None,
        "who": entry.who,
        "who_label": entry.who_label,
        "appealable_until": entry.appeal_until,
        "appeal": _appeal(entry.appeal) if entry.appeal else None,
        "rectifications": [_rectification(r) for r in entry.rectifications],
    }


def standing_document(detail: dict[str, Any]) -> dict[str, Any]:
    """standings.standing_detail as plain data for StandingSerializer."""
    merchant: Merchant = detail["merchant"]
    standing, evaluation, tasks = detail["standing"], detail["evaluation"], detail["tasks"]
    task = tasks.rectification
    band = detail["next_band"]
    return {
        "merchant": merchant.pk,
        "merchant_name": merchant.name,
        "in_programme": detail["in_programme"],
        "pool": standing.pool if standing else "",
        "pool_label": standing.get_pool_display() if standing else _("Not in the programme"),
        "stars": standing.stars if standing else 0,
        "score": standing.score if standing else None,
        "since": standing.since if standing else None,
        "rectification_due": standing.rectification_due if standing else None,
        "reentry_after": standing.reentry_after if standing else None,
        "evaluated_at": evaluation.evaluated_at if evaluation else None,
        "policy_version": evaluation.policy.version if evaluation else None,
        "components": [
            {
                "name": c.name,
                "label": c.label,
                "points": c.points,
                "max": c.max,
                "lines": [
                    {"code": x.code, "points": x.points, "text": x.text, "sentence": x.sentence}
                    for x in c.lines
                ],
            }
            for c in detail["components"]
        ],
        "warning_triggers": [
            {"code": t.code, "sentence": t.sentence, "bottom_line": t.bottom_line}
            for t in detail["warning_triggers"]
        ],
        "improvements": detail["improvements"],
        "next_band": {
            "points": band.points,
            "stars": band.stars,
            "band": band.band,
            "text": band.text,
        }
        if band
        else None,
        "history": [_history(entry) for entry in detail["history"]],
        "history_truncated": detail["history_truncated"],
        "tasks": {
            "rectification": {
                "warning": task.warning.pk,
                "rectify_by": task.due,
                "overdue": task.overdue,
                "may_submit": task.may_submit,
                "latest": _rectification(task.latest) if task.latest else None,
            }
            if task
            else None,
            "appealable": [
                {"decision": e.change.pk, "reason": e.change.reason, "until": e.appeal_until}
                for e in tasks.appealable
            ],
            "pending_appeals": [a.pk for a in tasks.pending_appeals],
        },
    }


# Input


def _files_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text=gettext_lazy("Up to 10 files: PDF, JPEG or PNG, 10 MB each (multipart)."),
    )


class StandingRectifyInputSerializer(serializers.Serializer):
    report = serializers.CharField(
        max_length=TEXT_MAX,
        error_messages={
            "required": gettext_lazy("Describe what was put right."),
            "blank": gettext_lazy("Describe what was put right."),
        },
    )
    files = _files_field()


class StandingAppealInputSerializer(serializers.Serializer):
    decision = id_field(
        help_text=gettext_lazy("Id of the pool change appealed (see history)."),
        error_messages={"required": gettext_lazy("Say which decision you appeal.")},
    )
    statement = serializers.CharField(
        max_length=TEXT_MAX,
        error_messages={
            "required": gettext_lazy("Give your reasons for the appeal."),
            "blank": gettext_lazy("Give your reasons for the appeal."),
        },
    )
    files = _files_field()


# Views


class _MerchantStandingView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]

    def merchant(self, pk: int) -> Merchant:
        return standings.standing_merchant_get(user=self.request.user, pk=pk)

    def member_merchant(self, pk: int) -> Merchant:
        merchant = self.merchant(pk)
        if not is_member(self.request.user, merchant):
            raise PermissionDenied(_("Only someone working for this merchant can do this."))
        return merchant


class MerchantStandingView(_MerchantStandingView):
    @extend_schema(
        summary=gettext_lazy(
            "A merchant's standing: pool, stars, score explained, history with appeals, "
            "open tasks (its people and the regulators in scope)"
        ),
        responses={200: StandingSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request, pk: int) -> Response:
        detail = standings.standing_detail(self.merchant(pk))
        return Response(StandingSerializer(standing_document(detail)).data)


class MerchantRectificationView(_MerchantStandingView):
    @extend_schema(
        summary=gettext_lazy("Report the rectification of a warning (the merchant's people)"),
        request={
            "multipart/form-data": StandingRectifyInputSerializer,
            "application/json": StandingRectifyInputSerializer,
        },
        responses={201: StandingRectificationSerializer, **ERROR_RESPONSES},
    )
    def post(self, request: Request, pk: int) -> Response:
        merchant = self.member_merchant(pk)
        serializer = StandingRectifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rectification = warning_rectification_submit(
            actor=request.user,
            merchant=merchant,
            report=serializer.validated_data["report"],
            files=serializer.validated_data["files"],
        )
        data = _rectification(
            WarningRectification.objects.prefetch_related("files").get(pk=rectification.pk)
        )
        return Response(StandingRectificationSerializer(data).data, status=status.HTTP_201_CREATED)


class MerchantAppealView(_MerchantStandingView):
    @extend_schema(
        summary=gettext_lazy(
            "Appeal a warning, an exit or a star decision within the appeal period "
            "(the merchant's people)"
        ),
        request={
            "multipart/form-data": StandingAppealInputSerializer,
            "application/json": StandingAppealInputSerializer,
        },
        responses={201: StandingAppealSerializer, **ERROR_RESPONSES},
    )
    def post(self, request: Request, pk: int) -> Response:
        merchant = self.member_merchant(pk)
        serializer = StandingAppealInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        decision = (
            PoolChange.objects.filter(merchant=merchant, pk=data["decision"])
            .select_related("merchant")
            .first()
        )
        if decision is None:
            raise ValidationError({"decision": [_("This merchant has no such decision.")]})
        appeal = appeal_file(
            actor=request.user, decision=decision, statement=data["statement"], files=data["files"]
        )
        created = _appeal(Appeal.objects.prefetch_related("files").get(pk=appeal.pk))
        return Response(StandingAppealSerializer(created).data, status=status.HTTP_201_CREATED)
