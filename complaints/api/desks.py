"""Complaint API for the handling desks (/api/v1/complaints/): the merchant's and the regulator's.

The same services as the desk pages. Lists are scoped like the desks (an object outside your reach
is a 404); inside it, an action of the wrong side is a 403. A merchant's people only ever receive
the complainant's masked phone and never the e-mail.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import FileResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import (
    ERROR_RESPONSES,
    BoundedCountPagination,
    KeyedPagination,
    NotFoundUnless,
    pk_or_404,
)
from common.csv import csv_response
from common.filters import StrictFilterBackend
from common.xlsx import CONTENT_TYPE as XLSX_CONTENT_TYPE
from common.xlsx import xlsx_response
from complaints.api.serializers import (
    EVIDENCE_FILE,
    EVIDENCE_PK,
    ComplaintDetailSerializer,
    ComplaintSerializer,
    ContactInputSerializer,
    DeclineSerializer,
    LinkMerchantSerializer,
    MerchantCandidateSerializer,
    MerchantSearchSerializer,
    OptionalTextSerializer,
    ProposeSerializer,
    ReasonSerializer,
    ReturnCallSerializer,
    SettleSerializer,
    TextSerializer,
    TransferOutSerializer,
    TransferSerializer,
    evidence_file,
    validated,
)
from complaints.models import Complaint, ComplaintCategory, ComplaintChannel, ComplaintState
from complaints.permissions import (
    can_answer,
    can_handle,
    can_receive_transfer,
    is_complaint_handler,
    message_role,
)
from complaints.selectors import complaints as selectors
from complaints.selectors.complaints import validate_queue_dates
from complaints.selectors.exports import ComplaintExport, complaint_export
from complaints.selectors.handling import complaint_transfers_incoming, merchant_link_candidates
from complaints.services import complaints as services
from complaints.services import handling
from complaints.services.exports import complaint_export_record
from complaints.services.return_calls import complaint_return_call_record
from merchants.models import Merchant, Region, User
from merchants.selectors import merchant_list, subtree_q

# Scope: complaints.selectors, shared with the desk pages.


def _export_filename(suffix: str) -> str:
    return f"complaints-{timezone.localdate().isoformat()}.{suffix}"


def _complaint_get(*, user: User, pk: Any) -> Complaint:
    return selectors.complaint_get(user=user, pk=pk_or_404(pk))


def _reachable_merchant(user: User, pk: int) -> Merchant:
    """A merchant the handler may link a complaint to; any other id is a refusal of the body."""
    merchant = merchant_list(user=user).filter(pk=pk).first()
    if merchant is None:
        raise ValidationError(
            {"merchant": [_("No merchant registered where you handle complaints has this id.")]}
        )
    return merchant


# The desks


class ComplaintFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            validate_queue_dates(data.get("submitted_from"), data.get("submitted_to"))
        except DjangoValidationError as error:
            self.add_error("submitted_to", error)
        return data


SEARCH_HELP = gettext_lazy(
    "search: a complaint number, whole or its beginning (330106-2026-000123, 330106-2026); a "
    "phone (exactly; only among complaints whose contact you see); or part of the consumer's, "
    "the merchant's or the business's name"
)


@extend_schema_field(
    {"type": "string", "maxLength": selectors.QUEUE_SEARCH_MAX, "description": SEARCH_HELP}
)
class _SearchFilter(django_filters.CharFilter):
    """The search text, bounded as the queue page's search box is."""


