"""Complaint API (/api/v1/complaints/): public intake, tracking by token, the handling desks.

The same services as the pages. The intake and the tracking endpoints need no account: the
tracking token is the consumer's credential. Authenticated lists are scoped like the desks (an
object outside your reach is a 404); inside it, an action of the wrong side is a 403. A merchant's
people only ever receive the complainant's masked phone and never the e-mail.
"""

from typing import Any

import django_filters
from django.db.models import Prefetch, Q, QuerySet
from django.http import FileResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from common.api import ERROR_RESPONSES, ApiPagination, pk_or_404
from common.errors import DomainError
from common.uploads import attachment_response
from complaints.models import (
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintEvidence,
    ComplaintState,
    DeclineGround,
)
from complaints.permissions import can_answer, can_handle, message_role, sees_full_contact
from complaints.selectors import complaints as selectors
from complaints.services import complaints as services
from merchants.models import Merchant, Region, User
from merchants.selectors import subtree_q
from merchants.validators import normalize_uscc

TEXT_MAX = 5000
Role = ComplaintEvent.Role

TOO_MANY = OpenApiResponse(
    description=gettext_lazy("Too many complaints from this phone or address; try later.")
)


# Scope: complaints.selectors, shared with the desks.


def _complaint_get(*, user: User, pk: Any) -> Complaint:
    return selectors.complaint_get(user=user, pk=pk_or_404(pk))


def _evidence_file(complaint: Complaint, evidence_pk: Any) -> FileResponse:
    """One of the complaint's evidence files as a download; another complaint's is a 404."""
    item = complaint.evidence.filter(pk=evidence_pk).first()
    if item is None:
        raise NotFound
    return attachment_response(
        item.file, filename=item.original_name, content_type=item.content_type
    )


EVIDENCE_PK = OpenApiParameter(
    "evidence_pk",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description=gettext_lazy("The evidence file's id, from the complaint's evidence list."),
)
EVIDENCE_FILE = OpenApiResponse(
    response=OpenApiTypes.BINARY,
    description=gettext_lazy("The file, as an attachment, with its original name and type."),
)
NOT_SIGNED_IN = OpenApiResponse(description=gettext_lazy("You are not signed in."))


def _events_prefetch() -> Prefetch:
    return Prefetch("events", queryset=ComplaintEvent.objects.order_by("created_at", "id"))


# Output


# States are plain strings in the schema: the enum name "state" is taken by declarations, and
# the overrides live in settings.py.
STATE_HELP = gettext_lazy(
    "A complaint state: submitted, accepted, declined, with_merchant, proposed, mediation, "
    "settled, mediation_failed or withdrawn."
)


