"""The forms of the merchant's complaint desk and the regulator's complaint queue."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from common.forms import BLANK, DATE_WIDGET, NoSuffixMixin
from complaints.models import ComplaintCategory, ComplaintChannel, DeclineGround
from complaints.selectors.complaints import (
    QUEUE_SEARCH_MAX,
    ComplaintQueueFilters,
    ComplaintQueueTab,
    validate_queue_date,
    validate_queue_dates,
)
from merchants.forms.regions import CountyChoiceField
from merchants.models import Region

TEXT_MAX = 4000


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


class DeclineForm(NoSuffixMixin, forms.Form):
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


class SettleForm(NoSuffixMixin, forms.Form):
    agreement = _text(
        gettext_lazy("Agreement"), required_message=gettext_lazy("Write down the agreement.")
    )


class MediationFailForm(NoSuffixMixin, forms.Form):
    text = _text(
        gettext_lazy("Why mediation failed"),
        required_message=gettext_lazy("Say why mediation failed."),
    )


class ProposeForm(NoSuffixMixin, forms.Form):
    proposal = _text(
        gettext_lazy("Settlement you propose"),
        required_message=gettext_lazy("Describe the settlement you propose."),
    )


class DisputeForm(NoSuffixMixin, forms.Form):
    text = _text(
        gettext_lazy("Why you dispute the complaint"),
        required_message=gettext_lazy("Explain why you dispute the complaint."),
    )


class MessageForm(NoSuffixMixin, forms.Form):
    text = _text(gettext_lazy("Message"), required_message=gettext_lazy("Write a message."))
