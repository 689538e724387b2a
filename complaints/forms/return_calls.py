"""The handler's return-call form, on the regulator's page of a closed complaint."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import BLANK, NoSuffixMixin
from complaints.forms.desks import DeskFormMixin
from complaints.models import RETURN_CALL_NOTES_MAX, Satisfaction, validate_return_call_time

DATETIME_WIDGET = forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})


class ReturnCallForm(DeskFormMixin, NoSuffixMixin, forms.Form):
    called_at = forms.DateTimeField(
        label=_("Date and time of the call"),
        widget=DATETIME_WIDGET,
        validators=[validate_return_call_time],
    )
    reached = forms.TypedChoiceField(
        label=_("Was the consumer reached?"),
        choices=[("yes", _("Reached")), ("no", _("Not reached"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the consumer was reached.")},
    )
    satisfaction = forms.ChoiceField(
        label=_("The consumer's satisfaction with the handling"),
        choices=[BLANK, *Satisfaction.choices],
        required=False,
        help_text=_("Only when the consumer was reached."),
    )
    notes = forms.CharField(
        label=_("Notes (for the regulators)"),
        max_length=RETURN_CALL_NOTES_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["called_at"].initial = now

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        reached, satisfaction = data.get("reached"), data.get("satisfaction")
        if reached is True and not satisfaction:
            self.add_error(
                "satisfaction", _("Record how satisfied the consumer is with the handling.")
            )
        if reached is False and satisfaction:
            self.add_error(
                "satisfaction",
                _("A consumer who was not reached gave no satisfaction: leave it empty."),
            )
        return data
