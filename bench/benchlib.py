"""What the benchmark scripts share: a scratch PostgreSQL database, a gunicorn server on a free
port, percentiles. Imported as `benchlib` (the scripts run as `python bench/<name>.py`)."""

import http.client
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

HOST = "127.0.0.1"


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
