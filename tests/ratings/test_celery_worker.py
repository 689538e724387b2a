"""Beat's nightly entry runs the evaluation on a real Celery worker through the broker.

Runs when a broker is configured (CI: Redis, with PostgreSQL as the database), like
tests/review/test_screening_worker.py: the worker and beat are separate processes started here,
pointed at this test's database so they see the committed rows.

Why the real `celery beat` rather than calling the scheduler in-process: the point is that the
entry `setup_periodic_tasks` writes is what beat dispatches, with its task name, arguments and
options, read from django-celery-beat's tables by the DatabaseScheduler. Beat is made to fire it
now without touching its crontab (02:00 Beijing time): the entry's last run is set to the day
before, so the 02:00 that has passed since is a missed run, and beat sends a missed run on its
first tick (as it does after a restart). That is immediate and does not depend on the clock.
The entry's queue (an option an admin can set per entry) routes it to this test's worker, so no
other worker on the broker takes it; the other entries are paused so beat sends nothing else.
"""

import uuid
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from config.celery import app as celery_app
from merchants.models import Pool
from ratings.models import EvaluationRun, PoolChange, Standing
from ratings.services.pools import standing_move
from tests.factories import ComplaintFactory, MerchantFactory, region
from tests.workers import (
    celery_process,
    celery_worker,
    needs_broker,
    skip_unless_shared_database,
    wait_for,
)

pytestmark = needs_broker

NIGHTLY = "evaluation nightly"


def _cultivated(*, days: int, needs_evaluation: bool = True):
    """A merchant in the cultivation pool for `days` days (score 90 with nothing against it)."""
    merchant = MerchantFactory(region=region("330106"))
    for step in (Pool.SELECTION, Pool.CULTIVATION):
        with transaction.atomic():  # committed at once: no test transaction here
            standing_move(merchant=merchant, to=step, reason_code="t", reason="t")
    Standing.objects.filter(merchant=merchant).update(
        since=timezone.now() - timedelta(days=days), needs_evaluation=needs_evaluation
    )
    return merchant


def test_beat_sends_the_nightly_run_to_a_worker_that_moves_merchants(reference_data, tmp_path):
    skip_unless_shared_database()
    assert celery_app.conf.task_always_eager is False

    # Merchants with new events: one observed long enough for its first star, one with three
    # complaints accepted this week (a warning trigger); one without new events is left alone.
    observed = _cultivated(days=200)
    complained = _cultivated(days=200)
    accepted = timezone.now() - timedelta(days=5)
    for _ in range(3):
        ComplaintFactory(
            merchant=complained, created_at=accepted, accepted_at=accepted, state="with_merchant"
        )
    quiet = _cultivated(days=200, needs_evaluation=False)

    call_command("setup_periodic_tasks", stdout=StringIO())
    entry = PeriodicTask.objects.get(name=NIGHTLY)
    assert (entry.task, entry.crontab.hour, entry.crontab.minute) == (
        "ratings.tasks.evaluate_nightly",
        "2",
        "0",
    )
    queue = f"acp-test-beat-{uuid.uuid4().hex[:12]}"
    PeriodicTask.objects.exclude(pk=entry.pk).update(enabled=False)
    # django-celery-beat's scheduler loads only crontab entries due within two hours of now, so
    # the entry (its task and arguments, as setup_periodic_tasks wrote them) is moved to this
    # hour of the day; missed by a day, it is due at once.
    this_hour = timezone.localtime().hour
    entry.crontab = CrontabSchedule.objects.create(
        minute="0", hour=str(this_hour), timezone=entry.crontab.timezone
    )
    entry.queue = queue
    entry.last_run_at = timezone.now() - timedelta(days=1, hours=1)
    entry.save()

    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    with (
        celery_worker(queue, log=worker_log),
        celery_process(
            "beat",
            "--scheduler=django_celery_beat.schedulers:DatabaseScheduler",
            f"--pidfile={tmp_path / 'beat.pid'}",
            "--loglevel=INFO",
            log=beat_log,
        ),
    ):

        def finished() -> bool:
            return EvaluationRun.objects.filter(state=EvaluationRun.State.FINISHED).exists()

        assert wait_for(finished, timeout=90), beat_log.read_text() + worker_log.read_text()

    assert f"Sending due task {NIGHTLY} (ratings.tasks.evaluate_nightly)" in beat_log.read_text()
    assert "ratings.tasks.evaluate_nightly" in worker_log.read_text()
    (run,) = EvaluationRun.objects.all()
    assert (run.kind, run.state, run.error) == (EvaluationRun.Kind.NIGHTLY, "finished", "")
    assert run.finished_at is not None and run.finished_at >= run.started_at
    assert (run.merchants_evaluated, run.pool_changes) == (2, 2)

    star = Standing.objects.get(merchant=observed)
    assert (star.pool, star.stars, star.score, star.needs_evaluation) == (
        Pool.STAR_RATED,
        1,
        90,
        False,
    )
    warned = Standing.objects.get(merchant=complained)
    assert (warned.pool, warned.former_pool) == (Pool.WARNING, Pool.CULTIVATION)
    assert warned.rectification_due == timezone.localdate() + timedelta(days=30)
    moves = {
        c.merchant_id: (c.from_pool, c.to_pool, c.reason_code)
        for c in PoolChange.objects.filter(run=run)
    }
    assert moves == {
        observed.pk: (Pool.CULTIVATION, Pool.STAR_RATED, "observation_passed"),
        complained.pk: (Pool.CULTIVATION, Pool.WARNING, "warning"),
    }
    untouched = Standing.objects.get(merchant=quiet)
    assert (untouched.pool, untouched.score, untouched.last_evaluation) == (
        Pool.CULTIVATION,
        None,
        None,
    )
