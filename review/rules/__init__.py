"""Screening rules: the registry, and the engine that runs them over a batch of declarations."""

from review.rules import definitions as _definitions  # noqa: F401  (registers the rules)
from review.rules.base import (
    RULES,
    Breach,
    CheckOutcome,
    Message,
    Rule,
    RuleContext,
    RuleResult,
    RuleSetting,
)

__all__ = [
    "RULES",
    "Breach",
    "CheckOutcome",
    "Message",
    "Rule",
    "RuleContext",
    "RuleResult",
    "RuleSetting",
    "rule_choices",
]


def rule_choices() -> list[tuple[str, str]]:
    """(code, label) of every registered rule, in their default order; for model choices."""
    return [(r.code, r.label) for r in sorted(RULES.values(), key=lambda r: r.order)]
