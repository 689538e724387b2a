"""The platform's wiring: settings from the environment, cache, broker, security headers."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def test_database_follows_database_url():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith("postgres") else "sqlite"
    assert connection.vendor == expected


def test_cache_follows_redis_url():
    backend = settings.CACHES["default"]["BACKEND"]
    if os.environ.get("REDIS_URL"):
        assert backend.endswith("RedisCache")
    else:
        assert backend.endswith("LocMemCache")
    cache.set("acp-test-key", {"ok": 1}, 30)
    assert cache.get("acp-test-key") == {"ok": 1}


def _settings_in_subprocess(**env: str) -> dict:
    code = (
        "import json, django; from django.conf import settings as s; django.setup(); "
        "print(json.dumps({k: getattr(s, k) for k in ['DEBUG', 'SESSION_COOKIE_SECURE', "
        "'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'SECURE_SSL_REDIRECT', "
        "'CELERY_TASK_ALWAYS_EAGER', 'ALLOWED_HOSTS']}))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "CELERY_BROKER_URL")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean | {"DJANGO_SETTINGS_MODULE": "config.settings"} | env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_values_come_from_the_same_module():
    prod = _settings_in_subprocess(
        DEBUG="false",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="acp.example.gov.cn",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert prod["DEBUG"] is False
    assert prod["SESSION_COOKIE_SECURE"] and prod["CSRF_COOKIE_SECURE"]
    assert prod["SECURE_HSTS_SECONDS"] >= 31536000 and prod["SECURE_SSL_REDIRECT"]
    assert prod["CELERY_TASK_ALWAYS_EAGER"] is False
    assert prod["ALLOWED_HOSTS"] == ["acp.example.gov.cn"]
    dev = _settings_in_subprocess()
    assert dev["DEBUG"] is True and dev["CELERY_TASK_ALWAYS_EAGER"] is True


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "false"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_pages_send_a_content_security_policy(client):
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_health_endpoint_checks_the_database(client):
    response = client.get("/healthz/")
    assert response.status_code == 200 and response.content == b"ok"
    assert client.post("/healthz/").status_code == 405


@pytest.mark.django_db
def test_readiness_reports_the_age_of_the_newest_beat_run(client, settings):
    from datetime import timedelta

    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask

    settings.CELERY_BROKER_URL = ""  # tasks in-process: no worker to ask (CI has a broker)
    tasks = PeriodicTask.objects.filter(enabled=True)
    assert tasks.exists()  # installed by migrate
    tasks.update(last_run_at=timezone.now() - timedelta(seconds=42))
    body = client.get("/readyz/").json()
    assert body["ready"] is True
    assert body["beat"].startswith("ok: newest run 4")
    assert body["worker"] == "none: tasks run in-process"

    tasks.update(last_run_at=timezone.now() - timedelta(hours=2))
    response = client.get("/readyz/")
    assert response.status_code == 200  # reported, not a reason to stop serving
    assert response.json()["beat"] == "unavailable: newest run 7200 s ago"


def test_web_workers_keep_full_collections_off_the_request_path():
    """config.wsgi (gunicorn's and runserver's entry) freezes the loaded application's heap,
    with every view module imported, and collects the youngest generation less often
    (config.workers): the objects a request leaves in cycles die young instead of waiting for
    a full collection that walks the whole process."""
    code = (
        "import gc, json, sys; import config.wsgi; "
        "print(json.dumps({'threshold': gc.get_threshold(), 'frozen': gc.get_freeze_count(), "
        "'views': 'complaints.views.desks' in sys.modules}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state["threshold"][0] == 20_000
    assert state["frozen"] > 50_000  # Django, the URLconf, the models: never walked again
    assert state["views"]
