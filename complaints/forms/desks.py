"""The forms of the merchant's complaint desk and the regulator's complaint queue."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from common.forms import BLANK, NoSuffixMixin
from complaints.models import ComplaintCategory, DeclineGround
from complaints.selectors.complaints import ComplaintQueueFilters, ComplaintQueueTab
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
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        required=False,
        choices=[BLANK, *ComplaintCategory.choices],
    )
    county = forms.ChoiceField(label=gettext_lazy("County"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def __init__(self, *args: Any, counties: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"] = CountyChoiceField(
            counties=counties, label=self.fields["county"].label, required=False
        )

    def filters(self) -> ComplaintQueueFilters:
        data = self.cleaned_data
        return ComplaintQueueFilters(
            category=data["category"], region=data["county"], overdue=data["overdue"]
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
