"""Assured financial outlet (放心金融网点): the institution and the outlet."""

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from merchants.schemes.base import SchemeKind, clean_text, register


@register
class FinancialOutlet(SchemeKind):
    code = "financial_outlet"
    label = gettext_lazy("Assured financial outlet")
    order = 4
    required_details = ("institution", "outlet")

    def detail_fields(self) -> dict[str, forms.Field]:
        return {
            "institution": forms.CharField(
                label=gettext_lazy("Financial institution"), max_length=200, required=False
            ),
            "outlet": forms.CharField(label=gettext_lazy("Outlet"), max_length=200, required=False),
        }

    def clean_details(self, details: dict[str, Any]) -> dict[str, Any]:
        return clean_text(details, "institution", "outlet", max_length=200)

    def public_terms(self, details: dict[str, Any]) -> list[str]:
        institution, outlet = details.get("institution"), details.get("outlet")
        if not (institution or outlet):
            return []
        return [
            _("Outlet: %(institution)s %(outlet)s")
            % {"institution": institution or "", "outlet": outlet or ""}
        ]
