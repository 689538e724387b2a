"""Complaint API without an account: public intake, tracking by token, a merchant's figures.

The tracking token is the consumer's credential: whoever holds it may follow and act on the
complaint. A signed-in consumer's complaint joins their account; the tracking link shows no
contact data, so a leaked link leaks no phone.
"""

from typing import Any

from django.db.models import Prefetch
from django.http import FileResponse
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from common.api import ERROR_RESPONSES, BoundedJSONParser
from common.net import client_ip
from complaints.api.serializers import (
    EVIDENCE_FILE,
    EVIDENCE_PK,
    IntakeResultSerializer,
    IntakeSerializer,
    LookupResultSerializer,
    LookupSentSerializer,
    LookupSerializer,
    LookupVerifySerializer,
    MerchantFiguresSerializer,
    OptionalTextSerializer,
    RateSerializer,
    TextSerializer,
    TrackSerializer,
    evidence_file,
    intake_validated,
    validated,
)
from complaints.models import Complaint, ComplaintEvent
from complaints.permissions import files_for_callers, may_hold_complaints
from complaints.selectors import complaints as selectors
from complaints.services import complaints as services
from complaints.services import lookup
from complaints.services.filing import filing_station
from complaints.services.lookup import lookup_sent_text
from merchants.models import Merchant, User

Role = ComplaintEvent.Role

TOO_MANY_CODES = OpenApiResponse(
    description=gettext_lazy("Too many codes asked for from this phone or address; try later.")
)

TOO_MANY = OpenApiResponse(
    description=gettext_lazy("Too many complaints from this phone or address; try later.")
)

NOT_SIGNED_IN = OpenApiResponse(description=gettext_lazy("You are not signed in."))


def _events_prefetch() -> Prefetch:
    return Prefetch(
        "events",
        queryset=ComplaintEvent.objects.select_related("actor").order_by("created_at", "id"),
    )


# Intake


def _signed_in_consumer(user: Any) -> User | None:
    return user if user.is_authenticated and user.role == User.Role.CONSUMER else None


class ComplaintIntakeView(APIView):
    """Lodge a complaint without an account; a signed-in consumer's complaint joins the account.
    A coordinator or hotline operator (session or token) files for a caller: they are recorded
    as the one who lodged it, may give any channel, and the per-address limit skips them. A
    coordinator filing with the channel station names the station (one they serve)."""

    permission_classes = [permissions.AllowAny]
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary=gettext_lazy("Lodge a complaint (no account needed)"),
        request={
            "application/json": IntakeSerializer,
            "multipart/form-data": IntakeSerializer,
        },
        responses={201: IntakeResultSerializer, 400: ERROR_RESPONSES[400], 429: TOO_MANY},
        tags=["complaints"],
    )
    def post(self, request: Request) -> Response:
        data = intake_validated(request)
        ip = client_ip(request)
        staff = request.user if files_for_callers(request.user) else None
        phone = data["complainant_phone"]  # normalised by the serializer
        complaint = services.complaint_submit(
            merchant=data.get("merchant"),
            region=data.get("county"),
            business_name=data.get("business_name", ""),
            business_address=data.get("business_address", ""),
            category=data["category"],
            description=data["description"],
            wanted_outcome=data["wanted_outcome"],
            complainant_name=data["complainant_name"],
            complainant_phone=phone,
            complainant_email=data.get("complainant_email", ""),
            consent_to_contact=data.get("consent_to_contact", False),
            amount=data.get("amount"),
            purchase_date=data.get("purchase_date"),
            evidence=data.get("evidence", []),
            consumer=_signed_in_consumer(request.user),
            lodged_by=staff,
            channel=data["channel"],
            station=filing_station(user=request.user, pk=data["station"]),
            ip=ip,
            language=translation.get_language(),
        )
        token = complaint.tracking_token
        try:
            page_url: str | None = request.build_absolute_uri(
                reverse("complaint-track", args=[token])
            )
        except NoReverseMatch:
            page_url = None
        # IntakeResultSerializer's shape, written out: its fields are plain strings and a date.
        result = {
            "number": complaint.number,
            "tracking_token": token,
            "tracking_url": request.build_absolute_uri(
                reverse("api-complaint-track-detail", args=[token])
            ),
            "page_url": page_url,
            "state": complaint.state,
            "accept_due": complaint.accept_due.isoformat(),
        }
        return Response(result, status=status.HTTP_201_CREATED)


