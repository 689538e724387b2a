"""Declarations: the merchant's people start, fill in, submit and withdraw them; everyone in
reach reads them. Review extends DeclarationDetailSerializer for its queue."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import ERROR_RESPONSES, BoundedCountPagination, id_field, pk_or_404
from merchants.api.filters import DeclarationFilter
from merchants.models import (
    Commitment,
    Declaration,
    DeclarationDocument,
    DeclarationEvent,
    Merchant,
    RequiredDocument,
    Scheme,
)
from merchants.permissions import IsMerchantMember
from merchants.selectors import declaration_get, declaration_list, merchant_list
from merchants.services.declarations import (
    declaration_attach_document,
    declaration_create,
    declaration_missing_items,
    declaration_submit,
    declaration_update,
    declaration_withdraw,
)


class DeclarationSerializer(serializers.ModelSerializer):
    merchant = serializers.IntegerField(source="merchant_id", read_only=True)
    merchant_name = serializers.CharField(source="merchant.name", read_only=True)
    scheme = serializers.CharField(source="scheme.code", read_only=True)
    scheme_name = serializers.CharField(source="scheme.display_name", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Declaration
        fields = (
            "id",
            "merchant",
            "merchant_name",
            "scheme",
            "scheme_name",
            "state",
            "state_display",
            "created_at",
            "updated_at",
            "submitted_at",
            "decided_at",
        )
        read_only_fields = fields


class DeclarationEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor.username",
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Empty when the system made the change."),
    )
    reason = serializers.CharField(
        source="reason_text",
        read_only=True,
        help_text=gettext_lazy(
            "The system's reason in the request's language, then the one the person gave."
        ),
    )

    class Meta:
        model = DeclarationEvent
        fields = ("actor", "from_state", "to_state", "reason", "created_at")
        read_only_fields = fields


class DeclarationDocumentSerializer(serializers.ModelSerializer):
    required_document = serializers.CharField(source="required_document.code", read_only=True)
    name = serializers.CharField(source="original_name", read_only=True)

    class Meta:
        model = DeclarationDocument
        fields = ("id", "required_document", "name", "content_type", "size", "uploaded_at")
        read_only_fields = fields


class DeclarationDetailSerializer(DeclarationSerializer):
    details = serializers.DictField(read_only=True)
    accepted_commitments = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code"
    )
    member_merchants = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    documents = DeclarationDocumentSerializer(many=True, read_only=True)
    events = DeclarationEventSerializer(many=True, read_only=True)
    missing_items = serializers.SerializerMethodField(
        help_text=gettext_lazy("What still stops a draft from being submitted.")
    )

    class Meta(DeclarationSerializer.Meta):
        fields = (
            *DeclarationSerializer.Meta.fields,
            "details",
            "accepted_commitments",
            "member_merchants",
            "documents",
            "events",
            "missing_items",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_missing_items(self, declaration: Declaration) -> list[str]:
        return declaration_missing_items(declaration) if declaration.is_editable else []


class DeclarationCreateSerializer(serializers.Serializer):
    merchant = id_field(help_text=gettext_lazy("Merchant id."))
    scheme = serializers.SlugRelatedField(
        slug_field="code", queryset=Scheme.objects.all(), help_text=gettext_lazy("Scheme code.")
    )


# Bounds on the details a request may send (the scheme's fields are a handful of short texts).
MAX_DETAIL_KEYS = 50
MAX_DETAILS_CHARS = 50_000


class DeclarationUpdateSerializer(serializers.Serializer):
    """Omitted fields keep their value; a given list replaces the whole list."""

    commitments = serializers.ListField(
        child=serializers.SlugField(),
        required=False,
        help_text=gettext_lazy("Codes of the scheme's commitments you accept."),
    )
    details = serializers.DictField(
        required=False, help_text=gettext_lazy("The scheme's extra fields, e.g. return_days.")
    )
    member_merchants = serializers.ListField(
        child=id_field(),
        required=False,
        help_text=gettext_lazy("Shopping districts: ids of the member merchants."),
    )

    def validate_details(self, details: dict[str, Any]) -> dict[str, Any]:
        # The scheme keeps only its own fields (clean_details); what is sent is bounded first.
        if len(details) > MAX_DETAIL_KEYS or len(repr(details)) > MAX_DETAILS_CHARS:
            raise serializers.ValidationError(
                _("The details are too large: send only the scheme's fields.")
            )
        return details

    def validate_commitments(self, codes: list[str]) -> list[Commitment]:
        declaration: Declaration = self.context["declaration"]
        by_code = {c.code: c for c in declaration.scheme.commitments.all()}
        unknown = sorted(set(codes) - set(by_code))
        if unknown:
            raise serializers.ValidationError(
                _("Not a commitment of this scheme: %(codes)s") % {"codes": ", ".join(unknown)}
            )
        return [by_code[code] for code in dict.fromkeys(codes)]

    def validate_member_merchants(self, ids: list[int]) -> list[Merchant]:
        # Members are references to other registered merchants, which the declaring merchant's
        # staff cannot otherwise see; only their existence is checked and only ids come back.
        members = list(Merchant.objects.filter(pk__in=set(ids)).only("pk"))
        unknown = sorted(set(ids) - {m.pk for m in members})
        if unknown:
            raise serializers.ValidationError(
                _("No registered merchant has the id %(ids)s.")
                % {"ids": ", ".join(map(str, unknown))}
            )
        return members


class DocumentUploadSerializer(serializers.Serializer):
    required_document = serializers.SlugField(
        help_text=gettext_lazy("Code of the scheme's required document this file answers.")
    )
    file = serializers.FileField(help_text=gettext_lazy("PDF, JPEG or PNG."))

    def validate_required_document(self, code: str) -> RequiredDocument:
        declaration: Declaration = self.context["declaration"]
        document = declaration.scheme.required_documents.filter(code=code).first()
        if document is None:
            raise serializers.ValidationError(_("This scheme asks for no document with this code."))
        return document


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class DeclarationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Declarations of the merchants in your reach. Only the merchant's people may change them."""

    filterset_class = DeclarationFilter
    # A province holds hundreds of thousands: counted bounded, read keys first.
    pagination_class = BoundedCountPagination
    permission_classes = [permissions.IsAuthenticated, IsMerchantMember]

    def get_queryset(self):
        return declaration_list(user=self.request.user)

    def get_serializer_class(self):
        return DeclarationSerializer if self.action == "list" else DeclarationDetailSerializer

    def _detail(self, declaration: Declaration, status_code: int = status.HTTP_200_OK) -> Response:
        declaration = declaration_get(user=self.request.user, pk=declaration.pk)
        return Response(DeclarationDetailSerializer(declaration).data, status=status_code)

    def retrieve(self, request: Request, pk: str) -> Response:
        declaration = declaration_get(user=request.user, pk=pk_or_404(pk))
        return Response(DeclarationDetailSerializer(declaration).data)

    @extend_schema(
        summary=gettext_lazy("Start a draft declaration for one of your merchants"),
        request=DeclarationCreateSerializer,
        responses={201: DeclarationDetailSerializer, **ERROR_RESPONSES},
    )
    def create(self, request: Request) -> Response:
        serializer = DeclarationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        merchant = get_object_or_404(
            merchant_list(user=request.user), pk=serializer.validated_data["merchant"]
        )
        self.check_object_permissions(request, merchant)
        declaration = declaration_create(
            actor=request.user, merchant=merchant, scheme=serializer.validated_data["scheme"]
        )
        return self._detail(declaration, status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("Fill in a draft: commitments, scheme details, district members"),
        request=DeclarationUpdateSerializer,
        responses={200: DeclarationDetailSerializer, **ERROR_RESPONSES},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        declaration = self.get_object()
        serializer = DeclarationUpdateSerializer(
            data=request.data, context={"declaration": declaration}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        declaration_update(
            actor=request.user,
            declaration=declaration,
            commitments=data.get("commitments", declaration.accepted_commitments.all()),
            details=data.get("details", declaration.details),
            member_merchants=data.get("member_merchants"),
        )
        return self._detail(declaration)

    @extend_schema(
        summary=gettext_lazy("Attach a document (multipart: required_document, file)"),
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DeclarationDocumentSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request: Request, pk: str) -> Response:
        declaration = self.get_object()
        serializer = DocumentUploadSerializer(
            data=request.data, context={"declaration": declaration}
        )
        serializer.is_valid(raise_exception=True)
        document = declaration_attach_document(
            actor=request.user,
            declaration=declaration,
            required_document=serializer.validated_data["required_document"],
            upload=serializer.validated_data["file"],
        )
        return Response(
            DeclarationDocumentSerializer(document).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary=gettext_lazy("Submit (or resubmit) for automatic screening and review"),
        request=None,
        responses={200: DeclarationDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        declaration = self.get_object()
        declaration_submit(actor=request.user, declaration=declaration)
        return self._detail(declaration)

    @extend_schema(
        summary=gettext_lazy("Withdraw the declaration"),
        request=WithdrawSerializer,
        responses={200: DeclarationDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        declaration = self.get_object()
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        declaration_withdraw(
            actor=request.user,
            declaration=declaration,
            reason=serializer.validated_data.get("reason", ""),
        )
        return self._detail(declaration)
