"""Thin Celery tasks: take ids, call a service."""

import logging

from celery import Task, shared_task

from review.services.deadlines import declarations_mark_overdue
from review.services.screening import (
    MAX_ATTEMPTS,
    ScreeningSourcesUnavailable,
    declaration_screen,
    declarations_screening_sweep,
)

logger = logging.getLogger(__name__)


# Enqueued through the outbox (review.services.screening.screening_enqueue): with the broker
# down the outbox item waits and is delivered later; the sweep is the last resort.
@shared_task(
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
    return {
        "interrupted": len(result.interrupted),
        "requeued": len(result.requeued),
        "given_up": len(result.given_up),
    }


@shared_task
def mark_overdue() -> int:
    return declarations_mark_overdue()
