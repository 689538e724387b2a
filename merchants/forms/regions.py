"""Choosing a region: counties grouped under their city, for every app's forms."""

from collections import defaultdict
from typing import Any

from django import forms

from common.forms import BLANK, QuickSelect
from merchants.models import Region


def _regions_by_city(
    counties: list[Region],
) -> list[tuple[Region, list[Region]]]:
    by_city: dict[str, list[Region]] = defaultdict(list)
    cities: dict[str, Region] = {}
    for county in counties:
        by_city[county.parent_id].append(county)
        cities[county.parent_id] = county.parent
    return [(cities[code], by_city[code]) for code in sorted(by_city)]


def county_choices(counties: list[Region]) -> list[tuple[str, Any]]:
    """Counties grouped under their city (<optgroup>), so one select works without JS."""
    return [BLANK] + [
        (city.name, [(c.code, c.name) for c in group]) for city, group in _regions_by_city(counties)
    ]


class CountyChoiceField(forms.ChoiceField):
    """A county chosen from a grouped list; cleans to the Region."""

    widget = QuickSelect  # a province's ~90 counties: Django's templates took 6 ms a page

    def __init__(self, *, counties: list[Region], **kwargs: Any) -> None:
        super().__init__(choices=county_choices(counties), **kwargs)
        self.counties = {c.code: c for c in counties}

    def clean(self, value: Any) -> Region | None:
        code = super().clean(value)
        return self.counties.get(code) if code else None
