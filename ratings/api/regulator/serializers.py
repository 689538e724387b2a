"""Serializers the regulator's endpoints share: a merchant's files, its pool moves, its
rectification reports and its appeals, each shown in the pool browser and in their own queue."""

from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ratings.models import Appeal, PoolChange, RatingFile, WarningRectification
from ratings.permissions import may_decide_appeal


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
