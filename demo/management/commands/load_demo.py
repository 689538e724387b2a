import logging
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.demo_data.cast import DEMO_PASSWORD
from demo.demo_data.load import demo_load
from demo.demo_data.schedules import demo_schedules_shorten
from merchants.models import Declaration


def _width(text: str) -> int:
    """Terminal columns: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


@contextmanager
def _quiet(*names: str) -> Iterator[None]:
    """Hide the per-task lines eager Celery logs for each screening, so the logins stay visible."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Load the demo data (accounts for every role, merchants in every city, declarations in "
        "every state) and print the demo logins. Safe to run again: only what is missing is added."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="load even with DEBUG=false (the demo accounts share a published password)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "DEBUG is false: this looks like a production site, and every demo account "
                f"(the admin included) has the password {DEMO_PASSWORD!r}. "
                "Add --allow-production if you really want them here."
            )
        with _quiet("celery", "kombu"):
            result = demo_load()
        demo_schedules_shorten()
        # The supervision cockpit's figures, by name: demo does not import the cockpit's app.
        call_command("supervision_refresh", stdout=self.stdout)
        for message in result.skipped:
            self.stderr.write(self.style.WARNING(message))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {result.created_users} accounts and {result.created_merchants} "
                f"merchants added, {result.played_scenarios} declarations filed."
            )
        )
        by_state = Counter(Declaration.objects.values_list("state", flat=True))
        self.stdout.write(
            "Declarations: " + ", ".join(f"{k} {v}" for k, v in sorted(by_state.items()))
        )
        self.stdout.write(
            "Periodic work on this demo site: sweeps every 2 to 5 minutes, the nightly "
            "evaluation every 10 (admin: Periodic tasks; `make run` runs them beside the server)."
        )
        self.stdout.write("")
        self.stdout.write(
            self.style.MIGRATE_HEADING(f"Demo logins — every account's password: {DEMO_PASSWORD}")
        )
        header = ("username", "role", "region", "merchants")
        rows = [
            (login.username, login.role, login.region, "、".join(login.merchants))
            for login in result.logins
        ]
        widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(3)]
        for row in [header, *rows]:
            cells = [_pad(cell, width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[3]]).rstrip())
