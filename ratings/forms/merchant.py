"""HTML input of the merchant's standing pages: a warning rectification report and an appeal.

Files are checked by their content here (common.uploads.inspect_uploads) so a wrong file is
shown at the file input; the services check them again and decide everything else.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from common.forms import ACCEPTED_EVIDENCE, MultipleFileField, MultipleFileInput, NoSuffixMixin
from common.uploads import inspect_uploads
from ratings.forms import TEXT_MAX


def _files_field(label: Any) -> MultipleFileField:
    return MultipleFileField(
        label=label,
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPTED_EVIDENCE}),
        # The limits of common.uploads (MAX_FILES, MAX_FILE_BYTES).
        help_text=_("Up to 10 files, PDF, JPEG or PNG, 10 MB each."),
    )


def _text(label: Any, *, required_message: Any, help_text: Any = "") -> forms.CharField:
    field = forms.CharField(
        label=label,
        max_length=TEXT_MAX,
        strip=True,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    field.error_messages["required"] = required_message
    return field


class _FilesMixin:
    cleaned_data: dict[str, Any]

    def clean_files(self) -> list[Any]:
        files = self.cleaned_data.get("files") or []
        try:
            inspect_uploads(files)
        except DomainError as exc:
            raise ValidationError(exc.message) from exc
        return files


class StandingRectificationForm(NoSuffixMixin, _FilesMixin, forms.Form):
    report = _text(
        _("What did you put right?"),
        required_message=_("Describe what was put right."),
        help_text=_(
            "Take each reason for the warning in turn and say what you changed; attach "
            "documents or photos as evidence."
        ),
    )
    files = _files_field(_("Evidence"))


class StandingAppealForm(NoSuffixMixin, _FilesMixin, forms.Form):
    statement = _text(
        _("Why is the decision wrong?"),
        required_message=_("Give your reasons for the appeal."),
        help_text=_(
            "Your statement is kept with the decision and shown wherever the decision is shown, "
            "including the public store page."
        ),
    )
    files = _files_field(_("Supporting documents"))
