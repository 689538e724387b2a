#!/usr/bin/env python
"""Benchmark `manage.py generate_province` on a fresh PostgreSQL database.

Drops and recreates the database (default acp_bench), migrates it, runs the generator in a child
process and prints the wall time, the child's peak memory (ru_maxrss from wait4) and the rows
per table, then runs `VACUUM ANALYZE` (the benches expect the state autovacuum would keep;
the server may have autovacuum off). Run from the project root:

    .venv/bin/python bench/generate_province.py --merchants 300000
    .venv/bin/python bench/generate_province.py --merchants 300000 --no-declarations
    .venv/bin/python bench/generate_province.py --merchants 300000 --complaints 3000000 \
        --inspections 600000 --database-url postgres://postgres@127.0.0.1:5432/acp_bench6
"""

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
from benchlib import drop_database, recreate_database
from psycopg2 import sql

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/acp_bench"
TABLES = (
    "merchants_merchant",
    "merchants_permit",
    "merchants_user",
    "merchants_membership",
    "merchants_declaration",
    "merchants_declarationevent",
    "merchants_declaration_accepted_commitments",
    "merchants_declaration_member_merchants",
    "complaints_complaint",
    "review_campaign",
    "review_inspection",
    "review_inspectionassignment",
    "review_rectification",
    "ratings_standing",
)


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Run a child; return (wall seconds, peak RSS in KiB, exit status)."""
    started = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_maxrss, child.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merchants", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--no-declarations", action="store_true")
    parser.add_argument("--complaints", type=int, default=0)
    parser.add_argument("--inspections", type=int, default=0)
    parser.add_argument(
        "--drop", action="store_true", help="drop the database at the end (frees the disk)"
    )
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
    seconds, _, status = run([python, "manage.py", "migrate", "--no-input", "-v", "0"], env)
    if status:
        return status
    name = urlsplit(args.database_url).path.lstrip("/")
    print(f"database {name} recreated and migrated in {seconds:.1f} s")

    command = [
        python,
        "manage.py",
        "generate_province",
        "--merchants",
        str(args.merchants),
        "--seed",
        str(args.seed),
        "--batch",
        str(args.batch),
    ]
    if args.no_declarations:
        command.append("--no-declarations")
    if args.complaints:
        command += ["--complaints", str(args.complaints)]
    if args.inspections:
        command += ["--inspections", str(args.inspections)]
    print("$ " + " ".join(["python", *command[1:]]), flush=True)
    seconds, peak_kib, status = run(command, env)
    if status:
        return status

    conn = psycopg2.connect(args.database_url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        # As autovacuum would leave it (and the benches expect): visibility map set for
        # index-only scans, statistics of every table. Not part of the generator's time.
        started = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        vacuumed = time.perf_counter() - started
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        counts = {}
        for table in TABLES:
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    conn.close()

    print(f"\nPostgreSQL {server}")
    print(f"wall time (generate_province process): {seconds:.1f} s")
    print(f"peak memory (child ru_maxrss): {peak_kib / 1024:.0f} MiB")
    print(f"database size: {size}")
    print(f"VACUUM ANALYZE afterwards: {vacuumed:.1f} s")
    for table, count in counts.items():
        print(f"  {table:<45} {count:>10,}")
    print(f"merchants per second: {counts['merchants_merchant'] / seconds:,.0f}")
    if args.drop:
        drop_database(args.database_url)
        print(f"database {name} dropped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
