from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supervision.services.refresh import RefreshInProgress
from supervision.services.warm import supervision_refresh_warm


class Command(BaseCommand):
    help = (
        "Rebuild the supervision cockpit's figures (every month, or only recent ones) and "
        "build its tables into the cache."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--recent",
            action="store_true",
            help="Only the current and the previous month, and the current snapshot.",
        )

    def handle(self, *args: Any, recent: bool, **options: Any) -> None:
        try:
            result = supervision_refresh_warm(recent=recent)
        except RefreshInProgress as exc:
            raise CommandError("Another refresh is running; try again later.") from exc
        self.stdout.write(
            f"{'recent' if recent else 'full'} refresh of {result.months} months "
            f"from {result.since} in {result.seconds:.1f} s"
        )
