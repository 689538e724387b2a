"""Evaluation runs: recorded, never two at once, and a killed run's re-run ends like a clean run."""

import threading
from contextlib import closing
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.db import connection, transaction
from django.utils import timezone

from merchants.models import Pool
from ratings.models import Evaluation, EvaluationPolicy, EvaluationRun, Standing
from ratings.services import runs
from ratings.services.evaluation import evaluate, evaluation_result, inputs_expand, inputs_query
from ratings.services.pools import standing_move
from tests.factories import ComplaintFactory, MerchantFactory

pytestmark = pytest.mark.django_db

MONTHLY = EvaluationRun.Kind.MONTHLY
NIGHTLY = EvaluationRun.Kind.NIGHTLY


def programme(count: int) -> list:
    merchants = [MerchantFactory() for _ in range(count)]
    for i, m in enumerate(merchants):
        standing_move(merchant=m, to=Pool.SELECTION, reason_code="t", reason="t")
        for _ in range(i):
            ComplaintFactory(merchant=m, accepted_at=timezone.now(), state="with_merchant")
    return merchants


def test_a_monthly_run_evaluates_the_programme_and_records_itself():
    merchants = programme(3)
    outsider = MerchantFactory()  # never entered the programme
    run = runs.evaluation_run(kind=MONTHLY)
    assert (run.state, run.merchants_evaluated, run.policy) == (
        EvaluationRun.State.FINISHED,
        3,
        EvaluationPolicy.current(),
    )
    assert run.finished_at is not None and run.period == f"{timezone.localtime():%Y-%m}"
    assert not Evaluation.objects.filter(merchant=outsider).exists()
    for i, m in enumerate(merchants):
        standing = Standing.objects.get(merchant=m)
        evaluation = Evaluation.objects.get(merchant=m)
        assert standing.last_evaluation == evaluation
        assert standing.score == evaluation.score
        assert evaluation.components["complaints"] == 30 - 3 * i
        assert evaluation.run == run


def test_a_second_run_cannot_start_while_one_is_alive():
    programme(1)
    live = runs.evaluation_run_start(kind=MONTHLY)
    with pytest.raises(runs.RunInProgress):
        runs.evaluation_run(kind=NIGHTLY)
    live.refresh_from_db()
    assert live.state == EvaluationRun.State.RUNNING
    assert EvaluationRun.objects.filter(state=EvaluationRun.State.RUNNING).count() == 1
    skipped = EvaluationRun.objects.get(state=EvaluationRun.State.SKIPPED)
    assert skipped.kind == NIGHTLY and f"run {live.pk}" in skipped.note_text


def test_a_dead_run_is_marked_failed_and_the_next_one_proceeds():
    programme(2)
    dead = runs.evaluation_run_start(kind=MONTHLY)
    EvaluationRun.objects.filter(pk=dead.pk).update(
        heartbeat_at=timezone.now() - runs.STALE_AFTER - timedelta(minutes=1)
    )
    run = runs.evaluation_run(kind=MONTHLY)
    dead.refresh_from_db()
    assert dead.state == EvaluationRun.State.FAILED
    assert "stopped" in dead.note_text
    assert run.state == EvaluationRun.State.FINISHED
    assert run.merchants_evaluated == 2


