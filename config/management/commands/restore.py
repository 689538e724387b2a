from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a directory written by `backup` into an EMPTY database and media directory "
        "(refuses otherwise), then check row counts and files against its manifest (BACKUP.md)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path, help="A directory written by `backup`.")

    def handle(self, *args, **options) -> None:
        try:
            manifest = restore(options["directory"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Restored {len(manifest['tables'])} tables ({rows} rows) and "
            f"{len(manifest['media'])} files; counts and files match the manifest."
        )
