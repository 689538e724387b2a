"""Server-side prepared statements for a hot read on PostgreSQL: inside `prepared_statements()`
each query is prepared once per database session (PREPARE) and then run by name (EXECUTE), so
the server stops planning it on every request; after five runs PostgreSQL keeps a generic plan
when it costs no more than the custom ones. For a query of many small subqueries (the public
store page) planning is most of the server's time: ~4.8 ms of planning against ~1.0 ms of
execution, under load.

Sessions live as long as the connection (CONN_MAX_AGE); a statement prepared inside a
transaction that is rolled back stays prepared. Not for a transaction-pooling proxy (PgBouncer
in transaction mode hands each transaction another session). Elsewhere than PostgreSQL this does
nothing.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

# Django writes parameters as %s and a literal percent sign as %%.
_PLACEHOLDER = re.compile(r"%[s%]")
# Statements kept per session, at most: beyond, a query is run as it is.
MAX_PREPARED = 50


def _positional(sql: str) -> str:
    numbers = iter(range(1, 1 << 16))
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)


def _session_statements(wrapper: Any) -> dict[str, str]:
    """The names of the statements prepared in the wrapper's current session: a new connection
    (a reconnection) starts with none."""
    state = getattr(wrapper, "_prepared_statements", None)
    if state is None or state[0] is not wrapper.connection:
        state = (wrapper.connection, {})
        wrapper._prepared_statements = state
    return state[1]


def _execute_prepared(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    if many or not isinstance(params, list | tuple):
        return execute(sql, params, many, context)
    statements = _session_statements(context["connection"])
    name = statements.get(sql)
    if name is None:
        if len(statements) >= MAX_PREPARED:
            return execute(sql, params, many, context)
        name = f"acp_prepared_{len(statements) + 1}"
        execute(f"PREPARE {name} AS {_positional(sql)}", None, False, context)
        statements[sql] = name
    arguments = f"({', '.join(['%s'] * len(params))})" if params else ""
    return execute(f"EXECUTE {name}{arguments}", params, many, context)


@contextmanager
def prepared_statements(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.execute_wrapper(_execute_prepared):
        yield