@pytest.mark.parametrize("set_based", [True, False], ids=["set-based", "python"])
def test_a_killed_run_started_again_ends_like_one_clean_run(set_based, monkeypatch):
    monkeypatch.setattr(runs, "SET_BASED", set_based)
    merchants = programme(5)
    # Where a batch is stored: set-based on PostgreSQL, else scored and stored in Python.
    store = "evaluation_batch_scored" if runs.set_based() else "evaluation_batch"
    real_batch = getattr(runs, store)
    calls = {"n": 0}

    def dies_on_the_second_batch(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real_batch(**kwargs)

    with (
        mock.patch.object(runs, store, dies_on_the_second_batch),
        pytest.raises(RuntimeError),
    ):
        runs.evaluation_run(kind=MONTHLY, batch_size=2)
    killed = EvaluationRun.objects.get()
    assert (killed.state, killed.merchants_evaluated) == (EvaluationRun.State.FAILED, 2)

    again = runs.evaluation_run(kind=MONTHLY, batch_size=2)
    assert (again.state, again.merchants_evaluated) == (EvaluationRun.State.FINISHED, 3)
    # One evaluation per merchant, as one clean run leaves, with the scores a clean evaluation
    # gives.
    assert Evaluation.objects.count() == 5
    clean = evaluate([m.pk for m in merchants], policy=EvaluationPolicy.current())
    for m in merchants:
        assert Standing.objects.get(merchant=m).score == clean[m.pk].score
    # Run again in the same month: nothing left to do.
    assert runs.evaluation_run(kind=MONTHLY).merchants_evaluated == 0


def test_stored_evaluations_keep_points_and_inputs_and_give_back_the_whole_result():
    merchants = programme(3)
    run = runs.evaluation_run(kind=MONTHLY)
    results = evaluate([m.pk for m in merchants], policy=run.policy, now=run.started_at)
    for m in merchants:
        stored, result = Evaluation.objects.get(merchant=m, run=run), results[m.pk]
        assert (stored.score, stored.triggers) == (result.score, result.triggers)
        assert stored.components == {n: c["points"] for n, c in result.components.items()}
        assert stored.evaluated_at == run.started_at and stored.policy == run.policy
        # The zeros are left out; putting them back gives the inputs the scoring read (dates
        # to the millisecond, as the field's encoder writes them).
        assert 0 not in stored.inputs["complaints"].values()
        expanded = inputs_expand(stored.inputs)
        assert expanded.keys() == result.inputs.keys()
        for name in ("complaints", "inspections", "penalties", "declarations"):
            assert expanded[name].keys() == result.inputs[name].keys()
            for key, value in result.inputs[name].items():
                if isinstance(value, datetime):
                    assert abs(expanded[name][key] - value) < timedelta(milliseconds=1)
                else:
                    assert expanded[name][key] == value
        # Scored again from what is stored: the same points, lines and triggers.
        again = evaluation_result(stored)
        assert (again.score, again.components, again.triggers) == (
            result.score,
            result.components,
            result.triggers,
        )
    last = Standing.objects.get(merchant=merchants[2]).last_evaluation
    assert last.inputs["complaints"]["accepted"] == 2


@pytest.mark.django_db(transaction=True)
def test_a_run_reads_once_and_stores_each_batch_while_scoring_the_next(reference_data, monkeypatch):
    monkeypatch.setattr(runs, "SET_BASED", False)  # the Python way, on any database
    with transaction.atomic():  # committed: each batch commits, as in production
        merchants = programme(5)
    threads = []
    real_batch = runs.evaluation_batch

    def batch_noting_its_thread(**kwargs):
        threads.append(threading.current_thread().name)
        return real_batch(**kwargs)

    with (
        mock.patch.object(runs, "inputs_query", wraps=runs.inputs_query) as reads,
        mock.patch.object(runs, "evaluation_batch", batch_noting_its_thread),
    ):
        run = runs.evaluation_run(kind=MONTHLY, batch_size=2)
    assert (run.state, run.merchants_evaluated) == (EvaluationRun.State.FINISHED, 5)
    # Three batches, one statement reading the inputs of all of them.
    assert Evaluation.objects.filter(run=run).count() == 5
    assert reads.call_count == 1
    # On PostgreSQL stored by a thread of their own while the next batch is scored; on SQLite
    # one after another in the caller's thread.
    assert len(threads) == 3
    if connection.vendor == "postgresql":
        assert set(threads) != {threading.current_thread().name}
        assert all(name.startswith("evaluation-store") for name in threads)
    else:
        assert set(threads) == {threading.current_thread().name}
    clean = evaluate([m.pk for m in merchants], policy=run.policy, now=run.started_at)
    for m in merchants:
        standing = Standing.objects.get(merchant=m)
        assert standing.score == clean[m.pk].score
        assert standing.last_evaluation.run == run and not standing.needs_evaluation


@pytest.mark.skipif(connection.vendor != "postgresql", reason="set-based on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_set_based_run_scores_once_and_commits_each_batch(reference_data):
    with transaction.atomic():  # committed: each batch commits, as in production
        merchants = programme(5)
    real_batch = runs.evaluation_batch_scored
    committed = []

    def batch_noting_the_commit(**kwargs):
        stored = real_batch(**kwargs)
        committed.append(not connection.in_atomic_block)
        return stored

    with (
        mock.patch.object(runs, "scores_query", wraps=runs.scores_query) as scorings,
        mock.patch.object(runs, "evaluation_batch_scored", batch_noting_the_commit),
    ):
        run = runs.evaluation_run(kind=MONTHLY, batch_size=2)
    assert (run.state, run.merchants_evaluated) == (EvaluationRun.State.FINISHED, 5)
    # One statement scores all; three batches, each committed on its own (by the storing
    # threads); the scores' table is gone.
    assert scorings.call_count == 1 and committed == [True, True, True]
    assert Evaluation.objects.filter(run=run).count() == 5
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"ratings_evaluation_scored_{run.pk}"])
        assert cursor.fetchone()[0] is None
    clean = evaluate([m.pk for m in merchants], policy=run.policy, now=run.started_at)
    for m in merchants:
        standing = Standing.objects.get(merchant=m)
        assert standing.score == clean[m.pk].score
        assert standing.last_evaluation.run == run and not standing.needs_evaluation
        assert standing.last_evaluation.score == clean[m.pk].score


