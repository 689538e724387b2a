"""Inspection API for the inspection authority (/api/v1/review/inspections/): the visits of your
region and those assigned to you; record a visit, decide on the merchant's rectification.

The same selectors and services as the pages, scoped the same way: regulators of the county and
above, and the inspectors assigned. Anyone else gets a 404; a refused action is a 400 with the
message the pages show.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import ERROR_RESPONSES, BoundedJSONParser, KeyedPagination, pk_or_404
from review.api.campaigns import CampaignVisitSerializer
from review.forms.inspections import TEXT_MAX
from review.models import Inspection, InspectionFile, InspectionResult, Rectification
from review.permissions import IsInspectionStaff
from review.selectors import inspections as selectors
from review.services import inspections as inspection_services


class FileSerializer(serializers.ModelSerializer):
    class Meta:
        model = InspectionFile
        fields = ("id", "kind", "original_name", "content_type", "size", "uploaded_at")
        read_only_fields = fields


class RectificationSerializer(serializers.ModelSerializer):
    files = serializers.SerializerMethodField()

    class Meta:
        model = Rectification
        fields = (
            "id",
            "report",
            "submitted_at",
            "decision",
            "decision_reason",
            "decided_at",
            "files",
        )
        read_only_fields = fields

    @extend_schema_field(FileSerializer(many=True))
    def get_files(self, rectification: Rectification) -> list[dict[str, Any]]:
        files = [
            f
            for f in rectification.inspection.files.all()
            if f.rectification_id == rectification.pk
        ]
        return FileSerializer(files, many=True).data


class InspectionEventSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    # The system's note in the request's language, then what the person typed.
    note = serializers.CharField(source="note_text")
    created_at = serializers.DateTimeField()


class StaffEventSerializer(InspectionEventSerializer):
    actor = serializers.CharField(source="actor.username", default=None)


class InspectionListSerializer(CampaignVisitSerializer):
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    merchant_address = serializers.CharField(source="merchant.address", read_only=True)
    merchant_phone = serializers.CharField(source="merchant.contact_phone", read_only=True)

    class Meta(CampaignVisitSerializer.Meta):
        fields = (
            *CampaignVisitSerializer.Meta.fields,
            "campaign",
            "campaign_name",
            "merchant_address",
            "merchant_phone",
            "rectification_due",
        )
        read_only_fields = fields


class InspectionSerializer(InspectionListSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username", default=None)
    photos = serializers.SerializerMethodField()
    rectifications = RectificationSerializer(many=True, read_only=True)
    events = StaffEventSerializer(many=True, read_only=True)

    class Meta(InspectionListSerializer.Meta):
        fields = (
            *InspectionListSerializer.Meta.fields,
            "checklist_version",
            "checklist",
            "answers",
            "notes",
            "findings",
            "recorded_by",
            "closed_at",
            "photos",
            "rectifications",
            "events",
        )
        read_only_fields = fields

    @extend_schema_field(FileSerializer(many=True))
    def get_photos(self, inspection: Inspection) -> list[dict[str, Any]]:
        photos = [f for f in inspection.files.all() if f.kind == InspectionFile.Kind.PHOTO]
        return FileSerializer(photos, many=True).data


class RecordSerializer(serializers.Serializer):
    answers = serializers.JSONField(
        help_text=gettext_lazy('Checklist item code → "yes", "no" or "na"; every item.')
    )
    result = serializers.ChoiceField(choices=InspectionResult.choices)
    findings = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_MAX
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX)
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text=gettext_lazy("Up to 10 photos, JPEG or PNG (multipart)."),
    )

    def validate_answers(self, value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            raise serializers.ValidationError(
                gettext_lazy('An object of item code → "yes", "no" or "na".')
            )
        return {str(k): str(v) for k, v in value.items()}


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_MAX
    )


class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Inspections of your region and those assigned to you; record and decide on them."""

    permission_classes = [permissions.IsAuthenticated, IsInspectionStaff]
    # A province holds hundreds of thousands of visits: counted bounded, read keys first.
    pagination_class = KeyedPagination
    serializer_class = InspectionSerializer
    filter_backends: list = []
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Inspection]:
        user = self.request.user
        assigned = self.request.query_params.getlist("assigned")
        if assigned not in ([], ["true"], ["false"]):
            raise serializers.ValidationError({"assigned": [gettext_lazy("Enter true or false.")]})
        if assigned == ["true"]:
            qs = selectors.inspector_assignment_list(user=user)
        else:
            qs = selectors.inspection_staff_list(user=user).order_by("-due_date", "-pk")
        return qs.prefetch_related(selectors.assignments_prefetch())

    def get_object(self) -> Inspection:
        return selectors.inspection_staff_get(
            user=self.request.user, pk=pk_or_404(self.kwargs["pk"])
        )

    def _detail(self, inspection: Inspection) -> Response:
        return Response(InspectionSerializer(self.get_object()).data)

    @extend_schema(
        summary=gettext_lazy("Inspections in your reach; ?assigned=true: only yours, open first"),
        parameters=[OpenApiParameter("assigned", bool, required=False)],
        responses={200: InspectionListSerializer(many=True), **ERROR_RESPONSES},
    )
    def list(self, request: Request) -> Response:
        queryset = self.get_queryset()
        if request.query_params.get("assigned") == "true":
            count, keys = selectors.inspector_assignment_pages(user=request.user)
        else:
            count, keys = selectors.inspection_staff_pages(user=request.user)
        self.paginator.count, self.paginator.keys = count, keys
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(InspectionListSerializer(page, many=True).data)

    @extend_schema(
        summary=gettext_lazy("Record a visit (its assigned inspectors)"),
        request={"multipart/form-data": RecordSerializer, "application/json": RecordSerializer},
        responses={200: InspectionSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str) -> Response:
        inspection = self.get_object()
        serializer = RecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        inspection_services.inspection_record(
            actor=request.user,
            inspection=inspection,
            answers=data["answers"],
            result=data["result"],
            notes=data["notes"],
            findings=data["findings"],
            photos=data["photos"],
        )
        return self._detail(inspection)

    @extend_schema(
        summary=gettext_lazy("Accept the merchant's rectification; the inspection closes"),
        request=DecisionSerializer,
        responses={200: InspectionSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        inspection = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inspection_services.rectification_accept(
            actor=request.user, inspection=inspection, reason=serializer.validated_data["reason"]
        )
        return self._detail(inspection)

    @extend_schema(
        summary=gettext_lazy("Reject the merchant's rectification (reason required)"),
        request=DecisionSerializer,
        responses={200: InspectionSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        inspection = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inspection_services.rectification_reject(
            actor=request.user, inspection=inspection, reason=serializer.validated_data["reason"]
        )
        return self._detail(inspection)
