"""A real Celery worker process screens a submitted declaration through the broker.

Runs when a broker is configured (CI: Redis, with PostgreSQL as the database). The worker is a
separate process started here, listening on a queue of its own, and pointed at this test's
database so it sees the committed rows.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from config.celery import app as celery_app
from merchants.models import Declaration
from merchants.models import DeclarationState as S
from merchants.services import declarations as declaration_services
from review.models import ScreeningRun
from tests.factories import RegistryRecordFactory, pdf_upload, scheme

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


def _wait_for(condition, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


@pytest.mark.celery_broker
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"), reason="no broker configured (tasks run eagerly)"
)
def test_a_worker_process_screens_a_submitted_declaration(
    reference_data, owner, merchant, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("a worker process cannot share an in-memory SQLite test database")
    assert celery_app.conf.task_always_eager is False
    queue = f"acp-test-screening-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    env = os.environ | {
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    old_routes = celery_app.conf.task_routes
    with log.open("wb") as output:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    try:
        assert _wait_for(lambda: b"ready." in log.read_bytes(), timeout=60), log.read_text()
        celery_app.conf.update(task_routes={"review.tasks.screen_declaration": {"queue": queue}})

        RegistryRecordFactory(uscc=merchant.uscc)
        declaration = declaration_services.declaration_create(
            actor=owner, merchant=merchant, scheme=scheme("assured-unit")
        )
        declaration_services.declaration_update(
            actor=owner, declaration=declaration, commitments=declaration.scheme.commitments.all()
        )
        for doc in declaration.scheme.required_documents.filter(is_mandatory=True):
            declaration_services.declaration_attach_document(
                actor=owner, declaration=declaration, required_document=doc, upload=pdf_upload()
            )
        # Committed at once (no test transaction): the task is sent on commit.
        declaration_services.declaration_submit(actor=owner, declaration=declaration)

        def screened() -> bool:
            return Declaration.objects.get(pk=declaration.pk).state == S.PENDING_REVIEW

        assert _wait_for(screened, timeout=60), log.read_text()
        run = ScreeningRun.objects.get(declaration=declaration)
        assert run.outcome == "pass" and run.finished_at is not None
        assert run.checks.count() > 0
        assert b"review.tasks.screen_declaration" in log.read_bytes()
    finally:
        celery_app.conf.update(task_routes=old_routes)
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
