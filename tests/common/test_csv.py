"""common.csv: the one CSV writer of every export (issue 14, finding 8)."""

import csv
import io
from decimal import Decimal

import pytest

from common import csv as safe_csv


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("西湖茶楼", "西湖茶楼"),
        ("a=b", "a=b"),
        (-5, "-5"),
        (Decimal("-1.50"), "-1.50"),
        (3.25, "3.25"),
        (None, ""),
    ],
)
def test_formulas_are_quoted_and_numbers_stay_numbers(cell, written):
    out = io.StringIO()
    safe_csv.writer(out).writerow([cell])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == [written]
