"""The JSON parser of every API view: DRF's with bounds on size, depth and NUL characters.

Kept apart from common.api: rest_framework.views reads DEFAULT_PARSER_CLASSES when it is
imported, so this module imports no DRF view."""

import codecs
import json
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "payload_too_large"


# Strings (with their escapes) are skipped when counting how deep brackets nest.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(raw: bytes) -> int:
    """How deep arrays and objects nest in this JSON text (0 for a scalar), counted without
    parsing it: a parser recurses once per level and fails (RecursionError) long before a
    body of 100,000 "[" runs out."""
    depth = deepest = 0
    for bracket in _JSON_BRACKET.findall(_JSON_STRING.sub(b"", raw)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class BoundedJSONParser(parsers.JSONParser):
    """DRF's JSON parser with bounds: a body of at most `max_bytes` (413 beyond), nesting at
    most `max_depth` deep (400 beyond), no NUL character anywhere (400: PostgreSQL's jsonb
    and text columns refuse it). The default parser of every API view."""

    max_bytes = 2 * 1024 * 1024
    max_depth = 32

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read(self.max_bytes + 1) if stream is not None else b""
        if len(raw) > self.max_bytes:
            raise PayloadTooLarge
        if json_depth(raw) > self.max_depth:
            raise ParseError(
                _("JSON nested deeper than %(n)d levels is not accepted.") % {"n": self.max_depth}
            )
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(text, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("The body is not valid JSON.")) from exc
        if _has_nul(data):
            raise ParseError(_("Text must not contain NUL characters (\\u0000)."))
        return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False
