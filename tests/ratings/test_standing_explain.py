"""The evaluation in sentences: every line and trigger code ratings.services.evaluation can
produce has its own sentence, the numbers in them are the evaluation's, and the advice and next
band follow from the lines."""

import ast
import inspect
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from complaints.models import ComplaintCategory, ComplaintState
from merchants.models import Declaration, PenaltyRecord, RegistryRecord
from ratings.models import Evaluation, EvaluationPolicy, Trigger
from ratings.models.evaluation import BOTTOM_LINE_TRIGGERS, EXIT_TRIGGERS, STATE_TRIGGERS
from ratings.selectors import evaluation as explain
from ratings.services import evaluation as evaluation_module
from ratings.services.evaluation import evaluate
from review.models import InspectionState
from tests.factories import (
    ComplaintFactory,
    DeclarationFactory,
    InspectionFactory,
    MerchantFactory,
    PenaltyRecordFactory,
    RegistryRecordFactory,
    scheme,
)

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 11, 27, 12, 0))


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def _code(node: ast.AST) -> str | None:
    """The code a node writes: a string constant, or a member of Trigger (`Trigger.PENALTY`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "Trigger":
        return Trigger[node.attr].value
    return None


def _strings(node: ast.AST) -> set[str]:
    return {code for n in ast.walk(node) if (code := _code(n)) is not None}


def _codes_in_evaluation_source() -> tuple[set[str], set[str]]:
    """(line codes, trigger codes) as written in ratings/services/evaluation.py: every constant
    given as a line's "code" (a dict literal, _line() or a _deductions() tuple), every constant
    or Trigger member put in `triggers` or `vetoes` (assigned or appended). The vetoes
    (EXIT_TRIGGERS) are lines of the compliance component too, with 0 points."""
    tree = ast.parse(inspect.getsource(evaluation_module))
    lines: set[str] = set(EXIT_TRIGGERS)
    triggers: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "code":
                    lines |= _strings(value) if isinstance(value, ast.Constant) else set()
        elif isinstance(node, ast.Assign):
            names = {getattr(t, "id", "") for t in node.targets}
            if names & {"triggers", "vetoes"}:
                triggers |= {
                    s for e in ast.walk(node.value) if isinstance(e, ast.List) for s in _strings(e)
                }
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name == "_line" and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                lines.add(node.args[1].value)
            elif name == "_deductions":
                for arg in node.args:
                    if isinstance(arg, ast.Tuple) and isinstance(arg.elts[0], ast.Constant):
                        lines.add(arg.elts[0].value)
            elif name == "append" and getattr(func.value, "id", "") in ("triggers", "vetoes"):
                triggers |= {code for a in node.args if (code := _code(a)) is not None}
    return lines, triggers | EXIT_TRIGGERS


LINE_CODES, TRIGGER_CODES = _codes_in_evaluation_source()


def test_the_source_walk_finds_the_codes():
    # If the walk found nothing, the tests below would pass for nothing.
    assert {"accepted_complaints", "serious_penalty", "tenure", "long_return_window"} <= LINE_CODES
    assert len(LINE_CODES) >= 16
    assert {"complaints_recent", "licence_expired", "dishonest_list"} <= TRIGGER_CODES
    assert STATE_TRIGGERS | EXIT_TRIGGERS <= TRIGGER_CODES
    assert set(Trigger.values) == TRIGGER_CODES


@pytest.mark.parametrize("code", sorted(LINE_CODES))
def test_every_line_code_has_its_own_sentence(code):
    assert code in explain.LINE_SENTENCES
    line = {"points": -3, "code": code, "count": 2, "days": 90, "months": 4, "level": "C"}
    line |= {"refused": 1, "accepted": 3, "asked": 5}
    sentence = explain.explain_line(line, explain.Context(policy=EvaluationPolicy.current()))
    assert sentence.sentence and sentence.sentence != code.replace("_", " ")


@pytest.mark.parametrize("code", sorted(TRIGGER_CODES))
def test_every_trigger_code_has_its_own_sentence(code):
    assert code in explain.TRIGGER_SENTENCES
    trigger = explain.explain_trigger(code, explain.Context(policy=EvaluationPolicy.current()))
    assert trigger.sentence.endswith(".")
    assert trigger.bottom_line == (code in BOTTOM_LINE_TRIGGERS)


def _approved(merchant, code="assured-unit", *, all_commitments=True, **kw):
    declaration = DeclarationFactory(
        merchant=merchant,
        scheme=scheme(code),
        state=Declaration.State.APPROVED,
        decided_at=ago(400),
        **kw,
    )
    if all_commitments:
        declaration.accepted_commitments.set(declaration.scheme.commitments.all())


def _bad_merchant():
    m = MerchantFactory(licence_valid_until=date(2026, 1, 1))
    _approved(m, all_commitments=False)
    for days in (3, 8, 15):
        ComplaintFactory(
            merchant=m, created_at=ago(days), accepted_at=ago(days), state="with_merchant"
        )
    ComplaintFactory(
        merchant=m, created_at=ago(40), accepted_at=ago(40), state="with_merchant", is_overdue=True
    )
    ComplaintFactory(
        merchant=m,
        category=ComplaintCategory.REFUND_REFUSED,
        created_at=ago(50),
        accepted_at=ago(49),
        state=ComplaintState.SETTLED,
    )
    fail = InspectionFactory(merchant=m, visited_at=ago(20), result="fail", score=40)
    fail.answers = {"no-counterfeits": "no"}
    fail.save()
    InspectionFactory(
        merchant=m, visited_at=ago(60), result="rectify", score=80, state=InspectionState.CLOSED
    )
    for severity in PenaltyRecord.Severity.values:
        PenaltyRecordFactory(uscc=m.uscc, decided_on=date(2026, 10, 1), severity=severity)
    RegistryRecordFactory(
        uscc=m.uscc,
        on_abnormal_list=True,
        on_dishonest_list=True,
        credit_level=RegistryRecord.Credit.C,
    )
    return m


def _good_merchant():
    m = MerchantFactory()
    _approved(m, "no-reason-return", details={"return_days": 15, "cross_store_returns": True})
    for days in (10, 20, 30):
        ComplaintFactory(
            merchant=m,
            created_at=ago(days),
            accepted_at=ago(days),
            closed_at=ago(days - 2),
            close_due=(ago(days) + timedelta(days=7)).date(),
            state=ComplaintState.SETTLED,
        )
    InspectionFactory(
        merchant=m, visited_at=ago(30), result="pass", score=100, state=InspectionState.CLOSED
    )
    return m


def test_real_evaluations_produce_every_code_and_each_is_explained():
    """Walk the codes through evaluate() itself: one merchant with everything wrong, one with
    every bonus; between them every line and trigger code appears, each in its sentence."""
    policy = EvaluationPolicy.current()
    bad, good = _bad_merchant(), _good_merchant()
    results = evaluate([bad.pk, good.pk], policy=policy, now=NOW)
    seen_lines, seen_triggers = set(), set()
    for result in results.values():
        row = Evaluation(policy=policy, score=result.score, components=result.components)
        row.inputs = _json(result.inputs)
        row.triggers = result.triggers
        for component in explain.explain_components(row):
            for line in component.lines:
                seen_lines.add(line.code)
                assert line.code in explain.LINE_SENTENCES
        seen_triggers |= {t.code for t in explain.explain_triggers(result.triggers, row)}
    assert seen_lines == LINE_CODES
    assert seen_triggers == TRIGGER_CODES


def _json(value):
    """The inputs as the Evaluation row stores them (dates as ISO strings)."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _sentence(code: str, points: int, **data) -> str:
    line = {"points": points, "code": code, **data}
    return explain.explain_line(line, explain.Context(policy=EvaluationPolicy.current())).text


