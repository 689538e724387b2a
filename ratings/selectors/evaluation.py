"""An evaluation in sentences a merchant understands: each component's lines ("-6: 2 accepted
complaints in 90 days", printed with a real minus sign), the warning triggers, what to do to
improve and the next star band.

One sentence per line code and per trigger (LINE_SENTENCES, TRIGGER_SENTENCES): a table row
where only the words and the policy's numbers differ, else a function; the tests walk every code
ratings.services.evaluation can produce. The numbers come from the line itself, then the
evaluation's stored inputs, then the policy version the evaluation used, never the policy in
force today, so an old evaluation is explained as it was computed.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from ratings.models import Evaluation, EvaluationPolicy, Trigger
from ratings.models.evaluation import BOTTOM_LINE_TRIGGERS
from ratings.services.evaluation import (
    BONUS_POINTS,
    NO_REASON_RETURN_MIN_DAYS,
    ON_TIME_MIN_CLOSED,
    RETURNS_WINDOW_DAYS,
    TENURE_FULL_MONTHS,
    evaluation_result,
    inputs_expand,
)

COMPONENT_LABELS = {
    "complaints": gettext_lazy("Complaints"),
    "inspections": gettext_lazy("Inspections"),
    "compliance": gettext_lazy("Compliance"),
    "commitments": gettext_lazy("Commitments"),
    "bonus": gettext_lazy("Bonus points"),
}
BONUS_CODES = ("long_return_window", "perfect_inspection", "complaints_on_time")
STAR = "★"


@dataclass(frozen=True)
class Context:
    """What a sentence may draw on besides its line: the policy the evaluation used and the
    inputs it stored."""

    policy: EvaluationPolicy
    inputs: dict[str, Any] = field(default_factory=dict)

    def part(self, name: str) -> dict[str, Any]:
        return self.inputs.get(name) or {}


@dataclass(frozen=True)
class ExplainedLine:
    code: str
    points: int
    signed: str
    sentence: str

    @property
    def text(self) -> str:
        return f"{self.signed}: {self.sentence}"

    @property
    def tone(self) -> str:
        """minus, plus or zero: for the stylesheet."""
        return "minus" if self.points < 0 else "plus" if self.points > 0 else "zero"


@dataclass(frozen=True)
class ExplainedComponent:
    name: str
    label: str
    points: int
    max: int
    lines: list[ExplainedLine]

    @property
    def text(self) -> str:
        return f"{self.label} {self.points}/{self.max}"

    @property
    def low(self) -> int:
        """Below this the meter shows the component as poor (under 60%)."""
        return round(self.max * 0.6)

    @property
    def high(self) -> int:
        """From this the meter shows the component as good (90% and more)."""
        return round(self.max * 0.9)


@dataclass(frozen=True)
class ExplainedTrigger:
    code: str
    sentence: str
    bottom_line: bool


@dataclass(frozen=True)
class NextBand:
    """The points still missing for the next star band above the score."""

    points: int
    stars: int
    band: int

    @property
    def text(self) -> str:
        return self._sentence(STAR * self.stars)

    @property
    def spoken(self) -> str:
        """The same in words, for screen readers."""
        return self._sentence(stars_text(self.stars))

    def _sentence(self, stars: str) -> str:
        return ngettext(
            "%(points)d more point for %(stars)s",
            "%(points)d more points for %(stars)s",
            self.points,
        ) % {"points": self.points, "stars": stars}


def signed(points: int) -> str:
    """-6, +5, 0, with U+2212 for the minus as in print."""
    if points < 0:
        return f"\u2212{-points}"
    return f"+{points}" if points > 0 else "0"


def stars_text(stars: int) -> str:
    """The stars in words, for screen readers and plain text."""
    if not stars:
        return _("no stars")
    return ngettext("%(n)d star of 5", "%(n)d stars of 5", stars) % {"n": stars}


def _count(line: dict[str, Any]) -> int:
    return int(line.get("count") or 0)


def _days(line: dict[str, Any], default: int) -> int:
    return int(line.get("days") or default)


def _policy_sentence(text: Promise, **fields: str) -> Callable[..., str]:
    """A sentence whose numbers, if any, are fields of the policy the evaluation used
    (placeholder=field name). It is called as the function it stands for: (line, ctx) for a
    line, (ctx) for a trigger."""

    def sentence(*args: Any) -> str:
        if not fields:
            return str(text)
        policy = args[-1].policy
        return text % {key: getattr(policy, name) for key, name in fields.items()}

    return sentence


# Lines: a table row where only the words and the numbers' sources differ, else a function.

LineSentence = Callable[[dict[str, Any], Context], str]


def _in_window(text: Promise, window: str, **fields: str) -> LineSentence:
    """A line's sentence over a window of days (the line's own, else the policy's `window`) with
    the line's count and any fields of the policy (placeholder=field name)."""

    def sentence(line: dict[str, Any], ctx: Context) -> str:
        policy = ctx.policy
        return text % {
            **{key: getattr(policy, name) for key, name in fields.items()},
            "count": _count(line),
            "days": _days(line, getattr(policy, window)),
        }

    return sentence


