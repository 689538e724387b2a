"""The merchant's profile, its permits and its staff invitations."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.forms import BLANK, DATE_WIDGET, NoSuffixMixin
from common.phones import validate_phone
from merchants import selectors
from merchants.forms.regions import CountyChoiceField
from merchants.models import Industry, Membership, Merchant, Permit, Region
from merchants.services.merchants import PROFILE_FIELDS, PermitData
from merchants.validators import (
    MAX_PERMITS,
    validate_licence_date,
    validate_uscc,
)


class MerchantProfileForm(NoSuffixMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=50)
    address = forms.CharField(label=_("Address"), max_length=300)
    city = forms.ChoiceField(
        label=_("City"),
        required=False,
        help_text=_("Choose the city first to shorten the list of counties."),
    )
    region = forms.ChoiceField(label=_("County or district"))
    industry = forms.ChoiceField(label=_("Industry"), choices=[BLANK, *Industry.choices])
    licence_valid_from = forms.DateField(
        label=_("Business licence valid from"),
        widget=DATE_WIDGET,
        validators=[validate_licence_date],
    )
    licence_valid_until = forms.DateField(
        label=_("Business licence valid until"),
        required=False,
        validators=[validate_licence_date],
        widget=DATE_WIDGET,
        help_text=_("Leave empty for a licence without an end date."),
    )
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=20,
        validators=[validate_phone],
        widget=forms.TelInput(attrs={"autocomplete": "tel"}),
    )

    profile_fields = PROFILE_FIELDS

    def __init__(self, *args: Any, merchant: Merchant | None = None, **kwargs: Any) -> None:
        if merchant is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{f: getattr(merchant, f) for f in self.profile_fields if f != "region"},
                    "region": merchant.region_id,
                    "city": merchant.region.parent_id,
                },
            )
        super().__init__(*args, **kwargs)
        regions = list(selectors.region_list())
        counties = [r for r in regions if r.level == Region.Level.COUNTY]
        self.fields["city"].choices = [BLANK] + [
            (r.code, r.name) for r in regions if r.level == Region.Level.CITY
        ]
        self.fields["region"] = CountyChoiceField(
            counties=counties, label=self.fields["region"].label
        )
        # static/js/region-select.js narrows the county list to the chosen city.
        self.fields["city"].widget.attrs["data-filters"] = self["region"].auto_id
        self.order_fields(["uscc", *self.profile_fields[:3], "city"])
        if merchant is not None:
            # The county changes only through a request the receiving county decides.
            self.fields["city"].disabled = True
            self.fields["region"].disabled = True
            self.fields["region"].help_text = _(
                "To move to another county, request a county change from the merchant's page."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        city, county = data.get("city"), data.get("region")
        if city and county and county.parent_id != city:
            self.add_error("region", _("This county is not in the chosen city."))
        start, until = data.get("licence_valid_from"), data.get("licence_valid_until")
        if start and until and until < start:
            self.add_error(
                "licence_valid_until", _("The licence cannot end before it becomes valid.")
            )
        return data

    def profile(self) -> dict[str, Any]:
        return {f: self.cleaned_data[f] for f in self.profile_fields}


class MerchantRegisterForm(MerchantProfileForm):
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        help_text=_("The 18-character code on the business licence."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )

    def clean_uscc(self) -> str:
        return validate_uscc(self.cleaned_data["uscc"])


class PermitForm(NoSuffixMixin, forms.Form):
    permit_type = forms.ChoiceField(label=_("Permit type"), choices=[BLANK, *Permit.Type.choices])
    number = forms.CharField(label=_("Permit number"), max_length=50)
    valid_until = forms.DateField(
        label=_("Valid until"), widget=DATE_WIDGET, validators=[validate_licence_date]
    )


class BasePermitFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        seen = set()
        for permit in self.permits():
            key = (permit["permit_type"], permit["number"])
            if key in seen:
                raise ValidationError(_("The same permit is listed twice."))
            seen.add(key)

    def permits(self) -> list[PermitData]:
        return [
            PermitData(
                permit_type=f.cleaned_data["permit_type"],
                number=f.cleaned_data["number"].strip(),
                valid_until=f.cleaned_data["valid_until"],
            )
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


PermitFormSet = forms.formset_factory(
    PermitForm,
    formset=BasePermitFormSet,
    extra=2,
    can_delete=True,
    max_num=MAX_PERMITS,
    validate_max=True,
    absolute_max=MAX_PERMITS + 10,
)


def permit_formset(data: Any = None, *, merchant: Merchant | None = None) -> BasePermitFormSet:
    initial = (
        [
            {"permit_type": p.permit_type, "number": p.number, "valid_until": p.valid_until}
            for p in merchant.permits.all()
        ]
        if merchant is not None
        else None
    )
    return PermitFormSet(data, initial=initial, prefix="permits")


class CountyChangeRequestForm(NoSuffixMixin, forms.Form):
    to_region = forms.ChoiceField(label=_("New county or district"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why the merchant moves, e.g. its new address. The new county decides."),
    )

    def __init__(self, *args: Any, merchant: Merchant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        counties = [
            r
            for r in selectors.region_list()
            if r.level == Region.Level.COUNTY and r.pk != merchant.region_id
        ]
        self.fields["to_region"] = CountyChoiceField(
            counties=counties, label=self.fields["to_region"].label
        )


class CountyChangeDecisionForm(NoSuffixMixin, forms.Form):
    note = forms.CharField(
        label=_("Note to the merchant"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InvitationForm(NoSuffixMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.STAFF
    )
