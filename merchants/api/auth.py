"""API tokens: exchanged for a username and password (django-rest-knox: expiring, stored
hashed), listed and revoked by their owner. Wrong passwords count towards the login lockout
(django-axes), as on the login page."""

from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ERROR_RESPONSES
from merchants.services.tokens import api_token_create, api_token_list, api_token_revoke

LOCKED_OUT = OpenApiResponse(
    description=gettext_lazy("Too many wrong passwords: logging in is locked for a while.")
)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context["request"]
        # The Django request: django-axes counts the failure and marks a lockout on it.
        user = authenticate(
            request=request._request, username=attrs["username"], password=attrs["password"]
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                _("Unable to log in with provided credentials."), code="authorization"
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
    expiry = serializers.DateTimeField(read_only=True, allow_null=True)


class TokenObtainView(APIView):
    """Exchange a username and password for an API token (send it as `Authorization: Token …`).
    The token expires at `expiry`; only its hash is kept, so it is shown this once."""

    # No session: a browser's login cookie must not make this endpoint demand a CSRF token.
    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)

    @extend_schema(
        summary=gettext_lazy("Get your API token"),
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, 400: ERROR_RESPONSES[400], 429: LOCKED_OUT},
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        instance, token = api_token_create(user=serializer.validated_data["user"])
        return Response(TokenSerializer({"token": token, "expiry": instance.expiry}).data)


class OwnTokenSerializer(serializers.Serializer):
    key = serializers.CharField(
        source="token_key",
        read_only=True,
        help_text=gettext_lazy(
            "The token's first characters: enough to tell it apart, not to use it."
        ),
    )
    created = serializers.DateTimeField(read_only=True)
    expiry = serializers.DateTimeField(read_only=True, allow_null=True)


class OwnTokenListView(APIView):
    """Your API tokens still valid (their keys only: a token is never shown again)."""

    @extend_schema(
        summary=gettext_lazy("List your API tokens"),
        responses={200: OwnTokenSerializer(many=True)},
        tags=["auth"],
    )
    def get(self, request: Request) -> Response:
        return Response(OwnTokenSerializer(api_token_list(user=request.user), many=True).data)


class OwnTokenRevokeView(APIView):
    """Revoke one of your API tokens, named by its key."""

    @extend_schema(
        summary=gettext_lazy("Revoke one of your API tokens"),
        request=None,
        responses={204: None, 404: ERROR_RESPONSES[404]},
        tags=["auth"],
    )
    def delete(self, request: Request, key: str) -> Response:
        if not api_token_revoke(actor=request.user, token_key=key):
            return Response(
                {"detail": _("No such token of yours.")}, status=status.HTTP_404_NOT_FOUND
            )
        return Response(status=status.HTTP_204_NO_CONTENT)