def _credit_level(line: dict[str, Any], ctx: Context) -> str:
    return _("registry credit level %(level)s") % {"level": line.get("level") or "?"}


def _tenure(line: dict[str, Any], ctx: Context) -> str:
    if not ctx.part("declarations").get("first_approved_at"):
        return _("no approved declaration yet (tenure counts from the first approval)")
    months = int(line.get("months") or 0)
    if months >= TENURE_FULL_MONTHS:
        return ngettext(
            "%(months)d month since the first approval (full points)",
            "%(months)d months since the first approval (full points)",
            months,
        ) % {"months": months}
    return ngettext(
        "%(months)d month since the first approval (full points at %(full)d months)",
        "%(months)d months since the first approval (full points at %(full)d months)",
        months,
    ) % {"months": months, "full": TENURE_FULL_MONTHS}


def _returns_honoured(line: dict[str, Any], ctx: Context) -> str:
    refused = int(line.get("refused") or 0)
    if not refused:
        return _("no accepted complaint of a refused return in %(days)d days") % {
            "days": RETURNS_WINDOW_DAYS
        }
    return ngettext(
        "%(count)d accepted complaint of a refused return in %(days)d days",
        "%(count)d accepted complaints of a refused return in %(days)d days",
        refused,
    ) % {"count": refused, "days": RETURNS_WINDOW_DAYS}


def _completeness(line: dict[str, Any], ctx: Context) -> str:
    asked = int(line.get("asked") or 0)
    if not asked:
        return _("no approved declaration with commitments yet")
    accepted = int(line.get("accepted") or 0)
    return ngettext(
        "%(accepted)d of %(asked)d commitment of your schemes accepted",
        "%(accepted)d of %(asked)d commitments of your schemes accepted",
        asked,
    ) % {"accepted": accepted, "asked": asked}


def _long_return_window(line: dict[str, Any], ctx: Context) -> str:
    return _("return window of %(days)d days, beyond the %(min)d-day minimum") % {
        "days": int(line.get("days") or 0),
        "min": NO_REASON_RETURN_MIN_DAYS,
    }


def _complaints_on_time(line: dict[str, Any], ctx: Context) -> str:
    n = _count(line)
    return ngettext(
        "the %(count)d complaint closed in %(days)d days was closed on time",
        "all %(count)d complaints closed in %(days)d days were closed on time",
        n,
    ) % {"count": n, "days": ctx.policy.complaint_window_days}


