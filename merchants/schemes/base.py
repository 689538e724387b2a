"""The registry of scheme kinds and what every kind provides."""

from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from common.errors import DomainError

# The longest free text of a declaration's details.
MAX_TEXT = 4000

KINDS: dict[str, "SchemeKind"] = {}


class SchemeKind:
    """A kind of scheme. Subclasses set `code`, `label` and `order`, and override what differs."""

    code: str = ""
    label: str | Promise = ""
    order: int = 0
    # A declaration of this kind names member merchants (a shopping district's).
    has_members: bool = False
    # Extra fields that must be filled in before the declaration can be submitted.
    required_details: tuple[str, ...] = ()

    def detail_fields(self) -> dict[str, forms.Field]:
        """The form fields of the declaration's extra details, in page order."""
        return {}

    def clean_details(self, details: dict[str, Any]) -> dict[str, Any]:
        """Validate the extra details (raise a DomainError naming the field); return only the
        keys this kind uses."""
        return {}

    def public_terms(self, details: dict[str, Any]) -> list[str]:
        """The terms of an approved declaration, as a consumer would say them."""
        return []


def register(cls: type[SchemeKind]) -> type[SchemeKind]:
    KINDS[cls.code] = cls()
    return cls


def scheme_kind(code: str) -> SchemeKind:
    """The kind with this code; an unknown code (a kind since removed) has no extra fields."""
    return KINDS.get(code) or SchemeKind()


def kind_choices() -> list[tuple[str, Any]]:
    """Choices for Scheme.kind, in the registry's order (a callable: no migration per kind)."""
    return [(k.code, k.label) for k in sorted(KINDS.values(), key=lambda k: k.order)]


def text_field(label: Any, **kwargs: Any) -> forms.CharField:
    """A free-text detail (optional in the form: the submission check asks for what is
    required)."""
    kwargs.setdefault("max_length", MAX_TEXT)
    return forms.CharField(
        label=label, widget=forms.Textarea(attrs={"rows": 3}), required=False, **kwargs
    )


def clean_text(details: dict[str, Any], *names: str, max_length: int = MAX_TEXT) -> dict[str, str]:
    """These details as text: a word or a number, at most `max_length` characters, no NUL
    (the database refuses it); anything else is refused naming the field."""
    cleaned = {}
    for name in names:
        value = details.get(name)
        if value is None:
            value = ""
        if isinstance(value, bool | dict | list | tuple):
            raise DomainError(_("This field takes text."), field=name)
        text = str(value).strip()
        if "\x00" in text:
            raise DomainError(_("Text must not contain NUL characters (\\u0000)."), field=name)
        if len(text) > max_length:
            raise DomainError(
                _("At most %(n)d characters (this text has %(count)d).")
                % {"n": max_length, "count": len(text)},
                field=name,
            )
        cleaned[name] = text
    return cleaned
