"""A real Celery worker process screens a submitted declaration through the broker.

Runs when a broker is configured (CI: Redis, with PostgreSQL as the database). The worker is a
separate process started here, listening on a queue of its own, and pointed at this test's
database so it sees the committed rows.
"""

import uuid

from config.celery import app as celery_app
from merchants.models import Declaration
from merchants.models import DeclarationState as S
from merchants.services import declarations as declaration_services
from review.models import ScreeningRun
from tests.factories import RegistryRecordFactory, pdf_upload, scheme
from tests.workers import celery_worker, needs_broker, skip_unless_shared_database, wait_for

pytestmark = needs_broker


def test_a_worker_process_screens_a_submitted_declaration(
    reference_data, owner, merchant, tmp_path
):
    skip_unless_shared_database()
    assert celery_app.conf.task_always_eager is False
    queue = f"acp-test-screening-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    old_routes = celery_app.conf.task_routes
    try:
        with celery_worker(queue, log=log, default_queue_too=True):
            # The submission's outbox item is handed to the dispatcher task (routed to the
            # test's worker), which enqueues the screening on the default queue it also takes.
            celery_app.conf.update(task_routes={"common.tasks.outbox_deliver": {"queue": queue}})
            RegistryRecordFactory(uscc=merchant.uscc)
            declaration = declaration_services.declaration_create(
                actor=owner, merchant=merchant, scheme=scheme("assured-unit")
            )
            declaration_services.declaration_update(
                actor=owner,
                declaration=declaration,
                commitments=declaration.scheme.commitments.all(),
            )
            for doc in declaration.scheme.required_documents.filter(is_mandatory=True):
                declaration_services.declaration_attach_document(
                    actor=owner, declaration=declaration, required_document=doc, upload=pdf_upload()
                )
            # Committed at once (no test transaction): the task is sent on commit.
            declaration_services.declaration_submit(actor=owner, declaration=declaration)

            def screened() -> bool:
                return Declaration.objects.get(pk=declaration.pk).state == S.PENDING_REVIEW

            assert wait_for(screened, timeout=60), log.read_text()
    finally:
        celery_app.conf.update(task_routes=old_routes)

    run = ScreeningRun.objects.get(declaration=declaration)
    assert run.outcome == "pass" and run.finished_at is not None
    assert run.checks.count() > 0
    assert b"review.tasks.screen_declaration" in log.read_bytes()
    assert b"common.tasks.outbox_deliver" in log.read_bytes()
