#!/usr/bin/env python
"""Benchmark `manage.py import_records registry FILE` on a fresh PostgreSQL database.

Writes a CSV of registry records (valid USCCs from build_uscc over the province's counties, the
same shares as the generator), drops and recreates the database (default acp_bench_import),
migrates it, imports the file in a child process and prints the wall time and rows per second;
imports the same file again and shows it changed nothing; then imports a copy with a share of the
rows changed and shows only those were updated. Run from the project root:

    .venv/bin/python bench/import_records.py --rows 300000
"""

import argparse
import csv
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate_province import recreate_database  # noqa: E402
from merchants.uscc import build_uscc  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/acp_bench_import"
HEADER = (
    "uscc",
    "record_id",
    "as_of",
    "entity_status",
    "licence_valid_until",
    "on_abnormal_list",
    "on_dishonest_list",
    "credit_level",
)


def counties() -> list[str]:
    with open(ROOT / "merchants" / "data" / "county_weights.csv", encoding="utf-8") as f:
        return [row["code"] for row in csv.DictReader(f)]


def write_csv(path: Path, rows: int, seed: int, changed_share: float = 0.0) -> None:
    """`rows` registry records; with `changed_share`, that share of them has a newer as-of date
    and another credit level (the same rows for the same seed)."""
    rng = random.Random(seed)
    changes = random.Random(seed + 1)
    codes = counties()
    today = date.today()
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        for n in range(rows):
            uscc = build_uscc(rng.choice(codes), 10_000_000 + n * 7919, rng.choice(("91", "92")))
            as_of = today - timedelta(days=rng.randrange(0, 30))
            status = "active" if rng.random() < 0.97 else rng.choice(("cancelled", "revoked"))
            valid_until = (
                "" if rng.random() < 0.55 else str(today + timedelta(rng.randrange(-30, 9000)))
            )
            credit = rng.choices("ABCD", (72, 24, 3.5, 0.5))[0]
            abnormal = rng.random() < 0.02
            dishonest = rng.random() < 0.003
            if changes.random() < changed_share:
                as_of, credit = today, "C" if credit != "C" else "B"
            writer.writerow(
                (
                    uscc,
                    f"QY-{uscc}",
                    as_of.isoformat(),
                    status,
                    valid_until,
                    "true" if abnormal else "false",
                    "true" if dishonest else "false",
                    credit,
                )
            )


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    status = subprocess.run(cmd, cwd=ROOT, env=env).returncode
    return time.perf_counter() - started, status


def last_import(url: str) -> dict:
    conn = psycopg2.connect(url)
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT data FROM merchants_auditentry WHERE action = 'records.import' "
            "ORDER BY id DESC LIMIT 1"
        )
        data = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM merchants_registryrecord")
        data["table rows"] = cursor.fetchone()[0]
    conn.close()
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--changed-share", type=float, default=0.01)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()

    env = os.environ | {"DATABASE_URL": args.database_url}
    env.pop("CELERY_BROKER_URL", None)
    python = sys.executable
    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    recreate_database(args.database_url)
    seconds, status = run([python, "manage.py", "migrate", "--no-input", "-v", "0"], env)
    if status:
        return status
    name = urlsplit(args.database_url).path.lstrip("/")
    print(f"database {name} recreated and migrated in {seconds:.1f} s")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "registry.csv"
        changed_path = Path(tmp) / "registry-changed.csv"
        started = time.perf_counter()
        write_csv(path, args.rows, args.seed)
        write_csv(changed_path, args.rows, args.seed, args.changed_share)
        print(
            f"wrote {args.rows:,} registry records ({path.stat().st_size / 2**20:.1f} MiB) "
            f"and a copy with {args.changed_share:.0%} changed in "
            f"{time.perf_counter() - started:.1f} s"
        )
        runs = [
            ("first import (empty table)", path),
            ("same file again", path),
            (f"copy with {args.changed_share:.0%} of the rows changed", changed_path),
        ]
        for label, file in runs:
            command = [python, "manage.py", "import_records", "registry", str(file)]
            print(f"\n$ python manage.py import_records registry {file.name}", flush=True)
            seconds, status = run(command, env)
            if status:
                return status
            report = last_import(args.database_url)
            print(f"{label}: {seconds:.1f} s wall, {report['rows'] / seconds:,.0f} rows/s")
            print(
                f"  created {report['created']:,}, updated {report['updated']:,}, "
                f"unchanged {report['unchanged']:,}, failed {report['failed']:,}; "
                f"table holds {report['table rows']:,} rows"
            )
            if file == path and label.startswith("same"):
                verdict = (
                    "changed nothing"
                    if report["created"] + report["updated"] == 0
                    else ("CHANGED ROWS")
                )
                print(f"  the second import {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