# Finding a complaint again by number and phone


class ComplaintLookupView(APIView):
    """Ask for a one-time code to open a complaint by its number and the consumer's phone."""

    authentication_classes: list = []  # anyone: no session, so no CSRF token is asked
    permission_classes = [permissions.AllowAny]
    parser_classes = [BoundedJSONParser, FormParser]

    @extend_schema(
        summary=gettext_lazy("Ask for a code to open a complaint by number and phone"),
        description=gettext_lazy(
            "If the number and phone name a complaint, a 6-digit code valid for 10 minutes is "
            "sent to the phone by SMS. The answer is the same either way."
        ),
        request=LookupSerializer,
        responses={202: LookupSentSerializer, 400: ERROR_RESPONSES[400], 429: TOO_MANY_CODES},
        auth=[],
        tags=["complaints"],
    )
    def post(self, request: Request) -> Response:
        data = validated(LookupSerializer, request)
        lookup.complaint_lookup_request(
            number=data["number"], phone=data["phone"], ip=client_ip(request)
        )
        return Response({"detail": lookup_sent_text()}, status=status.HTTP_202_ACCEPTED)


class ComplaintLookupVerifyView(APIView):
    """Open a complaint with the code sent to its phone: its tracking token and links."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [BoundedJSONParser, FormParser]

    @extend_schema(
        summary=gettext_lazy("Open a complaint with the code sent by SMS"),
        description=gettext_lazy(
            "A code is good once, for 10 minutes and 5 wrong attempts; a wrong or expired code "
            "and an unknown number and phone are refused alike (400)."
        ),
        request=LookupVerifySerializer,
        responses={200: LookupResultSerializer, 400: ERROR_RESPONSES[400]},
        auth=[],
        tags=["complaints"],
    )
    def post(self, request: Request) -> Response:
        data = validated(LookupVerifySerializer, request)
        complaint = lookup.complaint_lookup_verify(
            number=data["number"], phone=data["phone"], code=data["code"]
        )
        token = complaint.tracking_token
        result = {
            "number": complaint.number,
            "tracking_token": token,
            "tracking_url": request.build_absolute_uri(
                reverse("api-complaint-track-detail", args=[token])
            ),
            "page_url": request.build_absolute_uri(reverse("complaint-track", args=[token])),
        }
        return Response(LookupResultSerializer(result).data)


# Tracking by token


class ComplaintTrackViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The consumer's view of one complaint, reached with its tracking token."""

    # The token is the credential: no session, so no CSRF token is asked of the tracking page.
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    serializer_class = TrackSerializer
    lookup_field = "tracking_token"
    lookup_url_kwarg = "token"
    lookup_value_regex = r"[-_A-Za-z0-9]{16,40}"
    filter_backends: list = []

    def get_queryset(self):
        return Complaint.objects.select_related("merchant").prefetch_related(
            _events_prefetch(), "evidence"
        )

    def _detail(self, complaint: Complaint) -> Response:
        complaint = self.get_queryset().get(pk=complaint.pk)
        return Response(TrackSerializer(complaint, context={"request": self.request}).data)

    @extend_schema(
        summary=gettext_lazy("Follow a complaint: state, deadlines, timeline, proposal"),
        responses={200: TrackSerializer, 404: ERROR_RESPONSES[404]},
        auth=[],
        tags=["complaints"],
    )
    def retrieve(self, request: Request, token: str) -> Response:
        return Response(TrackSerializer(self.get_object(), context={"request": request}).data)

    @extend_schema(
        summary=gettext_lazy("Download an evidence file of the complaint"),
        parameters=[EVIDENCE_PK],
        responses={(200, "application/octet-stream"): EVIDENCE_FILE, 404: ERROR_RESPONSES[404]},
        auth=[],
        tags=["complaints"],
    )
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<evidence_pk>[0-9]+)")
    def evidence(self, request: Request, token: str, evidence_pk: str) -> FileResponse:
        return evidence_file(self.get_object(), evidence_pk)

    @extend_schema(
        summary=gettext_lazy("Attach the complaint to your account"),
        description=gettext_lazy(
            "The signed-in consumer takes the complaint into their account, to follow it without "
            "the link. Consumer accounts only: a merchant's, a regulator's or an admin's account "
            "is refused, and so is a complaint that belongs to another account."
        ),
        request=None,
        responses={200: TrackSerializer, **ERROR_RESPONSES, 401: NOT_SIGNED_IN},
        tags=["complaints"],
    )
    @action(
        detail=True,
        methods=["post"],
        authentication_classes=api_settings.DEFAULT_AUTHENTICATION_CLASSES,
        permission_classes=[permissions.IsAuthenticated],
    )
    def attach(self, request: Request, token: str) -> Response:
        complaint = self.get_object()
        if not may_hold_complaints(request.user):
            raise PermissionDenied(
                _(
                    "Only a consumer account can hold a complaint. Follow it with its link, or "
                    "sign in with your consumer account."
                )
            )
        services.complaint_attach_to_account(complaint=complaint, consumer=request.user)
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Accept the merchant's proposal: the complaint is settled"),
        request=None,
        responses={200: TrackSerializer, **ERROR_RESPONSES},
        auth=[],
        tags=["complaints"],
    )
    @action(detail=True, methods=["post"], url_path="accept-proposal")
    def accept_proposal(self, request: Request, token: str) -> Response:
        complaint = self.get_object()
        services.complaint_accept_proposal(complaint=complaint)
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Reject the merchant's proposal: the regulator mediates"),
        request=TextSerializer,
        responses={200: TrackSerializer, **ERROR_RESPONSES},
        auth=[],
        tags=["complaints"],
    )
    @action(detail=True, methods=["post"], url_path="reject-proposal")
    def reject_proposal(self, request: Request, token: str) -> Response:
        complaint = self.get_object()
        text = validated(TextSerializer, request)["text"]
        services.complaint_reject_proposal(complaint=complaint, text=text)
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Withdraw the complaint"),
        request=OptionalTextSerializer,
        responses={200: TrackSerializer, **ERROR_RESPONSES},
        auth=[],
        tags=["complaints"],
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, token: str) -> Response:
        complaint = self.get_object()
        text = validated(OptionalTextSerializer, request).get("text", "")
        services.complaint_withdraw(complaint=complaint, text=text)
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Reopen a settlement that was not honoured (within 15 days)"),
        request=TextSerializer,
        responses={200: TrackSerializer, **ERROR_RESPONSES},
        auth=[],
        tags=["complaints"],
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, token: str) -> Response:
        complaint = self.get_object()
        text = validated(TextSerializer, request)["text"]
        services.complaint_reopen(complaint=complaint, text=text)
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Rate the handling, 1 to 5, once it is over"),
        request=RateSerializer,
        responses={200: TrackSerializer, **ERROR_RESPONSES},
        auth=[],
        tags=["complaints"],
    )
    @action(detail=True, methods=["post"])
    def rate(self, request: Request, token: str) -> Response:
        complaint = self.get_object()
        data = validated(RateSerializer, request)
        services.complaint_rate(
            complaint=complaint, rating=data["rating"], comment=data.get("comment", "")
        )
        return self._detail(complaint)

    @extend_schema(
        summary=gettext_lazy("Write a message on the timeline"),
        request=TextSerializer,
        responses={200: TrackSerializer, **ERROR_RESPONSES},
        auth=[],
        tags=["complaints"],
    )
    @action(detail=True, methods=["post"])
    def message(self, request: Request, token: str) -> Response:
        complaint = self.get_object()
        text = validated(TextSerializer, request)["text"]
        services.complaint_message(complaint=complaint, role=Role.CONSUMER, text=text)
        return self._detail(complaint)


# A merchant's figures


class MerchantFiguresView(APIView):
    """A merchant's complaint figures of the last 12 months, by its public code (public)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary=gettext_lazy("A merchant's public complaint figures (last 12 months)"),
        responses={200: MerchantFiguresSerializer, 404: OpenApiResponse()},
    )
    def get(self, request: Request, public_code: str) -> Response:
        merchant = Merchant.objects.filter(public_code=public_code).only("pk", "name").first()
        if merchant is None:
            raise NotFound()
        figures = selectors.merchant_complaint_figures(merchant_id=merchant.pk)
        return Response(MerchantFiguresSerializer({"merchant": merchant.name, **figures}).data)
