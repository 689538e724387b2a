"""System-to-system feeds (`POST /api/v1/feeds/<source>/`): another system pushes external records.

The body is a JSON list of records, or an object with a `records` list; each record has the same
fields as a line of the import file. The answer is the import report (200 even when some records
were refused: every good one is imported). Pushing needs the `merchants.push_feed` permission,
which an admin grants to the feeding system's account; its token goes in `Authorization: Token …`.
"""

from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import BoundedJSONParser
from merchants.models import EXTERNAL_SOURCES
from merchants.permissions import CanPushFeed
from merchants.services.records import ImportReport, records_import


class FeedPushSerializer(serializers.Serializer):
    records = serializers.ListField(
        child=serializers.DictField(),
        help_text=gettext_lazy(
            "The records, each with the source's fields (uscc, record_id, as_of, …). "
            "A bare JSON list of records is accepted too."
        ),
    )


class FeedErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        help_text=gettext_lazy("Position of the record in the list, from 0.")
    )
    field = serializers.CharField(help_text=gettext_lazy("Empty when about the whole record."))
    message = serializers.CharField()


class FeedReportSerializer(serializers.Serializer):
    source = serializers.CharField()
    rows = serializers.IntegerField(help_text=gettext_lazy("Records received."))
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    failed = serializers.IntegerField(help_text=gettext_lazy("Records refused."))
    errors = FeedErrorSerializer(many=True)
    errors_truncated = serializers.BooleanField(
        help_text=gettext_lazy("True when more errors were found than are listed.")
    )
    ignored_fields = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy("Fields sent that the source does not have."),
    )


def _report_json(report: ImportReport) -> dict[str, Any]:
    data = report.as_dict()
    # Records of a pushed list are numbered from 0 by their index, not by file lines.
    data["errors"] = [
        {"index": e["line"] - 1, "field": e["field"], "message": e["message"]}
        for e in data["errors"]
    ]
    return data


class FeedJSONParser(BoundedJSONParser):
    """A pushed list may be long: up to Django's own limit of a request body."""

    max_bytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class FeedPushView(APIView):
    parser_classes = [FeedJSONParser]
    permission_classes = [permissions.IsAuthenticated, CanPushFeed]

    @extend_schema(
        summary=gettext_lazy("Push external records of one source (feeding systems)"),
        parameters=[
            OpenApiParameter(
                "source",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=list(EXTERNAL_SOURCES),
                description=gettext_lazy("The external source the records come from."),
            )
        ],
        request=FeedPushSerializer,
        responses={
            200: FeedReportSerializer,
            400: OpenApiResponse(description=gettext_lazy("The body is not a list of records.")),
            403: OpenApiResponse(
                description=gettext_lazy("Your account lacks the feed permission.")
            ),
            404: OpenApiResponse(description=gettext_lazy("No such source.")),
        },
        examples=[
            OpenApiExample(
                "registry",
                request_only=True,
                value={
                    "records": [
                        {
                            "uscc": "913301061234567887",
                            "record_id": "ZJQY-2026-000001",
                            "as_of": "2026-11-20",
                            "entity_status": "active",
                            "licence_valid_until": "",
                            "on_abnormal_list": False,
                            "on_dishonest_list": False,
                            "credit_level": "A",
                        }
                    ]
                },
            )
        ],
        tags=["feeds"],
    )
    def post(self, request: Request, source: str) -> Response:
        if source not in EXTERNAL_SOURCES:
            raise Http404
        data = request.data
        records = data.get("records") if isinstance(data, dict) else data
        if not isinstance(records, list):
            raise ValidationError(
                {"records": [_("Send a JSON list of records, or an object with a records list.")]}
            )
        report = records_import(
            source=source,
            rows=enumerate(records, start=1),
            actor=request.user,
            origin="feed API",
        )
        return Response(_report_json(report))
