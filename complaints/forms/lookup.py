"""Finding a complaint again by its number and phone (complaints.services.lookup)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from common.forms import NoSuffixMixin


class LookupForm(NoSuffixMixin, forms.Form):
    """The number and phone; `with_code`: the code sent by SMS too, the pair then kept hidden."""

    number = forms.CharField(
        label=gettext_lazy("Complaint number"),
        max_length=24,
        help_text=gettext_lazy("As in the SMS or mail you received, e.g. 330106-2026-000123."),
    )
    phone = forms.CharField(
        label=gettext_lazy("Your phone"),
        max_length=30,
        widget=forms.TelInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text=gettext_lazy("The phone you gave with the complaint."),
    )

    def __init__(self, *args: Any, with_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_code:
            self.fields["number"].widget = forms.HiddenInput()
            self.fields["phone"].widget = forms.HiddenInput()
            self.fields["code"] = forms.RegexField(
                label=gettext_lazy("Code from the SMS"),
                regex=r"^[0-9]{6}$",
                error_messages={"invalid": gettext_lazy("Enter the 6 digits of the code.")},
                widget=forms.TextInput(
                    attrs={
                        "autocomplete": "one-time-code",
                        "inputmode": "numeric",
                        "maxlength": "6",
                    }
                ),
            )