def test_sentences_read_as_a_merchant_would_say_them():
    assert (
        _sentence("accepted_complaints", -6, count=2, days=90)
        == "\u22126: 2 accepted complaints in 90 days"
    )
    assert (
        _sentence("failed_inspections", -15, count=1, days=365)
        == "\u221215: 1 failed inspection in 365 days"
    )
    assert (
        _sentence("long_return_window", 5, days=15)
        == "+5: return window of 15 days, beyond the 7-day minimum"
    )
    assert _sentence("serious_penalty", 0) == (
        "0: a serious administrative penalty in 365 days (bottom-line item: compliance counts 0)"
    )
    assert _sentence("credit_level", -8, level="C") == "\u22128: registry credit level C"
    assert _sentence("completeness", 3, accepted=3, asked=5) == (
        "+3: 3 of 5 commitments of your schemes accepted"
    )


def test_an_explained_evaluation_with_advice_and_next_band():
    policy = EvaluationPolicy.current()
    m = MerchantFactory(licence_valid_until=date(2026, 1, 1))
    _approved(m)
    ComplaintFactory(
        merchant=m, created_at=ago(40), accepted_at=ago(40), state="with_merchant", is_overdue=True
    )
    result = evaluate([m.pk], policy=policy, now=NOW)[m.pk]
    row = Evaluation(
        policy=policy,
        score=result.score,
        components=result.components,
        inputs=_json(result.inputs),
        triggers=result.triggers,
    )
    # complaints 30 - 3 - 5 = 22; the rest full (commitments 15), no bonus: 92.
    assert result.score == 92
    complaints = explain.explain_components(row)[0]
    assert (complaints.label, complaints.points, complaints.max) == ("Complaints", 22, 30)
    assert [line.text for line in complaints.lines] == [
        "\u22123: 1 accepted complaint in 90 days",
        "\u22125: 1 complaint not handled by its deadline in 90 days",
    ]
    advice = explain.improvements(row)
    # The conditions that hold come first, in the evaluation's order of triggers.
    assert advice[:2] == [
        "Answer the complaints that are past their deadline now.",
        "Renew the licence that expired on 2026-01-01 and update it on the platform.",
    ]
    # Costliest line first: the overdue complaint (-5) before the accepted one (-3).
    overdue = advice.index(
        "Handle complaints before their deadline: each overdue complaint takes 5 points off."
    )
    accepted = next(i for i, a in enumerate(advice) if a.startswith("Prevent complaints"))
    assert overdue < accepted
    assert any("bonus points" in a for a in advice)  # no bonus earned yet
    assert [t.sentence for t in explain.explain_triggers(row.triggers, row)] == [
        "1 complaint is past its deadline and still open.",
        "The business licence expired on 2026-01-01.",
    ]
    band = explain.next_band(result.score, policy)
    assert (band.points, band.stars, band.text) == (3, 5, "3 more points for ★★★★★")
    assert band.spoken == "3 more points for 5 stars of 5"


def test_next_band_from_each_side_of_the_bands():
    policy = EvaluationPolicy.current()
    assert explain.next_band(82, policy).text == "3 more points for ★★★"
    assert explain.next_band(60, policy).text == "15 more points for ★"
    assert explain.next_band(84, policy).text == "1 more point for ★★★"
    assert explain.next_band(95, policy) is None
    assert explain.next_band(None, policy) is None


def test_signed_points_use_a_real_minus():
    assert [explain.signed(n) for n in (-6, 0, 5)] == ["\u22126", "0", "+5"]
