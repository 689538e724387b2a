"""What the benchmark scripts share: a scratch PostgreSQL database, a gunicorn server on a free
port, percentiles. Imported as `benchlib` (the scripts run as `python bench/<name>.py`)."""

import http.client
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

HOST = "127.0.0.1"


def gunicorn_command(root: Path, port: int, workers: int) -> list[str]:
    """gunicorn serving the checkout at `root` on loopback, `workers` sync workers."""
    return [
        str(root / ".venv" / "bin" / "gunicorn"),
        "config.wsgi",
        "-b",
        f"{HOST}:{port}",
        "-w",
        str(workers),
        "--log-level",
        "warning",
    ]


def stop_processes(*processes: subprocess.Popen | None, timeout: float = 30) -> None:
    """SIGTERM each process started, then kill what has not ended within `timeout` seconds."""
    for process in filter(None, processes):
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _admin(url: str):
    """A connection to the server's `postgres` database, in autocommit (for CREATE/DROP)."""
    conn = psycopg2.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")))
    conn.autocommit = True
    return conn


def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    conn = _admin(url)
    with conn.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    conn.close()


def recreate_database(url: str) -> None:
    drop_database(url)
    conn = _admin(url)
    with conn.cursor() as cursor:
        name = urlsplit(url).path.lstrip("/")
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_until_up(port: int, server: subprocess.Popen, timeout: float = 30) -> None:
    """Wait for the server to answer /healthz/; exit the benchmark if it dies or never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited early with {server.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz/")
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"gunicorn did not answer within {timeout:.0f} s")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


# Intake benchmarks: one merchant, one complaint lodged through the service (prints both).
def intake_server_env(database_url: str, **extra: str) -> dict[str, str]:
    """The settings every intake bench serves the product with (added to the environment):
    production-like (DEBUG off, no HTTPS redirect), the intake limits raised so that nothing is
    refused, quiet logs; `extra` adds or overrides (the relay, the broker, the settings module)."""
    return {
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-a-secret-" + "x" * 40,
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": HOST,
        "COMPLAINT_LIMIT_PER_HOUR": "100000000",
        "COMPLAINT_LIMIT_PER_DAY": "100000000",
        "COMPLAINT_LIMIT_PER_ADDRESS_HOUR": "100000000",
        "COMPLAINT_LIMIT_PER_ADDRESS_DAY": "100000000",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


INTAKE_SETUP_SCRIPT = """
from complaints.services.complaints import complaint_submit
from merchants.models import Merchant, Region
from merchants.uscc import build_uscc
m = Merchant.objects.create(
    region=Region.objects.get(code="330106"), uscc=build_uscc("330106", 42424242),
    name="基准测试茶楼", legal_representative="张三", address="文三路1号", industry="retail",
    licence_valid_from="2020-01-01", licence_valid_until="2040-01-01",
    contact_phone="13800138000")
c = complaint_submit(
    merchant=m, category="refund_refused", description="基准测试投诉: 七日内要求退货被拒绝。",
    wanted_outcome="退货退款", complainant_name="刘女士", complainant_phone="13700000000",
    consent_to_contact=True, ip="127.0.0.1")
