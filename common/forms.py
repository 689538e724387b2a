"""Form pieces every app's pages share."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from common.api import is_pk
from common.querystring import query_value_problem

BLANK = ("", "---------")
DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
ACCEPTED_UPLOADS = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
# Evidence: the same types (photos, PDF), several files to one input.
ACCEPTED_EVIDENCE = ACCEPTED_UPLOADS


def _integer_ids(field: forms.ModelChoiceField) -> bool:
    return field.to_field_name is None and isinstance(
        field.queryset.model._meta.pk, models.AutoField | models.BigAutoField | models.IntegerField
    )


class ModelChoiceField(forms.ModelChoiceField):
    """A choice by id: what cannot be an id (10**30, "²") is an invalid choice, never an
    overflow in the database."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and _integer_ids(self) and not is_pk(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Choices by id, bounded as ModelChoiceField's."""

    def _check_values(self, value: Any) -> Any:
        if _integer_ids(self):
            for pk in value:
                if not is_pk(pk):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)


class TranslatedNameChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name


class TranslatedNameMultipleChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name


def _html_attrs(attrs: dict[str, Any]) -> str:
    """As django/forms/widgets/attrs.html writes them: False left out, True as a bare name."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    """Django's Select with the HTML of its templates (select.html, select_option.html,
    attrs.html) written in Python: the template engine took ~60 µs an option, 6 ms of a
    province regulator's page for the ~90 counties of its filter. Same context, same output
    (tests/common/test_forms.py compares them)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"']
        parts.append(_html_attrs(widget["attrs"]) + ">")
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_html_attrs(option['attrs'])}>{conditional_escape(option['label'])}"
                    "</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # every value above is escaped


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


def query_problems(form: forms.Form) -> dict[str, str]:
    """What a filter form of query parameters would misread, by parameter (query_value_problem);
    which parameters are lists, choices or free text follows from the form's fields."""
    getlist = getattr(form.data, "getlist", None)
    problems: dict[str, str] = {}
    for name, field in form.fields.items():
        values = getlist(name) if getlist else [form.data.get(name)]
        choice = isinstance(field, forms.ChoiceField | forms.ModelChoiceField)
        problem = query_value_problem(
            values,
            many=isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField),
            blank_allowed=isinstance(field, forms.CharField) and not choice,
            choice=choice,
        )
        if problem:
            problems[name] = problem
    return problems
