from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from merchants.models import Region
from supervision.selectors.audit import audit_region
from supervision.selectors.figures import Place


def place_of(code: str) -> Place:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise CommandError(f"No region {code}.")
    return Place.of(region)


class Command(BaseCommand):
    help = "Recount every figure of some regions' cockpits from the raw tables; list differences."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("regions", nargs="+", help="Region codes, e.g. 330000 330100 330106.")

    def handle(self, *args: Any, regions: list[str], **options: Any) -> None:
        failed = 0
        for code in regions:
            result = audit_region(place_of(code))
            for mismatch in result.mismatches:
                self.stdout.write(f"{code}: {mismatch}")
            self.stdout.write(
                f"{code}: {result.figures} figures compared, {len(result.mismatches)} mismatches"
            )
            failed += len(result.mismatches)
        if failed:
            raise CommandError(f"{failed} mismatches")
