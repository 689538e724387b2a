"""A hot read compiled to SQL once and run again with another value: for a read whose query is
the same on every request but for one value (the public store page and its code), building and
compiling it with the ORM costs several times what the database takes to run it.

`values_compiled(build, *args)` compiles the `values()` queryset `build(*args)` returns, once per
arguments, database and active time zone (date lookups put its name in the SQL). The values that
change are `Slot`s in the filter: `build` writes `filter(public_code=Slot())` (several slots
need distinct names, `Slot("a")`, `Slot("b")`: an `__in` list drops equal values), and
`.first(code)` runs the SQL with the values in the slots' places, in their order in the SQL,
converting the columns as the ORM would (dates, JSON), and returns the first row as a dict of
the values' names, or None; `.rows(…)` returns every row.
"""

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Expression, QuerySet
from django.utils import timezone


class Slot(str):
    """The place of the value a compiled query is run with (a string column's value: the
    field keeps a str subclass as it is, so it reaches the parameters unchanged)."""

    __slots__ = ()


@dataclass(frozen=True)
class CompiledValues:
    sql: str
    params: tuple[Any, ...]
    names: tuple[str, ...]
    columns: tuple[Expression, ...]
    using: str

    def rows(self, *values: str) -> list[dict[str, Any]]:
        connection = connections[self.using]
        slotted = iter(values)
        params = [next(slotted) if isinstance(p, Slot) else p for p in self.params]
        if next(slotted, None) is not None:
            raise ValueError("More values than slots.")
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        converters = _converters(self, connection)
        found = []
        for row in fetched:
            values_of_row = dict(zip(self.names, row, strict=True))
            for name, column, convert_all in converters:
                for convert in convert_all:
                    values_of_row[name] = convert(values_of_row[name], column, connection)
            found.append(values_of_row)
        return found

    def first(self, *values: str) -> dict[str, Any] | None:
        found = self.rows(*values)
        return found[0] if found else None


Converters = list[tuple[str, Expression, list[Callable[..., Any]]]]


@lru_cache(maxsize=64)
def _converters(compiled: CompiledValues, connection: Any) -> Converters:
    """The columns that need converting (dates, JSON, …) and their converters, as the ORM would
    apply them: asked of the fields once per compiled query and connection, not per run."""
    ops = connection.ops
    converters = [
        (name, column, [*ops.get_db_converters(column), *column.get_db_converters(connection)])
        for name, column in zip(compiled.names, compiled.columns, strict=True)
    ]
    return [converter for converter in converters if converter[2]]


Build = Callable[..., QuerySet[Any]]


@lru_cache(maxsize=32)
def _compiled(build: Build, args: tuple[Hashable, ...], using: str, tzname: str) -> CompiledValues:
    query = build(*args).query
    compiler = query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    if not any(isinstance(p, Slot) for p in params):
        raise ValueError("A compiled query takes its values in at least one Slot.")
    names = query.selected or (*query.extra_select, *query.values_select, *query.annotation_select)
    columns = tuple(expression for expression, _sql, _alias in compiler.select)
    return CompiledValues(sql, tuple(params), tuple(names), columns, using)


def values_compiled(build: Build, *args: Hashable, using: str = DEFAULT_DB_ALIAS) -> CompiledValues:
    return _compiled(build, args, using, timezone.get_current_timezone_name())
