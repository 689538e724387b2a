"""Faults: a Redis server of the test's own, stopped and started again — readiness follows it,
and pages and writes go on while the cache is away."""

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from common.models import OutboxItem
from common.outbox import outbox_redeliver
from complaints.models import Complaint
from config.celery import app as celery_app
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
        body = up.json()
        assert {k: body[k] for k in ("ready", "database", "cache", "broker")} == {
            "ready": True,
            "database": "ok",
            "cache": "ok",
            "broker": "ok",
        }
        # No worker listens on the test's own broker, and beat has not run: reported, not gating.
        assert body["worker"] == "unavailable: no worker answered"
        assert body["beat"] == "unavailable: no periodic task has run yet"

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


@pytest.fixture
def broker_on(own_redis):
    """Celery publishes to the test's own Redis (database 1), not eagerly in-process."""
    url = f"redis://127.0.0.1:{own_redis['port']}/1"
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = url, False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    with override_settings(CELERY_BROKER_URL=url):
        yield url
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _kill(own_redis) -> None:
    own_redis["server"].kill()
    own_redis["server"].wait()


@pytest.mark.celery_broker
@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")
@pytest.mark.django_db
def test_with_broker_and_cache_down_nothing_fails_and_nothing_is_lost(
    own_redis, broker_on, merchant, owner, county_regulator, django_capture_on_commit_callbacks
):
    """Redis (cache and broker) dies mid-test: the store page, complaint intake by page and by
    API, and an approval answer as usual, each row is stored once, and what they had to send
    waits in the outbox until Redis is back and the re-delivery task runs — then each mail goes
    out exactly once."""
    owner.email = "owner@example.com"
    owner.save(update_fields=["email"])
    declaration = DeclarationFactory(
        merchant=merchant,
        created_by=owner,
        state=Declaration.State.UNDER_REVIEW,
        reviewer=county_regulator,
    )
    with override_settings(CACHES=_tolerant_cache(own_redis["port"])):
        store = reverse("store-page", args=[merchant.public_code])
        assert client_for(None).get(store).status_code == 200
        _kill(own_redis)

        responses = [client_for(None).get(store)]
        with django_capture_on_commit_callbacks(execute=True):
            responses.append(
                client_for(None).post(INTAKE, _form(merchant), content_type="application/json")
            )
        with django_capture_on_commit_callbacks(execute=True):
            responses.append(
                client_for(None).post(
                    f"/complaints/new/?merchant={merchant.public_code}",
                    _form(merchant, complainant_phone="13900002222", consent_to_contact="on"),
                )
            )
        with django_capture_on_commit_callbacks(execute=True):
            responses.append(
                client_for(county_regulator).post(
                    reverse("review-approve", args=[declaration.pk]), {"note": ""}
                )
            )
        assert [r.status_code for r in responses] == [200, 201, 302, 302]
        assert Complaint.objects.count() == 2
        declaration.refresh_from_db()
        assert declaration.state == Declaration.State.APPROVED
        pending = OutboxItem.objects.filter(delivered_at__isnull=True)
        assert pending.filter(kind="notification-mail").exists()
        assert pending.filter(kind="store-pages-forget").exists()
        assert not [m for m in mail.outbox if m.to == [owner.email]]

        assert not pending.filter(attempts__gt=0).exists()  # the broker took no dispatch

        own_redis["server"] = _start(own_redis["port"])
        OutboxItem.objects.update(due_at=timezone.now())  # the backoff has passed
        outbox_redeliver()
        assert not OutboxItem.objects.filter(delivered_at__isnull=True).exists()
        # The approval, and the ratings' notices of the moves into selection and cultivation:
        # each mailed once.
        owner_mails = [(m.subject, m.body) for m in mail.outbox if m.to == [owner.email]]
        assert len(owner_mails) == len(set(owner_mails)) == 3
        assert outbox_redeliver() == 0  # delivered once: nothing left to send again
        assert len([m for m in mail.outbox if m.to == [owner.email]]) == 3
        assert client_for(None).get(store).status_code == 200
