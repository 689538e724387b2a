"""Form pieces every app's pages share."""

from typing import Any

from django import forms

BLANK = ("", "---------")
DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
ACCEPTED_UPLOADS = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
# Evidence: the same types (photos, PDF), several files to one input.
ACCEPTED_EVIDENCE = ACCEPTED_UPLOADS


class TranslatedNameChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name


class TranslatedNameMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name


class NoSuffixMixin:
    """Labels without Django's trailing colon; the stylesheet sets labels apart."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list. Content is checked by the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPTED_EVIDENCE}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []
