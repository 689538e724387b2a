"""The forms of the merchant's complaint desk and the regulator's complaint queue."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from common.forms import BLANK, DATE_WIDGET, ModelChoiceField, NoSuffixMixin
from complaints.models import (
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ContactMethod,
    DeclineGround,
    Province,
    validate_contact_day,
)
from complaints.selectors.complaints import (
    QUEUE_SEARCH_MAX,
    ComplaintQueueFilters,
    ComplaintQueueTab,
    validate_queue_date,
    validate_queue_dates,
)
from complaints.selectors.handling import home_province_codes, transfer_counties
from merchants.forms.regions import CountyChoiceField
from merchants.models import Merchant, Region, User
from merchants.selectors import merchant_list

TEXT_MAX = 4000
AUTHORITY_MAX = 200
SEARCH_MAX = 100


def _text(label: Any, *, required_message: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX,
        strip=True,
        error_messages={"required": required_message},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QueueFilterForm(NoSuffixMixin, forms.Form):
    tab = forms.ChoiceField(
        choices=ComplaintQueueTab.choices, required=False, widget=forms.HiddenInput
    )
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=QUEUE_SEARCH_MAX,
        strip=True,
        help_text=gettext_lazy("Complaint number, phone, consumer's or business's name"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        required=False,
        choices=[BLANK, *ComplaintCategory.choices],
        error_messages={"invalid_choice": gettext_lazy("Choose a category from the list.")},
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        required=False,
        choices=[BLANK, *ComplaintChannel.choices],
        error_messages={"invalid_choice": gettext_lazy("Choose a channel from the list.")},
    )
    county = forms.ChoiceField(label=gettext_lazy("County"), required=False)
    submitted_from = forms.DateField(
        label=gettext_lazy("Submitted from"),
        required=False,
        widget=DATE_WIDGET,
        validators=[validate_queue_date],
        error_messages={"invalid": gettext_lazy("Enter a date such as 2026-03-15.")},
    )
    submitted_to = forms.DateField(
        label=gettext_lazy("Submitted to"),
        required=False,
        widget=DATE_WIDGET,
        validators=[validate_queue_date],
        error_messages={"invalid": gettext_lazy("Enter a date such as 2026-03-15.")},
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def __init__(self, *args: Any, counties: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"] = CountyChoiceField(
            counties=counties, label=self.fields["county"].label, required=False
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            validate_queue_dates(data.get("submitted_from"), data.get("submitted_to"))
        except ValidationError as error:
            self.add_error("submitted_to", error)
        return data

    def filters(self) -> ComplaintQueueFilters:
        data = self.cleaned_data
        return ComplaintQueueFilters(
            q=data["q"],
            category=data["category"],
            channel=data["channel"],
            region=data["county"],
            submitted_from=data["submitted_from"],
            submitted_to=data["submitted_to"],
            overdue=data["overdue"],
        )


class DeskFormMixin:
    """A form on a complaint's page, built with its reader and the complaint: some choices
    (the merchants one may link, the counties one may transfer to) depend on them."""

    def __init__(
        self,
        *args: Any,
        user: User | None = None,
        complaint: Complaint | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)


class DeclineForm(DeskFormMixin, NoSuffixMixin, forms.Form):
    ground = forms.ChoiceField(
        label=gettext_lazy("Legal ground"),
        choices=[BLANK, *DeclineGround.choices],
        error_messages={"required": gettext_lazy("Choose the legal ground for declining.")},
    )
    text = forms.CharField(
        label=gettext_lazy("Explanation (required for “Other”)"),
        required=False,
        max_length=TEXT_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SettleForm(DeskFormMixin, NoSuffixMixin, forms.Form):
    agreement = _text(
        gettext_lazy("Agreement"), required_message=gettext_lazy("Write down the agreement.")
    )


class MediationFailForm(DeskFormMixin, NoSuffixMixin, forms.Form):
    text = _text(
        gettext_lazy("Why mediation failed"),
        required_message=gettext_lazy("Say why mediation failed."),
    )


class ProposeForm(DeskFormMixin, NoSuffixMixin, forms.Form):
    proposal = _text(
        gettext_lazy("Settlement you propose"),
        required_message=gettext_lazy("Describe the settlement you propose."),
    )


class DisputeForm(DeskFormMixin, NoSuffixMixin, forms.Form):
    text = _text(
        gettext_lazy("Why you dispute the complaint"),
        required_message=gettext_lazy("Explain why you dispute the complaint."),
    )


class MessageForm(DeskFormMixin, NoSuffixMixin, forms.Form):
    text = _text(gettext_lazy("Message"), required_message=gettext_lazy("Write a message."))


# Handling paths: linking to a merchant, direct handling, transfers


class MerchantSearchForm(DeskFormMixin, NoSuffixMixin, forms.Form):
    """The search for a registered merchant to link the complaint to (a GET on its page)."""

    q = forms.CharField(
        label=gettext_lazy("Merchant's name or unified social credit code"),
        max_length=SEARCH_MAX,
        required=False,
        strip=True,
    )


class LinkMerchantForm(DeskFormMixin, NoSuffixMixin, forms.Form):
    merchant = ModelChoiceField(
        queryset=Merchant.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": gettext_lazy("Choose a merchant from the search results."),
            "invalid_choice": gettext_lazy(
                "Choose a merchant from the search results: one registered where you handle "
                "complaints."
            ),
        },
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if user is not None:
            self.fields["merchant"].queryset = merchant_list(user=user)


class HandleDirectlyForm(DeskFormMixin, NoSuffixMixin, forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        max_length=TEXT_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("E.g. the business is not on the platform; you will call it."),
    )


class ContactForm(DeskFormMixin, NoSuffixMixin, forms.Form):
    method = forms.ChoiceField(
        label=gettext_lazy("How"),
        choices=ContactMethod.choices,
        error_messages={"required": gettext_lazy("Choose how you were in contact.")},
    )
    contacted_on = forms.DateField(
        label=gettext_lazy("Date"),
        widget=DATE_WIDGET,
        validators=[validate_contact_day],
        error_messages={"required": gettext_lazy("Give the date of the contact.")},
    )
    summary = _text(
        gettext_lazy("What was said or agreed"),
        required_message=gettext_lazy("Write what was said or agreed."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contacted_on"].initial = timezone.localdate


class TransferForm(DeskFormMixin, NoSuffixMixin, forms.Form):
    county = forms.ChoiceField(label=gettext_lazy("County of the province"))
    reason = _text(
        gettext_lazy("Why it belongs there"),
        required_message=gettext_lazy("Say why the complaint belongs to the other county."),
    )

    def __init__(self, *args: Any, complaint: Complaint | None = None, **kwargs: Any) -> None:
        super().__init__(*args, complaint=complaint, **kwargs)
        counties = transfer_counties(complaint=complaint) if complaint is not None else []
        self.fields["county"] = CountyChoiceField(
            counties=counties,
            label=self.fields["county"].label,
            error_messages={"required": gettext_lazy("Choose the county.")},
        )


class TransferOutForm(DeskFormMixin, NoSuffixMixin, forms.Form):
    authority = forms.CharField(
        label=gettext_lazy("Authority"),
        max_length=AUTHORITY_MAX,
        strip=True,
        help_text=gettext_lazy("E.g. the market supervision bureau of Huangpu District, Shanghai."),
        error_messages={"required": gettext_lazy("Name the authority the complaint goes to.")},
    )
    province = forms.ChoiceField(
        label=gettext_lazy("Province"),
        error_messages={"required": gettext_lazy("Choose the province.")},
    )
    reason = _text(
        gettext_lazy("Why it goes there"),
        required_message=gettext_lazy("Say why the complaint goes outside the province."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        home = home_province_codes()
        self.fields["province"].choices = [
            BLANK,
            *((code, name) for code, name in Province.choices if code not in home),
        ]


class TransferRefuseForm(DeskFormMixin, NoSuffixMixin, forms.Form):
    reason = _text(
        gettext_lazy("Why your county does not take it"),
        required_message=gettext_lazy("Say why your county does not take the complaint."),
    )
