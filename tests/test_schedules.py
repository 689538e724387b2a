from io import StringIO

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from config.celery import app as celery_app
from config.schedules import SCHEDULES


def test_every_scheduled_task_exists():
    celery_app.loader.import_default_modules()
    for entry in SCHEDULES:
        assert entry.task in celery_app.tasks, entry.task


@pytest.mark.django_db
def test_setup_periodic_tasks_is_idempotent():
    call_command("setup_periodic_tasks")
    call_command("setup_periodic_tasks")
    tasks = PeriodicTask.objects.filter(name__in=[e.name for e in SCHEDULES])
    assert tasks.count() == len(SCHEDULES)
    sweep = tasks.get(task="review.tasks.screening_sweep")
    assert sweep.crontab.minute == "*/10"
    assert sweep.crontab.timezone.key == "Asia/Shanghai"


@pytest.mark.django_db
def test_evaluations_are_scheduled_nightly_and_monthly():
    call_command("setup_periodic_tasks")
    nightly = PeriodicTask.objects.get(task="ratings.tasks.evaluate_nightly")
    monthly = PeriodicTask.objects.get(task="ratings.tasks.evaluate_monthly")
    assert (nightly.crontab.hour, nightly.crontab.minute) == ("2", "0")
    assert (monthly.crontab.day_of_month, monthly.crontab.hour) == ("1", "3")


@pytest.mark.django_db
def test_migrate_installs_every_schedule_and_keeps_what_admins_changed():
    # The test database was migrated: the schedules are there without setup_periodic_tasks.
    names = set(PeriodicTask.objects.values_list("name", flat=True))
    assert {e.name for e in SCHEDULES} <= names
    nightly = PeriodicTask.objects.get(task="ratings.tasks.evaluate_nightly")
    nightly.enabled = False
    nightly.save()
    PeriodicTask.objects.filter(task="review.tasks.screening_sweep").delete()

    call_command("migrate", verbosity=0)
    nightly.refresh_from_db()
    assert nightly.enabled is False  # an admin's pause survives the next deployment
    assert PeriodicTask.objects.filter(task="review.tasks.screening_sweep").count() == 1

    call_command("setup_periodic_tasks", stdout=StringIO())
    nightly.refresh_from_db()
    assert nightly.enabled is True  # the operator's command sets the code's values back


@pytest.mark.django_db
def test_the_demo_site_runs_the_periodic_work_every_few_minutes():
    from demo.demo_data.schedules import DEMO_MINUTES, demo_schedules_shorten

    assert set(demo_schedules_shorten()) == set(DEMO_MINUTES)
    assert demo_schedules_shorten() == []  # again: nothing left to change
    nightly = PeriodicTask.objects.get(task="ratings.tasks.evaluate_nightly")
    assert (nightly.crontab.minute, nightly.crontab.hour) == ("*/10", "*")
    monthly = PeriodicTask.objects.get(task="ratings.tasks.evaluate_monthly")
    assert monthly.crontab.day_of_month == "1"  # the monthly run keeps its date