print(m.public_code, c.pk)
"""


# common.limits in SQL: a limit counter's key (the SHA-256 of "kind:value") and its 5-minute
# bucket, for the rows the benches write themselves.
LIMIT_KEY_SQL = "encode(sha256(convert_to({}, 'UTF8')), 'hex')"
LIMIT_BUCKET_SQL = "floor(extract(epoch FROM {}) / 60 / 5)::int"


def seed_earlier_complaints(url: str, *, template: int, earlier: int, same_address: float) -> None:
    """`earlier` complaints dated today (local midnight to now), copied set-based (`INSERT …
    SELECT` over generate_series) from the `template` complaint: each with its own phone, number
    and tracking token, its first event, two delivered outbox items, and its uses counted in the
    limit counters; `same_address` of them from 127.0.0.1 (every bench request's address, as
    behind a proxy), the others from 10.x addresses. Then VACUUM ANALYZE."""
    conn = psycopg2.connect(url)
    conn.autocommit = False
    started = time.perf_counter()
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'complaints_complaint' AND column_name <> 'id' "
            "ORDER BY ordinal_position"
        )
        columns = [row[0] for row in cursor.fetchall()]
        moment = "midnight + (now() - midnight) * g / (%(n)s + 1)"  # before now, after midnight
        replaced = {
            "tracking_token": "left(md5(g::text || random()::text) || md5(random()::text), 40)",
            "number": "t.region_id || '-' || extract(year from now())::int || '-' || "
            "lpad((g + 1)::text, 6, '0')",
            "complainant_phone": "'138' || lpad(g::text, 8, '0')",
            "submitted_ip": "CASE WHEN (g %% 1000) < %(same)s THEN '127.0.0.1'::inet ELSE "
            "('10.' || (g / 65536) %% 256 || '.' || (g / 256) %% 256 || '.' || g %% 256)::inet "
            "END",
            "created_at": moment,
            "updated_at": moment,
        }
        select = ", ".join(replaced.get(column, f"t.{column}") for column in columns)
        cursor.execute(
            f"""
            WITH day AS (
                SELECT date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai')
                    AT TIME ZONE 'Asia/Shanghai' AS midnight
            )
            INSERT INTO complaints_complaint ({", ".join(columns)})
            SELECT {select}
            FROM complaints_complaint t, day, generate_series(1, %(n)s) g WHERE t.id = %(t)s
            """,
            {"n": earlier, "t": template, "same": round(same_address * 1000)},
        )
        cursor.execute(
            "INSERT INTO complaints_complaintevent "
            "(complaint_id, actor_id, role, from_state, to_state, message, text, created_at) "
            "SELECT id, NULL, 'consumer', '', 'submitted', '{}', '', created_at "
            "FROM complaints_complaint WHERE id <> %s",
            [template],
        )
        cursor.execute(
            "INSERT INTO common_outboxitem "
            "(kind, payload, key, created_at, due_at, attempts, last_error, delivered_at) "
            "SELECT o.kind, o.payload, CASE WHEN o.key IS NULL THEN NULL "
            "ELSE o.key || '-' || e.id END, e.created_at, e.created_at, 1, '', e.created_at "
            "FROM complaints_complaintevent e, common_outboxitem o "
            "WHERE e.complaint_id <> %s",
            [template],
        )
        cursor.execute(
            f"""
            INSERT INTO common_limitcounter (key, bucket, hits)
            SELECT {LIMIT_KEY_SQL.format("k")}, {LIMIT_BUCKET_SQL.format("created_at")}, count(*)
            FROM (
                SELECT 'complaint-address:' || host(submitted_ip) AS k, created_at
                FROM complaints_complaint WHERE id <> %(t)s AND submitted_ip IS NOT NULL
                UNION ALL
                SELECT 'complaint-phone:' || complainant_phone, created_at
                FROM complaints_complaint WHERE id <> %(t)s
            ) uses
            GROUP BY 1, 2
            ON CONFLICT (key, bucket) DO UPDATE
                SET hits = common_limitcounter.hits + EXCLUDED.hits
            """,
            {"t": template},
        )
        cursor.execute("UPDATE complaints_complaintnumbercounter SET given = given + %s", [earlier])
    conn.commit()
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE submitted_ip = '127.0.0.1'), "
            "min(created_at AT TIME ZONE 'Asia/Shanghai'), "
            "max(created_at AT TIME ZONE 'Asia/Shanghai') FROM complaints_complaint"
        )
        total, local, first, last = cursor.fetchone()
    conn.close()
    print(
        f"seeded in {time.perf_counter() - started:.1f} s: {total:,} complaints today "
        f"({local:,} from 127.0.0.1), {first:%H:%M} to {last:%H:%M} local time",
        flush=True,
    )