class _StrictBooleanField(forms.Field):
    """Exactly "true" or "false" (absent: no filter); anything else is refused, where Django's
    NullBooleanField would read it as absent and return an unfiltered list."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> bool | None:
        if value is None:
            return None
        if value in ("true", "false"):
            return value == "true"
        raise DjangoValidationError(_("Enter true or false."), code="invalid")


@extend_schema_field({"type": "boolean"})
class _StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = _StrictBooleanField


class ComplaintFilter(django_filters.FilterSet):
    q = _SearchFilter(method="filter_q", max_length=selectors.QUEUE_SEARCH_MAX)
    state = django_filters.MultipleChoiceFilter(
        choices=ComplaintState.choices, label=gettext_lazy("state (repeat for several)")
    )
    category = django_filters.ChoiceFilter(
        choices=ComplaintCategory.choices, label=gettext_lazy("category")
    )
    channel = django_filters.ChoiceFilter(
        choices=ComplaintChannel.choices, label=gettext_lazy("channel the complaint came by")
    )
    county = django_filters.CharFilter(
        method="filter_county",
        label=gettext_lazy("region code (city or county): complaints handled in it"),
    )
    submitted_from = django_filters.DateFilter(
        method="filter_submitted_from",
        validators=[selectors.validate_queue_date],
        label=gettext_lazy("submitted on or after this day (YYYY-MM-DD, local time)"),
    )
    submitted_to = django_filters.DateFilter(
        method="filter_submitted_to",
        validators=[selectors.validate_queue_date],
        label=gettext_lazy("submitted on or before this day (YYYY-MM-DD, local time)"),
    )
    overdue = _StrictBooleanFilter(
        field_name="is_overdue", label=gettext_lazy("only overdue (true) or on time (false)")
    )

    class Meta:
        model = Complaint
        form = ComplaintFilterForm
        fields = [
            "q",
            "state",
            "category",
            "channel",
            "county",
            "submitted_from",
            "submitted_to",
            "overdue",
        ]

    def filter_q(self, queryset: QuerySet[Complaint], name: str, value: str) -> QuerySet:
        return queryset.filter(selectors.complaint_search_q(value, user=self.request.user))

    def filter_county(self, queryset: QuerySet[Complaint], name: str, value: str) -> QuerySet:
        region = Region.objects.filter(code=value.strip()).first()
        if region is None:
            return queryset.none()
        return queryset.filter(subtree_q(region))

    def filter_submitted_from(
        self, queryset: QuerySet[Complaint], name: str, value: date
    ) -> QuerySet:
        return selectors.complaints_submitted_between(queryset, value, None)

    def filter_submitted_to(
        self, queryset: QuerySet[Complaint], name: str, value: date
    ) -> QuerySet:
        return selectors.complaints_submitted_between(queryset, None, value)

    def criteria(self) -> dict[str, str]:
        """The filters asked for, as the audit log keeps them."""
        return {
            name: ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
            for name, value in self.form.cleaned_data.items()
            if value not in (None, "", [])
        }


EXPORT_RESPONSES = {
    "csv": OpenApiResponse(
        response=OpenApiTypes.STR,
        description=gettext_lazy(
            "UTF-8 CSV with a byte order mark, one complaint a row, at most 50,000 rows."
        ),
    ),
    "xlsx": OpenApiResponse(
        response=OpenApiTypes.BINARY,
        description=gettext_lazy("An Excel workbook, one complaint a row, at most 50,000 rows."),
    ),
}
EXPORT_DESCRIPTION = gettext_lazy(
    "The complaints the list's filters and search choose (the same parameters), in your scope, "
    "newest first: number, dates, channel, category, state, county, business, consumer and "
    "phone (masked as *******1234 where you may not see it). A cell that would start a "
    "spreadsheet formula (=, +, -, @) begins with an apostrophe. Each export is recorded in the "
    "audit log."
)


class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Complaints in your reach: your merchants' (masked contact), your region's, or your own."""

    permission_classes = [permissions.IsAuthenticated]
    # Counted bounded, a page's keys read from indexes: the list's parts (a county's complaints,
    # those pending transfer to it), filtered alike and merged (selectors.complaint_pages).
    pagination_class = KeyedPagination
    filterset_class = ComplaintFilter
    serializer_class = ComplaintSerializer

    def get_queryset(self):
        return selectors.complaint_list(user=self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        parts = selectors.complaint_list_parts(user=request.user)
        self.paginator.count, self.paginator.keys = selectors.complaint_pages(
            [self.filter_queryset(part) for part in parts], bound=self.paginator.count_bound
        )
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_object(self) -> Complaint:
        return _complaint_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_serializer_context(self) -> dict[str, Any]:
        return super().get_serializer_context() | {"viewer": self.request.user}

    def _detail(self, complaint: Complaint) -> Response:
        complaint = _complaint_get(user=self.request.user, pk=complaint.pk)
        return Response(
            ComplaintDetailSerializer(complaint, context=self.get_serializer_context()).data
        )

    def _merchant_only(self, complaint: Complaint) -> None:
        if not can_answer(self.request.user, complaint):
            raise PermissionDenied(_("Only the merchant's people can do this."))

    def _handler_only(self, complaint: Complaint) -> None:
        if not can_handle(self.request.user, complaint):
            raise PermissionDenied(_("You do not handle complaints in this region."))

    # Exports: the list's filters, as a file

    def _export(self, file_format: str, write: Callable[[ComplaintExport], HttpResponseBase]):
        request = self.request
        filterset = StrictFilterBackend().get_filterset(request, self.get_queryset(), self)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        export = complaint_export(user=request.user, complaints=filterset.qs)
        complaint_export_record(
            actor=request.user,
            file_format=file_format,
            source="api",
            criteria=filterset.criteria(),
            rows=export.count,
            total=export.total,
        )
        return write(export)

    @extend_schema(
        summary=gettext_lazy("The filtered list as CSV"),
        description=EXPORT_DESCRIPTION,
        filters=True,
        responses={(200, "text/csv"): EXPORT_RESPONSES["csv"]},
    )
    @action(detail=False, methods=["get"], url_path="export/csv", pagination_class=None)
    def export_csv(self, request: Request) -> HttpResponseBase:
        return self._export(
            "csv",
            lambda export: csv_response(
                export.header, export.rows, filename=_export_filename("csv")
            ),
        )

    @extend_schema(
        summary=gettext_lazy("The filtered list as an Excel workbook (XLSX)"),
        description=EXPORT_DESCRIPTION,
        filters=True,
        responses={(200, XLSX_CONTENT_TYPE): EXPORT_RESPONSES["xlsx"]},
    )
    @action(detail=False, methods=["get"], url_path="export/xlsx", pagination_class=None)
    def export_xlsx(self, request: Request) -> HttpResponseBase:
        return self._export(
            "xlsx",
            lambda export: xlsx_response(
                export.header,
                export.rows,
                filename=_export_filename("xlsx"),
                title=str(gettext_lazy("Complaints")),
            ),
        )

    @extend_schema(
        summary=gettext_lazy("A complaint with its timeline and evidence list"),
        responses={200: ComplaintDetailSerializer, 404: ERROR_RESPONSES[404]},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(self.get_object())

    @extend_schema(
        summary=gettext_lazy("Download an evidence file of the complaint"),
        parameters=[EVIDENCE_PK],
        responses={(200, "application/octet-stream"): EVIDENCE_FILE, 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<evidence_pk>[0-9]+)")
    def evidence(self, request: Request, pk: str, evidence_pk: str) -> FileResponse:
        return evidence_file(self.get_object(), evidence_pk)

    # Regulator

    @extend_schema(
        summary=gettext_lazy("Claim: become the complaint's handler"),
        request=None,
        responses={200: ComplaintDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        self._handler_only(complaint)
        services.complaint_claim(actor=request.user, complaint=complaint)
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Accept the complaint and pass it to the merchant"),
        request=None,
        responses={200: ComplaintDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        self._handler_only(complaint)
        services.complaint_accept(actor=request.user, complaint=complaint)
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Decline the complaint on a legal ground"),
        request=DeclineSerializer,
        responses={200: ComplaintDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        self._handler_only(complaint)
        data = validated(DeclineSerializer, request)
        services.complaint_decline(
            actor=request.user,
            complaint=complaint,
            ground=data["ground"],
            text=data.get("text", ""),
        )
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Record the agreement reached in mediation"),
        request=SettleSerializer,
        responses={200: ComplaintDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def settle(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        self._handler_only(complaint)
        agreement = validated(SettleSerializer, request)["agreement"]
        services.complaint_settle(actor=request.user, complaint=complaint, agreement=agreement)
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Close the mediation as failed"),
        request=TextSerializer,
        responses={200: ComplaintDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def fail(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        self._handler_only(complaint)
        text = validated(TextSerializer, request)["text"]
        services.complaint_mediation_fail(actor=request.user, complaint=complaint, text=text)
        return self._detail(complaint)

    # Regulator: linking to a merchant, handling directly, transfers (services.handling)

    @extend_schema(
        summary=gettext_lazy("Registered merchants the complaint can be linked to"),
        parameters=[MerchantSearchSerializer],
        filters=False,
        responses={200: MerchantCandidateSerializer(many=True), **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"], url_path="merchant-candidates", pagination_class=None)
    def merchant_candidates(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        self._handler_only(complaint)
        query = MerchantSearchSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = merchant_link_candidates(
            user=request.user, complaint=complaint, q=query.validated_data["q"]
        )
        return Response(MerchantCandidateSerializer(found, many=True).data)

    @extend_schema(
        summary=gettext_lazy("Link the complaint to a registered merchant"),
        request=LinkMerchantSerializer,
        responses={200: ComplaintDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="link-merchant")
    def link_merchant(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        self._handler_only(complaint)
        merchant_pk = validated(LinkMerchantSerializer, request)["merchant"]
        merchant = _reachable_merchant(request.user, merchant_pk)
        handling.complaint_link_merchant(actor=request.user, complaint=complaint, merchant=merchant)
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Accept the complaint and handle it directly with the business"),
        request=OptionalTextSerializer,
        responses={200: ComplaintDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="handle-directly")
    def handle_directly(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        self._handler_only(complaint)
        text = validated(OptionalTextSerializer, request).get("text", "")
        handling.complaint_handle_directly(actor=request.user, complaint=complaint, text=text)
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Record a call, visit or meeting with the business"),
        request=ContactInputSerializer,
        responses={200: ComplaintDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def contacts(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        self._handler_only(complaint)
        data = validated(ContactInputSerializer, request)
        handling.complaint_contact_record(
            actor=request.user,
            complaint=complaint,
            method=data["method"],
            contacted_on=data["contacted_on"],
            summary=data["summary"],
        )
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Pass a complaint handled directly to its (newly linked) merchant"),
        request=None,
        responses={200: ComplaintDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="pass-to-merchant")
    def pass_to_merchant(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        self._handler_only(complaint)
        handling.complaint_pass_to_merchant(actor=request.user, complaint=complaint)
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Ask another county of the province to take the complaint over"),
        request=TransferSerializer,
        responses={200: ComplaintDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        self._handler_only(complaint)
        data = validated(TransferSerializer, request)
        handling.complaint_transfer(
            actor=request.user, complaint=complaint, county=data["county"], reason=data["reason"]
        )
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Transfer the complaint to an authority outside the province"),
        request=TransferOutSerializer,
        responses={200: ComplaintDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="transfer-out")
    def transfer_out(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        self._handler_only(complaint)
        data = validated(TransferOutSerializer, request)
        handling.complaint_transfer_out(
            actor=request.user,
            complaint=complaint,
            authority=data["authority"],
            province=data["province"],
            reason=data["reason"],
        )
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Record a return call to the consumer (回访) after the handling"),
        description=gettext_lazy(
            "On a closed complaint the regulator accepted and handled (settled, mediation "
            "failed, or withdrawn after acceptance): when the consumer was called, whether they "
            "were reached and, if so, their satisfaction. Any other complaint is refused (400)."
        ),
        request=ReturnCallSerializer,
        responses={201: ReturnCallSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="return-call")
    def return_call(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        self._handler_only(complaint)
        data = validated(ReturnCallSerializer, request)
        call = complaint_return_call_record(actor=request.user, complaint=complaint, **data)
        return Response(ReturnCallSerializer(call).data, status=201)

    # Merchant

    @extend_schema(
        summary=gettext_lazy("Propose a settlement to the consumer"),
        request=ProposeSerializer,
        responses={200: ComplaintDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def propose(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        self._merchant_only(complaint)
        proposal = validated(ProposeSerializer, request)["proposal"]
        services.complaint_propose(actor=request.user, complaint=complaint, proposal=proposal)
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Dispute the complaint: the regulator mediates"),
        request=TextSerializer,
        responses={200: ComplaintDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def dispute(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        self._merchant_only(complaint)
        text = validated(TextSerializer, request)["text"]
        services.complaint_dispute(actor=request.user, complaint=complaint, text=text)
        return self._detail(complaint)

    # Either side

    @extend_schema(
        summary=gettext_lazy("Write a message on the timeline (merchant or handling regulator)"),
        request=TextSerializer,
        responses={200: ComplaintDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def message(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        user = request.user
        role = message_role(user, complaint)
        if role is None:
            raise PermissionDenied(_("You cannot write on this complaint."))
        text = validated(TextSerializer, request)["text"]
        services.complaint_message(complaint=complaint, role=role, text=text, actor=user)
        return self._detail(complaint)


# Transfers between counties: the receiving county's side


class HandlesComplaints(NotFoundUnless):
    def allows(self, user: Any) -> bool:
        return is_complaint_handler(user)


class ComplaintTransferViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Complaints other counties ask yours to take over. Accepting brings the complaint into
    your county's queue as a new one; refusing sends it back with your reason."""

    permission_classes = [permissions.IsAuthenticated, HandlesComplaints]
    # Pages of the same shape as the complaint list's (the schema's one PaginatedComplaintList).
    pagination_class = BoundedCountPagination
    serializer_class = ComplaintSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Complaint]:
        return complaint_transfers_incoming(user=self.request.user)

    def get_object(self) -> Complaint:
        # Any complaint in reach (the sending county's too): acting is decided below.
        return _complaint_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_serializer_context(self) -> dict[str, Any]:
        return super().get_serializer_context() | {"viewer": self.request.user}

    def _receiver_only(self, complaint: Complaint) -> None:
        # No transfer pending: the service's refusal says so (a 400), whoever asks.
        if complaint.state == ComplaintState.TRANSFER_PENDING and not can_receive_transfer(
            self.request.user, complaint
        ):
            raise PermissionDenied(
                _("Only the regulators of the county it is transferred to can do this.")
            )

    def _detail(self, complaint: Complaint) -> Response:
        complaint = _complaint_get(user=self.request.user, pk=complaint.pk)
        return Response(
            ComplaintDetailSerializer(complaint, context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary=gettext_lazy("Complaints transferred to your counties, waiting for your answer"),
        responses={200: ComplaintSerializer(many=True), **ERROR_RESPONSES},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary=gettext_lazy("Accept the transfer: the complaint comes to your county's queue"),
        request=None,
        responses={200: ComplaintDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        self._receiver_only(complaint)
        handling.complaint_transfer_accept(actor=request.user, complaint=complaint)
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Refuse the transfer, with your reason: the complaint goes back"),
        request=ReasonSerializer,
        responses={200: ComplaintSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str) -> Response:
        complaint = self.get_object()
        self._receiver_only(complaint)
        reason = validated(ReasonSerializer, request)["reason"]
        handling.complaint_transfer_refuse(actor=request.user, complaint=complaint, reason=reason)
        # Refused, the complaint may be out of the refusing handler's reach: its row only.
        complaint.refresh_from_db()
        return Response(ComplaintSerializer(complaint, context=self.get_serializer_context()).data)
