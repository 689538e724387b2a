"""Evaluation runs in the API (/api/v1/ratings/runs/), for supervisors."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, permissions, serializers, viewsets

from common.api import ApiPagination
from ratings.models import EvaluationRun
from ratings.permissions import IsRunSupervisor
from ratings.selectors import runs


class EvaluationRunSerializer(serializers.ModelSerializer):
    policy_version = serializers.IntegerField(source="policy.version", read_only=True)
    duration_seconds = serializers.SerializerMethodField()
    note = serializers.CharField(
        source="note_text",
        read_only=True,
        help_text="Why the run was skipped, or how it ended or began, in the reader's language.",
    )

    class Meta:
        model = EvaluationRun
        fields = (
            "id",
            "kind",
            "period",
            "state",
            "policy_version",
            "started_at",
            "heartbeat_at",
            "finished_at",
            "duration_seconds",
            "merchants_evaluated",
            "pool_changes",
            "error",
            "worker",
            "note",
        )
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_duration_seconds(self, run: EvaluationRun) -> float | None:
        duration = runs.run_duration(run)
        return None if duration is None else round(duration.total_seconds(), 3)


class EvaluationRunViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Evaluation runs, newest first (supervisors)."""

    permission_classes = [permissions.IsAuthenticated, IsRunSupervisor]
    pagination_class = ApiPagination
    serializer_class = EvaluationRunSerializer
    filter_backends: list = []

    def get_queryset(self) -> Any:
        return runs.run_list()
