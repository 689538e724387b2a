import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.errors import DomainError
from merchants.models import EXTERNAL_SOURCES
from merchants.services.records import READERS, ImportReport, records_import_file

EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class Command(BaseCommand):
    help = (
        "Import external records of one source from a CSV file (header line with the field "
        "names) or a JSON-lines file. Rows are upserted by record_id, so importing the same file "
        "again changes nothing; bad rows are reported with their line numbers and every good row "
        "is imported. Exits with status 1 if every row failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", choices=list(EXTERNAL_SOURCES), help="the external source")
        parser.add_argument("file", help="the file to import, or - for standard input")
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=list(READERS),
            help="csv or jsonl (default: from the file's extension)",
        )
        parser.add_argument(
            "--show-errors", type=int, default=20, help="how many row errors to print (default 20)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name: str = options["file"]
        file_format = options["file_format"] or EXTENSIONS.get(Path(name).suffix.lower())
        if file_format is None:
            raise CommandError(
                _("Cannot tell the format of %(file)s: add --format csv or --format jsonl.")
                % {"file": name}
            )
        try:
            report = records_import_file(
                source=options["source"],
                path=sys.stdin if name == "-" else name,
                file_format=file_format,
                actor=None,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": name, "error": exc.strerror or exc}
            ) from exc
        self._print(report, name, options["show_errors"])
        if report.rows and report.failed == report.rows:
            raise CommandError(_("Every row failed: nothing was imported."), returncode=1)

    def _print(self, report: ImportReport, name: str, show: int) -> None:
        self.stdout.write(
            _(
                "%(source)s records from %(file)s — rows: %(rows)d; created: %(created)d, "
                "updated: %(updated)d, unchanged: %(unchanged)d, with errors: %(failed)d."
            )
            % {**report.counts(), "file": name}
        )
        if report.ignored_fields:
            self.stdout.write(
                _("Ignored fields (not part of this source): %(fields)s")
                % {"fields": ", ".join(report.ignored_fields)}
            )
        for error in report.errors[:show]:
            where = _("line %(line)d") % {"line": error.line}
            if error.field:
                where = f"{where}, {error.field}"
            self.stdout.write(self.style.ERROR(f"  {where}: {error.message}"))
        more = report.failed - len({e.line for e in report.errors[:show]})
        if report.errors and more > 0:
            message = ngettext(
                "… and %(count)d more row with errors.",
                "… and %(count)d more rows with errors.",
                more,
            )
            self.stdout.write("  " + message % {"count": more})
