"""Reads of the evaluation runs (supervisors: ratings.permissions.may_see_runs)."""

from datetime import timedelta

from django.db.models import QuerySet

from ratings.models import EvaluationRun


def run_list() -> QuerySet[EvaluationRun]:
    return EvaluationRun.objects.select_related("policy").order_by("-started_at", "-pk")


def run_duration(run: EvaluationRun) -> timedelta | None:
    if run.finished_at is None:
        return None
    return run.finished_at - run.started_at
