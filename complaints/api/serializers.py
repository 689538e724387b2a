"""The complaint API's shapes: what the endpoints return and accept, and the pieces the public
endpoints (complaints.api.public) and the desks (complaints.api.desks) share.

A merchant's people only ever receive the complainant's masked phone and never the e-mail.
"""

import functools
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from common.api import QuerySerializer, id_field
from common.phones import phone_normalise
from common.precompiled import Slot, values_compiled
from common.prepared import prepared_statements
from common.uploads import attachment_response
from complaints.models import (
    MAX_AMOUNT,
    RETURN_CALL_NOTES_MAX,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintContact,
    ComplaintEvent,
    ComplaintEvidence,
    ComplaintReturnCall,
    ContactMethod,
    DeclineGround,
    Province,
    Satisfaction,
    validate_contact_day,
    validate_purchase_date,
    validate_return_call_time,
)
from complaints.permissions import sees_full_contact
from complaints.services.complaints import complaint_can_rate
from merchants.models import Merchant, Region
from merchants.validators import normalize_uscc

TEXT_MAX = 5000


# Evidence files, downloaded from the tracking link and from the desks.


def evidence_file(complaint: Complaint, evidence_pk: Any) -> FileResponse:
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


# Output


# States are plain strings in the schema: the enum name "state" is taken by declarations, and
# the overrides live in settings.py.
STATE_HELP = gettext_lazy(
    "A complaint state: submitted, transfer_pending, accepted, declined, with_merchant, "
    "proposed, mediation, direct, settled, mediation_failed, withdrawn or transferred_out."
)


def _state_field(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(read_only=True, help_text=STATE_HELP, **kwargs)


class EventSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    from_state = _state_field()
    to_state = _state_field()
    message = serializers.CharField(
        source="message_text",
        read_only=True,
        help_text=gettext_lazy("What the system says of the step, in the request's language."),
    )
    text = serializers.CharField(
        read_only=True, help_text=gettext_lazy("What the person who took the step wrote.")
    )

    class Meta:
        model = ComplaintEvent
        fields = (
            "role",
            "role_display",
            "from_state",
            "to_state",
            "message",
            "text",
            "created_at",
        )
        read_only_fields = fields


class TrackEventSerializer(EventSerializer):
    """A step as the consumer sees it: people by name, never by username."""

    message = serializers.CharField(
        source="consumer_message_text",
        read_only=True,
        help_text=gettext_lazy("What the system says of the step, in the request's language."),
    )
    actor_name = serializers.CharField(
        source="actor_public_name",
        read_only=True,
        help_text=gettext_lazy(
            "The name of the regulator who took the step; empty for the other sides."
        ),
    )

    class Meta(EventSerializer.Meta):
        fields = (*EventSerializer.Meta.fields, "actor_name")
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
    county_name = serializers.CharField(source="region.display_name", read_only=True)
    station = serializers.IntegerField(
        source="station_id",
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("The liaison station it was lodged at, if any."),
    )
    state = _state_field()
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    phone = serializers.SerializerMethodField(
        help_text=gettext_lazy("Masked as *******1234 for the merchant's people.")
    )
    email = serializers.SerializerMethodField(
        help_text=gettext_lazy("Empty for the merchant's people.")
    )

    class Meta:
        model = Complaint
        fields = (
            "id",
            "number",
            "channel",
            "station",
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


class ContactSerializer(serializers.ModelSerializer):
    """A call, visit or meeting of the handler with the business."""

    method_display = serializers.CharField(source="get_method_display", read_only=True)

    class Meta:
        model = ComplaintContact
        fields = ("method", "method_display", "contacted_on", "summary", "created_at")
        read_only_fields = fields


class ComplaintDetailSerializer(ComplaintSerializer):
    decline_ground = serializers.CharField(read_only=True)
    transfer_to = serializers.CharField(
        source="transfer_to_id",
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("While a transfer is pending: the county code it goes to."),
    )
    transferred_out_to = serializers.CharField(
        read_only=True, help_text=gettext_lazy("Transferred out: the authority it went to.")
    )
    transferred_out_province = serializers.CharField(
        read_only=True, help_text=gettext_lazy("Transferred out: the province's code.")
    )
    timeline = EventSerializer(source="events", many=True, read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    contacts = ContactSerializer(many=True, read_only=True)

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
            "transfer_to",
            "transferred_out_to",
            "transferred_out_province",
            "timeline",
            "evidence",
            "contacts",
        )
        read_only_fields = fields


class TrackSerializer(serializers.ModelSerializer):
    """What the tracking link shows: no contact data, so a leaked link leaks no phone."""

    business = serializers.CharField(source="business_display", read_only=True)
    state = _state_field()
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    decline_ground = serializers.CharField(read_only=True)
    timeline = TrackEventSerializer(source="events", many=True, read_only=True)
    evidence = TrackEvidenceSerializer(many=True, read_only=True)
    can_rate = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Whether the handling can be rated now: a complaint the regulator accepted, closed "
            "and not yet rated."
        )
    )

    class Meta:
        model = Complaint
        fields = (
            "number",
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
            "can_rate",
            "timeline",
            "evidence",
        )
        read_only_fields = fields

    def get_can_rate(self, complaint: Complaint) -> bool:
        return complaint_can_rate(complaint)


