"""Automatic screening: which rules apply to which scheme, and every run's stored result."""

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from common.messages import render
from merchants.models import Declaration, Scheme
from review.rules import RULES, rule_choices
from review.rules.base import Breach, CheckOutcome


class ScreeningRuleSetting(models.Model):
    """One rule as it applies to one scheme. A rule without a row for the scheme runs with its
    defaults (see the rule's description); a row switches it off or changes its thresholds."""

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="screening_rules"
    )
    rule = models.CharField(_("rule"), max_length=40, choices=rule_choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    on_breach = models.CharField(
        _("on breach"),
        max_length=4,
        choices=Breach.choices,
        blank=True,
        help_text=_(
            "Warn the reviewer or fail the declaration; only for rules that allow both. "
            "Empty: the rule's default."
        ),
    )
    params = models.JSONField(
        _("parameters"),
        default=dict,
        blank=True,
        help_text=_('Thresholds, e.g. {"months": 12}. Keys left out keep the rule\'s default.'),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["scheme", "order", "rule"]
        verbose_name = _("screening rule setting")
        verbose_name_plural = _("screening rule settings")
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "rule"], name="screening_rule_once_per_scheme"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme} · {self.get_rule_display()}"

    def clean(self) -> None:
        rule = RULES.get(self.rule)
        if rule is None:
            return  # the field's choices report it
        errors: dict[str, list[str]] = {}
        if self.on_breach and self.on_breach not in rule.breach_choices:
            errors["on_breach"] = [
                _("This rule does not let you choose what a breach does; leave it empty.")
            ]
        if not isinstance(self.params, dict):
            errors["params"] = [_('Parameters are a JSON object, e.g. {"months": 12}.')]
        else:
            problems = rule.validate_params(self.params)
            if problems:
                errors["params"] = problems
        if errors:
            raise ValidationError(errors)


class SchemeScreening(Scheme):
    """A scheme seen from screening: its admin page edits the scheme's rule settings."""

    class Meta:
        proxy = True
        verbose_name = _("scheme screening rules")
        verbose_name_plural = _("scheme screening rules")


class ScreeningRun(models.Model):
    class Outcome(models.TextChoices):
        PASS = "pass", _("Passed")
        WARN = "warn", _("Passed with warnings")
        FAIL = "fail", _("Failed")
        INCOMPLETE = "incomplete", _("Incomplete")
        INTERRUPTED = "interrupted", _("Interrupted")

    declaration = models.ForeignKey(
        Declaration,
        verbose_name=_("declaration"),
        on_delete=models.CASCADE,
        related_name="screening_runs",
    )
    attempt = models.PositiveSmallIntegerField(
        _("attempt"), default=1, help_text=_("Counted from the latest submission.")
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=12,
        choices=Outcome.choices,
        blank=True,
        help_text=_("Empty while the run is in progress (or if it crashed)."),
    )
    note_message = models.JSONField(
        _("note"),
        null=True,
        blank=True,
        help_text=_("What the system noted, as a message code shown in the reader's language."),
    )
    worker_host = models.CharField(
        _("worker host"),
        max_length=100,
        blank=True,
        help_text=_("Where the run was made: a run whose worker is gone is closed by the sweep."),
    )
    worker_pid = models.PositiveIntegerField(_("worker process"), null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("re-run by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The regulator who ran the screening again; empty for automatic runs."),
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")
        indexes = [
            models.Index(fields=["declaration", "-started_at", "-id"], name="screening_run_latest")
        ]

    def __str__(self) -> str:
        return f"{self.declaration_id} #{self.attempt} {self.outcome or '…'}"

    @property
    def note(self) -> str:
        """The note in the active language."""
        return render(self.note_message)

    def to_json(self) -> dict[str, Any]:
        """The run and its checks for the API (reasons in the active language and both)."""
        return {
            "id": self.pk,
            "attempt": self.attempt,
            "outcome": self.outcome,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "triggered_by": self.triggered_by.get_username() if self.triggered_by else None,
            "note": self.note,
            "checks": [
                {
                    "rule": check.rule,
                    "label": str(check.get_rule_display()),
                    "outcome": check.outcome,
                    "reason": check.reason,
                    "reason_zh": check.reason_zh,
                    "reason_en": check.reason_en,
                    "data": check.data,
                }
                for check in self.checks.all()
            ],
        }

    # For the report: read the prefetched checks, no extra query.
    @property
    def failed_checks(self) -> list["ScreeningCheck"]:
        return [c for c in self.checks.all() if c.outcome == CheckOutcome.FAIL]

    @property
    def warned_checks(self) -> list["ScreeningCheck"]:
        return [c for c in self.checks.all() if c.outcome == CheckOutcome.WARN]


class ScreeningCheck(models.Model):
    Outcome = CheckOutcome

    run = models.ForeignKey(
        ScreeningRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="checks"
    )
    rule = models.CharField(_("rule"), max_length=40, choices=rule_choices)
    outcome = models.CharField(_("outcome"), max_length=12, choices=CheckOutcome.choices)
    reason_zh = models.TextField(_("reason (Chinese)"))
    reason_en = models.TextField(_("reason (English)"))
    data = models.JSONField(_("data looked at"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["run", "order", "id"]
        verbose_name = _("screening check")
        verbose_name_plural = _("screening checks")

    def __str__(self) -> str:
        return f"{self.rule}: {self.outcome}"

    @property
    def reason(self) -> str:
        lang = translation.get_language() or ""
        return self.reason_en if lang.startswith("en") and self.reason_en else self.reason_zh

    @property
    def data_json(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, indent=2, sort_keys=True)
