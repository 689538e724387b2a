"""Thin Celery tasks: run a service. A run that finds another one alive gives way (logged)."""

import logging

from celery import shared_task

from ratings.models import EvaluationRun
from ratings.services.runs import RunInProgress, evaluation_run
from ratings.services.warnings import ratings_sweep

logger = logging.getLogger(__name__)


def _run(kind: str) -> int | None:
    try:
        return evaluation_run(kind=kind).merchants_evaluated
    except RunInProgress:
        logger.warning("%s evaluation skipped: another run is in progress", kind)
        return None


@shared_task(acks_late=True)
def evaluate_nightly() -> int | None:
    return _run(EvaluationRun.Kind.NIGHTLY)


@shared_task(acks_late=True)
def evaluate_monthly() -> int | None:
    return _run(EvaluationRun.Kind.MONTHLY)


@shared_task(acks_late=True)
def sweep_deadlines() -> dict[str, int]:
    return ratings_sweep()
