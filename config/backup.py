"""Back up the whole system (database and uploaded files) into a directory, and restore such a
directory into an EMPTY system. BACKUP.md says what, when and how; `manage.py backup <dir>` and
`manage.py restore <dir>` are the thin commands over `backup` and `restore` here.

A backup directory holds:

- `database.dump` (PostgreSQL: `pg_dump -Fc`) or `database.sqlite3` (SQLite: a consistent copy);
- `media.tar.gz`: every file under MEDIA_ROOT, paths relative to it;
- `manifest.json`: when, which engine, the row count of every table (taken in the same snapshot
  as the dump on PostgreSQL), and every media file with its size and SHA-256.

A restore refuses a database that has any table or a media directory that has any file, loads
the dump and the files, then checks the row counts and the files against the manifest.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar.gz"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why."""


def _engine(db: dict[str, Any]) -> str:
    engine = db["ENGINE"]
    if "postgresql" in engine:
        return "postgresql"
    if "sqlite3" in engine:
        return "sqlite"
    raise BackupError(f"Unsupported database engine {engine}.")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# PostgreSQL


def _pg_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} was not found on PATH (install the PostgreSQL client).")
    return path


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_connect(db: dict[str, Any]) -> Any:
    import psycopg2

    return psycopg2.connect(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )


def _pg_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
    )
    return [row[0] for row in cursor.fetchall()]


# SQLite


@contextmanager
def _sqlite_source(alias: str) -> Iterator[sqlite3.Connection]:
    """The live connection of `alias` (an in-memory test database has no file to open)."""
    connection = connections[alias]
    connection.ensure_connection()
    yield connection.connection


def _sqlite_connect(name: str) -> sqlite3.Connection:
    """A file, or a URI such as the test runner's shared in-memory database."""
    return sqlite3.connect(str(name), uri=str(name).startswith("file:"))


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY 1"
    ).fetchall()
    return [row[0] for row in rows]


def _counts(cursor: Any, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def database_counts(db: dict[str, Any]) -> dict[str, int]:
    """Row count of every table of the database described by `db` (a DATABASES entry), through
    a connection of its own."""
    if _engine(db) == "postgresql":
        conn = _pg_connect(db)
        try:
            with conn.cursor() as cursor:
                return _counts(cursor, _pg_tables(cursor))
        finally:
            conn.close()
    conn = _sqlite_connect(db["NAME"])
    try:
        return _counts(conn.cursor(), _sqlite_tables(conn))
    finally:
        conn.close()


# Media


def _media_files(root: Path) -> dict[str, dict[str, Any]]:
    files = {}
    if not root.exists():
        return files
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        files[path.relative_to(root).as_posix()] = {
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    return files


# Backup


def backup(target: Path, *, alias: str = "default", media_root: Path | None = None) -> dict:
    """Write a backup of database `alias` and of MEDIA_ROOT into `target` (new or empty);
    return the manifest."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty; back up into a new directory.")
    target.mkdir(parents=True, exist_ok=True)
    db = settings.DATABASES[alias]
    engine = _engine(db)
    media = Path(media_root or settings.MEDIA_ROOT)

    if engine == "postgresql":
        pg_dump = _pg_binary("pg_dump")
        conn = _pg_connect(db)
        try:
            conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
            with conn.cursor() as cursor:
                # The counts and the dump see the same snapshot: the manifest matches the dump.
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                counts = _counts(cursor, _pg_tables(cursor))
                result = subprocess.run(
                    [
                        pg_dump,
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        f"--snapshot={snapshot}",
                        f"--file={target / PG_DUMP}",
                        db["NAME"],
                    ],
                    env=_pg_env(db),
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if result.returncode != 0:
                    raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        finally:
            conn.rollback()
            conn.close()
        database_file = PG_DUMP
    else:
        with _sqlite_source(alias) as source:
            copy = sqlite3.connect(target / SQLITE_COPY)
            try:
                source.backup(copy)  # consistent even while others write
            finally:
                copy.close()
        database_file = SQLITE_COPY
        counts = database_counts({**db, "NAME": str(target / SQLITE_COPY)})

    files = _media_files(media)
    with tarfile.open(target / MEDIA_ARCHIVE, "w:gz") as archive:
        for name in files:
            archive.add(media / name, arcname=name, recursive=False)

    manifest = {
        "created_at": timezone.now().isoformat(),
        "engine": engine,
        "database_file": database_file,
        "media_archive": MEDIA_ARCHIVE,
        "tables": counts,
        "media": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


# Restore


def _require_empty_database(db: dict[str, Any]) -> None:
    engine = _engine(db)
    if engine == "postgresql":
        conn = _pg_connect(db)
        try:
            with conn.cursor() as cursor:
                tables = _pg_tables(cursor)
        finally:
            conn.close()
    else:
        name = str(db["NAME"])
        if not (name.startswith("file:") or name == ":memory:"):
            path = Path(name)
            if not path.exists() or path.stat().st_size == 0:
                return
        conn = _sqlite_connect(name)
        try:
            tables = _sqlite_tables(conn)
        finally:
            conn.close()
    if tables:
        raise BackupError(
            f"The database {db['NAME']} is not empty ({len(tables)} tables); restore only into "
            "an empty database."
        )


def _require_empty_media(media: Path) -> None:
    if media.exists() and any(p.is_file() for p in media.rglob("*")):
        raise BackupError(f"{media} holds files; restore only into an empty media directory.")


def restore(
    source: Path,
    *,
    database: dict[str, Any] | None = None,
    media_root: Path | None = None,
) -> dict:
    """Load the backup in `source` into `database` (a DATABASES entry; default: the default
    database) and `media_root`, both empty; check them against the manifest; return it."""
    source = Path(source)
    manifest_path = source / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{source} has no {MANIFEST}: not a backup directory.")
    manifest = json.loads(manifest_path.read_text())
    db = database or settings.DATABASES["default"]
    media = Path(media_root or settings.MEDIA_ROOT)
    engine = _engine(db)
    if engine != manifest["engine"]:
        raise BackupError(f"The backup is of {manifest['engine']}; this database is {engine}.")
    _require_empty_database(db)
    _require_empty_media(media)

    if engine == "postgresql":
        result = subprocess.run(
            [
                _pg_binary("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={db['NAME']}",
                str(source / manifest["database_file"]),
            ],
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    else:
        if str(db["NAME"]).startswith("file:") or db["NAME"] == ":memory:":
            raise BackupError("Restore SQLite into a database file, not an in-memory database.")
        Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / manifest["database_file"], db["NAME"])

    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / manifest["media_archive"], "r:gz") as archive:
        archive.extractall(media, filter="data")  # no absolute paths, no links out

    counts = database_counts(db)
    wrong = {
        table: (count, counts.get(table))
        for table, count in manifest["tables"].items()
        if counts.get(table) != count
    }
    if wrong:
        raise BackupError(f"Row counts differ after the restore (expected, found): {wrong}")
    if _media_files(media) != manifest["media"]:
        raise BackupError("The restored media files differ from the manifest.")
    return manifest
