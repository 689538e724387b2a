"""What every app's REST API shares: error responses for the schema, pagination, the 404 for
what a user may not know exists, DomainError as a 400, and the bounded JSON parser (defined in
common.parsers: DRF's views read the parser setting when they are imported, so the parser's
module must not import them)."""

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.defaults import page_not_found
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler

from common.counts import COUNT_BOUND, bounded_count
from common.errors import DomainError, Limited
from common.pages import KeysFirstPaginator, PageKeys
from common.parsers import BoundedJSONParser, PayloadTooLarge, json_depth
from common.querystring import query_value_problem

__all__ = [
    "ERROR_RESPONSES",
    "MAX_PK",
    "ApiPagination",
    "BoundedCountPagination",
    "BoundedJSONParser",
    "CountsPagination",
    "KeyedPagination",
    "NotFoundUnless",
    "PagePagination",
    "PayloadTooLarge",
    "QuerySerializer",
    "api_exception_handler",
    "api_not_found",
    "is_pk",
    "json_depth",
    "pk_or_404",
]

ERROR_RESPONSES = {
    400: OpenApiResponse(description=gettext_lazy("Invalid input, or a rule refused the action.")),
    403: OpenApiResponse(description=gettext_lazy("You can see it but may not do this.")),
    404: OpenApiResponse(description=gettext_lazy("Not found, or outside your scope.")),
}


class QuerySerializer(serializers.Serializer):
    """Query parameters read by a serializer, refusing what DRF would misread: a parameter given
    twice (read as its last value) and an empty value where the field does not allow blank text
    (read as absent: an unfiltered answer, though the schema refuses "")."""

    def to_internal_value(self, data: Any) -> Any:
        getlist = getattr(data, "getlist", None)
        problems: dict[str, list[str]] = {}
        for name, field in self.fields.items():
            if field.read_only:
                continue
            values = getlist(name) if getlist else ([data[name]] if name in data else [])
            problem = query_value_problem(
                values,
                many=isinstance(field, serializers.ListField | serializers.MultipleChoiceField),
                blank_allowed=getattr(field, "allow_blank", False),
            )
            if problem:
                problems[name] = [problem]
        if problems:
            raise ValidationError(problems)
        return super().to_internal_value(data)


class PagePagination(PageNumberPagination):
    """DRF's numbered pages, refusing a page number given empty or twice (DRF reads the first
    as page 1 and the second as its last value): a 404, as DRF answers any page that is not."""

    def get_page_number(self, request: Request, paginator: Any) -> Any:
        values = request.query_params.getlist(self.page_query_param)
        if len(values) > 1 or values == [""]:
            raise NotFound(_("Give one page number."))
        return super().get_page_number(request, paginator)


class ApiPagination(PagePagination):
    """Pages of `page_size` rows, 1 to `max_page_size` as the schema says: any other value is a
    400, not silently the default size."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        raw = values[0]
        if len(values) > 1 or not (
            raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size
        ):
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("A whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


class CountsPagination(ApiPagination):
    """Pages with, beside them, how many rows each tab holds under the same filters: the view
    sets `counts` (one query for them all); the schema lists `count_keys`."""

    counts: dict[str, int]
    count_keys: Sequence[str] = ()
    counts_description: Any = ""

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["counts"] = self.counts
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["counts"] = {
            "type": "object",
            "description": self.counts_description,
            "properties": {key: {"type": "integer"} for key in self.count_keys},
            "required": list(self.count_keys),
        }
        paginated["required"] = [*paginated.get("required", []), "counts"]
        return paginated


class BoundedPaginator(KeysFirstPaginator):
    """Pages over a count read bounded (common.counts): a province's history is never counted
    in full, and the last reachable page is the one holding row `bound + 1`. A page reads its
    keys first (common.pages.KeysFirstPaginator): a deep page costs about what the first does."""

    def __init__(self, object_list: Any, per_page: int, *, bound: int = COUNT_BOUND) -> None:
        super().__init__(object_list, per_page, count=bounded_count(object_list, bound))


class BoundedCountPagination(ApiPagination):
    """Pages whose `count` stops at `count_bound`; `count_bounded` says there are more rows."""

    count_bound = COUNT_BOUND

    def django_paginator_class(self, object_list: Any, per_page: int) -> BoundedPaginator:
        return BoundedPaginator(object_list, per_page, bound=self.count_bound)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        count = self.page.paginator.count
        response.data["count"] = min(count, self.count_bound)
        response.data["count_bounded"] = count > self.count_bound
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count_bounded"] = {
            "type": "boolean",
            "description": gettext_lazy(
                "true when there are more rows than `count`, which then stops at %(bound)s"
            )
            % {"bound": f"{self.count_bound:,}"},
        }
        paginated["required"] = [*paginated.get("required", []), "count_bounded"]
        return paginated


class KeyedPagination(BoundedCountPagination):
    """Pages counted bounded and read keys first, with the count and the reader of a page's keys
    given by the view for each request from its selector (`count` as bounded_count reads it:
    the last page is the one holding row `count_bound + 1`; `keys` as KeysFirstPaginator's):
    review.selectors.inspections' pages, complaints.selectors.complaint_pages."""

    count: int
    keys: PageKeys | None = None

    def django_paginator_class(self, object_list: Any, per_page: int) -> KeysFirstPaginator:
        count = min(self.count, self.count_bound + 1)
        return KeysFirstPaginator(object_list, per_page, count=count, keys=self.keys)


# The largest primary key a URL may name (a bigint); a longer number is a 404 like any other.
MAX_PK = 2**63 - 1


def is_pk(value: Any) -> bool:
    """Whether `value` (from a URL) can be a primary key: ASCII digits only ("²" and "٣" are
    digits to str.isdigit but not to int() or the database), within a bigint."""
    text = str(value)
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_PK


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """An object's id in a request body: a positive integer the database can hold."""
    return serializers.IntegerField(min_value=1, max_value=MAX_PK, **kwargs)


def pk_or_404(value: Any) -> int:
    """A primary key from the URL: anything but ASCII digits is a 404, never a server error."""
    if not is_pk(value):
        raise NotFound
    return int(value)


class NotFoundUnless(permissions.BasePermission):
    """Endpoints that exist only for the users `allows` admits: to anyone else they are a 404,
    not a 403."""

    def allows(self, user: Any) -> bool:
        raise NotImplementedError

    def has_permission(self, request: Request, view: Any) -> bool:
        if not self.allows(request.user):
            raise NotFound
        return True


def api_exception_handler(exc, context):
    """A DomainError from a service becomes a 400 with the same message people see on pages;
    a rate limit's refusal (Limited) a 429."""
    if isinstance(exc, Limited):
        exc = Throttled(detail=exc.message)
    elif isinstance(exc, DomainError):
        exc = ValidationError({exc.field or "detail": [exc.message]})
    return exception_handler(exc, context)


def api_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The site's 404 (config.urls.handler404): under /api/ JSON as DRF answers it, so a path the
    URL resolver does not match (`/api/v1/merchants/1.5/`) gives the documented answer."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)
