"""Counter rows bumped by one upsert: `INSERT … ON CONFLICT (keys) DO UPDATE SET n = n + step
RETURNING keys, n` (PostgreSQL, SQLite ≥ 3.35). Atomic under any concurrency: each caller gets
its own new value, and the rows it touched stay locked until its transaction ends, so callers
put the bump last in their transaction. Used by the rate limits (common/limits.py) and the
complaint numbers (complaints/services/numbers.py)."""

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def counters_upsert_sql(
    model: type[models.Model], *, keys: Sequence[str], field: str, rows: int = 1
) -> str:
    """The upsert of counters_add for `rows` rows: its parameters are each row's keys and step,
    then the step again. For a caller that puts it in a statement of its own (a CTE)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [quote(model._meta.get_field(key).column) for key in keys]
    counted = quote(model._meta.get_field(field).column)
    marks = ", ".join([f"({', '.join(['%s'] * (len(keys) + 1))})"] * rows)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}, {counted}) VALUES {marks} "
        f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET {counted} = {table}.{counted} + %s "
        f"RETURNING {', '.join(columns)}, {counted}"
    )


def counters_add(
    model: type[models.Model],
    *,
    keys: Sequence[str],
    rows: Sequence[Sequence[Any]],
    field: str,
    step: int = 1,
) -> dict[tuple[Any, ...], int]:
    """Add `step` to `field` of each row named by its `keys` columns (a new row starts at
    `step`); the new values by key. Give rows in one order everywhere: two callers bumping the
    same rows then never wait on each other crosswise."""
    with connection.cursor() as cursor:
        cursor.execute(
            counters_upsert_sql(model, keys=keys, field=field, rows=len(rows)),
            [*(value for row in rows for value in (*row, step)), step],
        )
        return {tuple(found[:-1]): found[-1] for found in cursor.fetchall()}
