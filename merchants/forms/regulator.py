"""The filters of the regulator's merchant and declaration lists."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import BLANK, NoSuffixMixin, TranslatedNameChoiceField
from merchants import selectors
from merchants.forms.regions import CountyChoiceField
from merchants.models import DeclarationState, Industry, Region, Scheme


class MerchantFilterForm(NoSuffixMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Name or USCC")}),
    )
    county = forms.ChoiceField(label=_("County"), required=False)
    industry = forms.ChoiceField(
        label=_("Industry"), required=False, choices=[BLANK, *Industry.choices]
    )

    def __init__(self, *args: Any, counties: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"] = CountyChoiceField(
            counties=counties, label=self.fields["county"].label, required=False
        )


class DeclarationFilterForm(NoSuffixMixin, forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[BLANK, *DeclarationState.choices]
    )
    scheme = TranslatedNameChoiceField(
        label=_("Scheme"), required=False, queryset=Scheme.objects.none()
    )
    county = forms.ChoiceField(label=_("County"), required=False)

    def __init__(self, *args: Any, counties: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = selectors.scheme_list()
        self.fields["county"] = CountyChoiceField(
            counties=counties, label=self.fields["county"].label, required=False
        )