LINE_SENTENCES: dict[str, LineSentence] = {
    "accepted_complaints": _in_window(
        ngettext_lazy(
            "%(count)d accepted complaint in %(days)d days",
            "%(count)d accepted complaints in %(days)d days",
            "count",
        ),
        "complaint_window_days",
    ),
    "overdue_complaints": _in_window(
        ngettext_lazy(
            "%(count)d complaint not handled by its deadline in %(days)d days",
            "%(count)d complaints not handled by their deadline in %(days)d days",
            "count",
        ),
        "complaint_window_days",
    ),
    "failed_inspections": _in_window(
        ngettext_lazy(
            "%(count)d failed inspection in %(days)d days",
            "%(count)d failed inspections in %(days)d days",
            "count",
        ),
        "inspection_window_days",
    ),
    "rectify_inspections": _in_window(
        ngettext_lazy(
            "%(count)d inspection with things to rectify in %(days)d days",
            "%(count)d inspections with things to rectify in %(days)d days",
            "count",
        ),
        "inspection_window_days",
    ),
    "minor_penalties": _in_window(
        ngettext_lazy(
            "%(count)d minor administrative penalty in %(days)d days",
            "%(count)d minor administrative penalties in %(days)d days",
            "count",
        ),
        "penalty_window_days",
    ),
    "ordinary_penalties": _in_window(
        ngettext_lazy(
            "%(count)d administrative penalty in %(days)d days",
            "%(count)d administrative penalties in %(days)d days",
            "count",
        ),
        "penalty_window_days",
    ),
    "abnormal_list": _policy_sentence(
        gettext_lazy("on the registry's list of abnormal operations")
    ),
    "credit_level": _credit_level,
    "serious_penalty": _policy_sentence(
        gettext_lazy(
            "a serious administrative penalty in %(days)d days (bottom-line item: compliance "
            "counts 0)"
        ),
        days="penalty_window_days",
    ),
    "dishonest_list": _policy_sentence(
        gettext_lazy("on the serious-dishonesty list (bottom-line item: compliance counts 0)")
    ),
    "tenure": _tenure,
    "returns_honoured": _returns_honoured,
    "completeness": _completeness,
    "long_return_window": _long_return_window,
    "perfect_inspection": _policy_sentence(
        gettext_lazy("an inspection with a perfect score in %(days)d days"),
        days="inspection_window_days",
    ),
    "complaints_on_time": _complaints_on_time,
}


def explain_line(line: dict[str, Any], ctx: Context) -> ExplainedLine:
    code = str(line.get("code", ""))
    points = int(line.get("points") or 0)
    sentence_for = LINE_SENTENCES.get(code)
    # A code from a newer evaluation module than this one: say what it is rather than fail.
    sentence = sentence_for(line, ctx) if sentence_for else code.replace("_", " ")
    return ExplainedLine(code=code, points=points, signed=signed(points), sentence=sentence)


def context_for(evaluation: Evaluation) -> Context:
    return Context(policy=evaluation.policy, inputs=inputs_expand(evaluation.inputs or {}))


def explain_components(evaluation: Evaluation) -> list[ExplainedComponent]:
    """Each component in the order of COMPONENT_LABELS, with its lines in sentences (the
    lines derived again from the stored inputs: evaluation_result)."""
    ctx = context_for(evaluation)
    components = evaluation_result(evaluation).components
    names = [n for n in COMPONENT_LABELS if n in components]
    names += [n for n in components if n not in COMPONENT_LABELS]
    return [
        ExplainedComponent(
            name=name,
            label=str(COMPONENT_LABELS.get(name, name)),
            points=int(components[name].get("points") or 0),
            max=int(components[name].get("max") or 0),
            lines=[explain_line(line, ctx) for line in components[name].get("lines", [])],
        )
        for name in names
    ]


# Warning triggers: likewise.


def _licence_expiry(ctx: Context) -> date | None:
    """The earliest expired end date of the business licence (the merchant's own or the
    registry's) as of the evaluation."""
    as_of = _as_date(ctx.inputs.get("as_of"))
    dates = [
        _as_date(ctx.inputs.get("licence_valid_until")),
        _as_date(ctx.part("registry").get("licence_valid_until")),
    ]
    expired = [d for d in dates if d is not None and (as_of is None or d < as_of)]
    return min(expired) if expired else None


def _as_date(value: date | datetime | None) -> date | None:
    """The day of an expanded input (a moment: the local day, as the scoring takes it)."""
    if isinstance(value, datetime):
        return timezone.localdate(value)
    return value


