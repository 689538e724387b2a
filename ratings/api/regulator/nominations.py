"""Nominations in the API (/api/v1/ratings/nominations/): registry merchants in your reach invited
to declare."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import ERROR_RESPONSES, ApiPagination
from merchants.models import Pool, Region
from merchants.validators import validate_uscc
from ratings.forms import TEXT_MAX
from ratings.models import Nomination
from ratings.permissions import IsPoolRegulator
from ratings.selectors import nominations
from ratings.services.nominations import nomination_create


class NominationSerializer(serializers.ModelSerializer):
    county = serializers.CharField(source="region_id", read_only=True)
    county_name = serializers.CharField(source="region.name", read_only=True)
    nominated_by = serializers.CharField(source="nominated_by.username", read_only=True)
    # Text, not an e-mail field: empty when the invitation went to nobody (the schema's
    # "email" format would refuse "").
    email = serializers.CharField(
        read_only=True, help_text=gettext_lazy("The invitation's e-mail address, or empty.")
    )
    status = serializers.SerializerMethodField()
    pool = serializers.CharField(source="current_pool", default=None, read_only=True)

    class Meta:
        model = Nomination
        fields = (
            "id",
            "uscc",
            "name",
            "county",
            "county_name",
            "email",
            "message",
            "nominated_by",
            "created_at",
            "merchant",
            "entered_at",
            "status",
            "pool",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["invited", "registered", "in_selection"]))
    def get_status(self, nomination: Nomination) -> str:
        if nomination.merchant_id is None:
            return "invited"
        if getattr(nomination, "current_pool", None) == Pool.SELECTION:
            return "in_selection"
        return "registered"


class NominationCreateSerializer(serializers.Serializer):
    uscc = serializers.CharField(max_length=30)
    name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Only for a merchant not registered yet."),
    )
    county = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.filter(level=Region.Level.COUNTY),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("County code; only for a merchant not registered yet."),
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    message = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )

    def validate_uscc(self, value: str) -> str:
        try:
            return validate_uscc(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class NominationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Nominations of merchants in your reach: invitations to declare."""

    permission_classes = [permissions.IsAuthenticated, IsPoolRegulator]
    pagination_class = ApiPagination
    serializer_class = NominationSerializer
    filter_backends: list = []

    def get_queryset(self) -> Any:
        return nominations.nomination_list(user=self.request.user)

    @extend_schema(
        summary=gettext_lazy("Nominate a registry merchant: it is invited to declare"),
        request=NominationCreateSerializer,
        responses={201: NominationSerializer, **ERROR_RESPONSES},
    )
    def create(self, request: Request) -> Response:
        serializer = NominationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        nomination = nomination_create(
            actor=request.user,
            uscc=data["uscc"],
            name=data["name"],
            region=data["county"],
            email=data["email"],
            message=data["message"],
        )
        nomination = self.get_queryset().get(pk=nomination.pk)
        return Response(NominationSerializer(nomination).data, status=status.HTTP_201_CREATED)
