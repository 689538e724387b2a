"""Thin Celery tasks of the outbox."""

from celery import shared_task

from common import limits, outbox


@shared_task(acks_late=True)
def outbox_deliver(ids: list[int]) -> int:
    """Deliver these outbox items, each once (they are claimed before delivery)."""
    return outbox.outbox_deliver(ids)


@shared_task(acks_late=True)
def outbox_redeliver() -> int:
    """Deliver every outbox item that is due and still pending."""
    return outbox.outbox_redeliver()


@shared_task
def limits_purge() -> int:
    """Delete the rate-limit counters no window reaches any more."""
    return limits.limits_purge()
