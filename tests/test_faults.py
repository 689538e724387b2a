"""Faults: a Redis server of the test's own, stopped and started again — readiness follows it,
and pages and writes go on while the cache is away."""

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from django.test import override_settings
from django.urls import reverse

from complaints.models import Complaint
from merchants.models import Declaration
from tests.complaints.test_api import INTAKE, _form
from tests.conftest import client_for
from tests.factories import DeclarationFactory

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


def _tolerant_cache(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "common.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")
@pytest.mark.django_db
def test_with_the_cache_down_pages_and_writes_go_on(
    own_redis, merchant, owner, county_regulator, django_capture_on_commit_callbacks
):
    with override_settings(CACHES=_tolerant_cache(own_redis["port"])):
        store = reverse("store-page", args=[merchant.public_code])
        assert client_for(None).get(store).status_code == 200  # cached while Redis is up
        own_redis["server"].kill()
        own_redis["server"].wait()

        assert client_for(None).get(store).status_code == 200  # built again, without the cache
        with django_capture_on_commit_callbacks(execute=True):
            intake = client_for(None).post(INTAKE, _form(merchant), content_type="application/json")
        assert intake.status_code == 201, intake.content
        assert Complaint.objects.count() == 1  # stored once; the cache delete after commit failed

        declaration = DeclarationFactory(
            merchant=merchant,
            created_by=owner,
            state=Declaration.State.UNDER_REVIEW,
            reviewer=county_regulator,
        )
        with django_capture_on_commit_callbacks(execute=True):
            approved = client_for(county_regulator).post(
                reverse("review-approve", args=[declaration.pk]), {"note": ""}
            )
        assert approved.status_code == 302
        declaration.refresh_from_db()
        assert declaration.state == Declaration.State.APPROVED

        own_redis["server"] = _start(own_redis["port"])
        page = client_for(None).get(store)
        assert page.status_code == 200 and merchant.name in page.content.decode()
