"""The statements a block ran, as written: on PostgreSQL the intake's statements are prepared
once per session (common.prepared), so the captured text of a run is `EXECUTE acp_prepared_N(…)`;
this reads back what each name stands for."""

import re
from typing import Any

from django.db import connection

EXECUTE = re.compile(r"^EXECUTE (acp_prepared_\d+)\b")


def statements_run(captured: Any) -> list[str]:
    """The SQL of each captured query (CaptureQueriesContext), prepared ones by their text."""
    prepared: dict[str, str] = {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, statement FROM pg_prepared_statements")
            prepared = {name: re.sub(r"^PREPARE \S+ AS ", "", text) for name, text in cursor}
    texts = []
    for query in captured:
        found = EXECUTE.match(query["sql"])
        texts.append(prepared[found.group(1)] if found else query["sql"])
    return texts
