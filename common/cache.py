"""A Redis cache that an outage slows down but never breaks: every read answers a miss and every
write is dropped while Redis does not answer (after a short socket timeout), with a warning in
the log, so pages are built without the cache instead of failing. `check()` still raises, for
the readiness endpoint, which must see the outage."""

import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

OUTAGE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# One warning per period while the outage lasts, not one per request.
WARN_EVERY_SECONDS = 60.0


def require_cache() -> None:
    """Raise unless the default cache answers: for work that must not be silently dropped by a
    tolerant cache (readiness, a cache delete the outbox will try again)."""
    from django.core.cache import cache

    check = getattr(cache, "check", None)
    if check is not None:
        check()
        return
    token = secrets.token_hex(8)
    cache.set("cache-check", token, timeout=10)
    if cache.get("cache-check") != token:
        raise ConnectionError("the cache did not return what was written")


class TolerantRedisCache(RedisCache):
    _warned_at = 0.0

    def _outage(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - TolerantRedisCache._warned_at >= WARN_EVERY_SECONDS:
            TolerantRedisCache._warned_at = now
            logger.warning("cache unavailable (%s: %s); serving without it", operation, exc)

    def check(self) -> None:
        """Raise unless Redis answers (the readiness check)."""
        self._cache.get_client(write=True).ping()

    def _try(self, operation: str, call: Callable[[], Any], fallback: Any) -> Any:
        try:
            return call()
        except OUTAGE as exc:
            self._outage(operation, exc)
            return fallback

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._try(
            "get", lambda: super(TolerantRedisCache, self).get(key, default, version), default
        )

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return self._try(
            "get_many", lambda: super(TolerantRedisCache, self).get_many(keys, version), {}
        )

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._try(
            "has_key", lambda: super(TolerantRedisCache, self).has_key(key, version), False
        )

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._try(
            "add", lambda: super(TolerantRedisCache, self).add(key, value, timeout, version), False
        )

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._try(
            "set", lambda: super(TolerantRedisCache, self).set(key, value, timeout, version), None
        )

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        return self._try(
            "set_many",
            lambda: super(TolerantRedisCache, self).set_many(data, timeout, version),
            list(data),
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._try(
            "touch", lambda: super(TolerantRedisCache, self).touch(key, timeout, version), False
        )

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._try(
            "delete", lambda: super(TolerantRedisCache, self).delete(key, version), False
        )

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._try(
            "delete_many", lambda: super(TolerantRedisCache, self).delete_many(keys, version), None
        )

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        """A dropped increment answers 0 (no caller uses the value while Redis is away)."""
        return self._try(
            "incr", lambda: super(TolerantRedisCache, self).incr(key, delta, version), 0
        )
