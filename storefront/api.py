"""Public, read-only open data (/api/v1/public/merchants/): find merchants and read the same
facts their public store page shows, and nothing more. No authentication; anonymous callers are
throttled per address.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from common.api import PagePagination
from common.net import client_ip
from merchants.models import Merchant, Station
from merchants.selectors import station_list_public
from storefront import selectors
from storefront.forms import StoreSearchForm


class PublicThrottle(AnonRateThrottle):
    scope = "public"
    rate = "600/minute"

    def get_ident(self, request: Request) -> str:
        # The address through TRUSTED_PROXY_COUNT proxies, as the complaint intake counts it:
        # a made-up X-Forwarded-For does not make a new caller.
        return client_ip(request) or ""


class PublicPagination(PagePagination):
    page_size = selectors.SEARCH_PAGE_SIZE


class _PublicView(generics.GenericAPIView):
    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [PublicThrottle]
    filter_backends: list[Any] = []


# Serializers: they describe the dicts storefront.selectors builds; nothing else reaches them.


class PublicRegionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class PublicSchemeRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


# Plain strings rather than enums: the public pools are a subset of ratings.models.Pool, and
# an enum of their own would clash in the schema with the pool enum of the other endpoints.
POOL_HELP = gettext_lazy(
    "The merchant's place in the programme: star_rated, cultivation, warning (rectifying after a "
    "warning) or exited (removed from the programme); null when none of these is public."
)
STARS_HELP = gettext_lazy("The star rating from 1 to 5; null unless the pool is star_rated.")
RATING_HELP = gettext_lazy("The rating in words, in the requested language; empty when none.")


class PublicMerchantListSerializer(serializers.Serializer):
    public_code = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField()
    county = PublicRegionRefSerializer()
    city = PublicRegionRefSerializer(allow_null=True)
    schemes = PublicSchemeRefSerializer(many=True, help_text=gettext_lazy("Approved schemes."))
    pool = serializers.CharField(allow_null=True, help_text=POOL_HELP)
    stars = serializers.IntegerField(allow_null=True, help_text=STARS_HELP)
    rating = serializers.CharField(help_text=RATING_HELP)
    url = serializers.URLField(help_text=gettext_lazy("The public store page."))

    def to_representation(self, instance: Merchant | dict[str, Any]) -> dict[str, Any]:
        if isinstance(instance, Merchant):
            instance = selectors.store_search_row(instance)
        return super().to_representation(instance)


class PublicLicenceSerializer(serializers.Serializer):
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    expired = serializers.BooleanField()


class PublicPermitSerializer(serializers.Serializer):
    type = serializers.CharField()
    type_label = serializers.CharField()
    number = serializers.CharField()
    valid_until = serializers.DateField()
    expired = serializers.BooleanField()


class PublicStoreSchemeSerializer(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.CharField()
    name = serializers.CharField()
    approved_on = serializers.DateField(allow_null=True)
    terms = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy("The scheme's terms in plain words, e.g. the return window."),
    )
    commitments = serializers.ListField(child=serializers.CharField())


class PublicAppealSerializer(serializers.Serializer):
    state = serializers.CharField(
        help_text=gettext_lazy("pending (waiting for a decision) or upheld (the decision stands).")
    )
    state_label = serializers.CharField()
    statement = serializers.CharField(
        help_text=gettext_lazy("The merchant's reasons: its reply to the decision.")
    )
    submitted_on = serializers.DateField()
    decided_on = serializers.DateField(allow_null=True)


class PublicBadgeSerializer(serializers.Serializer):
    schemes = PublicSchemeRefSerializer(
        many=True, help_text=gettext_lazy("Approved schemes; none once removed (exited).")
    )
    pool = serializers.CharField(allow_null=True, help_text=POOL_HELP)
    stars = serializers.IntegerField(allow_null=True, help_text=STARS_HELP)
    label = serializers.CharField(help_text=RATING_HELP)
    since = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("In this pool since; null when pool is null.")
    )
    rectify_by = serializers.DateField(
        allow_null=True,
        help_text=gettext_lazy("In the warning pool: the date to rectify by; otherwise null."),
    )
    appeal = PublicAppealSerializer(
        allow_null=True,
        help_text=gettext_lazy(
            "The merchant's appeal against the decision that put it in this pool, while pending "
            "or after it was upheld; null otherwise."
        ),
    )


class PublicVisitSerializer(serializers.Serializer):
    date = serializers.DateField()
    method = serializers.CharField()
    method_label = serializers.CharField()
    result = serializers.CharField()
    result_label = serializers.CharField()


class PublicCreditSerializer(serializers.Serializer):
    level = serializers.CharField()
    label = serializers.CharField()
    as_of = serializers.DateField()


class PublicComplaintFiguresSerializer(serializers.Serializer):
    since = serializers.DateField()
    received = serializers.IntegerField()
    accepted = serializers.IntegerField()
    settled = serializers.IntegerField()
    open = serializers.IntegerField()
    closed_on_time = serializers.IntegerField()
    resolution_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    average_rating = serializers.FloatField(allow_null=True)


class PublicStorePageSerializer(serializers.Serializer):
    public_code = serializers.CharField()
    name = serializers.CharField()
    uscc = serializers.CharField()
    address = serializers.CharField()
    county = PublicRegionRefSerializer()
    city = PublicRegionRefSerializer(allow_null=True)
    industry = serializers.CharField()
    industry_label = serializers.CharField()
    contact_phone = serializers.CharField()
    licence = PublicLicenceSerializer()
    permits = PublicPermitSerializer(many=True)
    schemes = PublicStoreSchemeSerializer(many=True)
    badge = PublicBadgeSerializer()
    supervision = PublicVisitSerializer(
        many=True, help_text=gettext_lazy("Inspections recorded in the last 12 months.")
    )
    supervision_since = serializers.DateField()
    credit = PublicCreditSerializer(allow_null=True)
    complaints = PublicComplaintFiguresSerializer(
        allow_null=True, help_text=gettext_lazy("Null when no complaint was received.")
    )
    url = serializers.URLField()
    complaint_url = serializers.CharField()
    generated_on = serializers.DateField()


SEARCH_PARAMETERS = [
    OpenApiParameter("q", str, description=gettext_lazy("All or part of the business name.")),
    OpenApiParameter(
        "uscc", str, description=gettext_lazy("The full 18-character unified social credit code.")
    ),
    OpenApiParameter(
        "region",
        str,
        description=gettext_lazy(
            "A city code (all its counties, e.g. 330100) or a county code (e.g. 330106)."
        ),
    ),
    OpenApiParameter(
        "scheme", str, description=gettext_lazy("A scheme code, e.g. no-reason-return.")
    ),
    OpenApiParameter(
        "min_stars",
        int,
        enum=[1, 2, 3, 4, 5],
        description=gettext_lazy("Star-rated merchants with at least this many stars (1 to 5)."),
    ),
]


class PublicMerchantListView(_PublicView, generics.ListAPIView):
    """Find merchants (open data): the public facts of each, 20 a page."""

    serializer_class = PublicMerchantListSerializer
    pagination_class = PublicPagination

    def get_queryset(self) -> QuerySet[Merchant]:
        form = StoreSearchForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError(_messages(form))
        return selectors.store_search(**form.search_kwargs())

    @extend_schema(
        summary=gettext_lazy("Find merchants (public, no login)"),
        parameters=SEARCH_PARAMETERS,
        responses={
            200: PublicMerchantListSerializer(many=True),
            400: OpenApiResponse(description=gettext_lazy("A filter is not valid.")),
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)


def _messages(form: StoreSearchForm) -> dict[str, list[str]]:
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


# One instance with its fields bound once, used for every answer: DRF copies the declared fields
# of each (nested) serializer it instantiates, about a third of this answer's time otherwise.
# Its fields only turn the page's dict into JSON values, keeping no state of a request.
_STORE_PAGE = PublicStorePageSerializer()


class PublicMerchantDetailView(_PublicView):
    """One merchant's public page as data: exactly what /s/<code>/ shows."""

    serializer_class = PublicStorePageSerializer

    @extend_schema(
        summary=gettext_lazy("A merchant's public page (public, no login)"),
        responses={
            200: PublicStorePageSerializer,
            404: OpenApiResponse(description=gettext_lazy("No merchant has this code.")),
        },
    )
    def get(self, request: Request, public_code: str) -> Response:
        return Response(
            _STORE_PAGE.to_representation(selectors.store_page(public_code=public_code))
        )


class PublicStationSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=gettext_lazy("The village or community."))
    county = PublicRegionRefSerializer()
    address = serializers.CharField()
    phone = serializers.CharField()
    opening_hours = serializers.CharField()
    coordinators = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy("The coordinators' names as they are shown; nothing else of them."),
    )


class PublicStationListView(_PublicView, generics.ListAPIView):
    """The active village liaison stations, of one county if asked, 20 a page."""

    serializer_class = PublicStationSerializer
    pagination_class = PublicPagination

    def get_queryset(self) -> QuerySet[Station]:
        county = self.request.query_params.get("county", "")
        if county and not (len(county) == 6 and county.isascii() and county.isdigit()):
            raise ValidationError({"county": [_("A county code has six digits.")]})
        return station_list_public(county_code=county or None)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = [selectors.public_station_row(s) for s in page]
        return self.get_paginated_response(PublicStationSerializer(rows, many=True).data)

    @extend_schema(
        summary=gettext_lazy("Village liaison stations (public, no login)"),
        parameters=[
            OpenApiParameter("county", str, description=gettext_lazy("A county code, e.g. 330106."))
        ],
        responses={
            200: PublicStationSerializer(many=True),
            400: OpenApiResponse(description=gettext_lazy("A filter is not valid.")),
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)
