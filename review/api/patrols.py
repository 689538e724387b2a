"""Unscheduled visits (/api/v1/review/patrols/): coordinators log them (multipart, with photos)
and list their own; regulators list their region's (filters: county, station, date) and read
each. The same selectors and service as the pages; anyone else gets a 404, a regulator who posts
a 403."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import (
    ERROR_RESPONSES,
    ApiPagination,
    BoundedJSONParser,
    QuerySerializer,
    id_field,
    pk_or_404,
)
from merchants.models import Merchant, Station
from merchants.selectors import station_list_for_coordinator
from review.models import (
    PATROL_PLACE_MAX,
    PATROL_TEXT_MAX,
    Patrol,
    PatrolPhoto,
    validate_patrol_day,
)
from review.permissions import SeesPatrols, records_patrols
from review.selectors import patrols as selectors
from review.services import patrols as patrol_services


class PatrolPhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = PatrolPhoto
        fields = ("id", "original_name", "content_type", "size", "uploaded_at")
        read_only_fields = fields


class PatrolSerializer(serializers.ModelSerializer):
    county = serializers.CharField(source="region_id", read_only=True)
    station_name = serializers.CharField(source="station.name", default=None, read_only=True)
    merchant_name = serializers.CharField(source="merchant.name", default=None, read_only=True)
    coordinator = serializers.CharField(source="recorded_by.display_name", read_only=True)
    photos = PatrolPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Patrol
        fields = (
            "id",
            "county",
            "station",
            "station_name",
            "merchant",
            "merchant_name",
            "place",
            "visited_on",
            "findings",
            "coordinator",
            "created_at",
            "photos",
        )
        read_only_fields = fields


class PatrolCreateSerializer(serializers.Serializer):
    station = id_field(required=False, allow_null=True, default=None)
    merchant = id_field(required=False, allow_null=True, default=None)
    place = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=PATROL_PLACE_MAX
    )
    visited_on = serializers.DateField(validators=[validate_patrol_day])
    findings = serializers.CharField(max_length=PATROL_TEXT_MAX)
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text=gettext_lazy("Up to 10 photos, JPEG or PNG (multipart)."),
    )


def _station(user: Any, pk: int | None) -> Station | None:
    if pk is None:
        return None
    station = station_list_for_coordinator(user=user).filter(pk=pk).first()
    if station is None:
        raise serializers.ValidationError(
            {"station": [_("Choose one of the active stations you serve.")]}
        )
    return station


def _merchant(user: Any, pk: int | None) -> Merchant | None:
    if pk is None:
        return None
    merchant = selectors.patrol_merchant_choices(user=user).filter(pk=pk).first()
    if merchant is None:
        raise serializers.ValidationError({"merchant": [_("Choose a merchant of your county.")]})
    return merchant


class PatrolQuerySerializer(QuerySerializer):
    """The list's filters; one that is not what it says is a 400 naming it."""

    county = serializers.RegexField(
        r"^\d{6}$", required=False, help_text=gettext_lazy("A county code, e.g. 330106.")
    )
    station = id_field(required=False)
    merchant = id_field(required=False)
    date_from = serializers.DateField(required=False, validators=[validate_patrol_day])
    date_to = serializers.DateField(required=False, validators=[validate_patrol_day])


class PatrolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Unscheduled visits: your own (coordinators) or your region's (regulators)."""

    permission_classes = [permissions.IsAuthenticated, SeesPatrols]
    pagination_class = ApiPagination
    serializer_class = PatrolSerializer
    filter_backends: list[Any] = []
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Patrol]:
        query = PatrolQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return selectors.patrol_filter(
            selectors.patrol_list(user=self.request.user),
            county=data.get("county", ""),
            station=data.get("station"),
            merchant=data.get("merchant"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )

    def get_object(self) -> Patrol:
        return selectors.patrol_get(user=self.request.user, pk=pk_or_404(self.kwargs["pk"]))

    @extend_schema(
        summary=gettext_lazy("Unscheduled visits: your own, or your region's"),
        parameters=[PatrolQuerySerializer],
        responses={200: PatrolSerializer(many=True), **ERROR_RESPONSES},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary=gettext_lazy("Log an unscheduled visit (coordinators)"),
        request={
            "multipart/form-data": PatrolCreateSerializer,
            "application/json": PatrolCreateSerializer,
        },
        responses={201: PatrolSerializer, **ERROR_RESPONSES},
    )
    def create(self, request: Request) -> Response:
        if not records_patrols(request.user):
            raise PermissionDenied(_("Only coordinators log unscheduled visits."))
        serializer = PatrolCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        patrol = patrol_services.patrol_record(
            actor=request.user,
            station=_station(request.user, data["station"]),
            merchant=_merchant(request.user, data["merchant"]),
            place=data["place"],
            visited_on=data["visited_on"],
            findings=data["findings"],
            photos=data["photos"],
        )
        fresh = selectors.patrol_get(user=request.user, pk=patrol.pk)
        return Response(PatrolSerializer(fresh).data, status=status.HTTP_201_CREATED)
