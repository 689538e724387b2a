"""Fast bulk loading for generators and imports: COPY on PostgreSQL, bulk_create elsewhere.

Callers hand over plain tuples in a declared column order (attribute names such as
`merchant_id`), so one generator serves both databases.
"""

import csv
import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models


class IdAllocator:
    """Primary keys handed out before rows are written, so child rows can point at them."""

    def __init__(self) -> None:
        self._next: dict[type[models.Model], int] = {}

    def take(self, model: type[models.Model], n: int) -> list[int]:
        if n <= 0:
            return []
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, n],
                )
                return [row[0] for row in cursor.fetchall()]
            if model not in self._next:  # SQLite: the loading transaction holds the write lock
                cursor.execute(
                    f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}"
                )
                self._next[model] = cursor.fetchone()[0] + 1
        first = self._next[model]
        self._next[model] = first + n
        return list(range(first, first + n))


def bulk_write(
    model: type[models.Model],
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
    *,
    json_columns: Sequence[int] = (),
) -> int:
    """Insert the rows and return how many; `json_columns` are positions holding dicts/lists."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        columns, rows, json_columns = _with_defaults(model, columns, rows, json_columns)
    else:
        model._default_manager.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=1000
        )
        return len(rows)
    if json_columns:
        rows = [
            tuple(
                json.dumps(v, ensure_ascii=False) if i in json_columns else v
                for i, v in enumerate(r)
            )
            for r in rows
        ]
    buffer = io.StringIO()
    # CSV with QUOTE_NOTNULL: None becomes an unquoted empty field, which COPY reads as NULL.
    csv.writer(buffer, quoting=csv.QUOTE_NOTNULL, lineterminator="\n").writerows(rows)
    buffer.seek(0)
    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        "FROM STDIN WITH (FORMAT csv)"
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if hasattr(raw, "copy_expert"):  # psycopg2
            raw.copy_expert(sql, buffer)
        else:  # psycopg 3
            with raw.copy(sql) as copy:
                copy.write(buffer.getvalue())
    return len(rows)


def _with_defaults(
    model: type[models.Model],
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
    json_columns: Sequence[int],
) -> tuple[Sequence[str], list[tuple[Any, ...]], Sequence[int]]:
    """Add the model's fields the caller left out that have a default, or are text that may be
    blank (evaluated per row, as `Model()` would), so COPY never writes NULL into a column a
    newer migration added."""
    given = set(columns)
    extra = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key
        and f.attname not in given
        and (f.has_default() or (not f.null and f.empty_strings_allowed))
    ]
    if not extra:
        return columns, rows, json_columns
    start = len(columns)
    json_columns = [
        *json_columns,
        *(start + i for i, f in enumerate(extra) if isinstance(f, models.JSONField)),
    ]
    rows = [(*row, *(f.get_default() for f in extra)) for row in rows]
    return [*columns, *(f.attname for f in extra)], rows, json_columns


@contextmanager
def foreign_keys_suspended(tables: Sequence[type[models.Model]]) -> Iterator[None]:
    """Drop the tables' foreign keys for a load and add them back, validated, at the end.

    With Django's deferred foreign keys every loaded row queues a check that runs row by row at
    commit (about 20 s for a province). Re-adding a key checks all rows in one set-based query,
    as PostgreSQL's "Populating a Database" advises. Must run inside a transaction: DDL is
    transactional, so a failed load gets its keys back. The tables stay locked until commit.
    No-op on other databases.
    """
    if connection.vendor != "postgresql":
        yield
        return
    names = [model._meta.db_table for model in tables]
    with connection.cursor() as cursor:
        # Run the checks still pending for earlier writes now: a table with pending trigger
        # events cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [names],
        )
        keys = cursor.fetchall()
        for table, name, _definition in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )
