"""The regulator's side of the pools in the API (/api/v1/ratings/): the pool browser with its
counts, one merchant's standing, checking rectifications, deciding appeals, exits, nominations
and, for supervisors, the evaluation runs.

The same selectors (ratings.selectors) and services as the pages, scoped the same way: a
regulator reaches their region and below, a platform admin everything; anything else is a 404.
A refused action is a 400 with the message the pages show.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ERROR_RESPONSES, ApiPagination, CountsPagination, pk_or_404
from merchants.models import Pool, Region, Scheme
from merchants.validators import validate_uscc
from ratings.forms import TEXT_MAX
from ratings.models import (
    Appeal,
    EvaluationRun,
    Nomination,
    PoolChange,
    RatingFile,
    Standing,
    WarningRectification,
)
from ratings.permissions import IsPoolRegulator, IsRunSupervisor, may_decide_appeal
from ratings.selectors import appeals, nominations, pools, runs, warnings
from ratings.services.appeals import appeal_decide
from ratings.services.nominations import nomination_create
from ratings.services.pools import pool_exit
from ratings.services.warnings import warning_rectification_decide

# Shared pieces


class RegulatorFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = RatingFile
        fields = ("id", "original_name", "content_type", "size", "uploaded_at", "url")
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_url(self, file: RatingFile) -> str | None:
        try:
            return reverse("rating-file", args=[file.pk])
        except NoReverseMatch:
            return None


class RegulatorPoolChangeSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)

    class Meta:
        model = PoolChange
        fields = (
            "id",
            "from_pool",
            "to_pool",
            "from_stars",
            "to_stars",
            "reason_code",
            "reason",
            "evidence",
            "actor",
            "created_at",
        )
        read_only_fields = fields


class RegulatorRectificationSerializer(serializers.ModelSerializer):
    merchant_name = serializers.CharField(source="merchant.name", read_only=True)
    warning = RegulatorPoolChangeSerializer(read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", default=None, read_only=True)
    files = RegulatorFileSerializer(many=True, read_only=True)

    class Meta:
        model = WarningRectification
        fields = (
            "id",
            "merchant",
            "merchant_name",
            "warning",
            "report",
            "submitted_by",
            "submitted_at",
            "decision",
            "decision_reason",
            "decided_by",
            "decided_at",
            "files",
        )
        read_only_fields = fields


class RegulatorAppealSerializer(serializers.ModelSerializer):
    merchant_name = serializers.CharField(source="merchant.name", read_only=True)
    county = serializers.CharField(source="merchant.region_id", read_only=True)
    decision = RegulatorPoolChangeSerializer(read_only=True)
    overdue = serializers.BooleanField(read_only=True, default=False)
    may_decide = serializers.SerializerMethodField()
    decided_by = serializers.CharField(source="decided_by.username", default=None, read_only=True)
    files = RegulatorFileSerializer(many=True, read_only=True)

    class Meta:
        model = Appeal
        fields = (
            "id",
            "merchant",
            "merchant_name",
            "county",
            "decision",
            "statement",
            "submitted_at",
            "decide_by",
            "state",
            "overdue",
            "may_decide",
            "outcome_reason",
            "decided_by",
            "decided_at",
            "files",
        )
        read_only_fields = fields

    def get_may_decide(self, appeal: Appeal) -> bool:
        request = self.context.get("request")
        return (
            request is not None
            and appeal.state == Appeal.State.PENDING
            and may_decide_appeal(request.user, appeal)
        )


# Standings (the pool browser)


class StandingFilterSerializer(serializers.Serializer):
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
    """Pages of standings, with how many each pool holds under the same filters."""

    count_keys = Pool.values
    counts_description = "Pool → number of merchants under the same filters, pool aside."


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


# Rectifications and appeals


class RectificationDecisionSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    reason = serializers.CharField(
        max_length=TEXT_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Required when not accepted: what is still missing."),
    )


class RegulatorRectificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Rectification reports of warned merchants in your reach that wait for a check."""

    permission_classes = [permissions.IsAuthenticated, IsPoolRegulator]
    pagination_class = ApiPagination
    serializer_class = RegulatorRectificationSerializer
    filter_backends: list = []

    def get_queryset(self) -> Any:
        return warnings.rectifications_waiting(user=self.request.user).select_related("decided_by")

    @extend_schema(
        summary=gettext_lazy("Reports waiting for a check, oldest first"),
        responses={200: RegulatorRectificationSerializer(many=True), **ERROR_RESPONSES},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary=gettext_lazy("Check a report: accepted, the merchant is back in its former pool"),
        request=RectificationDecisionSerializer,
        responses={200: RegulatorRectificationSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        rectification = warnings.rectification_in_reach(user=request.user, pk=pk_or_404(pk))
        serializer = RectificationDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = warning_rectification_decide(
            actor=request.user,
            rectification=rectification,
            accept=serializer.validated_data["accept"],
            reason=serializer.validated_data["reason"],
        )
        decided = (
            WarningRectification.objects.select_related(
                "merchant", "warning", "submitted_by", "decided_by"
            )
            .prefetch_related("files")
            .get(pk=decided.pk)
        )
        return Response(RegulatorRectificationSerializer(decided).data)


class AppealDecisionSerializer(serializers.Serializer):
    overturn = serializers.BooleanField(
        help_text=gettext_lazy("true: allow the appeal and undo the decision; false: dismiss it.")
    )
    reason = serializers.CharField(max_length=TEXT_MAX)


class RegulatorAppealViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Appeals of merchants in your reach. A regulator who did not take the decision decides."""

    permission_classes = [permissions.IsAuthenticated, IsPoolRegulator]
    pagination_class = ApiPagination
    serializer_class = RegulatorAppealSerializer
    filter_backends: list = []

    def get_queryset(self) -> Any:
        user = self.request.user
        state = self.request.query_params.get("state") or Appeal.State.PENDING
        if state == Appeal.State.PENDING:
            return appeals.appeals_pending(user=user)
        if state == "all":
            return appeals.appeal_list(user=user).select_related("decided_by")
        if state in Appeal.State.values:
            return appeals.appeal_list(user=user).filter(state=state).select_related("decided_by")
        raise serializers.ValidationError(
            {"state": [gettext_lazy("Give pending, upheld, overturned or all.")]}
        )

    def get_object(self) -> Appeal:
        return appeals.appeal_in_reach(user=self.request.user, pk=pk_or_404(self.kwargs["pk"]))

    @extend_schema(
        summary=gettext_lazy("Appeals in your reach; pending ones first by deadline (default)"),
        parameters=[
            OpenApiParameter(
                "state",
                str,
                required=False,
                enum=[*Appeal.State.values, "all"],
                description=gettext_lazy("Default: pending."),
            )
        ],
        responses={200: RegulatorAppealSerializer(many=True), **ERROR_RESPONSES},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary=gettext_lazy("Decide an appeal: undo the decision, or let it stand"),
        request=AppealDecisionSerializer,
        responses={200: RegulatorAppealSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        appeal = self.get_object()
        serializer = AppealDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appeal_decide(
            actor=request.user,
            appeal=appeal,
            overturn=serializer.validated_data["overturn"],
            reason=serializer.validated_data["reason"],
        )
        decided = appeals.appeal_list(user=request.user).select_related("decided_by")
        return Response(
            RegulatorAppealSerializer(decided.get(pk=appeal.pk), context={"request": request}).data
        )


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


# Nominations


class NominationSerializer(serializers.ModelSerializer):
    county = serializers.CharField(source="region_id", read_only=True)
    county_name = serializers.CharField(source="region.name", read_only=True)
    nominated_by = serializers.CharField(source="nominated_by.username", read_only=True)
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


# Evaluation runs


class EvaluationRunSerializer(serializers.ModelSerializer):
    policy_version = serializers.IntegerField(source="policy.version", read_only=True)
    duration_seconds = serializers.SerializerMethodField()

    class Meta:
        model = EvaluationRun
        fields = (
            "id",
            "kind",
            "period",
            "state",
            "policy_version",
            "started_at",
            "heartbeat_at",
            "finished_at",
            "duration_seconds",
            "merchants_evaluated",
            "pool_changes",
            "error",
        )
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_duration_seconds(self, run: EvaluationRun) -> float | None:
        duration = runs.run_duration(run)
        return None if duration is None else round(duration.total_seconds(), 3)


class EvaluationRunViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Evaluation runs, newest first (supervisors)."""

    permission_classes = [permissions.IsAuthenticated, IsRunSupervisor]
    pagination_class = ApiPagination
    serializer_class = EvaluationRunSerializer
    filter_backends: list = []

    def get_queryset(self) -> Any:
        return runs.run_list()
