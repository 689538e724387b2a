"""Campaign API (/api/v1/review/campaigns/): spot-check campaigns of your region.

The same selectors and services as the pages, scoped the same way: regulators see the campaigns of
their region and above, admins every one; only supervisors define, draw and close them. Anyone else
gets a 404; a refused action is a 400 with the message the pages show.
"""

from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import ERROR_RESPONSES, ApiPagination, pk_or_404
from merchants.models import Industry, Pool, Region, Scheme
from review.models import (
    MAX_EXCLUDE_DAYS,
    MAX_SAMPLE_SIZE,
    Campaign,
    ChecklistTemplate,
    Inspection,
    InspectionAssignment,
    InspectionMethod,
    validate_due_date,
)
from review.permissions import SeesCampaigns
from review.selectors import inspections as selectors
from review.services import campaigns as campaign_services


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
    sample_size = serializers.IntegerField(
        min_value=1, max_value=MAX_SAMPLE_SIZE, required=False, allow_null=True
    )
    sample_ratio = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        max_value=Decimal("1"),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("A share, e.g. 0.05 for 5%; give this or sample_size."),
    )
    inspectors_per_visit = serializers.IntegerField(min_value=1, max_value=5, default=2)
    is_cross = serializers.BooleanField(default=False)
    exclude_recent_days = serializers.IntegerField(
        min_value=0,
        max_value=MAX_EXCLUDE_DAYS,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Default: the quality-control setting."),
    )
    due_date = serializers.DateField(validators=[validate_due_date])


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
