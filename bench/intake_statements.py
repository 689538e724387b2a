"""Where one intake's time goes, in process: the web side's CPU and PostgreSQL's per statement.

    .venv/bin/python bench/intake_statements.py [--intakes 1000]
        [--database-url postgres://postgres@127.0.0.1:5432/acp_intake_floor]

Run after bench/intake_floor.py, on the database it left (its merchant, its 100,000 complaints
of the day and their limit counters). Sends --intakes JSON intakes (each its own phone, from
127.0.0.1) through Django's WSGI handler in this process, under bench.floor_settings as the
bench serves them, after 50 to warm up; then the same number to the floor view. Prints, per
request, the process' CPU (the web side: middleware, DRF, the service) and its database
backend's CPU (/proc/PID/schedstat, nanoseconds), then the backend's CPU per statement kind
(measured around each execute; what is left is BEGIN, COMMIT and the protocol). The relay is
not run: its items stay pending in this database.
"""

import argparse
import collections
import io
import os
import sys
import time
from pathlib import Path

from benchlib import intake_server_env
from intake_floor import BODY

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/acp_intake_floor"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--intakes", type=int, default=1000)
    args = parser.parse_args()
    os.environ.update(
        intake_server_env(
            args.database_url,
            DJANGO_SETTINGS_MODULE="bench.floor_settings",
            CELERY_BROKER_URL="",
            OUTBOX_RELAY="true",
            CONN_MAX_AGE="3600",
        )
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    from merchants.models import Merchant

    merchant = Merchant.objects.filter(name="基准测试茶楼").values_list("public_code", flat=True)
    code = merchant.first()
    if code is None:
        sys.exit("no bench merchant here: run bench/intake_floor.py first")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    schedstat = Path(f"/proc/{pid}/schedstat")

    def backend_ns() -> int:
        return int(schedstat.read_text().split()[0])

    app = WSGIHandler()
    phones = iter(range(int(time.time()) % 100_000 * 10_000, 10**10))

    def post(path: str) -> None:
        body = (BODY % code).replace("PHONE", f"139{next(phones) % 10**8:08d}").encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
        }
        status: list[str] = []
        answer = b"".join(app(environ, lambda s, _headers: status.append(s)))
        if not status[0].startswith("201"):
            sys.exit(f"{path} answered {status[0]}: {answer[:300]!r}")

    per_statement: collections.Counter[str] = collections.Counter()

    def timed(execute, sql, params, many, context):
        started = backend_ns()
        try:
            return execute(sql, params, many, context)
        finally:
            per_statement[" ".join(sql.split())[:70]] += backend_ns() - started

    print(f"load {' '.join(Path('/proc/loadavg').read_text().split()[:3])}", flush=True)
    for path in ("/api/v1/complaints/intake/", "/bench/floor/"):
        for _ in range(50):
            post(path)
        per_statement.clear()
        cpu, backend = time.process_time(), backend_ns()
        with connection.execute_wrapper(timed):
            for _ in range(args.intakes):
                post(path)
        cpu, backend = time.process_time() - cpu, backend_ns() - backend
        n = args.intakes
        print(
            f"{path}: web {cpu / n * 1000:.2f} ms, database {backend / n / 1e6:.2f} ms "
            f"of CPU per request ({n} requests)"
        )
        for sql, ns in per_statement.most_common():
            print(f"    {ns / n / 1000:7.0f} µs  {sql}")
        print(f"    {(backend - sum(per_statement.values())) / n / 1000:7.0f} µs  the rest")


if __name__ == "__main__":
    main()
