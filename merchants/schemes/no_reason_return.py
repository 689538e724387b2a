"""No-reason-return commitment (无理由退货承诺): a return window of at least seven days."""

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from common.errors import DomainError
from merchants.schemes.base import SchemeKind, clean_text, register, text_field

MIN_DAYS = 7
# A window longer than a year is not a return policy but a typing slip (or an attack on the
# evaluation, which reads the number back as an integer).
MAX_DAYS = 365


@register
class NoReasonReturn(SchemeKind):
    code = "no_reason_return"
    label = gettext_lazy("No-reason-return commitment")
    order = 2
    required_details = ("return_days", "goods_covered")

    def detail_fields(self) -> dict[str, forms.Field]:
        return {
            "return_days": forms.IntegerField(
                label=gettext_lazy("Return window (days)"),
                required=False,
                min_value=MIN_DAYS,
                max_value=MAX_DAYS,
                error_messages={
                    "min_value": gettext_lazy(
                        "The return window must be at least %(limit_value)s days."
                    ),
                    "max_value": gettext_lazy(
                        "The return window must be at most %(limit_value)s days."
                    ),
                },
                help_text=gettext_lazy("At least 7 days, at most 365."),
                widget=forms.NumberInput(attrs={"min": MIN_DAYS, "max": MAX_DAYS}),
            ),
            "goods_covered": text_field(gettext_lazy("Goods covered")),
            "goods_excluded": text_field(gettext_lazy("Goods excluded")),
            "cross_store_returns": forms.BooleanField(
                label=gettext_lazy("Returns are also taken at other stores or places"),
                required=False,
            ),
        }

    def clean_details(self, details: dict[str, Any]) -> dict[str, Any]:
        value = details.get("return_days") or 0
        try:
            if isinstance(value, bool | dict | list) or (
                isinstance(value, float) and not value.is_integer()
            ):
                raise TypeError(value)
            days = int(value)
        except (TypeError, ValueError, OverflowError) as exc:
            raise DomainError(
                _("The return window must be a whole number of days."), field="return_days"
            ) from exc
        if days < MIN_DAYS:
            raise DomainError(
                _("The return window must be at least %(n)d days.") % {"n": MIN_DAYS},
                field="return_days",
            )
        if days > MAX_DAYS:
            raise DomainError(
                _("The return window must be at most %(n)d days.") % {"n": MAX_DAYS},
                field="return_days",
            )
        return {
            "return_days": days,
            **clean_text(details, "goods_covered", "goods_excluded"),
            "cross_store_returns": bool(details.get("cross_store_returns")),
        }

    def public_terms(self, details: dict[str, Any]) -> list[str]:
        terms: list[str] = []
        if days := details.get("return_days"):
            if details.get("cross_store_returns"):
                terms.append(
                    ngettext(
                        "%(days)d-day no-reason returns, also at our other stores",
                        "%(days)d-day no-reason returns, also at our other stores",
                        days,
                    )
                    % {"days": days}
                )
            else:
                terms.append(
                    ngettext(
                        "%(days)d-day no-reason returns at this store",
                        "%(days)d-day no-reason returns at this store",
                        days,
                    )
                    % {"days": days}
                )
        if covered := details.get("goods_covered"):
            terms.append(_("Goods covered: %(goods)s") % {"goods": covered})
        if excluded := details.get("goods_excluded"):
            terms.append(_("Not covered: %(goods)s") % {"goods": excluded})
        return terms
