"""The merchant's inspections in the API (/api/v1/review/merchant-inspections/): the
inspections of your merchants, for the merchant's people, and the rectification report.

Without internal notes, photos or inspector identities; a covert visit appears once recorded.
Anyone else gets a 404; a refused action is a 400 with the message the pages show.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import ERROR_RESPONSES, ApiPagination, BoundedJSONParser, pk_or_404
from review.api.inspections import InspectionEventSerializer, RectificationSerializer
from review.forms.inspections import TEXT_MAX
from review.models import Inspection
from review.permissions import IsMerchantOperator
from review.selectors import inspections as selectors
from review.services import inspections as inspection_services


class FailedItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    critical = serializers.BooleanField()


class MerchantInspectionSerializer(serializers.ModelSerializer):
    merchant_name = serializers.CharField(source="merchant.name", read_only=True)
    failed_items = FailedItemSerializer(many=True, read_only=True)
    rectifications = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = (
            "id",
            "merchant",
            "merchant_name",
            "method",
            "state",
            "result",
            "score",
            "findings",
            "failed_items",
            "due_date",
            "visited_at",
            "rectification_due",
            "closed_at",
            "rectifications",
            "events",
        )
        read_only_fields = fields

    @extend_schema_field(RectificationSerializer(many=True))
    def get_rectifications(self, inspection: Inspection) -> list[dict[str, Any]]:
        if "rectifications" not in getattr(inspection, "_prefetched_objects_cache", {}):
            return []
        return RectificationSerializer(inspection.rectifications.all(), many=True).data

    @extend_schema_field(InspectionEventSerializer(many=True))
    def get_events(self, inspection: Inspection) -> list[dict[str, Any]]:
        if "events" not in getattr(inspection, "_prefetched_objects_cache", {}):
            return []
        return InspectionEventSerializer(inspection.events.all(), many=True).data


class RectifySerializer(serializers.Serializer):
    report = serializers.CharField(max_length=TEXT_MAX)
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text=gettext_lazy("Up to 10 files: PDF, JPEG or PNG, 10 MB each (multipart)."),
    )


class MerchantInspectionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Inspections of your merchants (a covert visit appears once recorded); rectify them."""

    permission_classes = [permissions.IsAuthenticated, IsMerchantOperator]
    pagination_class = ApiPagination
    serializer_class = MerchantInspectionSerializer
    filter_backends: list = []
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Inspection]:
        return selectors.merchant_inspection_list(user=self.request.user)

    def get_object(self) -> Inspection:
        return selectors.merchant_inspection_get(
            user=self.request.user, pk=pk_or_404(self.kwargs["pk"])
        )

    @extend_schema(
        summary=gettext_lazy("Send a rectification report (the merchant's people)"),
        request={"multipart/form-data": RectifySerializer, "application/json": RectifySerializer},
        responses={200: MerchantInspectionSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def rectify(self, request: Request, pk: str) -> Response:
        inspection = self.get_object()
        serializer = RectifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inspection_services.rectification_submit(
            actor=request.user,
            inspection=inspection,
            report=serializer.validated_data["report"],
            files=serializer.validated_data["files"],
        )
        return Response(MerchantInspectionSerializer(self.get_object()).data)
