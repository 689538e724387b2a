"""Counts a province-level page can afford: exact up to a bound, shown as "10,000+" past it.

A closed or decided history grows without end; its count is read with COUNT over a LIMIT
subquery, so it costs at most `bound + 1` index entries however large the history is.
"""

from django.db.models import QuerySet

COUNT_BOUND = 10_000


def bounded_count(queryset: QuerySet, bound: int = COUNT_BOUND) -> int:
    """How many rows, reading at most bound + 1 of them: `bound + 1` means "more than bound"."""
    return queryset.order_by().values("pk")[: bound + 1].count()


def count_text(count: int, bound: int | None = COUNT_BOUND) -> str:
    """A count as a tab shows it: "10,000+" past the bound it was read with (None: exact)."""
    return f"{bound:,}+" if bound is not None and count > bound else f"{count:,}"
