"""Warnings in the API (/api/v1/ratings/rectifications/): the rectification reports of warned
merchants in your reach, and checking them."""

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import ERROR_RESPONSES, ApiPagination, pk_or_404
from ratings.api.regulator.serializers import RegulatorRectificationSerializer
from ratings.forms import TEXT_MAX
from ratings.models import WarningRectification
from ratings.permissions import IsPoolRegulator
from ratings.selectors import warnings
from ratings.services.warnings import warning_rectification_decide


class RectificationDecisionSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    reason = serializers.CharField(
        max_length=TEXT_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Required when not accepted: what is still missing."),
    )


class RegulatorRectificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Rectification reports of warned merchants in your reach that wait for a check."""

    permission_classes = [permissions.IsAuthenticated, IsPoolRegulator]
    pagination_class = ApiPagination
    serializer_class = RegulatorRectificationSerializer
    filter_backends: list = []

    def get_queryset(self) -> Any:
        return warnings.rectifications_waiting(user=self.request.user).select_related("decided_by")

    @extend_schema(
        summary=gettext_lazy("Reports waiting for a check, oldest first"),
        responses={200: RegulatorRectificationSerializer(many=True), **ERROR_RESPONSES},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary=gettext_lazy("Check a report: accepted, the merchant is back in its former pool"),
        request=RectificationDecisionSerializer,
        responses={200: RegulatorRectificationSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        rectification = warnings.rectification_in_reach(user=request.user, pk=pk_or_404(pk))
        serializer = RectificationDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = warning_rectification_decide(
            actor=request.user,
            rectification=rectification,
            accept=serializer.validated_data["accept"],
            reason=serializer.validated_data["reason"],
        )
        decided = (
            WarningRectification.objects.select_related(
                "merchant", "warning", "submitted_by", "decided_by"
            )
            .prefetch_related("files")
            .get(pk=decided.pk)
        )
        return Response(RegulatorRectificationSerializer(decided).data)
