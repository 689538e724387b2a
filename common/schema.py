"""The schema class of every API view: drf-spectacular's, with the error answers each operation
can really give documented from what the view is made of, so no view lists them by hand and
none is forgotten:

- 400 for a request body (validation, a refused rule), query filters or a page size;
- 401 wherever an authentication class runs (no credentials, or a bad or expired token);
- 403 for writes a session may send (the CSRF check) and for permission classes that refuse;
- 404 for an object named in the path, a page number past the end, and endpoints that exist
  only for some users (`NotFoundUnless`);
- 413 and 415 for a request body (too large, a content type the view does not parse);
- 429 for throttled views.

Every error answer is JSON (`common.api.api_not_found` keeps the URL resolver's 404 JSON
too): `{"detail": "…"}`, or for a 400 the fields with their messages.

Read-only fields are documented as they are answered: a field read through a relation that may
be empty (`source="actor.username"`) or with `default=None` may be null, and a model field with
choices and `blank=True` may be "" (DRF drops `allow_blank` from read-only fields)."""

import copy
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication

from common.api import ApiPagination, NotFoundUnless
from common.parsers import BoundedJSONParser

ERROR_DESCRIPTIONS = {
    400: gettext_lazy("Invalid input, or a rule refused the action."),
    401: gettext_lazy("Not signed in, or the token is wrong or expired."),
    403: gettext_lazy("You can see it but may not do this."),
    404: gettext_lazy("Not found, or outside your scope."),
    413: gettext_lazy("The request body is too large."),
    415: gettext_lazy("The request body's content type is not accepted."),
    429: gettext_lazy("Too many requests: try again later."),
}
# Permission classes that never answer 403 themselves.
_NEVER_FORBID = (permissions.AllowAny, permissions.IsAuthenticated, NotFoundUnless)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


def _model_fields(field: serializers.Field) -> list[models.Field]:
    """The model fields a serializer field's source walks through, as far as they are fields."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    found: list[models.Field] = []
    if model is None or field.source == "*":
        return found
    for attr in field.source_attrs:
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            break
        found.append(model_field)
        model = model_field.related_model
        if model is None:
            break
    return found


def _answers_null(field: serializers.Field) -> bool:
    if not field.read_only or field.allow_null:
        return False
    return field.default is None or any(f.null for f in _model_fields(field)[:-1])


def _answers_blank_choice(field: serializers.Field) -> bool:
    if not (isinstance(field, serializers.ChoiceField) and field.read_only) or field.allow_blank:
        return False
    path = _model_fields(field)
    return bool(path) and path[-1].blank and bool(path[-1].choices)


class AutoSchema(SpectacularAutoSchema):
    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        if direction == "response" and _answers_blank_choice(field):
            field = copy.copy(field)
            field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _get_serializer_field_meta(self, field: Any, direction: Any) -> dict[str, Any]:
        meta = super()._get_serializer_field_meta(field, direction)
        if (
            direction == "response"
            and isinstance(field, serializers.Field)
            and _answers_null(field)
        ):
            meta["nullable"] = True
        return meta

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self.error_codes():
            responses.setdefault(str(code), {"description": ERROR_DESCRIPTIONS[code]})
        for code, response in responses.items():
            if code.isdigit() and int(code) >= 400 and "content" not in response:
                body = OpenApiTypes.OBJECT if code == "400" else ErrorSerializer
                documented = self._get_response_for_code(
                    OpenApiResponse(body, description=response.get("description", "")), code
                )
                response.update(content=documented["content"])
        return responses

    def error_codes(self) -> set[int]:
        """The error statuses this operation can answer, from what the view is made of."""
        codes: set[int] = set()
        view = self.view
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        has_body = self._get_request_body() is not None
        authenticators = view.get_authenticators()
        perms = view.get_permissions()
        paginator = self._get_paginator() if self._is_list_view() else None
        if has_body or self._get_filter_parameters() or isinstance(paginator, ApiPagination):
            codes.add(400)
        if authenticators:
            codes.add(401)
        if writes and any(isinstance(a, SessionAuthentication) for a in authenticators):
            codes.add(403)
        if any(not isinstance(p, _NEVER_FORBID) for p in perms):
            codes.add(403)
        if "{" in self.path or any(isinstance(p, NotFoundUnless) for p in perms) or paginator:
            codes.add(404)
        if has_body:
            codes.add(415)
            if any(isinstance(p, BoundedJSONParser) for p in view.get_parsers()):
                codes.add(413)
        if view.get_throttles():
            codes.add(429)
        return codes
