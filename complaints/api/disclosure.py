"""Public disclosure through the API: published snapshots for everyone; a merchant's own rows
in preview, with flag and reply, for its people. Same selectors and services as the pages."""

from typing import Literal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import ERROR_RESPONSES, pk_or_404
from complaints.models import (
    DisclosureMerchantRow,
    DisclosureRegionRow,
    DisclosureSnapshot,
    FlagDecision,
)
from complaints.selectors import disclosure as selectors
from complaints.services import disclosure as services
from merchants.models import Region

FIGURES = (
    "received",
    "accepted",
    "resolved",
    "on_time",
    "acceptance_rate",
    "resolution_rate",
    "on_time_rate",
    "satisfaction",
)


class SnapshotSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="disclosure_date.display_name", read_only=True)
    date = serializers.DateField(source="disclosure_date.date", read_only=True)

    class Meta:
        model = DisclosureSnapshot
        fields = (
            "id",
            "name",
            "date",
            "period_start",
            "period_end",
            "merchant_threshold",
            "published_at",
        )
        read_only_fields = fields


class RegionRowSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.display_name", read_only=True)

    class Meta:
        model = DisclosureRegionRow
        fields = ("region", "region_name", "level", "category", *FIGURES)
        read_only_fields = fields


class MerchantRowSerializer(serializers.ModelSerializer):
    county = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = DisclosureMerchantRow
        fields = ("id", "merchant_name", "county", *FIGURES, "merchant_reply")
        read_only_fields = fields


class PreviewRowSerializer(MerchantRowSerializer):
    snapshot = SnapshotSerializer(read_only=True)

    class Meta(MerchantRowSerializer.Meta):
        fields = (
            *MerchantRowSerializer.Meta.fields,
            "snapshot",
            "merchant_flag",
            "flag_comment",
            "flag_decision",
            "flag_decision_reason",
        )
        read_only_fields = fields


class FlagDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=FlagDecision.choices)
    reason = serializers.CharField(max_length=2000)


class FlaggedRowSerializer(PreviewRowSerializer):
    """A flagged row as the regulators see it, with their decision."""

    flag_decided_by = serializers.CharField(
        source="flag_decided_by.display_name", read_only=True, default=""
    )

    class Meta(PreviewRowSerializer.Meta):
        fields = (
            *PreviewRowSerializer.Meta.fields,
            "flag_decision",
            "flag_decision_reason",
            "flag_decided_by",
            "flag_decided_at",
        )
        read_only_fields = fields


class FlagSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000)


class ReplySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, allow_blank=True)


def _within(request: Request) -> Region | Literal[False] | None:
    """The region the `within` parameter names by its code prefix (33, 3301, 330106); None
    without one, False for a prefix of no region (nothing lies within it)."""
    prefix = request.query_params.get("within", "")
    if not prefix:
        return None
    region = Region.objects.filter(code=prefix.ljust(6, "0")).first()
    return region if region is not None and region.prefix == prefix else False


class DisclosureViewSet(viewsets.ReadOnlyModelViewSet):
    """Published complaint disclosures (public): the snapshot, its region and merchant rows."""

    permission_classes = [permissions.AllowAny]
    serializer_class = SnapshotSerializer

    def get_queryset(self):
        return selectors.published_snapshots().order_by("-disclosure_date__date")

    @extend_schema(
        summary=gettext_lazy("Region figures of a published disclosure"),
        parameters=[
            OpenApiParameter("level", str, description="province, city or county"),
            OpenApiParameter("within", str, description="a region code prefix, e.g. 3301"),
            OpenApiParameter("category", str, description="a category; empty for all"),
        ],
        responses={200: RegionRowSerializer(many=True)},
    )
    @action(detail=True)
    def regions(self, request: Request, pk: str) -> Response:
        snapshot = self.get_object()
        within = _within(request)
        rows = (
            DisclosureRegionRow.objects.none()
            if within is False
            else selectors.snapshot_region_rows(
                snapshot,
                level=request.query_params.get("level", ""),
                within=within,
                category=request.query_params.get("category", ""),
            )
        )
        return Response(RegionRowSerializer(rows, many=True).data)

    @extend_schema(
        summary=gettext_lazy("Merchant figures of a published disclosure, with their replies"),
        parameters=[OpenApiParameter("within", str, description="a region code prefix")],
        responses={200: MerchantRowSerializer(many=True)},
    )
    @action(detail=True)
    def merchants(self, request: Request, pk: str) -> Response:
        snapshot = self.get_object()
        within = _within(request)
        rows = (
            DisclosureMerchantRow.objects.none()
            if within is False
            else selectors.snapshot_merchant_rows(snapshot, within=within)
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(MerchantRowSerializer(page, many=True).data)


class DisclosurePreviewViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A merchant's own figures before publication; its people may flag an error or reply."""

    serializer_class = PreviewRowSerializer

    def get_queryset(self):
        return selectors.merchant_preview_rows(user=self.request.user).order_by("id")

    def _row(self, pk: str) -> DisclosureMerchantRow:
        return get_object_or_404(self.get_queryset(), pk=pk_or_404(pk))

    @extend_schema(
        summary=gettext_lazy("Flag an error in your figures before publication"),
        request=FlagSerializer,
        responses={200: PreviewRowSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def flag(self, request: Request, pk: str) -> Response:
        row = self._row(pk)
        data = FlagSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.disclosure_flag(
            actor=request.user, row=row, comment=data.validated_data["comment"]
        )
        return Response(PreviewRowSerializer(row).data)

    @extend_schema(
        summary=gettext_lazy("Add a public reply shown beside your figures"),
        request=ReplySerializer,
        responses={200: PreviewRowSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str) -> Response:
        row = self._row(pk)
        data = ReplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.disclosure_reply(
            actor=request.user, row=row, text=data.validated_data["text"]
        )
        return Response(PreviewRowSerializer(row).data)


class DisclosureFlagViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Merchants' flags on figures in preview, in the regulator's region; decide on each."""

    serializer_class = FlaggedRowSerializer

    def get_queryset(self):
        return selectors.flagged_rows_for_regulator(user=self.request.user).order_by("id")

    @extend_schema(
        summary=gettext_lazy("Decide on a merchant's flag before publication"),
        request=FlagDecisionSerializer,
        responses={200: FlaggedRowSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        row = get_object_or_404(self.get_queryset(), pk=pk_or_404(pk))
        data = FlagDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.disclosure_flag_decide(
            actor=request.user,
            row=row,
            decision=data.validated_data["decision"],
            reason=data.validated_data["reason"],
        )
        return Response(FlaggedRowSerializer(row).data)
