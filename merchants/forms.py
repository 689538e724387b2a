"""HTML input validation for the merchant pages. Forms check input; services decide and save."""

from collections import defaultdict
from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.forms import (
    ACCEPTED_UPLOADS,
    BLANK,
    DATE_WIDGET,
    NoSuffixMixin,
    TranslatedNameChoiceField,
    TranslatedNameMultipleChoiceField,
)
from merchants import selectors
from merchants.models import (
    Declaration,
    DeclarationState,
    Industry,
    Membership,
    Merchant,
    Permit,
    Region,
    RequiredDocument,
    Scheme,
    User,
)
from merchants.services.declarations import document_field_name
from merchants.services.merchants import PROFILE_FIELDS, PermitData
from merchants.validators import validate_uscc

# Accounts


class SignUpForm(NoSuffixMixin, UserCreationForm):
    role = forms.ChoiceField(
        label=_("I am"),
        choices=[
            (User.Role.CONSUMER, _("a consumer")),
            (User.Role.MERCHANT, _("a merchant operator: I will register a merchant or join one")),
        ],
        initial=User.Role.CONSUMER,
        widget=forms.RadioSelect,
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "phone")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["phone"].widget = forms.TelInput(attrs={"autocomplete": "tel"})


# Regions


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

    def __init__(self, *, counties: list[Region], **kwargs: Any) -> None:
        super().__init__(choices=county_choices(counties), **kwargs)
        self.counties = {c.code: c for c in counties}

    def clean(self, value: Any) -> Region | None:
        code = super().clean(value)
        return self.counties.get(code) if code else None


# Merchants


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
    licence_valid_from = forms.DateField(label=_("Business licence valid from"), widget=DATE_WIDGET)
    licence_valid_until = forms.DateField(
        label=_("Business licence valid until"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Leave empty for a licence without an end date."),
    )
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=20,
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
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE_WIDGET)


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
    PermitForm, formset=BasePermitFormSet, extra=2, can_delete=True, max_num=50
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


class InvitationForm(NoSuffixMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.STAFF
    )


# Declarations


class DeclarationCreateForm(NoSuffixMixin, forms.Form):
    scheme = TranslatedNameChoiceField(
        label=_("Scheme"),
        queryset=Scheme.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = selectors.scheme_list(active_only=True)


def declaration_detail_rows(declaration: Declaration) -> list[tuple[str, Any]]:
    """(label, value) pairs of the scheme's extra fields, for the detail page."""
    return [
        (field.label, declaration.details.get(name))
        for name, field in declaration.scheme.spec.detail_fields().items()
    ]


def _parse_usccs(text: str) -> list[str]:
    codes, problems = [], []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            codes.append(validate_uscc(line))
        except ValidationError as exc:
            problems.append(
                ValidationError(
                    _("%(code)s: %(problem)s") % {"code": line, "problem": exc.messages[0]}
                )
            )
    if problems:
        raise ValidationError(problems)
    return list(dict.fromkeys(codes))


class DeclarationForm(NoSuffixMixin, forms.Form):
    """The content of a declaration: commitments, the scheme's fields and one file per document."""

    commitments = TranslatedNameMultipleChoiceField(
        label=_("Commitments"),
        queryset=Scheme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick each commitment you accept."),
    )
    member_usccs = forms.CharField(
        label=_("Member merchants"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=_(
            "The unified social credit codes of the district's merchants, one per line. "
            "Each must be registered on the platform."
        ),
    )

    def __init__(self, *args: Any, declaration: Declaration, **kwargs: Any) -> None:
        self.declaration = declaration
        scheme = declaration.scheme
        kwargs.setdefault(
            "initial",
            {
                **declaration.details,
                "commitments": [c.pk for c in declaration.accepted_commitments.all()],
                "member_usccs": "\n".join(m.uscc for m in declaration.member_merchants.all()),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["commitments"].queryset = scheme.commitments.all()
        if not scheme.spec.has_members:
            del self.fields["member_usccs"]
        detail_fields = scheme.spec.detail_fields()
        self.detail_names = list(detail_fields)
        self.fields.update(detail_fields)
        self.documents = list(scheme.required_documents.all())
        for doc in self.documents:
            self.fields[self.document_field(doc.pk)] = forms.FileField(
                label=doc.display_name,
                required=False,
                help_text=_("Required.") if doc.is_mandatory else _("Optional."),
                widget=forms.FileInput(attrs={"accept": ACCEPTED_UPLOADS}),
            )

    @staticmethod
    def document_field(required_document_pk: int) -> str:
        return document_field_name(RequiredDocument(pk=required_document_pk))

    def clean_member_usccs(self) -> list[Merchant]:
        codes = _parse_usccs(self.cleaned_data["member_usccs"])
        found = {m.uscc: m for m in selectors.merchant_list_by_uscc(usccs=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise ValidationError(
                _("No merchant is registered with these codes: %(codes)s")
                % {"codes": ", ".join(unknown)}
            )
        return [found[c] for c in codes]

    def details(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.detail_names}

    def member_merchants(self) -> list[Merchant] | None:
        return self.cleaned_data.get("member_usccs") if "member_usccs" in self.fields else None

    def uploads(self) -> list[tuple[RequiredDocument, Any]]:
        """(required document, uploaded file) for each file chosen."""
        uploads = (
            (doc, self.cleaned_data.get(self.document_field(doc.pk))) for doc in self.documents
        )
        return [(doc, upload) for doc, upload in uploads if upload]

    def detail_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.detail_names]


class WithdrawForm(NoSuffixMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# Regulator list filters


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
