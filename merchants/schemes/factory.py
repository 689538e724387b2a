"""Assured factory (放心工厂): production licence and product categories."""

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from merchants.schemes.base import SchemeKind, clean_text, register, text_field


@register
class Factory(SchemeKind):
    code = "factory"
    label = gettext_lazy("Assured factory")
    order = 3
    required_details = ("production_licence", "product_categories")

    def detail_fields(self) -> dict[str, forms.Field]:
        return {
            "production_licence": forms.CharField(
                label=gettext_lazy("Production licence number"), max_length=50, required=False
            ),
            "product_categories": text_field(gettext_lazy("Product categories")),
        }

    def clean_details(self, details: dict[str, Any]) -> dict[str, Any]:
        return {
            **clean_text(details, "production_licence", max_length=50),
            **clean_text(details, "product_categories"),
        }

    def public_terms(self, details: dict[str, Any]) -> list[str]:
        terms: list[str] = []
        if categories := details.get("product_categories"):
            terms.append(_("Products: %(categories)s") % {"categories": categories})
        if licence := details.get("production_licence"):
            terms.append(_("Production licence: %(number)s") % {"number": licence})
        return terms
