"""The consumer's forms: finding the merchant, lodging a complaint, answering on the tracking
page."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.forms import BLANK, DATE_WIDGET, MultipleFileField, NoSuffixMixin
from common.phones import phone_normalise
from complaints.models import (
    MAX_AMOUNT,
    ComplaintCategory,
    ComplaintChannel,
    validate_purchase_date,
)
from complaints.services.complaints import MAX_EVIDENCE_FILES
from merchants.forms.regions import CountyChoiceField
from merchants.models import Merchant, Region

# The channels a coordinator or hotline operator records on their page (web and QR are the
# consumer's own).
STAFF_CHANNELS = [
    (value, label)
    for value, label in ComplaintChannel.choices
    if value not in (ComplaintChannel.WEB, ComplaintChannel.QR)
]


class MerchantSearchForm(NoSuffixMixin, forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Business name or credit code"), max_length=100, required=False
    )

    def __init__(self, *args: Any, counties: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"] = CountyChoiceField(
            counties=counties, label=_("County or district"), required=False
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("q") or "").strip() and not data.get("county"):
            raise ValidationError(_("Type a name or credit code, or choose a county."))
        return data


class ComplaintForm(NoSuffixMixin, forms.Form):
    """What the consumer types. The merchant, when known, comes from the URL, not the form."""

    business_name = forms.CharField(label=gettext_lazy("Business name"), max_length=200)
    business_address = forms.CharField(
        label=gettext_lazy("Business address"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Street and number, or a landmark nearby."),
    )
    category = forms.ChoiceField(
        label=gettext_lazy("What kind of problem"), choices=[BLANK, *ComplaintCategory.choices]
    )
    description = forms.CharField(
        label=gettext_lazy("What happened"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    amount = forms.DecimalField(
        label=gettext_lazy("Amount paid (yuan)"),
        required=False,
        min_value=0,
        max_value=MAX_AMOUNT,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    purchase_date = forms.DateField(
        label=gettext_lazy("Purchase date"),
        required=False,
        widget=DATE_WIDGET,
        validators=[validate_purchase_date],
    )
    wanted_outcome = forms.CharField(
        label=gettext_lazy("What you want"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("For example: a refund, a replacement, an apology."),
    )
    complainant_name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    complainant_phone = forms.CharField(
        label=gettext_lazy("Your phone"),
        max_length=30,
        widget=forms.TelInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    complainant_email = forms.EmailField(
        label=gettext_lazy("Your e-mail (optional)"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    consent_to_contact = forms.BooleanField(
        label=gettext_lazy("The regulator and the merchant may contact me about this complaint"),
        required=False,
    )
    evidence = MultipleFileField(
        label=gettext_lazy("Evidence (optional)"),
        required=False,
        help_text=gettext_lazy("Up to 5 files: photos (JPEG, PNG) or PDF, 10 MB each."),
    )
    confirm_duplicate = forms.BooleanField(
        label=gettext_lazy("Submit anyway: this is a different problem"), required=False
    )

    def __init__(
        self,
        *args: Any,
        merchant: Merchant | None,
        counties: list[Region],
        for_caller: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.merchant = merchant
        if for_caller:
            # A coordinator or hotline operator types what the caller says.
            self.fields["channel"] = forms.ChoiceField(
                label=_("How the complaint came in"), choices=[BLANK, *STAFF_CHANNELS]
            )
            self.fields["complainant_name"].label = _("Caller's name")
            self.fields["complainant_phone"].label = _("Caller's phone")
            self.fields["complainant_phone"].help_text = _(
                "The complaint's number and link are sent to it by SMS."
            )
            self.fields["complainant_email"].label = _("Caller's e-mail (optional)")
            self.fields["consent_to_contact"].label = _(
                "The caller agrees that the regulator and the merchant contact them"
            )
            self.order_fields(["channel"])
        if merchant is not None:
            del self.fields["business_name"], self.fields["business_address"]
        else:
            self.fields["county"] = CountyChoiceField(
                counties=counties, label=_("County or district of the business")
            )
            self.order_fields(["business_name", "business_address", "county"])

    def clean_complainant_phone(self) -> str:
        return phone_normalise(self.cleaned_data["complainant_phone"])

    def clean_evidence(self) -> list[Any]:
        files = self.cleaned_data["evidence"]
        if len(files) > MAX_EVIDENCE_FILES:
            raise ValidationError(
                _("Attach at most %(n)d evidence files.") % {"n": MAX_EVIDENCE_FILES}
            )
        return files


class ReasonForm(forms.Form):
    text = forms.CharField(max_length=5000, required=False)


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=[(n, str(n)) for n in range(1, 6)], coerce=int, label=gettext_lazy("Rating")
    )
    comment = forms.CharField(max_length=2000, required=False)
