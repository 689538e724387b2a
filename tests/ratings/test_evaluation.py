"""The evaluation against hand-computed numbers (defaults of policy version 1)."""

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from complaints.models import ComplaintCategory, ComplaintState
from merchants.models import Declaration, PenaltyRecord, RegistryRecord
from ratings.models import EvaluationPolicy
from ratings.services.evaluation import InputsQuery, evaluate, inputs_query, row_scorer
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


def approved(merchant, code="assured-unit", *, decided_days_ago=400, all_commitments=True, **kw):
    declaration = DeclarationFactory(
        merchant=merchant,
        scheme=scheme(code),
        state=Declaration.State.APPROVED,
        decided_at=ago(decided_days_ago),
        **kw,
    )
    if all_commitments:
        declaration.accepted_commitments.set(declaration.scheme.commitments.all())
    return declaration


def accepted_complaint(merchant, days: int, **kw):
    return ComplaintFactory(
        merchant=merchant,
        created_at=ago(days),
        accepted_at=ago(days - 1),
        state=kw.pop("state", ComplaintState.WITH_MERCHANT),
        **kw,
    )


@pytest.fixture
def policy() -> EvaluationPolicy:
    return EvaluationPolicy.current()


def test_a_merchant_with_some_of_everything(policy):
    m = MerchantFactory()
    approved(m, "no-reason-return", details={"return_days": 15, "cross_store_returns": True})
    accepted_complaint(m, 10)  # in the 30-day trigger window too
    accepted_complaint(m, 60, is_overdue=True)  # open and overdue
    accepted_complaint(m, 120)  # outside the 90-day window
    ComplaintFactory(merchant=m, created_at=ago(5))  # submitted, not accepted: does not count
    InspectionFactory(
        merchant=m,
        visited_at=ago(100),
        result="rectify",
        score=85,
        state=InspectionState.CLOSED,
    )
    PenaltyRecordFactory(
        uscc=m.uscc, decided_on=date(2026, 5, 1), severity=PenaltyRecord.Severity.MINOR
    )
    RegistryRecordFactory(uscc=m.uscc, credit_level=RegistryRecord.Credit.B)

    result = evaluate([m.pk], policy=policy, now=NOW)[m.pk]

    points = {name: c["points"] for name, c in result.components.items()}
    # complaints 30 - 2*3 (accepted in 90 days) - 1*5 (overdue) = 19; inspections 30 - 6 = 24;
    # compliance 25 - 4 (minor penalty) - 3 (credit B) = 18; commitments: 13+ months, no refused
    # return, every commitment accepted = 15; bonus: a 15-day return window = 5.
    assert points == {
        "complaints": 19,
        "inspections": 24,
        "compliance": 18,
        "commitments": 15,
        "bonus": 5,
    }
    assert result.score == 81
    assert policy.stars_for(result.score) == 2
    assert result.triggers == ["overdue_complaint", "penalty"]
    complaint_lines = result.components["complaints"]["lines"]
    assert complaint_lines[0] == {
        "points": -6,
        "code": "accepted_complaints",
        "count": 2,
        "days": 90,
    }
    assert result.inputs["registry"]["credit_level"] == "B"


def test_a_new_clean_merchant(policy):
    m = MerchantFactory()
    approved(m, decided_days_ago=99, all_commitments=False)  # 2026-08-20: three months
    result = evaluate([m.pk], policy=policy, now=NOW)[m.pk]
    # Commitments: tenure 3/12 and returns honoured, none of the commitments accepted:
    # round(15 * (0.25 + 1 + 0) / 3) = round(6.25) = 6. No registry record: no deduction.
    assert result.components["commitments"]["points"] == 6
    assert result.score == 30 + 30 + 25 + 6
    assert result.triggers == []


def test_bottom_line_items_and_triggers(policy):
    m = MerchantFactory(licence_valid_until=date(2026, 1, 1))
    approved(m)
    PenaltyRecordFactory(
        uscc=m.uscc, decided_on=date(2026, 10, 1), severity=PenaltyRecord.Severity.SERIOUS
    )
    RegistryRecordFactory(
        uscc=m.uscc, on_abnormal_list=True, entity_status=RegistryRecord.Status.ACTIVE
    )
    inspection = InspectionFactory(
        merchant=m, visited_at=ago(20), result="fail", score=40, state=InspectionState.RECTIFYING
    )
    inspection.answers = {item["code"]: "yes" for item in inspection.checklist}
    inspection.answers["no-counterfeits"] = "no"
    inspection.save()
    for days in (3, 8, 15):
        accepted_complaint(m, days)
    ComplaintFactory(
        merchant=m,
        category=ComplaintCategory.REFUND_REFUSED,
        created_at=ago(50),
        accepted_at=ago(49),
        state=ComplaintState.SETTLED,
    )

    result = evaluate([m.pk], policy=policy, now=NOW)[m.pk]

    assert result.components["compliance"]["points"] == 0  # serious penalty: veto
    assert result.components["inspections"]["points"] == 15
    # 4 accepted in 90 days: 30 - 12 = 18.
    assert result.components["complaints"]["points"] == 18
    # The refused return costs its third of the commitments: round(15 * 2/3) = 10.
    assert result.components["commitments"]["points"] == 10
    assert result.score == 18 + 15 + 0 + 10
    assert result.triggers == [
        "serious_penalty",
        "counterfeit",
        "refused_return",
        "score_below",
        "complaints_recent",
        "failed_inspection",
        "penalty",
        "licence_expired",
        "entity_abnormal",
    ]


