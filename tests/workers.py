"""Real Celery processes for the tests that go through the broker (CI: Redis, PostgreSQL).

Each process is started here, pointed at the test's database so it sees the committed rows, and
stopped when the test is done, passed or failed.
"""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]

# On a test that starts worker processes: it needs a broker and a committed database.
needs_broker = [
    pytest.mark.celery_broker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("CELERY_BROKER_URL"), reason="no broker configured (tasks run eagerly)"
    ),
]


def skip_unless_shared_database() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a worker process cannot share an in-memory SQLite test database")


def database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


@contextmanager
def celery_process(*arguments: str, log: Path) -> Iterator[subprocess.Popen]:
    """`celery -A config <arguments>` on the test database, its output in `log`."""
    env = os.environ | {"DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "config.settings"}
    command = [sys.executable, "-m", "celery", "-A", "config", *arguments]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def celery_worker(
    queue: str, *, log: Path, default_queue_too: bool = False
) -> Iterator[subprocess.Popen]:
    """A worker that takes only `queue` (so no other worker on the broker takes the test's
    tasks), ready when the block starts. `default_queue_too`: also Celery's default queue, for
    tasks the worker itself enqueues (the outbox's), which the test's routes do not reach."""
    with celery_process(
        "worker",
        "--pool=solo",
        "-Q",
        f"{queue},celery" if default_queue_too else queue,
        "-n",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
        log=log,
    ) as worker:
        assert wait_for(lambda: b"ready." in log.read_bytes(), timeout=60), log.read_text()
        yield worker
