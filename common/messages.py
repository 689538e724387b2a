"""Texts the system writes are stored as a message code with parameters and rendered when read
(or sent), in the reader's language — never frozen in the language of whoever acted.

Each app defines its codes once, at import, with the English msgid as the template:

    APPROVED = define("declaration.approved", gettext_noop("%(scheme)s: approved."))

and stores `msg(APPROVED, scheme=bilingual(lambda: scheme.display_name))` in a JSON field. A
stored message is `{"code": ..., "params": {...}}` or a list of them (rendered one per line).

Parameter values are kept as the reader must see them:
- a plain string or number — the actor's own words, a name, an amount — is shown as it is;
- `label(x)` — a translatable label (a choice's label, a `gettext_noop` string): translated;
- `bilingual(fn)` — data with both languages (a scheme, region or disclosure name): `fn` is
  called once per language at write time, and the reader's one is shown;
- `person(user)` — a person's name in the reader's convention (Chinese: family name first,
  no space; English: given name first), the username when no name is known;
- `day(date)` — a date in the reader's format;
- a nested message (`msg(...)`).
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext

Message = dict[str, Any]

CATALOG: dict[str, str] = {}

TEXT = "text"  # a stored text kept as it was written (rows from before message codes)


def define(code: str, msgid: str) -> str:
    """Register a message code with its English template; returns the code."""
    if CATALOG.get(code, msgid) != msgid:
        raise ValueError(f"message code {code!r} is defined twice with different texts")
    CATALOG[code] = msgid
    return code


define(TEXT, "%(text)s")


def msg(code: str, **params: Any) -> Message:
    if code not in CATALOG:
        raise KeyError(f"unknown message code {code!r}")
    return {"code": code, "params": params}


def label(text: Any) -> dict[str, str]:
    """A translatable label (lazy or a msgid), stored as its msgid and translated when read."""
    with translation.override(None):
        return {"t": str(text)}


def bilingual(value: Callable[[], Any]) -> dict[str, dict[str, str]]:
    """Data shown in both languages: `value` is called with each language active."""
    names = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names[code] = str(value())
    return {"l": names}


def person(user: Any) -> dict[str, list[str]]:
    return {"p": [user.last_name or "", user.first_name or "", user.get_username()]}


def day(value: datetime.date) -> dict[str, str]:
    return {"d": value.isoformat()}


class BilingualName:
    """Data named in both languages: the Chinese name is primary, English is shown to English
    readers when there is one."""

    name: str
    name_en: str

    @property
    def display_name(self) -> str:
        language = translation.get_language() or ""
        return self.name_en if language.startswith("en") and self.name_en else self.name


def person_name(family: str, given: str, username: str = "", language: str | None = None) -> str:
    """A person's name as the reader writes it: 周建华 in Chinese, Jianhua Zhou in English."""
    if not (family or given):
        return username
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if language.startswith("zh"):
        return f"{family}{given}"
    return " ".join(part for part in (given, family) if part)


def _param(value: Any, language: str) -> Any:
    if not isinstance(value, dict):
        return value
    if "t" in value:
        return gettext(value["t"])
    if "l" in value:
        names = value["l"]
        return (
            names.get(language)
            or names.get(language.split("-")[0])
            or names.get(settings.LANGUAGE_CODE)
            or next(iter(names.values()), "")
        )
    if "p" in value:
        return person_name(*value["p"], language=language)
    if "d" in value:
        return formats.date_format(datetime.date.fromisoformat(value["d"]), "DATE_FORMAT")
    if "code" in value:
        return _render_one(value, language)
    return value


def _render_one(message: Message, language: str) -> str:
    template = CATALOG.get(message.get("code", ""))
    params = message.get("params") or {}
    if template is None:  # a code removed from the code base: show what is known
        return str(params.get("text", ""))
    values = {name: _param(value, language) for name, value in params.items()}
    text = gettext(template)
    return text % values if values or "%(" in text else text


def render(message: Message | list[Message] | None, language: str | None = None) -> str:
    """The message in `language` (default: the active one); a list renders one per line."""
    if not message:
        return ""
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        language = translation.get_language()
        if isinstance(message, list):
            return "\n".join(filter(None, (_render_one(m, language) for m in message)))
        return _render_one(message, language)


def render_then(message: Message | list[Message] | None, typed: str) -> str:
    """What the system wrote, in the reader's language, then what a person typed: a line each."""
    return "\n".join(filter(None, (render(message), typed)))