def test_score_below_the_warning_line(policy):
    m = MerchantFactory()
    approved(m, decided_days_ago=10, all_commitments=False)
    for days in range(20, 80, 6):  # 10 accepted complaints in 90 days: complaints 0
        accepted_complaint(m, days)
    InspectionFactory(merchant=m, visited_at=ago(30), result="fail", score=50)
    InspectionFactory(merchant=m, visited_at=ago(60), result="fail", score=50)
    result = evaluate([m.pk], policy=policy, now=NOW)[m.pk]
    assert result.components["complaints"]["points"] == 0
    assert result.components["inspections"]["points"] == 0
    assert result.score == 25 + 5  # compliance, returns honoured (tenure 0, completeness 0)
    assert "score_below" in result.triggers


def test_a_newer_policy_changes_the_numbers_but_not_the_old_policy(policy, admin_user):
    from ratings.services.policy import policy_revise

    m = MerchantFactory()
    approved(m)
    accepted_complaint(m, 10)
    stricter = policy_revise(
        actor=admin_user, base=policy, changes={"deduction_per_accepted_complaint": 10}
    )
    assert evaluate([m.pk], policy=policy, now=NOW)[m.pk].components["complaints"]["points"] == 27
    assert evaluate([m.pk], policy=stricter, now=NOW)[m.pk].components["complaints"]["points"] == 20


def _province_sample() -> list[int]:
    merchants = [MerchantFactory() for _ in range(6)]
    for i, m in enumerate(merchants):
        approved(m, decided_days_ago=30 * (i + 1), all_commitments=bool(i % 2))
        for days in range(5, 5 + 20 * i, 20):
            accepted_complaint(m, days, is_overdue=bool(i % 3 == 0))
        if i % 2:
            InspectionFactory(merchant=m, visited_at=ago(40 + i), result="pass", score=100)
        if i % 3 == 1:
            PenaltyRecordFactory(uscc=m.uscc, decided_on=date(2026, 9, i + 1), severity="ordinary")
        RegistryRecordFactory(uscc=m.uscc, credit_level="ABCD"[i % 4])
    return [m.pk for m in merchants]


def test_a_set_gives_what_each_merchant_gives_alone(policy):
    ids = _province_sample()
    together = evaluate(ids, policy=policy, now=NOW)
    for pk in ids:
        alone = evaluate([pk], policy=policy, now=NOW)[pk]
        assert (alone.score, alone.components, alone.triggers, alone.inputs) == (
            together[pk].score,
            together[pk].components,
            together[pk].triggers,
            together[pk].inputs,
        )


def _read(query: InputsQuery, policy: EvaluationPolicy) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(query.sql, query.params)
        rows = query.convert(cursor.fetchall())
    score = row_scorer(policy, NOW)
    return {row[0]: score(row) for row in rows}


def test_reading_whole_tables_gives_what_looking_up_the_set_gives(policy):
    ids = _province_sample()
    subset = ids[1:-1]  # the others' complaints, visits and records must not leak in
    looked_up = _read(inputs_query(subset, policy=policy, now=NOW), policy)
    whole = _read(inputs_query(subset, policy=policy, now=NOW, whole_tables_from=1), policy)
    assert sorted(whole) == sorted(looked_up) == sorted(subset)
    for pk in subset:
        assert (whole[pk].score, whole[pk].inputs, whole[pk].triggers) == (
            looked_up[pk].score,
            looked_up[pk].inputs,
            looked_up[pk].triggers,
        )
    assert any(whole[pk].inputs["complaints"]["accepted"] for pk in subset)


def test_query_count_does_not_grow_with_the_set(policy, django_assert_num_queries):
    ids = _province_sample()
    with django_assert_num_queries(1):
        evaluate(ids[:1], policy=policy, now=NOW)
    with django_assert_num_queries(1):
        evaluate(ids, policy=policy, now=NOW)


def test_every_merchant_stores_the_same_input_keys(policy):
    quiet = MerchantFactory()  # no complaint, visit, penalty, record or approval
    busy = MerchantFactory()
    approved(busy, "no-reason-return", details={"return_days": 15})
    accepted_complaint(busy, 10)
    InspectionFactory(merchant=busy, visited_at=ago(30), result="fail", score=50)
    PenaltyRecordFactory(uscc=busy.uscc, decided_on=date(2026, 9, 1), severity="minor")
    RegistryRecordFactory(uscc=busy.uscc, credit_level="C")

    results = evaluate([quiet.pk, busy.pk], policy=policy, now=NOW)

    q, b = results[quiet.pk].inputs, results[busy.pk].inputs
    for part in ("complaints", "inspections", "penalties", "declarations"):
        assert list(q[part]) == list(b[part]), part
    # Nothing: counts 0, dates None (not 0), no registry record.
    assert q["complaints"]["accepted"] == 0 and q["complaints"]["last_accepted_at"] is None
    assert q["inspections"]["last_failed_at"] is None
    assert q["declarations"]["first_approved_at"] is None
    assert q["registry"] is None
    assert b["complaints"]["last_accepted_at"] == ago(9)
    assert b["inspections"]["failed"] == 1 and b["penalties"]["minor"] == 1
    assert b["registry"]["credit_level"] == "C" and b["declarations"]["return_days"] == 15
