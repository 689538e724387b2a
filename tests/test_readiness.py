"""Readiness (/readyz/) with a Redis server of the test's own, stopped and started again."""

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from django.test import override_settings
from django.urls import reverse

from tests.conftest import client_for

REDIS_SERVER = shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if redis.Redis(port=port, socket_connect_timeout=0.2).ping():
                return server
        except redis.ConnectionError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("redis-server did not start")


@pytest.fixture
def own_redis() -> Iterator[dict]:
    """A redis-server on a free port, killed by its pid at the end (never the shared one)."""
    port = _free_port()
    state = {"port": port, "server": _start(port)}
    yield state
    state["server"].kill()
    state["server"].wait()


@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")
@pytest.mark.django_db
def test_readiness_follows_the_cache_and_the_broker(own_redis):
    url = f"redis://127.0.0.1:{own_redis['port']}"
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"{url}/0",
        }
    }
    with override_settings(CACHES=caches, CELERY_BROKER_URL=f"{url}/1"):
        client = client_for(None)
        up = client.get(reverse("ready"))
        assert up.status_code == 200
        assert up.json() == {"ready": True, "database": "ok", "cache": "ok", "broker": "ok"}

        own_redis["server"].kill()
        own_redis["server"].wait()
        down = client.get(reverse("ready"))
        assert down.status_code == 503
        body = down.json()
        assert body["ready"] is False and body["database"] == "ok"
        assert body["cache"].startswith("unavailable") and body["broker"].startswith("unavailable")
        assert client.get(reverse("health")).status_code == 200  # alive: only not ready

        own_redis["server"] = _start(own_redis["port"])
        assert client.get(reverse("ready")).status_code == 200
