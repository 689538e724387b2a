"""Appeals in the API (/api/v1/ratings/appeals/): appeals of merchants in your reach, decided by a
regulator who did not take the decision appealed."""

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import ERROR_RESPONSES, ApiPagination, pk_or_404
from ratings.api.regulator.serializers import RegulatorAppealSerializer
from ratings.forms import TEXT_MAX
from ratings.models import Appeal
from ratings.permissions import IsPoolRegulator
from ratings.selectors import appeals
from ratings.services.appeals import appeal_decide


class AppealDecisionSerializer(serializers.Serializer):
    overturn = serializers.BooleanField(
        help_text=gettext_lazy("true: allow the appeal and undo the decision; false: dismiss it.")
    )
    reason = serializers.CharField(max_length=TEXT_MAX)


class RegulatorAppealViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Appeals of merchants in your reach. A regulator who did not take the decision decides."""

    permission_classes = [permissions.IsAuthenticated, IsPoolRegulator]
    pagination_class = ApiPagination
    serializer_class = RegulatorAppealSerializer
    filter_backends: list = []

    def get_queryset(self) -> Any:
        user = self.request.user
        states = self.request.query_params.getlist("state") or [Appeal.State.PENDING]
        state = states[0] if len(states) == 1 else None
        if state == Appeal.State.PENDING:
            return appeals.appeals_pending(user=user)
        if state == "all":
            return appeals.appeal_list(user=user).select_related("decided_by")
        if state in Appeal.State.values:
            return appeals.appeal_list(user=user).filter(state=state).select_related("decided_by")
        raise serializers.ValidationError(
            {"state": [gettext_lazy("Give pending, upheld, overturned or all.")]}
        )

    def get_object(self) -> Appeal:
        return appeals.appeal_in_reach(user=self.request.user, pk=pk_or_404(self.kwargs["pk"]))

    @extend_schema(
        summary=gettext_lazy("Appeals in your reach; pending ones first by deadline (default)"),
        parameters=[
            OpenApiParameter(
                "state",
                str,
                required=False,
                enum=[*Appeal.State.values, "all"],
                description=gettext_lazy("Default: pending."),
            )
        ],
        responses={200: RegulatorAppealSerializer(many=True), **ERROR_RESPONSES},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary=gettext_lazy("Decide an appeal: undo the decision, or let it stand"),
        request=AppealDecisionSerializer,
        responses={200: RegulatorAppealSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        appeal = self.get_object()
        serializer = AppealDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appeal_decide(
            actor=request.user,
            appeal=appeal,
            overturn=serializer.validated_data["overturn"],
            reason=serializer.validated_data["reason"],
        )
        decided = appeals.appeal_list(user=request.user).select_related("decided_by")
        return Response(
            RegulatorAppealSerializer(decided.get(pk=appeal.pk), context={"request": request}).data
        )
