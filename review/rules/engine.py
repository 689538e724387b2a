"""Running the enabled rules of each declaration's scheme over a batch of declarations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from merchants.models import Declaration, Scheme
from merchants.sources import SourceUnavailable
from review.models import ScreeningRuleSetting, ScreeningRun
from review.rules.base import (
    RULES,
    SOURCE_LABELS,
    CheckOutcome,
    Message,
    RuleContext,
    RuleResult,
    RuleSetting,
    window_start,
)
from review.rules.facts import WINDOWED_SOURCES, BatchFacts


@dataclass(frozen=True)
class Check:
    setting: RuleSetting
    result: RuleResult

    @property
    def outcome(self) -> str:
        return self.result.outcome


@dataclass
class Evaluation:
    declaration: Declaration
    checks: list[Check]

    def having(self, *outcomes: str) -> list[Check]:
        return [c for c in self.checks if c.outcome in outcomes]

    @property
    def outcome(self) -> str:
        """Any fail fails; otherwise a source that was down makes it incomplete; then warnings."""
        if self.having(CheckOutcome.FAIL):
            return ScreeningRun.Outcome.FAIL
        if self.having(CheckOutcome.UNAVAILABLE):
            return ScreeningRun.Outcome.INCOMPLETE
        if self.having(CheckOutcome.WARN):
            return ScreeningRun.Outcome.WARN
        return ScreeningRun.Outcome.PASS

    @property
    def unavailable_sources(self) -> list[str]:
        names: dict[str, None] = {}
        for check in self.having(CheckOutcome.UNAVAILABLE):
            names[check.result.data.get("source", "")] = None
        return [n for n in names if n]


def scheme_rule_settings(scheme_ids: Iterable[int]) -> dict[int, list[RuleSetting]]:
    """The enabled rules of each scheme, in order: the admin's rows over the rules' defaults."""
    scheme_ids = set(scheme_ids)
    rows: dict[int, dict[str, ScreeningRuleSetting]] = defaultdict(dict)
    for row in ScreeningRuleSetting.objects.filter(scheme_id__in=scheme_ids):
        rows[row.scheme_id][row.rule] = row
    result: dict[int, list[RuleSetting]] = {}
    for scheme_id in scheme_ids:
        settings: list[RuleSetting] = []
        for rule in RULES.values():
            row = rows[scheme_id].get(rule.code)
            setting = (
                rule.resolve(
                    enabled=row.enabled, on_breach=row.on_breach, params=row.params, order=row.order
                )
                if row is not None
                else rule.resolve()
            )
            if setting.enabled:
                settings.append(setting)
        settings.sort(key=lambda s: (s.order, s.rule.order))
        result[scheme_id] = settings
    return result


def _unavailable(exc: SourceUnavailable) -> RuleResult:
    source = getattr(exc, "source", "")
    return RuleResult(
        CheckOutcome.UNAVAILABLE,
        Message(
            _("The %(source)s could not be reached, so this check was not made."),
            source=SOURCE_LABELS.get(source, source),
        ),
        {"source": source, "error": str(getattr(exc, "message", "") or exc)},
    )


def share_schemes(declarations: list[Declaration]) -> None:
    """Give the batch one instance per scheme, its commitments and documents loaded once."""
    schemes = {
        s.pk: s
        for s in Scheme.objects.filter(pk__in={d.scheme_id for d in declarations}).prefetch_related(
            "commitments", "required_documents"
        )
    }
    for declaration in declarations:
        declaration.scheme = schemes[declaration.scheme_id]


def evaluate(declarations: list[Declaration], *, today: date | None = None) -> list[Evaluation]:
    """Run every enabled rule for each declaration; declarations need `merchant` loaded."""
    if not declarations:
        return []
    today = today or timezone.localdate()
    settings_by_scheme = scheme_rule_settings(d.scheme_id for d in declarations)
    windows: dict[str, date] = {}
    for settings in settings_by_scheme.values():
        for setting in settings:
            for source in setting.rule.sources:
                if source in WINDOWED_SOURCES:
                    since = window_start(today, setting.params)
                    windows[source] = min(windows.get(source, since), since)
    facts = BatchFacts(declarations, windows=windows)
    evaluations = []
    for declaration in declarations:
        checks = []
        for setting in settings_by_scheme[declaration.scheme_id]:
            context = RuleContext(declaration, declaration.merchant, setting, today, facts)
            try:
                result = setting.rule.check(context)
            except SourceUnavailable as exc:
                result = _unavailable(exc)
            checks.append(Check(setting, result))
        evaluations.append(Evaluation(declaration, checks))
    return evaluations


def render_reasons(evaluations: list[Evaluation]) -> dict[tuple[int, int], tuple[str, str]]:
    """Each check's reason in Chinese and in English, keyed by (declaration id, position)."""
    rendered: dict[tuple[int, int], list[str]] = defaultdict(list)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for evaluation in evaluations:
                for position, check in enumerate(evaluation.checks):
                    rendered[(evaluation.declaration.pk, position)].append(
                        check.result.reason.render()
                    )
    return {key: (texts[0], texts[1]) for key, texts in rendered.items()}
