"""Phone numbers: one parser for every place that takes a consumer's phone, and one mask.

Parsed with `phonenumbers` (region CN): "+86 13812340000", "138-1234-0000", "0086 138 1234 0000"
and "13812340000" are the same number. Stored in the national digits form: a mobile as its 11
digits (13812340000), a landline with its area code and leading 0 (057187654321). Duplicate
detection and the intake limits compare this form, so a reformatted number is the same number.
"""

import functools
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

REGION = "CN"
# What people write a phone with: ASCII digits, a leading + and separators. phonenumbers itself
# reads other scripts' digits and extensions ("x12"), which a stored contact phone must not hold.
_WRITTEN = re.compile(r"\+?[0-9 ().\-]+")


def phone_error() -> str:
    return _(
        "Enter a mainland China phone number: a mobile such as 13812345678 or a landline "
        "with its area code such as 0571-87654321."
    )


@functools.lru_cache(maxsize=4096)
def _stored_form(text: str) -> str | None:
    """Parsing is the costly part, and one request parses its number several times (form,
    limits, duplicate check): the last few thousand answers are kept."""
    if not _WRITTEN.fullmatch(text):
        return None
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) != REGION
    ):
        return None
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in national if ch.isascii() and ch.isdigit())


def phone_normalise(value: str) -> str:
    """The number in its stored form; a ValidationError (code "phone") unless it is a valid
    mainland China number."""
    stored = _stored_form((value or "").strip()[:40])
    if stored is None:
        raise ValidationError(phone_error(), code="phone")
    return stored


def validate_phone(value: str) -> None:
    """A model and form validator: empty, or a valid mainland China number (kept as typed)."""
    if (value or "").strip():
        phone_normalise(value)


def phone_normalise_or_none(value: str) -> str | None:
    try:
        return phone_normalise(value)
    except ValidationError:
        return None


def phone_key(value: str) -> str:
    """What limits and duplicate checks compare: the stored form, or the text itself for a
    number stored before normalisation that does not parse."""
    return phone_normalise_or_none(value) or (value or "").strip()


def phone_mask(value: str) -> str:
    """Only the last four digits: *******0000 (a short or empty value shows nothing)."""
    digits = "".join(ch for ch in (value or "") if ch.isascii() and ch.isdigit())
    return "*******" + digits[-4:] if len(digits) >= 7 else "*******"