def _t_refused_return(ctx: Context) -> str:
    return _("A refusal of a committed return was confirmed in the last %(days)d days.") % {
        "days": RETURNS_WINDOW_DAYS
    }


def _t_complaints_recent(ctx: Context) -> str:
    n = int(ctx.part("complaints").get("accepted_recent") or 0)
    p = ctx.policy
    if not n:
        return _(
            "At least %(limit)d complaints were accepted within %(days)d days (the warning line)."
        ) % {"limit": p.warning_accepted_complaints, "days": p.warning_complaint_days}
    return ngettext(
        "%(count)d complaint accepted in the last %(days)d days (warning at %(limit)d).",
        "%(count)d complaints accepted in the last %(days)d days (warning at %(limit)d).",
        n,
    ) % {"count": n, "days": p.warning_complaint_days, "limit": p.warning_accepted_complaints}


def _t_overdue_complaint(ctx: Context) -> str:
    n = int(ctx.part("complaints").get("open_overdue") or 0)
    if not n:
        return _("A complaint is past its deadline and still open.")
    return ngettext(
        "%(count)d complaint is past its deadline and still open.",
        "%(count)d complaints are past their deadline and still open.",
        n,
    ) % {"count": n}


def _t_failed_inspection(ctx: Context) -> str:
    n = int(ctx.part("inspections").get("failed") or 0) or 1
    return ngettext(
        "%(count)d failed inspection in the last %(days)d days.",
        "%(count)d failed inspections in the last %(days)d days.",
        n,
    ) % {"count": n, "days": ctx.policy.inspection_window_days}


def _t_penalty(ctx: Context) -> str:
    penalties = ctx.part("penalties")
    n = sum(int(penalties.get(k) or 0) for k in ("minor", "ordinary", "serious")) or 1
    return ngettext(
        "%(count)d administrative penalty in the last %(days)d days.",
        "%(count)d administrative penalties in the last %(days)d days.",
        n,
    ) % {"count": n, "days": ctx.policy.penalty_window_days}


def _t_licence_expired(ctx: Context) -> str:
    expired = _licence_expiry(ctx)
    if expired is None:
        return _("The business licence has expired.")
    return _("The business licence expired on %(date)s.") % {"date": expired.isoformat()}


TRIGGER_SENTENCES: dict[Trigger, Callable[[Context], str]] = {
    Trigger.SERIOUS_PENALTY: _policy_sentence(
        gettext_lazy("A serious administrative penalty in the last %(days)d days."),
        days="penalty_window_days",
    ),
    Trigger.DISHONEST_LIST: _policy_sentence(
        gettext_lazy("The business is on the serious-dishonesty list.")
    ),
    Trigger.COUNTERFEIT: _policy_sentence(
        gettext_lazy("Counterfeit goods were found at an inspection in the last %(days)d days."),
        days="inspection_window_days",
    ),
    Trigger.REFUSED_RETURN: _t_refused_return,
    Trigger.SCORE_BELOW: _policy_sentence(
        gettext_lazy("The score is below the warning line of %(line)d."),
        line="warning_score_below",
    ),
    Trigger.COMPLAINTS_RECENT: _t_complaints_recent,
    Trigger.OVERDUE_COMPLAINT: _t_overdue_complaint,
    Trigger.FAILED_INSPECTION: _t_failed_inspection,
    Trigger.PENALTY: _t_penalty,
    Trigger.LICENCE_EXPIRED: _t_licence_expired,
    Trigger.ENTITY_ABNORMAL: _policy_sentence(
        gettext_lazy("The registry lists the business as abnormal or not active.")
    ),
}


def explain_trigger(code: str, ctx: Context) -> ExplainedTrigger:
    sentence_for = TRIGGER_SENTENCES.get(code)
    sentence = sentence_for(ctx) if sentence_for else code.replace("_", " ")
    return ExplainedTrigger(code=code, sentence=sentence, bottom_line=code in BOTTOM_LINE_TRIGGERS)


def explain_triggers(codes: list[str], evaluation: Evaluation) -> list[ExplainedTrigger]:
    ctx = context_for(evaluation)
    return [explain_trigger(code, ctx) for code in codes]


