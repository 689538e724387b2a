"""Review API (/api/v1/review/): the queues, one declaration's review record, the actions.

The same selectors and services as the review pages. Only reviewers have queues: anyone else
gets a 404, as does a declaration outside the reviewer's region. A refused action (someone else
holds the declaration, a reason is missing) is a 400 with the message the pages show.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import ERROR_RESPONSES, CountsPagination, QuerySerializer, id_field, pk_or_404
from common.pages import CountedPaginator
from merchants.api.declarations import DeclarationDetailSerializer
from merchants.models import Declaration, Scheme
from merchants.services import declarations as declaration_services
from review.forms.queue import BULK_MAX, TEXT_MAX
from review.permissions import IsReviewer
from review.selectors import queue as selectors
from review.selectors.queue import QueueFilters, QueueTab
from review.services import screening as screening_services
from review.services.review import declarations_bulk_approve

# Query and input


class QueueQuerySerializer(QuerySerializer):
    tab = serializers.ChoiceField(
        choices=QueueTab.choices, default=QueueTab.PENDING, help_text=gettext_lazy("Queue tab.")
    )
    scheme = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Scheme.objects.all(),
        required=False,
        help_text=gettext_lazy("Scheme code."),
    )
    county = serializers.CharField(
        required=False,
        help_text=gettext_lazy(
            "County code, or a city code for all its counties; inside your region."
        ),
    )
    flagged = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("true: only flagged by screening; false: only unflagged."),
    )
    overdue = serializers.BooleanField(
        required=False, default=False, help_text=gettext_lazy("Only declarations past due.")
    )

    def validate_county(self, code: str) -> Any:
        region = selectors.review_region_in_scope(user=self.context["user"], code=code.strip())
        if region is None:
            raise serializers.ValidationError(_("Not a county or city of your region."))
        return region

    def filters(self) -> QueueFilters:
        data = self.validated_data
        return QueueFilters(
            scheme=data.get("scheme"),
            region=data.get("county"),
            flagged=data.get("flagged"),
            overdue=data.get("overdue", False),
        )


class ApproveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=TEXT_MAX,
        error_messages={
            "required": gettext_lazy("Give the reason for rejecting the declaration."),
            "blank": gettext_lazy("Give the reason for rejecting the declaration."),
        },
    )


class ReturnSerializer(serializers.Serializer):
    comments = serializers.CharField(
        max_length=TEXT_MAX,
        help_text=gettext_lazy("What the merchant must amend."),
        error_messages={
            "required": gettext_lazy("Say what the merchant must amend."),
            "blank": gettext_lazy("Say what the merchant must amend."),
        },
    )


class BulkApproveSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=id_field(),
        min_length=1,
        max_length=BULK_MAX,
        help_text=gettext_lazy("Ids of clean pending declarations to claim and approve."),
    )


# Output


class QueueDeclarationSerializer(serializers.ModelSerializer):
    merchant = serializers.IntegerField(source="merchant_id", read_only=True)
    merchant_name = serializers.CharField(source="merchant.name", read_only=True)
    merchant_uscc = serializers.CharField(source="merchant.uscc", read_only=True)
    county = serializers.CharField(source="merchant.region_id", read_only=True)
    county_name = serializers.CharField(source="merchant.region.name", read_only=True)
    scheme = serializers.CharField(source="scheme.code", read_only=True)
    scheme_name = serializers.CharField(source="scheme.display_name", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    reviewer = serializers.CharField(
        source="reviewer.username", read_only=True, allow_null=True, default=None
    )
    late = serializers.BooleanField(
        read_only=True, help_text=gettext_lazy("Still open and past its review deadline.")
    )

    class Meta:
        model = Declaration
        fields = (
            "id",
            "merchant",
            "merchant_name",
            "merchant_uscc",
            "county",
            "county_name",
            "scheme",
            "scheme_name",
            "state",
            "state_display",
            "submitted_at",
            "review_due",
            "late",
            "is_overdue",
            "flagged",
            "screening_incomplete",
            "reviewer",
            "claimed_at",
            "decided_at",
        )
        read_only_fields = fields


class RegistryDataSerializer(serializers.Serializer):
    record_id = serializers.CharField()
    as_of = serializers.DateField()
    entity_status = serializers.CharField()
    licence_valid_until = serializers.DateField(allow_null=True)
    on_abnormal_list = serializers.BooleanField()
    on_dishonest_list = serializers.BooleanField()
    credit_level = serializers.CharField()


class ReviewDeclarationSerializer(DeclarationDetailSerializer):
    county = serializers.CharField(source="merchant.region_id", read_only=True)
    merchant_uscc = serializers.CharField(source="merchant.uscc", read_only=True)
    reviewer = serializers.CharField(
        source="reviewer.username", read_only=True, allow_null=True, default=None
    )
    registry = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The enterprise registry's record of the merchant; null when it holds none or "
            "could not be reached."
        )
    )
    screening = serializers.SerializerMethodField(
        help_text=gettext_lazy("The latest automatic screening run, with every check.")
    )

    class Meta(DeclarationDetailSerializer.Meta):
        fields = (
            *DeclarationDetailSerializer.Meta.fields,
            "county",
            "merchant_uscc",
            "review_due",
            "is_overdue",
            "flagged",
            "screening_incomplete",
            "reviewer",
            "claimed_at",
            "registry",
            "screening",
        )
        read_only_fields = fields

    @extend_schema_field(RegistryDataSerializer(allow_null=True))
    def get_registry(self, declaration: Declaration) -> dict[str, Any] | None:
        data = selectors.merchant_registry_data(merchant=declaration.merchant)
        return RegistryDataSerializer(data.entity).data if data.entity is not None else None

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_screening(self, declaration: Declaration) -> dict[str, Any] | None:
        return screening_report_json(declaration)


def screening_report_json(declaration: Declaration) -> dict[str, Any] | None:
    """The latest screening run with every check; None before the first run finished."""
    run = screening_services.screening_run_latest(declaration=declaration)
    return run.to_json() if run is not None else None


class BulkSkipSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="declaration_id")
    reason = serializers.CharField()


class BulkResultSerializer(serializers.Serializer):
    approved = serializers.ListField(
        child=serializers.IntegerField(), help_text=gettext_lazy("Ids approved.")
    )
    skipped = BulkSkipSerializer(many=True)


# Pagination: the tab counts come with every page, and give the paginator its count.


class ReviewQueuePagination(CountsPagination):
    page_size = selectors.QUEUE_PAGE_SIZE
    count_keys = QueueTab.values
    counts_description = gettext_lazy("Declarations in every tab, under the same filters.")

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        self.counts = view.counts
        count = self.counts[view.tab]
        self.django_paginator_class = lambda items, per_page: CountedPaginator(
            items, per_page, count=count
        )
        return super().paginate_queryset(queryset, request, view)


class ReviewDeclarationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Review queues of your region, and the review actions. Reviewers only."""

    permission_classes = [permissions.IsAuthenticated, IsReviewer]
    pagination_class = ReviewQueuePagination
    filter_backends: list = []
    serializer_class = ReviewDeclarationSerializer

    def get_queryset(self):
        return selectors.review_declaration_list(user=self.request.user)

    def get_object(self) -> Declaration:
        pk = pk_or_404(self.kwargs["pk"])
        return selectors.review_declaration_get(user=self.request.user, pk=pk)

    def _detail(self, declaration: Declaration) -> Response:
        declaration = selectors.review_declaration_get(user=self.request.user, pk=declaration.pk)
        return Response(ReviewDeclarationSerializer(declaration).data)

    @extend_schema(
        summary=gettext_lazy("One queue tab, deadline first, with the counts of every tab"),
        parameters=[QueueQuerySerializer],
        responses={200: QueueDeclarationSerializer(many=True), **ERROR_RESPONSES},
    )
    def list(self, request: Request) -> Response:
        # QuerySerializer refuses `?tab=&county=` (DRF would read them as not sent) and a
        # tab given twice.
        query = QueueQuerySerializer(data=request.query_params, context={"user": request.user})
        query.is_valid(raise_exception=True)
        filters = query.filters()
        today = timezone.localdate()
        self.tab = query.validated_data["tab"]
        self.counts = selectors.review_queue_counts(user=request.user, filters=filters, today=today)
        declarations = selectors.review_queue(
            user=request.user, tab=self.tab, filters=filters, today=today
        )
        page = self.paginate_queryset(declarations)
        return self.get_paginated_response(QueueDeclarationSerializer(page, many=True).data)

    @extend_schema(
        summary=gettext_lazy("A declaration with its screening report and registry data"),
        responses={200: ReviewDeclarationSerializer, 404: ERROR_RESPONSES[404]},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ReviewDeclarationSerializer(self.get_object()).data)

    @extend_schema(
        summary=gettext_lazy("Claim: hold the declaration so that only you can decide it"),
        request=None,
        responses={200: ReviewDeclarationSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str) -> Response:
        declaration = self.get_object()
        declaration_services.declaration_claim(actor=request.user, declaration=declaration)
        return self._detail(declaration)

    @extend_schema(
        summary=gettext_lazy("Release a declaration you hold back to the pending queue"),
        request=None,
        responses={200: ReviewDeclarationSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str) -> Response:
        declaration = self.get_object()
        declaration_services.declaration_release(actor=request.user, declaration=declaration)
        return self._detail(declaration)

    @extend_schema(
        summary=gettext_lazy("Approve a declaration you hold"),
        request=ApproveSerializer,
        responses={200: ReviewDeclarationSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        declaration = self.get_object()
        serializer = ApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        declaration_services.declaration_approve(
            actor=request.user,
            declaration=declaration,
            reason=serializer.validated_data.get("note", "").strip(),
        )
        return self._detail(declaration)

    @extend_schema(
        summary=gettext_lazy("Reject a declaration you hold (reason required)"),
        request=RejectSerializer,
        responses={200: ReviewDeclarationSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        declaration = self.get_object()
        serializer = RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        declaration_services.declaration_reject(
            actor=request.user,
            declaration=declaration,
            reason=serializer.validated_data["reason"],
        )
        return self._detail(declaration)

    @extend_schema(
        summary=gettext_lazy("Return a declaration you hold for amendment (comments required)"),
        request=ReturnSerializer,
        responses={200: ReviewDeclarationSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_for_amendment(self, request: Request, pk: str) -> Response:
        declaration = self.get_object()
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        declaration_services.declaration_return(
            actor=request.user,
            declaration=declaration,
            comments=serializer.validated_data["comments"],
        )
        return self._detail(declaration)

    @extend_schema(
        summary=gettext_lazy("Run the automatic screening again"),
        request=None,
        responses={200: ReviewDeclarationSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def rescreen(self, request: Request, pk: str) -> Response:
        declaration = self.get_object()
        screening_services.declaration_rescreen(actor=request.user, declaration=declaration)
        return self._detail(declaration)

    @extend_schema(
        summary=gettext_lazy(
            "Claim and approve clean pending declarations; each one that cannot be is "
            "skipped with the reason"
        ),
        request=BulkApproveSerializer,
        responses={200: BulkResultSerializer, **ERROR_RESPONSES},
    )
    @action(detail=False, methods=["post"], url_path="bulk-approve", url_name="bulk-approve")
    def bulk_approve(self, request: Request) -> Response:
        serializer = BulkApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = declarations_bulk_approve(
            actor=request.user, declaration_ids=serializer.validated_data["ids"]
        )
        return Response(
            BulkResultSerializer(
                {"approved": [d.pk for d in result.approved], "skipped": result.skipped}
            ).data
        )
