"""The pool browser in the API (/api/v1/ratings/standings/): the standings of the merchants in
your reach with the count of each pool, one merchant's standing with the work waiting on it; and
exiting a merchant for a serious violation (/api/v1/ratings/merchants/<id>/exit/)."""

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ERROR_RESPONSES, CountsPagination, QuerySerializer, pk_or_404
from common.pages import KeysFirstPaginator
from merchants.models import Pool, Scheme
from ratings.api.regulator.serializers import (
    RegulatorAppealSerializer,
    RegulatorPoolChangeSerializer,
    RegulatorRectificationSerializer,
)
from ratings.forms import TEXT_MAX
from ratings.models import Standing
from ratings.permissions import IsPoolRegulator
from ratings.selectors import pools
from ratings.services.pools import pool_exit


class StandingFilterSerializer(QuerySerializer):
    pool = serializers.ChoiceField(choices=Pool.choices, required=False)
    stars = serializers.IntegerField(min_value=0, max_value=5, required=False)
    scheme = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Scheme.objects.all(),
        required=False,
        help_text=gettext_lazy("Scheme code: merchants with an approved declaration for it."),
    )
    county = serializers.CharField(
        max_length=6, required=False, help_text=gettext_lazy("County code, e.g. 330106.")
    )
    score_min = serializers.IntegerField(min_value=0, max_value=100, required=False)
    score_max = serializers.IntegerField(min_value=0, max_value=100, required=False)
    q = serializers.CharField(
        max_length=100,
        required=False,
        help_text=gettext_lazy("Part of the name, or the start of the credit code."),
    )
    sort = serializers.ChoiceField(choices=list(pools.SORTS), required=False, default="name")

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        low, high = data.get("score_min"), data.get("score_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError(
                {"score_max": [gettext_lazy("The lowest score cannot be above the highest.")]}
            )
        return data

    def filters(self) -> pools.StandingFilters:
        data = self.validated_data
        return pools.StandingFilters(
            pool=data.get("pool", ""),
            stars=data.get("stars"),
            scheme=data.get("scheme"),
            county=data.get("county", ""),
            score_min=data.get("score_min"),
            score_max=data.get("score_max"),
            q=data.get("q", ""),
            sort=data["sort"],
        )


class RegulatorStandingSerializer(serializers.ModelSerializer):
    merchant_name = serializers.CharField(source="merchant.name", read_only=True)
    uscc = serializers.CharField(source="merchant.uscc", read_only=True)
    county = serializers.CharField(source="region_id", read_only=True)
    county_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Standing
        fields = (
            "merchant",
            "merchant_name",
            "uscc",
            "county",
            "county_name",
            "pool",
            "stars",
            "score",
            "since",
            "rectification_due",
            "reentry_after",
        )
        read_only_fields = fields


class RegulatorStandingDetailSerializer(RegulatorStandingSerializer):
    former_pool = serializers.CharField(read_only=True)
    former_stars = serializers.IntegerField(read_only=True)
    evaluated_at = serializers.DateTimeField(
        source="last_evaluation.evaluated_at", default=None, read_only=True
    )
    rectification = serializers.SerializerMethodField()
    appeal = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta(RegulatorStandingSerializer.Meta):
        fields = (
            *RegulatorStandingSerializer.Meta.fields,
            "former_pool",
            "former_stars",
            "evaluated_at",
            "rectification",
            "appeal",
            "history",
        )
        read_only_fields = fields

    @extend_schema_field(RegulatorRectificationSerializer(allow_null=True))
    def get_rectification(self, standing: Standing) -> dict[str, Any] | None:
        work = self.context["work"]
        if work.rectification is None:
            return None
        return RegulatorRectificationSerializer(work.rectification, context=self.context).data

    @extend_schema_field(RegulatorAppealSerializer(allow_null=True))
    def get_appeal(self, standing: Standing) -> dict[str, Any] | None:
        work = self.context["work"]
        if work.appeal is None:
            return None
        return RegulatorAppealSerializer(work.appeal, context=self.context).data

    @extend_schema_field(RegulatorPoolChangeSerializer(many=True))
    def get_history(self, standing: Standing) -> list[dict[str, Any]]:
        return RegulatorPoolChangeSerializer(self.context["work"].history, many=True).data


class StandingPagination(CountsPagination):
    """Pages of standings, with how many each pool holds under the same filters: the page's
    count is one of them (no count of its own), its rows read keys first."""

    count_keys = Pool.values
    counts_description = "Pool → number of merchants under the same filters, pool aside."
    pool = ""

    def django_paginator_class(self, object_list: Any, per_page: int) -> KeysFirstPaginator:
        count = self.counts[self.pool] if self.pool else sum(self.counts.values())
        return KeysFirstPaginator(object_list, per_page, count=count, key=pools.STANDING_KEY)


STANDING_FILTER_PARAMETERS = [StandingFilterSerializer]


class RegulatorStandingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Standings of the merchants in your reach: the pool browser."""

    permission_classes = [permissions.IsAuthenticated, IsPoolRegulator]
    pagination_class = StandingPagination
    serializer_class = RegulatorStandingSerializer
    filter_backends: list = []
    lookup_url_kwarg = "merchant_pk"

    def get_queryset(self) -> Any:
        return pools.standing_list(user=self.request.user)

    @extend_schema(
        summary=gettext_lazy("Standings in your reach, filtered, with the count of each pool"),
        parameters=STANDING_FILTER_PARAMETERS,
        responses={200: RegulatorStandingSerializer(many=True), **ERROR_RESPONSES},
    )
    def list(self, request: Request) -> Response:
        params = StandingFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = params.filters()
        user = request.user
        self.paginator.counts = pools.standing_counts(user=user, filters=filters)
        self.paginator.pool = filters.pool
        page = self.paginate_queryset(pools.standing_list(user=user, filters=filters))
        return self.get_paginated_response(RegulatorStandingSerializer(page, many=True).data)

    @extend_schema(
        summary=gettext_lazy("One merchant's standing, with the work waiting on it"),
        responses={200: RegulatorStandingDetailSerializer, **ERROR_RESPONSES},
    )
    def retrieve(self, request: Request, merchant_pk: str) -> Response:
        merchant = pools.merchant_in_reach(user=request.user, merchant_pk=pk_or_404(merchant_pk))
        work = pools.merchant_work(merchant=merchant)
        if work.standing is None:
            raise NotFound
        work.standing.merchant = merchant
        serializer = RegulatorStandingDetailSerializer(
            work.standing, context={"request": request, "work": work}
        )
        return Response(serializer.data)


# Exit


class PoolExitSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=TEXT_MAX, help_text=gettext_lazy("The serious violation, with its evidence.")
    )


class MerchantExitView(APIView):
    """Exit a merchant in the programme for a serious violation."""

    permission_classes = [permissions.IsAuthenticated, IsPoolRegulator]

    @extend_schema(
        summary=gettext_lazy("Exit a merchant for a serious violation (it may appeal)"),
        request=PoolExitSerializer,
        responses={201: RegulatorPoolChangeSerializer, **ERROR_RESPONSES},
    )
    def post(self, request: Request, merchant_pk: int) -> Response:
        merchant = pools.merchant_in_reach(user=request.user, merchant_pk=merchant_pk)
        serializer = PoolExitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = pool_exit(
            actor=request.user, merchant=merchant, reason=serializer.validated_data["reason"]
        )
        return Response(RegulatorPoolChangeSerializer(change).data, status=status.HTTP_201_CREATED)
