"""Health for load balancers and the container orchestrator.

`/healthz/` (liveness): the process answers and its database does. `/readyz/` (readiness): this
instance can serve — the database, the cache and the broker all answer — else 503, so that the
orchestrator takes it out of service until they return. Each check says what it found.
"""

import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

# A check's own limit: a server that does not answer within it counts as down.
CHECK_TIMEOUT_SECONDS = 2


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _cache() -> str:
    check = getattr(cache, "check", None)
    if check is not None:  # a tolerant cache hides an outage from reads and writes: ask it
        check()
        return "ok"
    token = secrets.token_hex(8)
    cache.set("readyz", token, timeout=CHECK_TIMEOUT_SECONDS * 5)
    if cache.get("readyz") != token:
        raise ConnectionError("the cache did not return what was written")
    return "ok"


def _broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "none: tasks run in-process"
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=CHECK_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)
    return "ok"


CHECKS: dict[str, Callable[[], str]] = {"database": _database, "cache": _cache, "broker": _broker}


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
    return JsonResponse({"ready": ready_, **results}, status=200 if ready_ else 503)
