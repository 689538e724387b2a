"""Complaint API for the handling desks (/api/v1/complaints/): the merchant's and the regulator's.

The same services as the desk pages. Lists are scoped like the desks (an object outside your reach
is a 404); inside it, an action of the wrong side is a 403. A merchant's people only ever receive
the complainant's masked phone and never the e-mail.
"""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import ERROR_RESPONSES, ApiPagination, pk_or_404
from complaints.api.serializers import (
    EVIDENCE_FILE,
    EVIDENCE_PK,
    ComplaintDetailSerializer,
    ComplaintSerializer,
    DeclineSerializer,
    ProposeSerializer,
    ReturnCallSerializer,
    SettleSerializer,
    TextSerializer,
    evidence_file,
    validated,
)
from complaints.models import Complaint, ComplaintCategory, ComplaintState
from complaints.permissions import can_answer, can_handle, message_role
from complaints.selectors import complaints as selectors
from complaints.services import complaints as services
from complaints.services.return_calls import complaint_return_call_record
from merchants.models import Region, User
from merchants.selectors import subtree_q

# Scope: complaints.selectors, shared with the desk pages.


def _complaint_get(*, user: User, pk: Any) -> Complaint:
    return selectors.complaint_get(user=user, pk=pk_or_404(pk))


# The desks


class ComplaintFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(
        choices=ComplaintState.choices, label=gettext_lazy("state (repeat for several)")
    )
    category = django_filters.ChoiceFilter(
        choices=ComplaintCategory.choices, label=gettext_lazy("category")
    )
    county = django_filters.CharFilter(
        method="filter_county",
        label=gettext_lazy("region code (city or county): complaints handled in it"),
    )
    overdue = django_filters.BooleanFilter(
        field_name="is_overdue", label=gettext_lazy("only overdue (true) or on time (false)")
    )

    class Meta:
        model = Complaint
        fields = ["state", "category", "county", "overdue"]

    def filter_county(self, queryset: QuerySet[Complaint], name: str, value: str) -> QuerySet:
        region = Region.objects.filter(code=value.strip()).first()
        if region is None:
            return queryset.none()
        return queryset.filter(subtree_q(region))


class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Complaints in your reach: your merchants' (masked contact), your region's, or your own."""

    permission_classes = [permissions.IsAuthenticated]
    pagination_class = ApiPagination
    filterset_class = ComplaintFilter
    serializer_class = ComplaintSerializer

    def get_queryset(self):
        return selectors.complaint_list(user=self.request.user)

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
