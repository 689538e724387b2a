"""The work list in the API: what waits for the regulator asking, every kind of work with its
bounded count (merchants/worklist.py), overdue work first."""

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ERROR_RESPONSES, NotFoundUnless
from merchants.worklist import WORKLIST_LIMIT, has_worklist, worklist_items


class HasWorklist(NotFoundUnless):
    def allows(self, user: Any) -> bool:
        return has_worklist(user)


class WorkItemSerializer(serializers.Serializer):
    kind = serializers.CharField(
        read_only=True, help_text=gettext_lazy("A stable code, e.g. complaints.new.")
    )
    label = serializers.CharField(read_only=True)
    count = serializers.IntegerField(
        read_only=True,
        help_text=gettext_lazy("Counted up to the limit plus one: more means “capped”."),
    )
    capped = serializers.BooleanField(
        source="is_capped",
        read_only=True,
        help_text=gettext_lazy("More work waits than the count shows (shown as “100+”)."),
    )
    count_text = serializers.CharField(read_only=True)
    overdue = serializers.BooleanField(read_only=True)
    url = serializers.CharField(
        read_only=True, help_text=gettext_lazy("The page where the work is done (a path).")
    )


class WorklistSerializer(serializers.Serializer):
    limit = serializers.IntegerField(read_only=True)
    items = WorkItemSerializer(many=True, read_only=True)


class WorklistView(APIView):
    """Regulators (and platform admins) only; anyone else gets a 404."""

    permission_classes = (permissions.IsAuthenticated, HasWorklist)

    @extend_schema(
        summary=gettext_lazy("Your work list"),
        description=gettext_lazy(
            "Every kind of work you have the ability for, in your region, with how much waits "
            "(zero included) and the page where it is done; overdue work first."
        ),
        responses={200: WorklistSerializer, 404: ERROR_RESPONSES[404]},
        tags=["worklist"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        items = worklist_items(user=request.user, all_items=True)
        return Response(WorklistSerializer({"limit": WORKLIST_LIMIT, "items": items}).data)
