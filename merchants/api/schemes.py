"""The schemes, with the commitments and documents each asks for (read-only)."""

from rest_framework import serializers, viewsets

from common.api import ApiPagination
from merchants.models import Commitment, RequiredDocument, Scheme
from merchants.selectors import scheme_list


class CommitmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commitment
        fields = ("code", "name", "name_en")


class RequiredDocumentSerializer(serializers.ModelSerializer):
    mandatory = serializers.BooleanField(source="is_mandatory", read_only=True)

    class Meta:
        model = RequiredDocument
        fields = ("code", "name", "name_en", "mandatory")


class SchemeSerializer(serializers.ModelSerializer):
    commitments = CommitmentSerializer(many=True, read_only=True)
    required_documents = RequiredDocumentSerializer(many=True, read_only=True)

    class Meta:
        model = Scheme
        fields = (
            "code",
            "kind",
            "name",
            "name_en",
            "description",
            "is_active",
            "commitments",
            "required_documents",
        )


class SchemeViewSet(viewsets.ReadOnlyModelViewSet):
    """Schemes a merchant can declare for, with the commitments and documents each asks for."""

    serializer_class = SchemeSerializer
    pagination_class = ApiPagination
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self):
        return scheme_list()