class IntakeResultSerializer(serializers.Serializer):
    number = serializers.CharField(
        help_text=gettext_lazy("The complaint number, e.g. 330106-2026-000123.")
    )
    tracking_token = serializers.CharField()
    tracking_url = serializers.CharField(
        help_text=gettext_lazy("The API address that follows the complaint.")
    )
    page_url = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("The tracking page to open in a browser.")
    )
    state = _state_field()
    accept_due = serializers.DateField()


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
        max_digits=12,
        decimal_places=2,
        min_value=0,
        max_value=MAX_AMOUNT,
        required=False,
        allow_null=True,
    )
    purchase_date = serializers.DateField(
        required=False, allow_null=True, validators=[validate_purchase_date]
    )
    complainant_name = serializers.CharField(max_length=50)
    complainant_phone = serializers.CharField(
        max_length=30,
        help_text=gettext_lazy(
            "A mainland China number, in any usual writing (+86 138 1234 5678, 138-1234-5678, "
            "0571-87654321); stored and compared in one form."
        ),
    )
    complainant_email = serializers.EmailField(required=False, allow_blank=True)
    consent_to_contact = serializers.BooleanField(required=False, default=False)
    channel = serializers.ChoiceField(
        choices=ComplaintChannel.choices,
        required=False,
        default=ComplaintChannel.WEB,
        help_text=gettext_lazy(
            "How the complaint came in. Anyone may say web or qr (a store's QR code); the other "
            "channels only a coordinator or hotline operator filing for a caller."
        ),
    )
    station = id_field(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy(
            "With the channel station: the id of the liaison station where the caller lodged "
            "it, one the filing coordinator serves (required for coordinators)."
        ),
    )
    evidence = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text=gettext_lazy("Up to 5 files: JPEG, PNG or PDF, 10 MB each (multipart)."),
    )

    def validate_complainant_phone(self, value: str) -> str:
        try:
            return phone_normalise(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def validate_merchant(self, code: str) -> Merchant | None:
        code = code.strip()
        if not code:
            return None
        merchant = _merchant_by_code(code)
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


def _merchant_by_code_query() -> QuerySet[Merchant]:
    merchant_names = [f.attname for f in Merchant._meta.concrete_fields]
    region_names = [f"region__{f.attname}" for f in Region._meta.concrete_fields]
    return (
        Merchant.objects.filter(Q(public_code=Slot("code")) | Q(uscc=Slot("uscc")))
        .order_by("name", "pk")
        .values(*merchant_names, *region_names)
    )


def _merchant_by_code(code: str) -> Merchant | None:
    """The merchant, its region joined, whose public code or unified social credit code this
    is, in the merchants' order (as `.select_related("region").filter(…).first()` read it):
    compiled once per process (common.precompiled) instead of an ORM query built per intake."""
    with prepared_statements():
        row = values_compiled(_merchant_by_code_query).first(code, normalize_uscc(code))
    if row is None:
        return None
    names = [f.attname for f in Merchant._meta.concrete_fields]
    merchant = Merchant.from_db(connection.alias, names, [row[name] for name in names])
    region_names = [f.attname for f in Region._meta.concrete_fields]
    region_values = [row[f"region__{name}"] for name in region_names]
    merchant.region = Region.from_db(connection.alias, region_names, region_values)
    return merchant


@functools.cache
def _intake_reader() -> IntakeSerializer:
    return IntakeSerializer()


def intake_validated(request: Request) -> dict[str, Any]:
    """The intake's input as IntakeSerializer reads it. Valid input is read by one serializer
    kept per process: a new serializer deep-copies every declared field (~1 ms per intake), and
    reading is all the kept one does (its fields hold no request's state). Input it refuses is
    read again by a new serializer, which words the errors (the same ones)."""
    try:
        return _intake_reader().run_validation(request.data)
    except (serializers.ValidationError, DjangoValidationError):
        return validated(IntakeSerializer, request)


class LookupSerializer(serializers.Serializer):
    number = serializers.CharField(
        max_length=24, help_text=gettext_lazy("The complaint number, e.g. 330106-2026-000123.")
    )
    phone = serializers.CharField(
        max_length=30, help_text=gettext_lazy("The phone given with the complaint.")
    )


class LookupVerifySerializer(LookupSerializer):
    code = serializers.RegexField(
        r"^\s*[0-9]{6}\s*$",
        help_text=gettext_lazy("The 6-digit code sent by SMS."),
        error_messages={"invalid": gettext_lazy("Enter the 6 digits of the code.")},
    )


class LookupSentSerializer(serializers.Serializer):
    detail = serializers.CharField(
        help_text=gettext_lazy("The same words whether or not a complaint matched.")
    )


class LookupResultSerializer(serializers.Serializer):
    number = serializers.CharField()
    tracking_token = serializers.CharField()
    tracking_url = serializers.CharField(
        help_text=gettext_lazy("The API address that follows the complaint.")
    )
    page_url = serializers.CharField(help_text=gettext_lazy("The tracking page."))


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=TEXT_MAX, allow_blank=True)


class OptionalTextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)


class TypedDateTimeField(serializers.DateTimeField):
    """A date and time a person typed: one at the edge of the calendar (9999-12-31 in the local
    time zone) is refused as invalid, never a server error."""

    def to_internal_value(self, value: Any) -> Any:
        try:
            return super().to_internal_value(value)
        except OverflowError:
            raise serializers.ValidationError(
                _("Enter a date and time from 2000 up to now.")
            ) from None


class ReturnCallSerializer(serializers.ModelSerializer):
    """A return call to the consumer, as the handler records it."""

    called_at = TypedDateTimeField(
        validators=[validate_return_call_time],
        help_text=gettext_lazy("When the consumer was called: not before the complaint closed."),
    )
    reached = serializers.BooleanField(help_text=gettext_lazy("Whether the consumer answered."))
    satisfaction = serializers.ChoiceField(
        choices=Satisfaction.choices,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy(
            "satisfied, basically_satisfied or dissatisfied: required when the consumer was "
            "reached, empty otherwise."
        ),
    )
    notes = serializers.CharField(
        max_length=RETURN_CALL_NOTES_MAX, required=False, allow_blank=True
    )
    recorded_by = serializers.CharField(source="recorded_by.display_name", read_only=True)

    class Meta:
        model = ComplaintReturnCall
        fields = (
            "id",
            "called_at",
            "reached",
            "satisfaction",
            "notes",
            "recorded_by",
            "created_at",
        )
        read_only_fields = ("id", "recorded_by", "created_at")


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


# Handling paths


class MerchantCandidateSerializer(serializers.ModelSerializer):
    """A registered merchant a complaint can be linked to."""

    county = serializers.CharField(source="region_id", read_only=True)
    county_name = serializers.CharField(source="region.display_name", read_only=True)

    class Meta:
        model = Merchant
        fields = ("id", "name", "uscc", "county", "county_name", "address")
        read_only_fields = fields


class MerchantSearchSerializer(QuerySerializer):
    q = serializers.CharField(
        max_length=100,
        required=False,
        default="",
        allow_blank=True,
        help_text=gettext_lazy(
            "Part of the merchant's name, or the start of its unified social credit code "
            "(at least 2 characters)."
        ),
    )


class LinkMerchantSerializer(serializers.Serializer):
    merchant = id_field(
        help_text=gettext_lazy("The merchant's id, from the candidates the search returns.")
    )


class ContactInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=ContactMethod.choices)
    contacted_on = serializers.DateField(validators=[validate_contact_day])
    summary = serializers.CharField(max_length=TEXT_MAX)


class TransferSerializer(serializers.Serializer):
    county = serializers.RegexField(
        r"^[0-9]{6}$", help_text=gettext_lazy("The code of a county of the province, e.g. 330108.")
    )
    reason = serializers.CharField(max_length=TEXT_MAX, allow_blank=True)

    def validate_county(self, code: str) -> Region:
        region = Region.objects.filter(code=code, level=Region.Level.COUNTY).first()
        if region is None:
            raise serializers.ValidationError(_("No county has this code."))
        return region


class TransferOutSerializer(serializers.Serializer):
    authority = serializers.CharField(max_length=200)
    province = serializers.ChoiceField(
        choices=Province.choices,
        help_text=gettext_lazy("The province's GB/T 2260 code, e.g. 310000 for Shanghai."),
    )
    reason = serializers.CharField(max_length=TEXT_MAX, allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=TEXT_MAX, allow_blank=True)


def validated(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
