"""A Redis cache that an outage slows down but never breaks: every read answers a miss and every
write is dropped while Redis does not answer (after a short socket timeout), with a warning in
the log, so pages are built without the cache instead of failing. `check()` still raises, for
the readiness endpoint, which must see the outage."""

import logging
import time
from typing import Any

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

OUTAGE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# One warning per period while the outage lasts, not one per request.
WARN_EVERY_SECONDS = 60.0


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

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        try:
            return super().get(key, default, version)
        except OUTAGE as exc:
            self._outage("get", exc)
            return default

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except OUTAGE as exc:
            self._outage("get_many", exc)
            return {}

    def has_key(self, key: Any, version: Any = None) -> bool:
        try:
            return super().has_key(key, version)
        except OUTAGE as exc:
            self._outage("has_key", exc)
            return False

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except OUTAGE as exc:
            self._outage("add", exc)
            return False

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        try:
            super().set(key, value, timeout, version)
        except OUTAGE as exc:
            self._outage("set", exc)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        try:
            return super().set_many(data, timeout, version)
        except OUTAGE as exc:
            self._outage("set_many", exc)
            return list(data)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        try:
            return super().touch(key, timeout, version)
        except OUTAGE as exc:
            self._outage("touch", exc)
            return False

    def delete(self, key: Any, version: Any = None) -> bool:
        try:
            return super().delete(key, version)
        except OUTAGE as exc:
            self._outage("delete", exc)
            return False

    def delete_many(self, keys: Any, version: Any = None) -> None:
        try:
            super().delete_many(keys, version)
        except OUTAGE as exc:
            self._outage("delete_many", exc)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        """A dropped increment answers 0 (no caller uses the value while Redis is away)."""
        try:
            return super().incr(key, delta, version)
        except OUTAGE as exc:
            self._outage("incr", exc)
            return 0
