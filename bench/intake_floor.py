"""Complaint intake against its floor (issue 17 point 3), on a day already full of complaints.

    .venv/bin/python bench/intake_floor.py [--earlier 100000] [--same-address 0.6] [--rounds 3]
        [--seconds 20] [--connections 8] [--workers 4] [--no-relay]
        [--database-url postgres://postgres@127.0.0.1:5432/acp_intake_floor]

1. Recreates and migrates the database, adds one merchant and lodges one complaint through the
   service (the template of the seeded rows).
2. Seeds --earlier complaints dated today, spread from local midnight to now, set-based
   (`INSERT … SELECT` from the template over generate_series): each with its own phone, number,
   tracking token and first event, two delivered outbox items, and its uses counted in the
   limit counters; --same-address of them come from 127.0.0.1, the address every request of the
   bench comes from (as behind a proxy that is not trusted), the others from 10.x addresses.
3. Starts `gunicorn config.wsgi -w WORKERS` with DJANGO_SETTINGS_MODULE=bench.floor_settings
   (the product's settings and URLs plus the bench-only floor views, bench/floor_urls.py),
   DEBUG=false, connections kept for the whole bench (so the CPU count keeps every database
   backend), the intake limits raised so nothing is refused, and, unless --no-relay, one
   `outbox_relay` process beside it (as docker-compose runs production).
4. Rounds, interleaved (the order reverses every other round): wrk (closed loop, --connections
   connections) POSTs for --seconds to the floor view (`/bench/floor/`: parse the JSON, insert
   one row), to the writes floor (`/bench/floor-writes/`: the writes every intake must make,
   in one statement, behind the cheapest view) and to `POST /api/v1/complaints/intake/`, each
   request with its own phone. Prints requests/s, latency percentiles, non-2xx answers, the
   whole job's CPU per request (gunicorn, relay, PostgreSQL backends) and the load average
   before each run; then min and median per side, the intake/floor and writes/floor ratios per
   round, and checks every answered complaint is stored with its event and the outbox empties.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg2
from benchlib import (
    HOST,
    INTAKE_SETUP_SCRIPT,
    free_port,
    gunicorn_command,
    intake_server_env,
    recreate_database,
    seed_earlier_complaints,
    stop_processes,
    wait_until_up,
)
from complaint_intake import count_complaints, job_cpu, wait_for_outbox

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/acp_intake_floor"
INTAKE = "/api/v1/complaints/intake/"
FLOOR = "/bench/floor/"
WRITES = "/bench/floor-writes/"
TEMPLATE_TABLE = "bench_floor_template"

FLOOR_TABLE_SQL = """
CREATE TABLE bench_floor (
    id bigserial PRIMARY KEY, phone varchar(20) NOT NULL, body text NOT NULL,
    created_at timestamptz NOT NULL
)
"""

LUA = r"""
-- POST the same complaint with a phone of its own per request: 13<run><8 digits>.
local path = os.getenv("WRK_PATH")
local run = os.getenv("WRK_RUN")
local template = os.getenv("WRK_BODY")
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function request()
  counter = counter + 1
  local phone = string.format("13%s%08d", run, counter)
  return wrk.format("POST", path, nil, (template:gsub("PHONE", phone)))
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d status_errors=%d socket_errors=%d " ..
    "p50_us=%d p95_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""

