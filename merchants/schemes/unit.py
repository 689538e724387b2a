"""Assured consumption unit (放心消费单位): commitments and documents only, no extra fields."""

from django.utils.translation import gettext_lazy as _

from merchants.schemes.base import SchemeKind, register


@register
class Unit(SchemeKind):
    code = "unit"
    label = _("Assured consumption unit")
    order = 1
