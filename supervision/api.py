"""The cockpit's figures in the API (/api/v1/statistics/…): one endpoint per table of the page,
scoped like the page (?region=CODE, the asker's own region by default; outside their reach a
404). Each answers the table's columns and rows, the region and when the figures were built."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ERROR_RESPONSES
from supervision.permissions import SeesCockpit
from supervision.selectors.figures import (
    FLOW_MONTHS,
    TABLES,
    Place,
    place_for,
    plain,
    refreshed_at,
)
from supervision.selectors.figures import table_for as build_table
from supervision.services.refresh import MONTHS


class StatisticsRegionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="display_name")
    level = serializers.CharField()


class StatisticsColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField(
        help_text="text, int, rate (a fraction of 1), decimal, money (yuan), days, month, figure."
    )


class StatisticsTableSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    note = serializers.CharField()
    region = StatisticsRegionSerializer()
    sub_regions = StatisticsRegionSerializer(many=True, help_text="The regions one level down.")
    trail = StatisticsRegionSerializer(
        many=True, help_text="From the asker's region down to this one."
    )
    refreshed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the rollups were last rebuilt."
    )
    columns = StatisticsColumnSerializer(many=True)
    rows = serializers.ListField(
        child=serializers.ListField(child=serializers.JSONField()),
        help_text="One list per row, in the order of `columns`.",
    )


REGION = OpenApiParameter(
    "region",
    OpenApiTypes.STR,
    description="A region's six-digit code (yours by default); outside your reach a 404.",
)
FLOW_MONTHS_PARAMETER = OpenApiParameter(
    "months",
    OpenApiTypes.INT,
    description=f"Months of pool moves, 1 to {MONTHS} (default {FLOW_MONTHS}).",
)

DESCRIPTIONS = {
    "headline": "Headline figures of the region: merchants, schemes, pools, stars, "
    "coordinators, stations, complaints, inspections and declarations (the year so far).",
    "regions": "The sub-regions side by side (the year so far).",
    "trends": f"Figures by month over the last {MONTHS} months.",
    "flows": "Pool moves: how many merchants moved from which pool to which.",
    "categories": "The complaint categories received most this year.",
    "industries": "The industries complained about most this year.",
    "league": "The sub-regions against the province's targets for the year.",
    "thresholds": "Merchants that newly reached the warning's number of accepted complaints.",
}


def _months(request: Request) -> int:
    raw = request.query_params.get("months")
    if raw is None:
        return FLOW_MONTHS
    if not raw.isdigit() or not 1 <= int(raw) <= MONTHS:
        message = _("A whole number of months from 1 to %(most)d.") % {"most": MONTHS}
        raise serializers.ValidationError({"months": [message]})
    return int(raw)


def _payload(place: Place, key: str, months: int) -> dict[str, Any]:
    table = build_table(place, key, flow_months=months)
    return {
        "key": table.key,
        "title": str(table.title),
        "note": str(table.note),
        "region": place.region,
        "sub_regions": place.children,
        "trail": place.trail,
        "refreshed_at": refreshed_at(),
        "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in table.columns],
        "rows": [[_json(plain(value)) for value in row] for row in table.rows],
    }


def _json(value: Any) -> Any:
    """A Decimal as a JSON number."""
    return float(value) if isinstance(value, Decimal) else value


def _view(key: str) -> type[APIView]:
    parameters = [REGION, FLOW_MONTHS_PARAMETER] if key == "flows" else [REGION]

    class StatisticsView(APIView):
        permission_classes = [permissions.IsAuthenticated, SeesCockpit]

        @extend_schema(
            operation_id=f"statistics_{key}",
            summary=DESCRIPTIONS[key],
            parameters=parameters,
            responses={200: StatisticsTableSerializer, **ERROR_RESPONSES},
            tags=["statistics"],
        )
        def get(self, request: Request) -> Response:
            place = place_for(user=request.user, code=request.query_params.get("region"))
            months = _months(request) if key == "flows" else FLOW_MONTHS
            return Response(StatisticsTableSerializer(_payload(place, key, months)).data)

    StatisticsView.__name__ = StatisticsView.__qualname__ = f"Statistics{key.title()}View"
    return StatisticsView


VIEWS = {key: _view(key) for key in TABLES}
