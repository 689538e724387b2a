"""Thin Celery tasks: take ids, call a service."""

import logging
from typing import Any

from celery import Task, shared_task
from kombu.exceptions import OperationalError

from review.services.deadlines import declarations_mark_overdue
from review.services.screening import (
    MAX_ATTEMPTS,
    ScreeningSourcesUnavailable,
    declaration_screen,
    declarations_screening_sweep,
)

logger = logging.getLogger(__name__)


class EnqueueOrLeaveToSweepTask(Task):
    """Enqueueing never breaks the caller (a submission has already committed): if the broker
    is down, it is logged and the screening sweep picks the declaration up later."""

    abstract = True

    def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        try:
            return super().apply_async(args, kwargs, **options)
        except OperationalError:
            if self.app.conf.task_always_eager:
                raise
            logger.exception("could not enqueue %s%r; the sweep will retry", self.name, args)
            return None


@shared_task(
    base=EnqueueOrLeaveToSweepTask,
    bind=True,
    acks_late=True,
    autoretry_for=(ScreeningSourcesUnavailable,),
    max_retries=MAX_ATTEMPTS - 1,
    # Up to 30 s, 60 s, 120 s (with jitter): done well before the sweep's 10 minutes.
    retry_backoff=30,
    retry_backoff_max=300,
    retry_jitter=True,
)
def screen_declaration(self: Task, declaration_id: int) -> str | None:
    last = self.max_retries or 0
    if self.request.is_eager:
        # In-process (development, tests) there is no broker to retry through, and an eager
        # Retry propagates to the caller: try again at once; the last attempt never raises.
        for attempt in range(last + 1):
            try:
                run = declaration_screen(
                    declaration_id=declaration_id, final_attempt=attempt == last
                )
            except ScreeningSourcesUnavailable:
                continue
            return run.outcome if run is not None else None
    run = declaration_screen(
        declaration_id=declaration_id, final_attempt=self.request.retries >= last
    )
    return run.outcome if run is not None else None


@shared_task
def screening_sweep() -> dict[str, int]:
    result = declarations_screening_sweep()
    return {"requeued": len(result.requeued), "given_up": len(result.given_up)}


@shared_task
def mark_overdue() -> int:
    return declarations_mark_overdue()