def _state_field(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(read_only=True, help_text=STATE_HELP, **kwargs)


class EventSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    from_state = _state_field()
    to_state = _state_field()

    class Meta:
        model = ComplaintEvent
        fields = ("role", "role_display", "from_state", "to_state", "text", "created_at")
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    url = serializers.SerializerMethodField(help_text=gettext_lazy("Where to download the file."))

    url_name = "api-complaint-evidence"

    class Meta:
        model = ComplaintEvidence
        fields = ("id", "name", "content_type", "size", "uploaded_at", "url")
        read_only_fields = fields

    def _url_args(self, item: ComplaintEvidence) -> list[Any]:
        return [item.complaint_id, item.pk]

    def get_url(self, item: ComplaintEvidence) -> str:
        path = reverse(self.url_name, args=self._url_args(item))
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class TrackEvidenceSerializer(EvidenceSerializer):
    """An evidence file on the tracking link: downloaded with the token."""

    url_name = "api-complaint-track-evidence"

    def _url_args(self, item: ComplaintEvidence) -> list[Any]:
        # The prefetch through complaint.evidence caches item.complaint: no query per file.
        return [item.complaint.tracking_token, item.pk]


class ComplaintSerializer(serializers.ModelSerializer):
    """A row of a desk. The contact is masked unless context["viewer"] may see it in full."""

    business = serializers.CharField(source="business_display", read_only=True)
    merchant = serializers.IntegerField(source="merchant_id", read_only=True, allow_null=True)
    county = serializers.CharField(source="region_id", read_only=True)
    county_name = serializers.CharField(source="region.name", read_only=True)
    state = _state_field()
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    phone = serializers.SerializerMethodField(
        help_text=gettext_lazy("Masked as 138****1234 for the merchant's people.")
    )
    email = serializers.SerializerMethodField(
        help_text=gettext_lazy("Empty for the merchant's people.")
    )

    class Meta:
        model = Complaint
        fields = (
            "id",
            "merchant",
            "business",
            "business_address",
            "county",
            "county_name",
            "category",
            "state",
            "state_display",
            "complainant_name",
            "phone",
            "email",
            "amount",
            "purchase_date",
            "created_at",
            "accept_due",
            "merchant_due",
            "close_due",
            "is_overdue",
        )
        read_only_fields = fields

    def _full(self, complaint: Complaint) -> bool:
        viewer = self.context.get("viewer")
        return viewer is not None and sees_full_contact(viewer, complaint)

    def get_phone(self, complaint: Complaint) -> str:
        return complaint.complainant_phone if self._full(complaint) else complaint.masked_phone

    def get_email(self, complaint: Complaint) -> str:
        return complaint.complainant_email if self._full(complaint) else ""


class ComplaintDetailSerializer(ComplaintSerializer):
    decline_ground = serializers.CharField(read_only=True)
    timeline = EventSerializer(source="events", many=True, read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta(ComplaintSerializer.Meta):
        fields = (
            *ComplaintSerializer.Meta.fields,
            "description",
            "wanted_outcome",
            "consent_to_contact",
            "decline_ground",
            "proposal",
            "agreement",
            "accepted_at",
            "closed_at",
            "rating",
            "rating_comment",
            "timeline",
            "evidence",
        )
        read_only_fields = fields


class TrackSerializer(serializers.ModelSerializer):
    """What the tracking link shows: no contact data, so a leaked link leaks no phone."""

    business = serializers.CharField(source="business_display", read_only=True)
    state = _state_field()
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    decline_ground = serializers.CharField(read_only=True)
    timeline = EventSerializer(source="events", many=True, read_only=True)
    evidence = TrackEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = Complaint
        fields = (
            "business",
            "category",
            "state",
            "state_display",
            "created_at",
            "accept_due",
            "merchant_due",
            "close_due",
            "is_overdue",
            "decline_ground",
            "proposal",
            "agreement",
            "closed_at",
            "rating",
            "rating_comment",
            "timeline",
            "evidence",
        )
        read_only_fields = fields


class IntakeResultSerializer(serializers.Serializer):
    tracking_token = serializers.CharField()
    tracking_url = serializers.CharField(
        help_text=gettext_lazy("The API address that follows the complaint.")
    )
    page_url = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("The tracking page to open in a browser.")
    )
    state = _state_field()
    accept_due = serializers.DateField()


# Input


class IntakeSerializer(serializers.Serializer):
    merchant = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        help_text=gettext_lazy("The merchant's public code or unified social credit code."),
    )
    business_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    business_address = serializers.CharField(required=False, allow_blank=True, max_length=300)
    county = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=6,
        help_text=gettext_lazy("County code, for a business not on the platform."),
    )
    category = serializers.ChoiceField(choices=ComplaintCategory.choices)
    description = serializers.CharField(max_length=TEXT_MAX)
    wanted_outcome = serializers.CharField(max_length=TEXT_MAX)
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    purchase_date = serializers.DateField(required=False, allow_null=True)
    complainant_name = serializers.CharField(max_length=50)
    complainant_phone = serializers.RegexField(
        r"^\+?[0-9][0-9 -]{4,18}$",
        max_length=20,
        error_messages={"invalid": gettext_lazy("Enter a phone number.")},
    )
    complainant_email = serializers.EmailField(required=False, allow_blank=True)
    consent_to_contact = serializers.BooleanField(required=False, default=False)
    evidence = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text=gettext_lazy("Up to 5 files: JPEG, PNG or PDF, 10 MB each (multipart)."),
    )

    def validate_merchant(self, code: str) -> Merchant | None:
        code = code.strip()
        if not code:
            return None
        merchant = (
            Merchant.objects.select_related("region")
            .filter(Q(public_code=code) | Q(uscc=normalize_uscc(code)))
            .first()
        )
        if merchant is None:
            raise serializers.ValidationError(_("No merchant on the platform has this code."))
        return merchant

    def validate_county(self, code: str) -> Region | None:
        code = code.strip()
        if not code:
            return None
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise serializers.ValidationError(_("No region has this code."))
        return region


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=TEXT_MAX, allow_blank=True)


class OptionalTextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)


class RateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)


class ProposeSerializer(serializers.Serializer):
    proposal = serializers.CharField(max_length=TEXT_MAX, allow_blank=True)


class DeclineSerializer(serializers.Serializer):
    ground = serializers.ChoiceField(choices=DeclineGround.choices)
    text = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)


class SettleSerializer(serializers.Serializer):
    agreement = serializers.CharField(max_length=TEXT_MAX, allow_blank=True)


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# Intake


def _signed_in_consumer(user: Any) -> User | None:
    return user if user.is_authenticated and user.role == User.Role.CONSUMER else None


class ComplaintIntakeView(APIView):
    """Lodge a complaint without an account; a signed-in consumer's complaint joins the account."""

    permission_classes = [permissions.AllowAny]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary=gettext_lazy("Lodge a complaint (no account needed)"),
        request={
            "application/json": IntakeSerializer,
            "multipart/form-data": IntakeSerializer,
        },
        responses={201: IntakeResultSerializer, 400: ERROR_RESPONSES[400], 429: TOO_MANY},
        auth=[],
        tags=["complaints"],
    )
    def post(self, request: Request) -> Response:
        data = _valid(IntakeSerializer, request)
        ip = request.META.get("REMOTE_ADDR") or None
        phone = data["complainant_phone"].strip()
        try:
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
                ip=ip,
            )
        except DomainError:
            # The service checks the limits itself; asking again only on refusal keeps the
            # limit queries off the happy path and tells a 429 from a 400.
            try:
                services.complaint_intake_check(phone=phone, ip=ip)
            except DomainError as limit:
                return Response({"detail": limit.message}, status=status.HTTP_429_TOO_MANY_REQUESTS)
            raise
        token = complaint.tracking_token
        try:
            page_url: str | None = request.build_absolute_uri(
                reverse("complaint-track", args=[token])
            )
        except NoReverseMatch:
            page_url = None
        result = {
            "tracking_token": token,
            "tracking_url": request.build_absolute_uri(
                reverse("api-complaint-track-detail", args=[token])
            ),
            "page_url": page_url,
            "state": complaint.state,
            "accept_due": complaint.accept_due,
        }
        return Response(IntakeResultSerializer(result).data, status=status.HTTP_201_CREATED)


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
        return _evidence_file(self.get_object(), evidence_pk)

    @extend_schema(
        summary=gettext_lazy("Attach the complaint to your account"),
        description=gettext_lazy(
            "The signed-in user takes the complaint into their account, to follow it without "
            "the link. A complaint that belongs to another account is refused."
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
        text = _valid(TextSerializer, request)["text"]
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
        text = _valid(OptionalTextSerializer, request).get("text", "")
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
        text = _valid(TextSerializer, request)["text"]
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
        data = _valid(RateSerializer, request)
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
        text = _valid(TextSerializer, request)["text"]
        services.complaint_message(complaint=complaint, role=Role.CONSUMER, text=text)
        return self._detail(complaint)


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
        return _evidence_file(self.get_object(), evidence_pk)

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
        data = _valid(DeclineSerializer, request)
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
        agreement = _valid(SettleSerializer, request)["agreement"]
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
        text = _valid(TextSerializer, request)["text"]
        services.complaint_mediation_fail(actor=request.user, complaint=complaint, text=text)
        return self._detail(complaint)

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
        proposal = _valid(ProposeSerializer, request)["proposal"]
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
        text = _valid(TextSerializer, request)["text"]
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
        text = _valid(TextSerializer, request)["text"]
        services.complaint_message(complaint=complaint, role=role, text=text, actor=user)
        return self._detail(complaint)


class MerchantFiguresSerializer(serializers.Serializer):
    merchant = serializers.CharField(help_text=gettext_lazy("The merchant's name."))
    since = serializers.DateField()
    received = serializers.IntegerField()
    accepted = serializers.IntegerField()
    settled = serializers.IntegerField()
    open = serializers.IntegerField()
    closed_on_time = serializers.IntegerField()
    resolution_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    average_rating = serializers.FloatField(allow_null=True)


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
