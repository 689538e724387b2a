"""A small per-row list folded into the outer row as one JSON array: a correlated subquery
(filter on `OuterRef`) whose rows, in the queryset's order, become JSON objects. A page that
shows a few short lists of one object reads them with that object in one query.

SQLite (3.40: no ORDER BY inside an aggregate) and PostgreSQL both aggregate the rows of the
ordered subquery in the order it gives them; the tests that use it check the order.
"""

from typing import Any

from django.db import NotSupportedError
from django.db.models import JSONField, QuerySet, Subquery
from django.db.models.functions import JSONObject

ROW = "json_row"


class JSONRows(Subquery):
    """`JSONRows(Permit.objects.filter(merchant=OuterRef("pk")).order_by("number"),
    number="number", until="valid_until")` is `[{"number": …, "until": …}, …]`, `[]` when
    there is none. Values are JSON: dates are ISO strings; a JSONField inside reads back as text
    on SQLite. Nests: a value may itself be a JSONRows on an inner OuterRef."""

    output_field = JSONField()

    def __init__(self, queryset: QuerySet[Any], **fields: Any) -> None:
        super().__init__(queryset.values(**{ROW: JSONObject(**fields)}))

    def as_sql(self, *args: Any, **kwargs: Any) -> Any:
        raise NotSupportedError("JSONRows is written for SQLite and PostgreSQL.")

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        # JSON(…) marks the text as JSON again: a value that crossed a subquery is plain text.
        template = (
            f'JSON((SELECT JSON_GROUP_ARRAY(JSON("json_rows"."{ROW}")) '
            'FROM (%(subquery)s) "json_rows"))'
        )
        return super().as_sql(compiler, connection, template=template, **extra_context)

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        template = (
            f'(SELECT COALESCE(JSONB_AGG("json_rows"."{ROW}"), \'[]\'::jsonb) '
            'FROM (%(subquery)s) "json_rows")'
        )
        return super().as_sql(compiler, connection, template=template, **extra_context)
