"""Quality-control API (/api/v1/review/): campaigns, inspections, the merchant's inspections.

The same selectors and services as the pages, scoped the same way: campaigns for regulators of
their region and above (and admins); inspections for the inspection authority (regulators of the
county and above, the inspectors assigned); the merchant's side for the merchant's people, without
internal notes, photos or inspector identities. Anyone else gets a 404; a refused action is a 400
with the message the pages show.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import ERROR_RESPONSES, ApiPagination, NotFoundUnless, pk_or_404
from merchants.models import Industry, Pool, Region, Scheme
from merchants.permissions import is_merchant_operator
from review import selectors
from review.inspection_forms import TEXT_MAX
from review.models import (
    Campaign,
    ChecklistTemplate,
    Inspection,
    InspectionAssignment,
    InspectionFile,
    InspectionMethod,
    InspectionResult,
    Rectification,
)
from review.services import campaigns as campaign_services
from review.services import inspections as inspection_services


class SeesCampaigns(NotFoundUnless):
    def allows(self, user: Any) -> bool:
        return user.is_authenticated and (user.is_regulator or user.is_platform_admin)


class IsInspectionStaff(NotFoundUnless):
    def allows(self, user: Any) -> bool:
        return selectors.is_inspection_staff(user)


class IsMerchantOperator(NotFoundUnless):
    def allows(self, user: Any) -> bool:
        return is_merchant_operator(user)


# Campaigns


class CampaignCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    region = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        help_text=gettext_lazy("Region code; merchants in it and below are in scope."),
    )
    schemes = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Scheme.objects.filter(is_active=True),
        many=True,
        required=False,
        help_text=gettext_lazy("Scheme codes; none: any scheme."),
    )
    industries = serializers.ListField(
        child=serializers.ChoiceField(choices=Industry.choices), required=False
    )
    pools = serializers.ListField(
        child=serializers.ChoiceField(choices=Pool.choices),
        required=False,
        help_text=gettext_lazy("Pool codes; none: any pool."),
    )
    method = serializers.ChoiceField(choices=InspectionMethod.choices)
    checklist = serializers.PrimaryKeyRelatedField(
        queryset=ChecklistTemplate.objects.filter(is_active=True)
    )
    sample_size = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    sample_ratio = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("A share, e.g. 0.05 for 5%; give this or sample_size."),
    )
    inspectors_per_visit = serializers.IntegerField(min_value=1, max_value=5, default=2)
    is_cross = serializers.BooleanField(default=False)
    exclude_recent_days = serializers.IntegerField(
        min_value=0,
        max_value=3650,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Default: the quality-control setting."),
    )
    due_date = serializers.DateField()


class CampaignSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    schemes = serializers.SerializerMethodField()
    checklist_name = serializers.CharField(source="checklist.display_name", read_only=True)
    checklist_version = serializers.IntegerField(source="checklist.version", read_only=True)
    algorithm = serializers.SerializerMethodField()
    visit_count = serializers.IntegerField(read_only=True, default=None)
    recorded_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Campaign
        fields = (
            "id",
            "name",
            "region",
            "region_name",
            "schemes",
            "industries",
            "pools",
            "method",
            "checklist",
            "checklist_name",
            "checklist_version",
            "sample_size",
            "sample_ratio",
            "inspectors_per_visit",
            "is_cross",
            "exclude_recent_days",
            "due_date",
            "state",
            "seed",
            "algorithm",
            "population_count",
            "population_digest",
            "created_at",
            "drawn_at",
            "closed_at",
            "visit_count",
            "recorded_count",
        )
        read_only_fields = fields

    def get_schemes(self, campaign: Campaign) -> list[str]:
        return [s.code for s in campaign.schemes.all()]

    def get_algorithm(self, campaign: Campaign) -> str:
        return campaign_services.DRAW_ALGORITHM


class AssignmentSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="inspector_id", read_only=True)
    username = serializers.CharField(source="inspector.username", read_only=True)
    name = serializers.CharField(source="inspector.get_full_name", read_only=True)

    class Meta:
        model = InspectionAssignment
        fields = ("id", "username", "name", "is_lead")
        read_only_fields = fields


class CampaignVisitSerializer(serializers.ModelSerializer):
    merchant_name = serializers.CharField(source="merchant.name", read_only=True)
    merchant_uscc = serializers.CharField(source="merchant.uscc", read_only=True)
    county = serializers.CharField(source="region_id", read_only=True)
    county_name = serializers.CharField(source="region.name", read_only=True)
    inspectors = AssignmentSerializer(source="assignments", many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = (
            "id",
            "draw_order",
            "merchant",
            "merchant_name",
            "merchant_uscc",
            "county",
            "county_name",
            "method",
            "state",
            "result",
            "score",
            "due_date",
            "visited_at",
            "inspectors",
        )
        read_only_fields = fields


class DrawCheckSerializer(serializers.Serializer):
    matches = serializers.BooleanField()
    sample_matches = serializers.BooleanField()
    inspectors_match = serializers.BooleanField()
    digest_matches = serializers.BooleanField()
    sample_size = serializers.IntegerField()


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Spot-check campaigns of your region. Supervisors define, draw and close them."""

    permission_classes = [permissions.IsAuthenticated, SeesCampaigns]
    pagination_class = ApiPagination
    serializer_class = CampaignSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Campaign]:
        return selectors.campaign_overview(user=self.request.user)

    def get_object(self) -> Campaign:
        return selectors.campaign_get(user=self.request.user, pk=pk_or_404(self.kwargs["pk"]))

    def _detail(self, campaign: Campaign, code: int = status.HTTP_200_OK) -> Response:
        campaign = selectors.campaign_get(user=self.request.user, pk=campaign.pk)
        return Response(CampaignSerializer(campaign).data, status=code)

    @extend_schema(
        summary=gettext_lazy("Define a campaign (supervisors, for their region and below)"),
        request=CampaignCreateSerializer,
        responses={201: CampaignSerializer, **ERROR_RESPONSES},
    )
    def create(self, request: Request) -> Response:
        serializer = CampaignCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        campaign = campaign_services.campaign_create(actor=request.user, **data)
        return self._detail(campaign, status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("Draw the sample and the inspectors from a fresh seed"),
        request=None,
        responses={200: CampaignSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def draw(self, request: Request, pk: str) -> Response:
        campaign = self.get_object()
        campaign_services.campaign_draw(actor=request.user, campaign=campaign)
        return self._detail(campaign)

    @extend_schema(
        summary=gettext_lazy("Run the draw again from the stored seed and compare"),
        responses={200: DrawCheckSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"])
    def verify(self, request: Request, pk: str) -> Response:
        check = campaign_services.campaign_verify_draw(self.get_object())
        return Response(DrawCheckSerializer(check).data)

    @extend_schema(
        summary=gettext_lazy("Close the campaign; visits not made are cancelled"),
        request=None,
        responses={200: CampaignSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        campaign = self.get_object()
        campaign_services.campaign_close(actor=request.user, campaign=campaign)
        return self._detail(campaign)

    @extend_schema(
        summary=gettext_lazy("The draw: seed, population, inspector pool and visits, to re-run"),
        responses={200: OpenApiTypes.OBJECT, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: str) -> Response:
        campaign = self.get_object()
        if campaign.state == Campaign.State.DRAFT:
            raise NotFound
        return Response(selectors.campaign_draw_export(campaign))

    @extend_schema(
        summary=gettext_lazy("The campaign's visits in the order drawn"),
        responses={200: CampaignVisitSerializer(many=True), **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"])
    def visits(self, request: Request, pk: str) -> Response:
        page = self.paginate_queryset(selectors.campaign_visits(self.get_object()))
        return self.get_paginated_response(CampaignVisitSerializer(page, many=True).data)


# Inspections (the inspection authority)


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
    note = serializers.CharField()
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
    pagination_class = ApiPagination
    serializer_class = InspectionSerializer
    filter_backends: list = []
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Inspection]:
        user = self.request.user
        if self.request.query_params.get("assigned") in ("1", "true"):
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
        page = self.paginate_queryset(self.get_queryset())
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


# The merchant's inspections


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
    parser_classes = [JSONParser, MultiPartParser, FormParser]

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
