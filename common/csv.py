"""CSV for people's spreadsheets: every export writes through `writer`, which neutralises cells
a spreadsheet would run as a formula (OWASP "CSV injection").

A text cell starting with =, +, -, @, a tab or a carriage return gets a leading single quote, so
`=HYPERLINK("http://x","y")` is shown as text and never evaluated. Numbers (int, float, Decimal)
are written as they are, so a negative score stays a number.
"""

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

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
