from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump -Fc on PostgreSQL, a copy of the file on SQLite) and "
        "MEDIA_ROOT into a new directory, with a manifest of row counts and files (BACKUP.md)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path, help="A new or empty directory.")
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, **options) -> None:
        try:
            manifest = backup(options["directory"], alias=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Backed up {len(manifest['tables'])} tables ({rows} rows) and "
            f"{len(manifest['media'])} files into {options['directory']}."
        )
