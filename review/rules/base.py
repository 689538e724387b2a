"""The parts every screening rule is built from: outcomes, reasons in words, the rule registry.

A rule is a small function taking a `RuleContext` (the declaration, its merchant, the rule's
settings for the scheme and the facts fetched from the external sources) and returning a
`RuleResult`: an outcome, a reason a person understands and the data it looked at.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from merchants.models import Declaration, Merchant
    from review.rules.facts import BatchFacts


class CheckOutcome(models.TextChoices):
    PASS = "pass", _("Passed")
    WARN = "warn", _("Warning")
    FAIL = "fail", _("Failed")
    UNAVAILABLE = "unavailable", _("Data unavailable")
    SKIPPED = "skipped", _("Not applicable")


class Breach(models.TextChoices):
    """What a breached rule does to the declaration, where the rule lets the admin choose."""

    WARN = "warn", _("Warn the reviewer")
    FAIL = "fail", _("Fail: back to the merchant")


SOURCE_LABELS: dict[str, Promise] = {
    "registry": _("enterprise registry (Zhejiang Enterprise Online)"),
    "quality": _("quality system (Zhejiang Quality Online)"),
    "food_chain": _("food traceability system (Zhe Shi Lian)"),
    "cold_chain": _("cold-chain system (Zhe Leng Lian)"),
    "enforcement": _("law-enforcement system (Zhejiang Law Enforcement Online)"),
}


class Message:
    """A reason in words, rendered in whichever language is active when it is turned into text,
    so one result can be stored in Chinese and in English.

    Parameters may be lazy strings (translated at rendering) or callables (called at rendering,
    for text that other code builds in the active language).
    """

    def __init__(self, text: str | Promise, **params: Any) -> None:
        self.text = text
        self.params = params

    def render(self) -> str:
        if not self.params:
            return str(self.text)
        values = {
            key: value() if callable(value) else str(value) if isinstance(value, Promise) else value
            for key, value in self.params.items()
        }
        # A lazy string's own `%` translates it now; ngettext_lazy picks the plural from it.
        return self.text % values

    __str__ = render

    def __repr__(self) -> str:
        return f"Message({self.render()!r})"


@dataclass(frozen=True)
class RuleResult:
    outcome: str
    reason: Message
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleSetting:
    """A rule as configured for one scheme: the admin's row merged over the rule's defaults."""

    rule: Rule
    enabled: bool
    on_breach: str
    params: Mapping[str, Any]
    order: int


@dataclass
class RuleContext:
    declaration: Declaration
    merchant: Merchant
    setting: RuleSetting
    today: date
    facts: BatchFacts

    @property
    def params(self) -> Mapping[str, Any]:
        return self.setting.params

    @property
    def on_breach(self) -> str:
        return self.setting.on_breach

    @property
    def since(self) -> date:
        """The start of the rule's look-back window (its `months` or `days` parameter)."""
        return window_start(self.today, self.params)

    def source(self, name: str) -> Any:
        """What the source knows about this merchant; raises SourceUnavailable."""
        return self.facts.get(name, self.merchant.uscc)

    def breach(self, reason: Message, data: dict[str, Any] | None = None) -> RuleResult:
        return RuleResult(self.on_breach, reason, data or {})


def passed(reason: Message, data: dict[str, Any] | None = None) -> RuleResult:
    return RuleResult(CheckOutcome.PASS, reason, data or {})


def warned(reason: Message, data: dict[str, Any] | None = None) -> RuleResult:
    return RuleResult(CheckOutcome.WARN, reason, data or {})


def failed(reason: Message, data: dict[str, Any] | None = None) -> RuleResult:
    return RuleResult(CheckOutcome.FAIL, reason, data or {})


def skipped(reason: Message, data: dict[str, Any] | None = None) -> RuleResult:
    return RuleResult(CheckOutcome.SKIPPED, reason, data or {})


def window_start(today: date, params: Mapping[str, Any]) -> date:
    """The first day of a look-back window of `days` days or `months` calendar months."""
    if "days" in params:
        return today - timedelta(days=int(params["days"]))
    return months_before(today, int(params["months"]))


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day if it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Rule:
    code: str
    label: Promise
    description: Promise
    check: Callable[[RuleContext], RuleResult]
    # External sources the rule reads; a source that is down makes the rule "unavailable".
    sources: tuple[str, ...] = ()
    default_params: Mapping[str, Any] = field(default_factory=dict)
    # The admin may choose warn or fail only where `breach_choices` lists both.
    breach_choices: tuple[str, ...] = (Breach.FAIL,)
    default_on_breach: str = Breach.FAIL
    default_enabled: bool = True
    order: int = 0

    @property
    def configurable_breach(self) -> bool:
        return len(self.breach_choices) > 1

    def resolve(
        self,
        *,
        enabled: bool | None = None,
        on_breach: str = "",
        params: Mapping[str, Any] | None = None,
        order: int | None = None,
    ) -> RuleSetting:
        return RuleSetting(
            rule=self,
            enabled=self.default_enabled if enabled is None else enabled,
            on_breach=on_breach if on_breach in self.breach_choices else self.default_on_breach,
            params={**self.default_params, **(params or {})},
            order=self.order if order is None else order,
        )

    def validate_params(self, params: Mapping[str, Any]) -> list[str]:
        """Problems with an admin's parameters, in words; empty when they are fine."""
        problems: list[str] = []
        for key, value in params.items():
            if key not in self.default_params:
                problems.append(
                    str(
                        Message(
                            _("“%(key)s” is not a parameter of this rule; it takes: %(keys)s."),
                            key=key,
                            keys=", ".join(self.default_params) or "—",
                        )
                    )
                )
                continue
            default = self.default_params[key]
            if not _same_shape(default, value):
                problems.append(
                    str(
                        Message(
                            _("“%(key)s” must look like its default, %(default)s."),
                            key=key,
                            default=repr(default),
                        )
                    )
                )
            elif isinstance(default, int) and not isinstance(default, bool) and value < 0:
                problems.append(str(Message(_("“%(key)s” cannot be negative."), key=key)))
            elif default in Breach.values and value not in Breach.values:
                problems.append(str(Message(_("“%(key)s” must be “warn” or “fail”."), key=key)))
        return problems


def _same_shape(default: Any, value: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, list):
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    return isinstance(value, type(default))


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    if rule.code in RULES:
        raise ValueError(f"screening rule {rule.code!r} is registered twice")
    RULES[rule.code] = rule
    return rule


def rule(
    code: str,
    *,
    label: Promise,
    description: Promise,
    order: int,
    sources: tuple[str, ...] = (),
    params: Mapping[str, Any] | None = None,
    breach: tuple[str, ...] = (Breach.FAIL,),
    default: str = Breach.FAIL,
    enabled: bool = True,
) -> Callable[[Callable[[RuleContext], RuleResult]], Callable[[RuleContext], RuleResult]]:
    """Register the decorated function as a screening rule."""

    def decorate(
        check: Callable[[RuleContext], RuleResult],
    ) -> Callable[[RuleContext], RuleResult]:
        register(
            Rule(
                code=code,
                label=label,
                description=description,
                check=check,
                sources=sources,
                default_params=dict(params or {}),
                breach_choices=breach,
                default_on_breach=default,
                default_enabled=enabled,
                order=order,
            )
        )
        return check

    return decorate
