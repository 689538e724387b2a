"""The API token, exchanged for a username and password."""

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import ERROR_RESPONSES


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class TokenObtainView(ObtainAuthToken):
    """Exchange a username and password for the API token (send it as `Authorization: Token …`)."""

    # No session: a browser's login cookie must not make this endpoint demand a CSRF token.
    authentication_classes = ()

    @extend_schema(
        summary=gettext_lazy("Get your API token"),
        request=AuthTokenSerializer,
        responses={200: TokenSerializer, 400: ERROR_RESPONSES[400]},
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)
