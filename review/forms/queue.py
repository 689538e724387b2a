"""HTML input of the review pages: queue filters, decision texts, a bulk selection."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.forms import BLANK, NoSuffixMixin, TranslatedNameChoiceField
from merchants.forms.regions import CountyChoiceField
from merchants.models import Region, Scheme
from review.selectors.queue import QueueFilters, QueueTab

BULK_MAX = 200
TEXT_MAX = 2000


class QueueFilterForm(NoSuffixMixin, forms.Form):
    tab = forms.ChoiceField(choices=QueueTab.choices, required=False, widget=forms.HiddenInput)
    scheme = TranslatedNameChoiceField(
        label=_("Scheme"), required=False, queryset=Scheme.objects.all()
    )
    county = forms.ChoiceField(label=_("County"), required=False)
    flagged = forms.TypedChoiceField(
        label=_("Screening flags"),
        required=False,
        choices=[BLANK, ("yes", _("Flagged")), ("no", _("Not flagged"))],
        coerce=lambda value: value == "yes",
        empty_value=None,
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, counties: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"] = CountyChoiceField(
            counties=counties, label=self.fields["county"].label, required=False
        )

    def filters(self) -> QueueFilters:
        data = self.cleaned_data
        return QueueFilters(
            scheme=data["scheme"],
            region=data["county"],
            flagged=data["flagged"],
            overdue=data["overdue"],
        )


def _text(label: Any, *, required: bool, required_message: Any = None) -> forms.CharField:
    error_messages = {"required": required_message} if required_message else {}
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        strip=True,
        error_messages=error_messages,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ApproveForm(NoSuffixMixin, forms.Form):
    note = _text(_("Note (optional)"), required=False)


class RejectForm(NoSuffixMixin, forms.Form):
    reason = _text(
        _("Reason"),
        required=True,
        required_message=_("Give the reason for rejecting the declaration."),
    )


class ReturnForm(NoSuffixMixin, forms.Form):
    comments = _text(
        _("What must the merchant amend?"),
        required=True,
        required_message=_("Say what the merchant must amend."),
    )


class DeclarationIdsField(forms.Field):
    """Repeated `ids` values (checkboxes or hidden inputs), cleaned to distinct integers."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            ids = [int(v) for v in values]
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("The selection is not valid.")) from exc
        return list(dict.fromkeys(i for i in ids if i > 0))

    def validate(self, value: list[int]) -> None:
        if not value:
            raise ValidationError(_("Select at least one declaration."))
        if len(value) > BULK_MAX:
            raise ValidationError(
                _("Select at most %(n)d declarations at a time.") % {"n": BULK_MAX}
            )


class BulkApproveForm(forms.Form):
    ids = DeclarationIdsField()
