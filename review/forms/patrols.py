"""The unscheduled visits' forms: a coordinator's new visit, the list's filters."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from common.api import MAX_PK
from common.forms import (
    DATE_WIDGET,
    ModelChoiceField,
    MultipleFileField,
    MultipleFileInput,
    NoSuffixMixin,
)
from merchants.forms.regions import CountyChoiceField
from merchants.models import Merchant, Region, Station
from review.forms.inspections import ACCEPTED_PHOTOS
from review.models import PATROL_PLACE_MAX, PATROL_TEXT_MAX, validate_patrol_day


class PatrolForm(NoSuffixMixin, forms.Form):
    station = ModelChoiceField(
        label=_("Liaison station"),
        queryset=Station.objects.none(),
        required=False,
        help_text=_("The station you went out from, if any."),
    )
    merchant = ModelChoiceField(
        label=_("Merchant"),
        queryset=Merchant.objects.none(),
        required=False,
        help_text=_("A registered merchant of your county; otherwise name the place below."),
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=PATROL_PLACE_MAX,
        required=False,
        help_text=_("A market, a street, a business not on the platform …"),
    )
    visited_on = forms.DateField(
        label=_("Date of the visit"), widget=DATE_WIDGET, validators=[validate_patrol_day]
    )
    findings = forms.CharField(
        label=_("Findings of the visit"),
        max_length=PATROL_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPTED_PHOTOS, "capture": "environment"}),
        help_text=_("Up to 10 photos, JPEG or PNG; their location data is removed."),
    )

    def __init__(self, *args: Any, stations: Any, merchants: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
        self.fields["merchant"].queryset = merchants

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("merchant") and not (data.get("place") or "").strip():
            self.add_error("place", _("Name the merchant or the place visited."))
        return data


class PatrolFilterForm(NoSuffixMixin, forms.Form):
    county = forms.ChoiceField(label=_("County"), required=False)
    station = ModelChoiceField(
        label=_("Liaison station"), queryset=Station.objects.none(), required=False
    )
    merchant = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_PK, widget=forms.HiddenInput
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=DATE_WIDGET, validators=[validate_patrol_day]
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=DATE_WIDGET, validators=[validate_patrol_day]
    )

    def __init__(self, *args: Any, counties: list[Region], stations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"] = CountyChoiceField(
            counties=counties, label=self.fields["county"].label, required=False
        )
        self.fields["station"].queryset = stations
