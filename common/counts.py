"""Counts a province-level page can afford: exact up to a bound, shown as "10,000+" past it.

A closed or decided history grows without end; its count is read with COUNT over a LIMIT
subquery, so it costs at most `bound + 1` index entries however large the history is.
"""

from django.db import connection
from django.db.models import QuerySet

COUNT_BOUND = 10_000


def _first_rows(queryset: QuerySet, bound: int) -> QuerySet:
    return queryset.order_by().values("pk")[: bound + 1]


def bounded_count(queryset: QuerySet, bound: int = COUNT_BOUND) -> int:
    """How many rows, reading at most bound + 1 of them: `bound + 1` means "more than bound"."""
    return _first_rows(queryset, bound).count()


def bounded_counts(querysets: list[QuerySet], bound: int = COUNT_BOUND) -> list[int]:
    """bounded_count of each queryset, all in one statement (a scalar subquery each)."""
    compiled = [_first_rows(qs, bound).query.sql_with_params() for qs in querysets]
    sql = "SELECT " + ", ".join(
        f"(SELECT COUNT(*) FROM ({part}) AS counted_{i})" for i, (part, _) in enumerate(compiled)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [param for _, params in compiled for param in params])
        return list(cursor.fetchone())


def count_text(count: int, bound: int | None = COUNT_BOUND) -> str:
    """A count as a tab shows it: "10,000+" past the bound it was read with (None: exact)."""
    return f"{bound:,}+" if bound is not None and count > bound else f"{count:,}"
