"""Liaison stations for their regulators (/api/v1/stations/): list, create, read and change them
(facts, coordinators, active or not). The same selectors and services as the pages; a station
outside the asker's reach is a 404, and so is the endpoint to anyone but regulators and admins."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import ERROR_RESPONSES, ApiPagination, QuerySerializer, id_field, pk_or_404
from merchants import selectors
from merchants.models import Region, Station, User
from merchants.permissions import ManagesStations
from merchants.services import stations as station_services
from merchants.services.stations import ADDRESS_MAX, HOURS_MAX, NAME_MAX


class StationCoordinatorSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = User
        fields = ("id", "username", "name")
        read_only_fields = fields


class StationSerializer(serializers.ModelSerializer):
    county = serializers.CharField(source="region_id", read_only=True)
    county_name = serializers.CharField(source="region.display_name", read_only=True)
    coordinators = StationCoordinatorSerializer(many=True, read_only=True)

    class Meta:
        model = Station
        fields = (
            "id",
            "name",
            "county",
            "county_name",
            "address",
            "phone",
            "opening_hours",
            "is_active",
            "coordinators",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class _CoordinatorIds(serializers.ListField):
    child = id_field()


class StationWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX)
    address = serializers.CharField(max_length=ADDRESS_MAX)
    phone = serializers.CharField(max_length=40)
    opening_hours = serializers.CharField(
        max_length=HOURS_MAX, required=False, allow_blank=True, default=""
    )
    coordinators = _CoordinatorIds(
        required=False,
        default=list,
        max_length=200,
        help_text=gettext_lazy("User ids of coordinators of the station's county."),
    )


class StationCreateSerializer(StationWriteSerializer):
    county = serializers.RegexField(
        r"^\d{6}$", help_text=gettext_lazy("The county's code (GB/T 2260).")
    )


class StationUpdateSerializer(StationWriteSerializer):
    name = serializers.CharField(max_length=NAME_MAX, required=False)
    address = serializers.CharField(max_length=ADDRESS_MAX, required=False)
    phone = serializers.CharField(max_length=40, required=False)
    opening_hours = serializers.CharField(max_length=HOURS_MAX, required=False, allow_blank=True)
    coordinators = _CoordinatorIds(required=False, max_length=200)
    is_active = serializers.BooleanField(required=False)


class StationQuerySerializer(QuerySerializer):
    """The list's filters; one that is not what it says is a 400 naming it."""

    county = serializers.RegexField(
        r"^\d{6}$", required=False, help_text=gettext_lazy("A county code, e.g. 330106.")
    )
    active = serializers.BooleanField(required=False)


def _coordinators(ids: list[int]) -> list[User]:
    """The accounts of `ids`; an unknown id is refused as not a coordinator by the service."""
    found = {u.pk: u for u in User.objects.filter(pk__in=ids).select_related("region")}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise serializers.ValidationError(
            {"coordinators": [_("No such coordinator: %(ids)s.") % {"ids": missing}]}
        )
    return [found[pk] for pk in dict.fromkeys(ids)]


class StationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The liaison stations of your region and below."""

    permission_classes = [permissions.IsAuthenticated, ManagesStations]
    pagination_class = ApiPagination
    serializer_class = StationSerializer
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Station]:
        query = StationQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return selectors.station_list(
            user=self.request.user, county_code=data.get("county"), active=data.get("active")
        )

    def get_object(self) -> Station:
        return selectors.station_get(user=self.request.user, pk=pk_or_404(self.kwargs["pk"]))

    def _detail(self, station: Station, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.station_get(user=self.request.user, pk=station.pk)
        return Response(StationSerializer(fresh).data, status=code)

    @extend_schema(
        summary=gettext_lazy("Stations of your region and below"),
        parameters=[StationQuerySerializer],
        responses={200: StationSerializer(many=True), **ERROR_RESPONSES},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary=gettext_lazy("Create a station in a county of your region"),
        request=StationCreateSerializer,
        responses={201: StationSerializer, **ERROR_RESPONSES},
    )
    def create(self, request: Request) -> Response:
        serializer = StationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        county = Region.objects.filter(code=data["county"]).first()
        if county is None:
            raise serializers.ValidationError({"county": [_("No such county.")]})
        station = station_services.station_create(
            actor=request.user,
            county=county,
            name=data["name"],
            address=data["address"],
            phone=data["phone"],
            opening_hours=data["opening_hours"],
            coordinators=_coordinators(data["coordinators"]),
        )
        return self._detail(station, status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("Change a station: its facts, coordinators, active or not"),
        request=StationUpdateSerializer,
        responses={200: StationSerializer, **ERROR_RESPONSES},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        station = self.get_object()
        serializer = StationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        coordinators = (
            _coordinators(data["coordinators"])
            if "coordinators" in data
            else list(station.coordinators.all())
        )
        station_services.station_update(
            actor=request.user,
            station=station,
            name=data.get("name", station.name),
            address=data.get("address", station.address),
            phone=data.get("phone", station.phone),
            opening_hours=data.get("opening_hours", station.opening_hours),
            is_active=data.get("is_active", station.is_active),
            coordinators=coordinators,
        )
        return self._detail(station)
