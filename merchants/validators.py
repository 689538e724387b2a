import datetime

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


# Bounds on what people type: dates a licence or permit can carry (the People's Republic's
# first licences to the end of the century) and permits on one merchant. Phones: common.phones.
EARLIEST_LICENCE_DATE = datetime.date(1949, 10, 1)
LATEST_LICENCE_DATE = datetime.date(2100, 12, 31)
MAX_PERMITS = 50


def validate_licence_date(value: datetime.date | None) -> None:
    """A licence or permit date between 1949-10-01 and 2100-12-31."""
    if value is not None and not EARLIEST_LICENCE_DATE <= value <= LATEST_LICENCE_DATE:
        raise ValidationError(
            _("Give a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_LICENCE_DATE, "latest": LATEST_LICENCE_DATE},
            code="date_range",
        )
