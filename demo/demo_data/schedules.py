"""Short intervals for the demo site, so that a new user of `make run` sees the periodic work
happen while they look around (production keeps config/schedules.py's times)."""

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

# Schedule name (config/schedules.py) → its crontab minute on the demo site.
DEMO_MINUTES = {
    "screening sweep": "*/2",
    "complaint deadline sweep": "*/5",
    "complaint disclosure": "*/15",
    "review overdue sweep": "*/5",
    "evaluation nightly": "*/10",
    "ratings deadline sweep": "*/5",
}


@transaction.atomic
def demo_schedules_shorten() -> list[str]:
    """Run the sweeps every few minutes and the nightly evaluation every ten (the monthly run
    keeps its date). Safe to run again. Returns the names changed."""
    changed = []
    for name, minute in DEMO_MINUTES.items():
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour="*",
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        if PeriodicTask.objects.filter(name=name).exclude(crontab=crontab).update(crontab=crontab):
            changed.append(name)
    return changed
