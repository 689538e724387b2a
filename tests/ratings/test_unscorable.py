"""Issue 14, finding 1: one merchant's absurd stored data never stops the province's run; the
run evaluates everybody else and says whom it skipped (note and log)."""

import logging

import pytest
from django.utils import timezone

from common.messages import msg, render
from merchants.models import Declaration, Pool
from ratings import messages as m
from ratings.models import Evaluation, EvaluationPolicy, EvaluationRun
from ratings.services import runs
from ratings.services.evaluation import evaluate
from ratings.services.pools import standing_move
from tests.factories import DeclarationFactory, MerchantFactory, scheme

pytestmark = pytest.mark.django_db


def _in_programme(count: int, days: int = 15) -> list:
    merchants = []
    for _ in range(count):
        m = MerchantFactory()
        DeclarationFactory(
            merchant=m,
            scheme=scheme("no-reason-return"),
            state=Declaration.State.APPROVED,
            decided_at=timezone.now(),
            details={"return_days": days, "goods_covered": "服装"},
        )
        standing_move(merchant=m, to=Pool.SELECTION, reason_code="t", reason="t")
        merchants.append(m)
    return merchants


# Values the database still admits (its CHECK refuses a window above 365 days, a text or an
# object: tests/common/test_input_constraints.py).
@pytest.mark.parametrize("absurd", [-5, 7.5, -(10**12)])
def test_the_monthly_run_skips_a_merchant_with_absurd_details_and_evaluates_the_rest(
    absurd, caplog
):
    good = _in_programme(3)
    bad = _in_programme(1)[0]
    # Written around validation, as data stored before the bound (or by hand) could be.
    Declaration.objects.filter(merchant=bad).update(details={"return_days": absurd})

    with caplog.at_level(logging.WARNING, logger="ratings.services"):
        run = runs.evaluation_run(kind=EvaluationRun.Kind.MONTHLY)

    assert run.state == EvaluationRun.State.FINISHED
    assert run.merchants_evaluated == 3
    assert set(Evaluation.objects.values_list("merchant_id", flat=True)) == {m.pk for m in good}
    # The bonus for a long window still counts for the good ones.
    assert all(e.components.get("bonus") == 5 for e in Evaluation.objects.filter(merchant__in=good))
    note = render(run.note, "en")
    assert f"#{bad.pk} {bad.name}" in note and "1 merchant(s) skipped" in note
    assert f"#{bad.pk} {bad.name}" in render(run.note, "zh-hans")
    assert any(str(bad.pk) in r.getMessage() for r in caplog.records)


def test_evaluate_leaves_out_a_merchant_it_cannot_score():
    good = _in_programme(1)[0]
    bad = _in_programme(1)[0]
    Declaration.objects.filter(merchant=bad).update(details={"return_days": -(10**12)})
    results = evaluate([good.pk, bad.pk], policy=EvaluationPolicy.current())
    assert set(results) == {good.pk}


def test_a_note_the_run_had_is_kept_beside_the_skipped():
    bad = MerchantFactory()
    run = EvaluationRun(note=msg(m.RUN_RESUMES, run=41))
    note = render(runs._skipped_note(run, {bad.pk: "unreadable"}), "en")
    assert "Carries on run 41" in note and f"#{bad.pk} {bad.name}" in note
    assert runs._skipped_note(run, {}) == run.note


@pytest.mark.parametrize("set_based", [True, False], ids=["set-based", "python"])
def test_a_merchant_whose_evaluation_the_database_refuses_is_skipped_and_the_batch_stored(
    set_based, monkeypatch
):
    from django.db import DataError

    monkeypatch.setattr(runs, "SET_BASED", set_based)
    merchants = _in_programme(5)
    bad = merchants[2]
    if runs.set_based():
        store_scored = runs.evaluation_batch_scored

        def refusing_scored(*, merchants, **kwargs):
            if bad.pk in merchants:
                raise DataError("numeric field overflow")
            return store_scored(merchants=merchants, **kwargs)

        monkeypatch.setattr(runs, "evaluation_batch_scored", refusing_scored)
    else:
        store = runs.evaluation_batch

        def refusing(*, run, results, now):
            if bad.pk in results:
                raise DataError("numeric field overflow")
            return store(run=run, results=results, now=now)

        monkeypatch.setattr(runs, "evaluation_batch", refusing)
    run = runs.evaluation_run(kind=EvaluationRun.Kind.MONTHLY)
    assert run.state == EvaluationRun.State.FINISHED and run.merchants_evaluated == 4
    assert not Evaluation.objects.filter(merchant=bad).exists()
    assert f"#{bad.pk} {bad.name}" in render(run.note, "en")