BODY = (
    '{"merchant": "%s", "category": "refund_refused", '
    '"description": "基准测试投诉: 商品未拆封, 七日内要求退货被拒绝。", '
    '"wanted_outcome": "退货退款", "amount": "268.00", "purchase_date": "2026-11-20", '
    '"complainant_name": "刘女士", "complainant_phone": "PHONE", "consent_to_contact": true}'
)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run_wrk(
    port: int, path: str, *, run: int, body: str, seconds: float, connections: int, lua: Path
) -> dict[str, float]:
    env = os.environ | {"WRK_PATH": path, "WRK_RUN": str(run), "WRK_BODY": body}
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "-s",
        str(lua),
        f"http://{HOST}:{port}",
    ]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^RESULT (.*)$", output, re.M)
    if not match:
        sys.exit(f"no RESULT line from wrk:\n{output}")
    result = {k: float(v) for k, v in (kv.split("=") for kv in match.group(1).split())}
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def summary(label: str, values: list[float], unit: str, digits: int = 1) -> str:
    return (
        f"{label} min {min(values):.{digits}f} / median {statistics.median(values):.{digits}f} "
        f"/ max {max(values):.{digits}f} {unit}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--earlier", type=int, default=100_000, help="complaints seeded today")
    parser.add_argument(
        "--same-address", type=float, default=0.6, help="share of them from the bench's own address"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--no-relay", action="store_true", help="no outbox_relay process")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout measured")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    root = args.root.resolve()
    python = str(root / ".venv" / "bin" / "python")
    relay = not args.no_relay
    env = os.environ | intake_server_env(
        args.database_url,
        DJANGO_SETTINGS_MODULE="bench.floor_settings",
        # This checkout's bench/ joins the `bench` namespace when --root measures another one.
        PYTHONPATH=os.pathsep.join(dict.fromkeys([str(root), str(ROOT)])),
        MEDIA_ROOT="/tmp/acp_intake_floor_media",
        CELERY_BROKER_URL="",
        OUTBOX_RELAY="true" if relay else "false",
        # Connections kept for the whole bench: a backend closed mid-run would take its CPU
        # out of the job's count (production keeps them CONN_MAX_AGE=60 s).
        CONN_MAX_AGE="3600",
    )
    print(f"machine: {os.cpu_count()} cores; load {loadavg()}", flush=True)
    print(f"database {args.database_url}: recreating and migrating …", flush=True)
    recreate_database(args.database_url)
    subprocess.run(
        [python, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=root, env=env, check=True
    )
    code, template = subprocess.run(
        [python, "manage.py", "shell", "-c", INTAKE_SETUP_SCRIPT],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-2:]  # shell prints its auto-import notice first
    conn = psycopg2.connect(args.database_url)
    with conn, conn.cursor() as cursor:  # the writes floor copies the template and its items
        cursor.execute(
            f"CREATE TABLE {TEMPLATE_TABLE} AS SELECT %s::bigint AS complaint_id, "
            "max(id) AS last_item FROM common_outboxitem",
            [int(template)],
        )
    conn.close()
    seed_earlier_complaints(
        args.database_url,
        template=int(template),
        earlier=args.earlier,
        same_address=args.same_address,
    )
    conn = psycopg2.connect(args.database_url)
    with conn, conn.cursor() as cursor:
        cursor.execute(FLOOR_TABLE_SQL)
    conn.close()
    body = BODY % code

    port = free_port()
    command = gunicorn_command(root, port, args.workers)
    print(
        f"server: DJANGO_SETTINGS_MODULE=bench.floor_settings {' '.join(command[1:])}"
        + ("; outbox_relay beside it" if relay else ""),
        flush=True,
    )
    server = subprocess.Popen(command, cwd=root, env=env)
    worker = None
    if relay:
        worker = subprocess.Popen(
            [python, "manage.py", "outbox_relay"], cwd=root, env=env, stdout=subprocess.DEVNULL
        )
    lua = Path(tempfile.mkdtemp()) / "intake.lua"
    lua.write_text(LUA)
    paths = {"floor": FLOOR, "writes": WRITES, "intake": INTAKE}
    results: dict[str, list[dict[str, float]]] = {side: [] for side in paths}
    stored_before, events_before = count_complaints(args.database_url)
    answered, undelivered = 0, 0
    try:
        wait_until_up(port, server)
        for side in paths:  # warm-up: every worker imports and connects
            r = run_wrk(
                port,
                paths[side],
                run=1,
                body=body,
                seconds=3,
                connections=args.connections,
                lua=lua,
            )
            answered += int(r["requests"] - r["status_errors"]) if side != "floor" else 0
        print(
            f"load: wrk -t1 -c{args.connections} -d{args.seconds:g}s POST, {args.rounds} rounds",
            flush=True,
        )
        for round_ in range(1, args.rounds + 1):
            order = ("floor", "writes", "intake") if round_ % 2 else ("intake", "writes", "floor")
            for side in order:
                load = loadavg()
                cpu_before = job_cpu(args.database_url, server, worker)
                r = run_wrk(
                    port,
                    paths[side],
                    run=round_ + 1,
                    body=body,
                    seconds=args.seconds,
                    connections=args.connections,
                    lua=lua,
                )
                cpu_after = job_cpu(args.database_url, server, worker)
                per = 1000 / max(r["requests"], 1)
                parts = {k: (cpu_after[k] - cpu_before[k]) * per for k in cpu_after}
                r["cpu_ms"] = sum(parts.values())
                r["load"] = float(load.split()[0])
                results[side].append(r)
                if side != "floor":
                    answered += int(r["requests"] - r["status_errors"])
                print(
                    f"round {round_} {side:6} load {load}: {r['rate']:7.1f} /s, "
                    f"p50 {r['p50_us'] / 1000:6.1f} ms, p95 {r['p95_us'] / 1000:6.1f} ms, "
                    f"p99 {r['p99_us'] / 1000:6.1f} ms, non-2xx {r['status_errors']:.0f}, "
                    f"socket errors {r['socket_errors']:.0f}, CPU {r['cpu_ms']:.2f} ms/request "
                    f"(web {parts['web']:.2f}, relay {parts['delivery']:.2f}, "
                    f"database {parts['db']:.2f})",
                    flush=True,
                )
        if worker is not None:
            undelivered = wait_for_outbox(args.database_url)
    finally:
        stop_processes(server, worker)

    print(
        f"\nsummary ({args.workers} gunicorn workers, wrk {args.connections} connections, "
        f"{args.seconds:g} s per run, {args.earlier:,} earlier complaints today)"
    )
    for side in paths:
        rs = results[side]
        print(
            f"  {side:6}: "
            + summary("rate", [r["rate"] for r in rs], "/s")
            + "; "
            + summary("p95", [r["p95_us"] / 1000 for r in rs], "ms")
            + "; "
            + summary("CPU", [r["cpu_ms"] for r in rs], "ms/request", 2)
        )
    for side in ("intake", "writes"):
        ratios = [
            s["rate"] / f["rate"] for f, s in zip(results["floor"], results[side], strict=True)
        ]
        print(
            f"  {side} / floor per round: "
            + ", ".join(f"{x:.2f}" for x in ratios)
            + f" (median {statistics.median(ratios):.2f})"
        )
    print(
        "  load before the runs "
        + ", ".join(f"{r['load']:.2f}" for side in results.values() for r in side)
    )
    stored, events = count_complaints(args.database_url)
    new = stored - stored_before
    # wrk stops counting at its deadline: the requests in flight then may still be stored.
    slack = args.connections * 2 * (args.rounds + 1)  # two storing sides, warm-up included
    ok = answered <= new <= answered + slack and events - events_before == new and not undelivered
    print(
        f"count check: {new} complaints stored for {answered} answered 201, "
        f"{events - events_before} events: " + ("OK" if ok else "MISMATCH")
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
