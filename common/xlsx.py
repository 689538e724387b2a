"""XLSX downloads, written with openpyxl in its write-only mode (constant memory, whatever the
number of rows) into a temporary file that is then sent in chunks.

Text cells go through common.csv.neutralise, as in every CSV export: a cell starting with =, +,
-, @, a tab or a carriage return is written with a leading single quote and is never a formula.
Characters a spreadsheet cannot hold (control characters other than tab and line breaks) are
dropped rather than refusing the whole file. Dates and times are real date cells.
"""

import re
import tempfile
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from common.csv import neutralise

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Kept in memory up to this size, then on disk.
SPOOL_BYTES = 8 * 1024 * 1024
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FORMATS = {datetime: "yyyy-mm-dd hh:mm", date: "yyyy-mm-dd"}
# Sheet titles: at most 31 characters, none of these.
_TITLE_ILLEGAL = re.compile(r"[\\/*?:\[\]]")


def _cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, date):  # datetime included
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = _FORMATS[datetime if isinstance(value, datetime) else date]
        return cell
    value = neutralise(value)
    if isinstance(value, str):
        value = _ILLEGAL.sub("", value)
    return value


def xlsx_file(header: list[Any], rows: Iterable[Iterable[Any]], *, title: str) -> Any:
    """The workbook written to a temporary file, positioned at its start."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_TITLE_ILLEGAL.sub(" ", title)[:31] or "Sheet")
    bold = Font(bold=True)
    heading = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=_cell(sheet, str(label)))
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    # Open past this function: the FileResponse closes it once sent.
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    book.save(out)
    out.seek(0)
    return out


def xlsx_response(
    header: list[Any], rows: Iterable[Iterable[Any]], *, filename: str, title: str
) -> FileResponse:
    response = FileResponse(
        xlsx_file(header, rows, title=title),
        as_attachment=True,
        filename=filename,
        content_type=CONTENT_TYPE,
    )
    return response
