"""Writing config/schedules.py into django-celery-beat's tables, where beat reads them and admins
can change or pause them afterwards."""

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from config.schedules import SCHEDULES


@transaction.atomic
def schedules_install(*, reset: bool) -> list[tuple[PeriodicTask, str]]:
    """Every schedule of SCHEDULES as a periodic task. `reset`: entries that exist are set back
    to the code's values (the operator's command); otherwise they are left as admins left them
    and only the missing ones are created (each `migrate`). Returns (task, what was done)."""
    done = []
    for entry in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            timezone=settings.TIME_ZONE,
            **{
                "minute": "*",
                "hour": "*",
                "day_of_week": "*",
                "day_of_month": "*",
                "month_of_year": "*",
                **entry.crontab,
            },
        )
        values = {"task": entry.task, "crontab": crontab, "description": entry.description}
        if reset:
            task, created = PeriodicTask.objects.update_or_create(
                name=entry.name, defaults={**values, "enabled": True}
            )
            done.append((task, "created" if created else "updated"))
        else:
            task, created = PeriodicTask.objects.get_or_create(name=entry.name, defaults=values)
            done.append((task, "created" if created else "kept"))
    return done
