from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from config.schedules import SCHEDULES


class Command(BaseCommand):
    help = "Create or update the periodic tasks of config/schedules.py (safe to run again)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
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
            task, created = PeriodicTask.objects.update_or_create(
                name=entry.name,
                defaults={"task": entry.task, "crontab": crontab, "description": entry.description},
            )
            verb = "created" if created else "updated"
            self.stdout.write(f"{verb}: {task.name} → {task.task} ({crontab})")