# What to improve: advice from the lines that cost points, the bonuses not earned and the
# triggers that still hold.


_a_penalties = _in_window(
    gettext_lazy(
        "Avoid further administrative penalties: each one counts against you for %(days)d days."
    ),
    "penalty_window_days",
)


def _a_credit_level(line: dict[str, Any], ctx: Context) -> str:
    return _("Improve the registry credit level (now %(level)s): it costs %(points)d points.") % {
        "level": line.get("level") or "?",
        "points": -int(line.get("points") or 0),
    }


def _a_tenure(line: dict[str, Any], ctx: Context) -> str:
    months = int(line.get("months") or 0)
    if not ctx.part("declarations").get("first_approved_at"):
        return _("Tenure points start with your first approved declaration.")
    left = TENURE_FULL_MONTHS - months
    return ngettext(
        "Tenure points grow by themselves: full points in %(months)d more month.",
        "Tenure points grow by themselves: full points in %(months)d more months.",
        left,
    ) % {"months": left}


def _a_returns_honoured(line: dict[str, Any], ctx: Context) -> str:
    return _(
        "Honour every committed return: a confirmed refusal costs a third of the commitment "
        "points for %(days)d days."
    ) % {"days": RETURNS_WINDOW_DAYS}


def _a_completeness(line: dict[str, Any], ctx: Context) -> str:
    asked = int(line.get("asked") or 0)
    if not asked:
        return _("Get a declaration approved with all the commitments of its scheme.")
    return _(
        "Accept all the commitments of your schemes when you next declare "
        "(%(accepted)d of %(asked)d accepted now)."
    ) % {"accepted": int(line.get("accepted") or 0), "asked": asked}


ADVICE: dict[str, LineSentence] = {
    "accepted_complaints": _in_window(
        gettext_lazy(
            "Prevent complaints: each accepted complaint takes %(per)d points off for %(days)d "
            "days. Look at what customers complain about and put it right."
        ),
        "complaint_window_days",
        per="deduction_per_accepted_complaint",
    ),
    "overdue_complaints": _policy_sentence(
        gettext_lazy(
            "Handle complaints before their deadline: each overdue complaint takes %(per)d points "
            "off."
        ),
        per="deduction_per_overdue_complaint",
    ),
    "failed_inspections": _in_window(
        gettext_lazy(
            "Keep to the inspection checklist every day: a failed inspection takes %(per)d points "
            "off for %(days)d days."
        ),
        "inspection_window_days",
        per="deduction_per_failed_inspection",
    ),
    "rectify_inspections": _in_window(
        gettext_lazy(
            "Put right what inspectors find before the next visit: a “rectify” result takes "
            "%(per)d points off for %(days)d days."
        ),
        "inspection_window_days",
        per="deduction_per_rectify_inspection",
    ),
    "minor_penalties": _a_penalties,
    "ordinary_penalties": _a_penalties,
    "abnormal_list": _policy_sentence(
        gettext_lazy(
            "Get off the list of abnormal operations: file the annual report, keep the registered "
            "address current, then ask the registry to remove the business from the list."
        )
    ),
    "credit_level": _a_credit_level,
    "serious_penalty": _policy_sentence(
        gettext_lazy(
            "A serious penalty sets compliance to 0 for %(days)d days: avoid any further violation."
        ),
        days="penalty_window_days",
    ),
    "dishonest_list": _policy_sentence(
        gettext_lazy(
            "Settle what put the business on the serious-dishonesty list; until it is removed, "
            "compliance counts 0."
        )
    ),
    "tenure": _a_tenure,
    "returns_honoured": _a_returns_honoured,
    "completeness": _a_completeness,
}


def _b_long_return_window(ctx: Context) -> str:
    return _(
        "Offer returns for longer than the %(min)d-day minimum for %(points)d bonus points."
    ) % {"min": NO_REASON_RETURN_MIN_DAYS, "points": BONUS_POINTS}


