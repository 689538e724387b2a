"""The public search form, shared by the search page and the open API."""

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from common.forms import BLANK, NoSuffixMixin
from merchants import selectors
from merchants.models import Region
from merchants.validators import validate_uscc


def region_choices(regions: list[Region]) -> list[tuple[str, Any]]:
    """Cities, each followed by its counties (<optgroup> per city): a city code finds the
    merchants of all its counties."""
    counties: dict[str, list[Region]] = {}
    for region in regions:
        if region.level == Region.Level.COUNTY:
            counties.setdefault(region.parent_id, []).append(region)
    return [BLANK] + [
        (
            city.name,
            [
                (city.code, _("All of %(city)s") % {"city": city.name}),
                *((c.code, c.name) for c in counties.get(city.code, [])),
            ],
        )
        for city in regions
        if city.level == Region.Level.CITY
    ]


def star_choices() -> list[tuple[str, str]]:
    """Built per form: the labels are in the visitor's language."""
    return [BLANK] + [
        (str(n), ngettext("At least %(stars)d star", "At least %(stars)d stars", n) % {"stars": n})
        for n in range(1, 6)
    ]


class StoreSearchForm(NoSuffixMixin, forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("All or part of the business name."),
    )
    uscc = forms.CharField(
        label=gettext_lazy("Unified social credit code"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("All 18 characters, as printed on the business licence."),
    )
    region = forms.ChoiceField(label=gettext_lazy("City or county"), required=False)
    scheme = forms.ChoiceField(label=gettext_lazy("Scheme"), required=False)
    min_stars = forms.TypedChoiceField(
        label=gettext_lazy("Star rating"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=gettext_lazy("The assured consumption star rating, from 1 to 5 stars."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.regions = {
            region.code: region
            for region in selectors.region_list().exclude(level=Region.Level.PROVINCE)
        }
        self.fields["region"].choices = region_choices(list(self.regions.values()))
        self.fields["min_stars"].choices = star_choices()
        self.fields["scheme"].choices = [BLANK] + [
            (s.code, s.display_name)
            for s in selectors.scheme_list().prefetch_related(None).only("code", "name", "name_en")
        ]

    def clean_uscc(self) -> str:
        value = self.cleaned_data["uscc"].strip()
        return validate_uscc(value) if value else ""

    def clean_q(self) -> str:
        return self.cleaned_data["q"].strip()

    def clean_region(self) -> Region | None:
        # A city finds every county under it.
        return self.regions.get(self.cleaned_data["region"])

    def has_filters(self) -> bool:
        return self.is_bound and any(
            (self.data.get(name) or "").strip()
            for name in ("q", "uscc", "region", "scheme", "min_stars")
        )

    def search_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "q": data["q"],
            "uscc": data["uscc"],
            "region": data["region"],
            "scheme_code": data["scheme"],
            "min_stars": data["min_stars"],
        }