def test_a_reader_that_stops_early_stops_the_thread_fetching_ahead():
    merchants = programme(5)
    query = inputs_query(
        [m.pk for m in merchants], policy=EvaluationPolicy.current(), now=timezone.now()
    )
    with closing(runs._input_batches(query, 1, fetch_ahead=True)) as batches:
        first = next(batches)
    assert [row[0] for row in first] == [merchants[0].pk]
    # On PostgreSQL a thread fetched ahead; it is gone, and the connection is usable.
    assert not [t for t in threading.enumerate() if t.name == "evaluation-fetch"]
    assert Standing.objects.count() == 5


def test_the_nightly_run_takes_only_merchants_with_new_events():
    _first, second = programme(2)
    runs.evaluation_run(kind=MONTHLY)
    Standing.objects.filter(merchant=second).update(needs_evaluation=True)
    nightly = runs.evaluation_run(kind=NIGHTLY)
    assert nightly.merchants_evaluated == 1
    assert Evaluation.objects.filter(run=nightly).get().merchant == second
    assert not Standing.objects.filter(needs_evaluation=True).exists()


def test_the_tasks_run_the_evaluations_and_give_way_to_a_live_run():
    from ratings.tasks import evaluate_monthly, evaluate_nightly

    programme(2)
    assert evaluate_monthly.delay().get() == 2
    Standing.objects.update(needs_evaluation=True)
    runs.evaluation_run_start(kind=MONTHLY)  # alive, holding the lock
    assert evaluate_nightly.delay().get() is None
    assert not EvaluationRun.objects.filter(kind=NIGHTLY).exclude(state="skipped").exists()


def test_complaints_and_inspections_mark_the_merchant_for_the_nightly_run(
    merchant, consumer, county_regulator
):
    from complaints.services.complaints import complaint_accept
    from review.services.inspections import inspection_record
    from tests.factories import InspectionFactory, RegulatorFactory, region

    standing_move(merchant=merchant, to=Pool.SELECTION, reason_code="t", reason="t")
    Standing.objects.update(needs_evaluation=False)
    complaint = ComplaintFactory(merchant=merchant)
    complaint_accept(actor=county_regulator, complaint=complaint)
    assert Standing.objects.get(merchant=merchant).needs_evaluation

    Standing.objects.update(needs_evaluation=False)
    inspector = RegulatorFactory(region=region("330106"))
    inspection = InspectionFactory(merchant=merchant, inspector=inspector)
    answers = {item["code"]: "yes" for item in inspection.checklist}
    inspection_record(actor=inspector, inspection=inspection, answers=answers, result="pass")
    assert Standing.objects.get(merchant=merchant).needs_evaluation


@pytest.mark.django_db
def test_a_run_skipped_for_a_live_one_is_a_warning(caplog):
    from ratings.tasks import evaluate_nightly

    now = timezone.now()
    EvaluationRun.objects.create(
        kind=EvaluationRun.Kind.MONTHLY,
        period=runs.run_period(EvaluationRun.Kind.MONTHLY, now),
        policy=EvaluationPolicy.current(),
        started_at=now,
        heartbeat_at=now,
    )
    with caplog.at_level("INFO", logger="ratings.tasks"):
        assert evaluate_nightly() is None
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "nightly evaluation skipped: another run is in progress")
    ]