def _b_perfect_inspection(ctx: Context) -> str:
    return _("A perfect score at an inspection earns %(points)d bonus points.") % {
        "points": BONUS_POINTS
    }


def _b_complaints_on_time(ctx: Context) -> str:
    return _(
        "Close every accepted complaint on time: with at least %(min)d closed in %(days)d days, "
        "all on time, you earn %(points)d bonus points."
    ) % {
        "min": ON_TIME_MIN_CLOSED,
        "days": ctx.policy.complaint_window_days,
        "points": BONUS_POINTS,
    }


BONUS_ADVICE: dict[str, Callable[[Context], str]] = {
    "long_return_window": _b_long_return_window,
    "perfect_inspection": _b_perfect_inspection,
    "complaints_on_time": _b_complaints_on_time,
}


def _tr_licence_expired(ctx: Context) -> str:
    expired = _licence_expiry(ctx)
    if expired is None:
        return _("Renew the expired business licence and update it on the platform.")
    return _("Renew the licence that expired on %(date)s and update it on the platform.") % {
        "date": expired.isoformat()
    }


def _tr_refused_return(ctx: Context) -> str:
    return _a_returns_honoured({}, ctx)


TRIGGER_ADVICE: dict[Trigger, Callable[[Context], str]] = {
    Trigger.LICENCE_EXPIRED: _tr_licence_expired,
    Trigger.OVERDUE_COMPLAINT: _policy_sentence(
        gettext_lazy("Answer the complaints that are past their deadline now.")
    ),
    Trigger.ENTITY_ABNORMAL: _policy_sentence(
        gettext_lazy(
            "Put the registry record right: the business must be listed as active and normal."
        )
    ),
    Trigger.COUNTERFEIT: _policy_sentence(
        gettext_lazy(
            "Take counterfeit goods off sale, check your suppliers and keep their invoices: "
            "counterfeit goods are a bottom-line item."
        )
    ),
    Trigger.REFUSED_RETURN: _tr_refused_return,
    Trigger.SCORE_BELOW: _policy_sentence(
        gettext_lazy("Bring the score to %(line)d or more: below it the merchant is warned."),
        line="warning_score_below",
    ),
}


def _costs_points(component: str, line: dict[str, Any], weight: int) -> bool:
    """A line that cost points: a deduction, a bottom-line item (shown with 0), or a
    commitments part below its full third."""
    points = int(line.get("points") or 0)
    if component == "commitments":
        return points < round(weight / 3)
    if component == "bonus":
        return False
    return points < 0 or line.get("code") in BOTTOM_LINE_TRIGGERS


def improvements(evaluation: Evaluation) -> list[str]:
    """Concrete advice, most urgent first: conditions that hold (an expired licence), then
    the lines that cost the most points, then the bonus points not earned."""
    ctx = context_for(evaluation)
    advice: list[str] = []

    def add(text: str) -> None:
        if text not in advice:
            advice.append(text)

    for code in evaluation.triggers or []:
        if code in TRIGGER_ADVICE:
            add(TRIGGER_ADVICE[code](ctx))
    components = evaluation_result(evaluation).components
    costly = [
        line
        for name, component in components.items()
        for line in component.get("lines", [])
        if line.get("code") in ADVICE and _costs_points(name, line, int(component.get("max") or 0))
    ]
    costly.sort(key=lambda line: int(line.get("points") or 0))
    for line in costly:
        add(ADVICE[line["code"]](line, ctx))
    bonus = components.get("bonus") or {}
    if int(bonus.get("points") or 0) < int(bonus.get("max") or 0):
        earned = {line.get("code") for line in bonus.get("lines", [])}
        for code in BONUS_CODES:
            if code not in earned:
                add(BONUS_ADVICE[code](ctx))
    return advice


def next_band(score: int | None, policy: EvaluationPolicy) -> NextBand | None:
    """The next star band above the score, or None at five stars (or without a score)."""
    if score is None:
        return None
    stars = policy.stars_for(score)
    if stars >= len(policy.star_bands):
        return None
    band = int(policy.star_bands[stars])
    return NextBand(points=band - score, stars=stars + 1, band=band)
