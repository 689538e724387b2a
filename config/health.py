"""Health for load balancers and the container orchestrator.

`/healthz/` (liveness): the process answers and its database does. `/readyz/` (readiness): this
instance can serve — the database, the cache and the broker all answer — else 503, so that the
orchestrator takes it out of service until they return. It also reports whether a Celery worker
answers a ping and how long ago beat last ran a periodic task; those do not make the web
instance unready (the worker's and beat's own health checks restart them). Each check says what
it found.
"""

from collections.abc import Callable

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_celery_beat.models import PeriodicTask
from kombu import Connection

from common.cache import require_cache

# A check's own limit: a server that does not answer within it counts as down.
CHECK_TIMEOUT_SECONDS = 2
WORKER_PING_SECONDS = 1.0
# The outbox re-delivery runs every minute: no beat run for this long means beat is down.
BEAT_STALE_SECONDS = 300


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _cache() -> str:
    require_cache()
    return "ok"


def _broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "none: tasks run in-process"
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=CHECK_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)
    return "ok"


def _worker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "none: tasks run in-process"
    replies = current_app.control.ping(timeout=WORKER_PING_SECONDS)
    if not replies:
        raise LookupError("no worker answered")
    return f"ok: {len(replies)} answered"


def _beat() -> str:
    newest = PeriodicTask.objects.filter(enabled=True).aggregate(newest=Max("last_run_at"))
    if newest["newest"] is None:
        raise LookupError("no periodic task has run yet")
    age = int((timezone.now() - newest["newest"]).total_seconds())
    if age > BEAT_STALE_SECONDS:
        raise LookupError(f"newest run {age} s ago")
    return f"ok: newest run {age} s ago"


# Without these the instance cannot serve: 503.
CHECKS: dict[str, Callable[[], str]] = {"database": _database, "cache": _cache, "broker": _broker}
# Reported, but no reason to take a web instance out of service (tasks wait in the broker and
# the outbox until a worker or beat returns; their own health checks restart them).
REPORTS: dict[str, Callable[[], str]] = {"worker": _worker, "beat": _beat}


@never_cache
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    try:
        _database()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    results, ready_ = {}, True
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # any failure of a dependency means: not ready
            results[name] = f"unavailable: {type(exc).__name__}"
            ready_ = False
    for name, report in REPORTS.items():
        try:
            results[name] = report()
        except Exception as exc:  # reported only
            results[name] = f"unavailable: {exc}"
    return JsonResponse({"ready": ready_, **results}, status=200 if ready_ else 503)
