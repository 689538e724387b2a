"""Merchants in the user's reach; registration and the owner's profile changes."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import ERROR_RESPONSES, ApiPagination
from merchants.api.filters import MerchantFilter
from merchants.models import Merchant, Permit, Region
from merchants.permissions import IsMerchantOwner, may_export_history, merchant_file_copy
from merchants.selectors import merchant_list
from merchants.services.history import (
    merchant_file,
    merchant_file_export_record,
    merchant_history_export,
)
from merchants.services.merchants import PROFILE_FIELDS, merchant_register, merchant_update
from merchants.validators import validate_uscc


class PermitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Permit
        fields = ("permit_type", "number", "valid_until")


class MerchantSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    city = serializers.CharField(source="region.parent_id", read_only=True, allow_null=True)
    permits = PermitSerializer(many=True, read_only=True)

    class Meta:
        model = Merchant
        fields = (
            "id",
            "uscc",
            "name",
            "legal_representative",
            "address",
            "region",
            "region_name",
            "city",
            "industry",
            "licence_valid_from",
            "licence_valid_until",
            "contact_phone",
            "public_code",
            "permits",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class MerchantUpdateSerializer(serializers.ModelSerializer):
    """The profile an owner may change. `permits`, when given, replaces the whole list."""

    region = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        help_text=gettext_lazy(
            "County code, e.g. 330106. Chosen at registration; afterwards it changes only "
            "through a county change request that the new county approves (another value here "
            "answers 400)."
        ),
    )
    permits = PermitSerializer(many=True, required=False)

    class Meta:
        model = Merchant
        fields = (*PROFILE_FIELDS, "permits")

    def validate_permits(self, permits: list[dict[str, Any]]) -> list[dict[str, Any]]:
        keys = [(p["permit_type"], p["number"]) for p in permits]
        if len(keys) != len(set(keys)):
            raise serializers.ValidationError(_("The same permit is listed twice."))
        return permits

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        def current(field: str) -> Any:
            return attrs[field] if field in attrs else getattr(self.instance, field, None)

        start, end = current("licence_valid_from"), current("licence_valid_until")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"licence_valid_until": _("The licence cannot end before it starts.")}
            )
        return attrs


class MerchantRegisterSerializer(MerchantUpdateSerializer):
    # Longer than 18 so that spaces and dashes reach validate_uscc, which names the problem.
    uscc = serializers.CharField(
        max_length=40, help_text=gettext_lazy("Unified social credit code, 18 characters.")
    )

    class Meta(MerchantUpdateSerializer.Meta):
        fields = ("uscc", *PROFILE_FIELDS, "permits")

    def validate_uscc(self, value: str) -> str:
        try:
            return validate_uscc(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class FileLabelSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()


class FileColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class FileRowSerializer(serializers.Serializer):
    cells = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        help_text=gettext_lazy("One text per column, in the columns' order."),
    )
    url = serializers.CharField(
        allow_blank=True, help_text=gettext_lazy("The record's page, where the reader may open it.")
    )


class FileSectionSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    columns = FileColumnSerializer(many=True)
    rows = FileRowSerializer(many=True)


class FileTimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    section = serializers.CharField(help_text=gettext_lazy("The title of its section."))
    text = serializers.CharField()
    url = serializers.CharField(allow_blank=True)


class FileMerchantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    uscc = serializers.CharField()


class MerchantFileSerializer(serializers.Serializer):
    format = serializers.IntegerField()
    copy = serializers.ChoiceField(
        choices=["regulator", "owner"],
        help_text=gettext_lazy(
            "regulator: everything on record; owner: what the merchant's people may see."
        ),
    )
    generated_at = serializers.DateTimeField()
    merchant = FileMerchantSerializer()
    profile = FileLabelSerializer(many=True)
    sections = FileSectionSerializer(many=True)
    timeline = FileTimelineEntrySerializer(
        many=True, help_text=gettext_lazy("Every section's dated steps, newest first.")
    )


class MerchantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Merchants in your reach: your own (operators), your region's (regulators), all (admins)."""

    serializer_class = MerchantSerializer
    filterset_class = MerchantFilter
    pagination_class = ApiPagination
    permission_classes = [permissions.IsAuthenticated, IsMerchantOwner]

    def get_queryset(self):
        return merchant_list(user=self.request.user).prefetch_related("permits")

    def _response(self, merchant: Merchant, status_code: int = status.HTTP_200_OK) -> Response:
        merchant = self.get_queryset().get(pk=merchant.pk)
        return Response(MerchantSerializer(merchant).data, status=status_code)

    @extend_schema(
        summary=gettext_lazy("Register a merchant (you become its owner)"),
        request=MerchantRegisterSerializer,
        responses={201: MerchantSerializer, 400: ERROR_RESPONSES[400]},
    )
    def create(self, request: Request) -> Response:
        serializer = MerchantRegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        merchant = merchant_register(actor=request.user, **serializer.validated_data)
        return self._response(merchant, status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("Change a merchant's profile (owners)"),
        request=MerchantUpdateSerializer,
        responses={200: MerchantSerializer, **ERROR_RESPONSES},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        merchant = self.get_object()
        serializer = MerchantUpdateSerializer(merchant, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        merchant = merchant_update(
            actor=request.user, merchant=merchant, **serializer.validated_data
        )
        return self._response(merchant)

    @extend_schema(
        summary=gettext_lazy("Export the merchant's full history (owners and its regulators)"),
        description=gettext_lazy(
            "A zip with history.json (the merchant, declarations, complaints, inspections, "
            "the rating history) and the documents it names. The owner's copy holds what the "
            "merchant's people may see: complainants' contacts masked, no internal notes."
        ),
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY),
            403: ERROR_RESPONSES[403],
            404: ERROR_RESPONSES[404],
        },
    )
    @action(detail=True, methods=["get"], url_path="export", url_name="export")
    def export(self, request: Request, pk: str) -> HttpResponse:
        merchant = self.get_object()
        if not may_export_history(request.user, merchant):
            raise PermissionDenied(
                _("Only the merchant's owners and its regulators can export its history.")
            )
        data = merchant_history_export(actor=request.user, merchant=merchant)
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = (
            f'attachment; filename="merchant-{merchant.pk}-history.zip"'
        )
        return response

    @extend_schema(
        summary=gettext_lazy("The merchant's file: everything about it, with one timeline"),
        description=gettext_lazy(
            "The same content as the file page (一户一档): profile, permits, registry records, "
            "declarations with their screening, complaints, inspections, pool history, "
            "evaluations, warnings, appeals and the timeline, texts in the reader's language. "
            "Regulators who reach the merchant get everything (recorded in the audit log), "
            "the merchant's people their own copy; anyone else a 404."
        ),
        responses={200: MerchantFileSerializer, 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"], url_path="file", url_name="file")
    def file(self, request: Request, pk: str) -> Response:
        merchant = self.get_object()
        if merchant_file_copy(request.user, merchant) is None:
            raise NotFound
        data = merchant_file(viewer=request.user, merchant=merchant)
        merchant_file_export_record(actor=request.user, merchant=merchant, source="api")
        return Response(MerchantFileSerializer(data).data)
