"""Assured shopping district (放心消费商圈): declared for its member merchants."""

from django.utils.translation import gettext_lazy as _

from merchants.schemes.base import SchemeKind, register


@register
class District(SchemeKind):
    code = "district"
    label = _("Assured shopping district")
    order = 5
    has_members = True
