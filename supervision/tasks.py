"""Thin Celery tasks: rebuild the cockpit's rollups. A run that finds another one going gives
way (logged)."""

import logging

from celery import shared_task

from supervision.services.refresh import RefreshInProgress
from supervision.services.warm import supervision_refresh_warm

logger = logging.getLogger(__name__)


def _run(*, recent: bool) -> float | None:
    try:
        return supervision_refresh_warm(recent=recent).seconds
    except RefreshInProgress:
        logger.warning("supervision refresh skipped: another one is running")
        return None


@shared_task(acks_late=True)
def refresh_full() -> float | None:
    return _run(recent=False)


@shared_task(acks_late=True)
def refresh_recent() -> float | None:
    return _run(recent=True)
