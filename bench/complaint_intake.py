"""Complaint intake through HTTP on loopback: a real gunicorn server on a fresh PostgreSQL database.

    .venv/bin/python bench/complaint_intake.py [--rate 100] [--seconds 60] [--workers 4]
        [--threads 32] [--earlier 0] [--same-address 0.6] [--relay] [--root CHECKOUT]
        [--database-url postgres://postgres@127.0.0.1:5432/acp_hd_bench]

Drops and recreates the database, migrates it, adds one merchant, starts
`gunicorn config.wsgi -w WORKERS` on 127.0.0.1 (DEBUG=false, intake limits raised through
COMPLAINT_LIMIT_PER_HOUR / COMPLAINT_LIMIT_PER_DAY so the bench is not throttled), then sends
`POST /api/v1/complaints/intake/` at a fixed rate (open loop: request i is due at start + i/rate)
from a bounded pool of threads, each a JSON complaint with its own phone (all from 127.0.0.1: the
worst case for the per-address limit check, which counts the day's complaints from the address).
Afterwards it checks that the database holds exactly as many complaints (and submission events) as
the server answered 201, prints the achieved rate, latency percentiles and errors, and stops the
server. --earlier N first seeds N complaints dated today, --same-address of them from 127.0.0.1
(benchlib.seed_earlier_complaints): the day's volume the limits and indexes must not feel.

--relay runs as docker-compose does: requests only record their outbox items, and one
`outbox_relay` process beside gunicorn delivers them in batches (the count check waits for every
item to be delivered). --broker redis://127.0.0.1:6379/5 instead: a Celery worker (one process)
beside gunicorn delivers each complaint's outbox items (the consumer's SMS and mail, the handlers'
notices, the store page's cache delete), and the request only records them and publishes one
task; the worker shares the same two cores. The count check then also waits for every outbox
item to be delivered. Without it tasks run eagerly: the request delivers its own items after
its commit (the embedded default of `make run`).
"""

