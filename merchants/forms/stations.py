"""The liaison stations' forms: a station's facts and coordinators, the list's filter."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import ModelMultipleChoiceField, NoSuffixMixin
from merchants.forms.regions import CountyChoiceField
from merchants.models import Region, User
from merchants.services.stations import ADDRESS_MAX, HOURS_MAX, NAME_MAX


class CoordinatorChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.get_username()})"


class StationForm(NoSuffixMixin, forms.Form):
    """A new station (with its county) or a station's changes (its county stays)."""

    county = forms.ChoiceField(label=_("County"))
    name = forms.CharField(label=_("Village or community"), max_length=NAME_MAX)
    address = forms.CharField(label=_("Address"), max_length=ADDRESS_MAX)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        help_text=_("A mobile or a landline with its area code, such as 0571-87654321."),
    )
    opening_hours = forms.CharField(
        label=_("Opening hours"),
        max_length=HOURS_MAX,
        required=False,
        help_text=_("For example: Monday to Friday 9:00 to 17:00."),
    )
    coordinators = CoordinatorChoiceField(
        label=_("Coordinators"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Coordinators of the station's county; one may serve several stations."),
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("An inactive station is no longer shown to the public."),
    )

    def __init__(
        self, *args: Any, counties: list[Region] | None, coordinators: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if counties is None:
            del self.fields["county"]
        else:
            self.fields["county"] = CountyChoiceField(
                counties=counties, label=self.fields["county"].label
            )
            del self.fields["is_active"]
        self.fields["coordinators"].queryset = coordinators

    def facts(self) -> dict[str, Any]:
        """What station_create and station_update both take, from a valid form."""
        keys = ("name", "address", "phone", "opening_hours", "coordinators")
        return {key: self.cleaned_data[key] for key in keys}


class StationFilterForm(NoSuffixMixin, forms.Form):
    county = forms.ChoiceField(label=_("County"), required=False)
    active = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Inactive"))],
    )

    def __init__(self, *args: Any, counties: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"] = CountyChoiceField(
            counties=counties, label=self.fields["county"].label, required=False
        )


class PublicStationFilterForm(NoSuffixMixin, forms.Form):
    county = forms.ChoiceField(label=_("County"), required=False)

    def __init__(self, *args: Any, counties: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"] = CountyChoiceField(
            counties=counties, label=self.fields["county"].label, required=False
        )
