"""How a figure of the cockpit is written in a table cell, by its column's kind."""

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def figure(value: Any, kind: str = "int") -> str:
    if value is None or value == "":
        return "—" if kind not in ("text", "month") else ""
    if kind == "rate":
        return number_format(Decimal(value) * 100, 1) + "%"
    if kind in ("money", "decimal") or isinstance(value, Decimal | float):
        return number_format(value, 2, force_grouping=True)
    if isinstance(value, int) and not isinstance(value, bool):
        return number_format(value, 0, force_grouping=True)
    return str(value)
