"""CSV for people's spreadsheets: every export writes through `writer`, which neutralises cells
a spreadsheet would run as a formula (OWASP "CSV injection"); common.xlsx uses the same
`neutralise` for its cells.

A text cell starting with =, +, -, @, a tab or a carriage return gets a leading single quote, so
`=HYPERLINK("http://x","y")` is shown as text and never evaluated. Numbers (int, float, Decimal)
are written as they are, so a negative score stays a number.
"""

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import translation

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """The cell as it may be written: numbers untouched, formula-like text quoted."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class SafeWriter:
    """`csv.writer` with every cell neutralised; `writerow` returns what the file's `write` does
    (so a streaming echo buffer yields the line)."""

    def __init__(self, f: Any, *args: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(f, *args, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(f: Any, *args: Any, **kwargs: Any) -> SafeWriter:
    return SafeWriter(f, *args, **kwargs)


class _Echo:
    """A file whose `write` hands the line back, for streaming."""

    def write(self, value: str) -> str:
        return value


def _lines(header: list[Any], rows: Iterable[Iterable[Any]], language: str) -> Iterator[str]:
    # The rows are read while the response is sent, after the view has returned: in the
    # request's language still (labels, region names).
    with translation.override(language):
        out = writer(_Echo())
        # The byte order mark tells Excel the file is UTF-8 (Chinese names stay readable).
        yield "\ufeff" + out.writerow(header)
        for row in rows:
            yield out.writerow(row)


def csv_response(
    header: list[Any], rows: Iterable[Iterable[Any]], *, filename: str
) -> StreamingHttpResponse:
    """A download streamed as it is written: a large list is never held in memory."""
    response = StreamingHttpResponse(
        _lines(header, rows, translation.get_language() or "en"),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
