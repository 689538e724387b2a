from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)
from stdnum.exceptions import (
    ValidationError as StdnumError,
)


def normalize_uscc(value: str) -> str:
    return stdnum_uscc.compact(value or "")


def validate_uscc(value: str) -> str:
    """Return the compact USCC, or raise a ValidationError that names the problem."""
    try:
        return stdnum_uscc.validate(value or "")
    except InvalidLength as exc:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d.")
            % {"n": len(normalize_uscc(value))},
            code="uscc_length",
        ) from exc
    except InvalidChecksum as exc:
        raise ValidationError(
            _("The last character (check digit) of this code is wrong: please check for a typo."),
            code="uscc_checksum",
        ) from exc
    except (InvalidFormat, InvalidComponent) as exc:
        raise ValidationError(
            _(
                "This code contains characters that a unified social credit code cannot have "
                "(digits and capital letters except I, O, S, V, Z)."
            ),
            code="uscc_format",
        ) from exc
    except StdnumError as exc:
        raise ValidationError(
            _("This is not a valid unified social credit code."), code="uscc"
        ) from exc