import argparse
import http.client
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg2
from benchlib import (
    HOST,
    INTAKE_SETUP_SCRIPT,
    free_port,
    gunicorn_command,
    intake_server_env,
    percentile,
    recreate_database,
    seed_earlier_complaints,
    stop_processes,
    wait_until_up,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/acp_hd_bench"
PATH = "/api/v1/complaints/intake/"

MERCHANT_SCRIPT = """
from merchants.models import Merchant, Region
from merchants.uscc import build_uscc
m = Merchant.objects.create(
    region=Region.objects.get(code="330106"), uscc=build_uscc("330106", 42424242),
    name="基准测试茶楼", legal_representative="张三", address="文三路1号", industry="retail",
    licence_valid_from="2020-01-01", licence_valid_until="2040-01-01",
    contact_phone="13800138000")
print(m.public_code)
"""


def count_complaints(url: str) -> tuple[int, int]:
    conn = psycopg2.connect(url)
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM complaints_complaint")
        complaints = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM complaints_complaintevent")
        events = cursor.fetchone()[0]
    conn.close()
    return complaints, events


def redis_flush(url: str) -> None:
    """The bench's own broker database starts empty."""
    import redis

    redis.Redis.from_url(url).flushdb()


def pending_outbox(url: str) -> int:
    conn = psycopg2.connect(url)
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM common_outboxitem WHERE delivered_at IS NULL")
        pending = cursor.fetchone()[0]
    conn.close()
    return pending


def wait_for_outbox(url: str, timeout: float = 120) -> int:
    started = time.perf_counter()
    while (pending := pending_outbox(url)) and time.perf_counter() - started < timeout:
        time.sleep(0.5)
    print(f"outbox: {pending} pending {time.perf_counter() - started:.1f} s after the load")
    return pending


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def job_cpu(url: str, server: subprocess.Popen, worker: subprocess.Popen | None) -> dict:
    """CPU seconds spent so far by the whole job: gunicorn and its workers, the relay or Celery
    worker, and the PostgreSQL backends serving the bench database (persistent connections)."""
    web = [server.pid, *_children(server.pid)]
    delivery = [worker.pid, *_children(worker.pid)] if worker is not None else []
    conn = psycopg2.connect(url)
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        backends = [row[0] for row in cursor.fetchall()]
    conn.close()
    return {
        "web": sum(map(_cpu_seconds, web)),
        "delivery": sum(map(_cpu_seconds, delivery)),
        "db": sum(map(_cpu_seconds, backends)),
    }


def complaint_body(merchant_code: str, i: int) -> bytes:
    return json.dumps(
        {
            "merchant": merchant_code,
            "category": "refund_refused",
            "description": f"基准测试投诉 {i}: 商品未拆封, 七日内要求退货被拒绝。",
            "wanted_outcome": "退货退款",
            "amount": "268.00",
            "purchase_date": "2026-11-20",
            "complainant_name": "刘女士",
            "complainant_phone": f"139{i:08d}",
            "consent_to_contact": True,
        },
        ensure_ascii=False,
    ).encode()


def drive(port: int, merchant_code: str, rate: float, seconds: float, threads: int) -> dict:
    """Open-loop load: request i is due at start + i/rate; a bounded pool of threads sends."""
    total = int(rate * seconds)
    due: queue.Queue[int | None] = queue.Queue(maxsize=threads * 4)
    lock = threading.Lock()
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    lateness: list[float] = []

    def worker() -> None:
        while (i := due.get()) is not None:
            body = complaint_body(merchant_code, i)
            sent = time.perf_counter()
            late = sent - (start + i / rate)
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                conn.request("POST", PATH, body=body, headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                conn.close()
                key = str(response.status)
            except OSError as exc:
                key = type(exc).__name__
            elapsed = time.perf_counter() - sent
            with lock:
                statuses[key] += 1
                latencies.append(elapsed)
                lateness.append(late)

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    start = time.perf_counter()
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        due.put(i)  # blocks when every thread is busy: the client stays bounded
    for _ in pool:
        due.put(None)
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - start
    return {
        "total": total,
        "wall": wall,
        "statuses": statuses,
        "latencies": sorted(latencies),
        "lateness": sorted(lateness),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=32, help="client threads (the bound)")
    parser.add_argument("--broker", default="", help="Celery broker URL: run a worker too")
    parser.add_argument(
        "--relay", action="store_true", help="OUTBOX_RELAY=true and an outbox_relay process"
    )
    parser.add_argument(
        "--earlier", type=int, default=0, help="complaints seeded today before the load"
    )
    parser.add_argument(
        "--same-address",
        type=float,
        default=0.6,
        help="share of the seeded complaints from the bench's own address",
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the checkout whose code is measured"
    )
    args = parser.parse_args()
    root = args.root.resolve()
    python = str(root / ".venv" / "bin" / "python")
    env = os.environ | intake_server_env(
        args.database_url,
        MEDIA_ROOT="/tmp/acp_hd_bench_media",
        CELERY_BROKER_URL=args.broker,
        OUTBOX_RELAY="true" if args.relay else "false",
    )
    print(f"database {args.database_url}: recreating and migrating …", flush=True)
    recreate_database(args.database_url)
    subprocess.run(
        [python, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=root, env=env, check=True
    )
    script = INTAKE_SETUP_SCRIPT if args.earlier else MERCHANT_SCRIPT
    printed = subprocess.run(
        [python, "manage.py", "shell", "-c", script],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()  # shell prints its auto-import notice first
    merchant_code = printed[-2] if args.earlier else printed[-1]
    if args.earlier:
        seed_earlier_complaints(
            args.database_url,
            template=int(printed[-1]),
            earlier=args.earlier,
            same_address=args.same_address,
        )
    stored_before, events_before = count_complaints(args.database_url)

    port = free_port()
    command = gunicorn_command(root, port, args.workers)
    print(f"server: {' '.join(command)}", flush=True)
    server = subprocess.Popen(command, cwd=root, env=env)
    worker, undelivered = None, 0
    if args.relay:
        worker = subprocess.Popen(
            [python, "manage.py", "outbox_relay"], cwd=root, env=env, stdout=subprocess.DEVNULL
        )
    elif args.broker:
        redis_flush(args.broker)
        worker = subprocess.Popen(
            [
                str(root / ".venv" / "bin" / "celery"),
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    try:
        wait_until_up(port, server)
        print(
            f"load: {args.rate:g} requests/s for {args.seconds:g} s, {args.threads} client "
            "threads …",
            flush=True,
        )
        cpu_before = job_cpu(args.database_url, server, worker)
        result = drive(port, merchant_code, args.rate, args.seconds, args.threads)
        if worker is not None:
            undelivered = wait_for_outbox(args.database_url)
        cpu_after = job_cpu(args.database_url, server, worker)
    finally:
        stop_processes(server, worker)

    created = result["statuses"].get("201", 0)
    stored, events = count_complaints(args.database_url)
    stored, events = stored - stored_before, events - events_before
    lat, late = result["latencies"], result["lateness"]
    errors = {k: v for k, v in result["statuses"].items() if k != "201"}
    print(f"sent {result['total']} requests in {result['wall']:.1f} s")
    print(f"201 Created: {created}; achieved {created / result['wall']:.1f} complaints/s")
    print(f"errors: {errors or 'none'}")
    print(
        f"latency ms: p50 {percentile(lat, 0.50) * 1000:.1f}, "
        f"p95 {percentile(lat, 0.95) * 1000:.1f}, "
        f"p99 {percentile(lat, 0.99) * 1000:.1f}, "
        f"max {lat[-1] * 1000:.1f}, "
        f"mean {statistics.fmean(lat) * 1000:.1f}"
    )
    print(
        f"send lateness vs schedule ms: p50 {percentile(late, 0.50) * 1000:.1f}, "
        f"p95 {percentile(late, 0.95) * 1000:.1f}, max {late[-1] * 1000:.1f}"
    )
    print(f"database: {stored} complaints, {events} events")
    web, delivery, db = (cpu_after[k] - cpu_before[k] for k in ("web", "delivery", "db"))
    per = 1000 / max(created, 1)
    print(
        f"CPU per complaint ms: {(web + delivery + db) * per:.2f} (web {web * per:.2f}, "
        f"delivery {delivery * per:.2f}, database backends {db * per:.2f})"
    )
    ok = stored == created and events == created and not errors and not undelivered
    print("count check: " + ("OK, every 201 is stored" if ok else "MISMATCH"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
