from django.core.management.base import BaseCommand

from config.beat import schedules_install


class Command(BaseCommand):
    help = (
        "Set every periodic task of config/schedules.py back to the code's values (safe to run "
        "again). `migrate` already creates the missing ones and keeps admins' changes."
    )

    def handle(self, *args, **options) -> None:
        for task, done in schedules_install(reset=True):
            self.stdout.write(f"{done}: {task.name} → {task.task} ({task.crontab})")
