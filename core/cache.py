"""The Redis cache, tolerant of Redis being down. The cache only speeds things up (dashboard
figures) and counts requests for the rate limits, so an outage of Redis must not turn pages into
errors: a failed operation behaves as a cache miss, and for ``RETRY_AFTER`` seconds afterwards the
cache is not asked at all (no request waits for a dead server again and again)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

#: After a failure, seconds during which the cache is treated as empty without trying Redis.
RETRY_AFTER = 10.0
_FAILURES = (RedisConnectionError, RedisTimeoutError, OSError)
_down_until: dict[str, float] = {}  # per LOCATION, shared by the threads of a process
_lock = threading.Lock()


class ResilientRedisCache(RedisCache):
    def _call(self, name: str, default: Any, *args, **kwargs):
        key = str(self._servers)  # type: ignore[attr-defined]
        if time.monotonic() < _down_until.get(key, 0.0):
            return default
        try:
            return getattr(super(), name)(*args, **kwargs)
        except _FAILURES as exc:
            with _lock:
                first = time.monotonic() >= _down_until.get(key, 0.0)
                _down_until[key] = time.monotonic() + RETRY_AFTER
            if first:
                log.warning("Cache unavailable (%s); working without it for %ss.", type(exc).__name__, RETRY_AFTER)
            return default

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def add(self, key, value, timeout=None, version=None):
        return self._call("add", False, key, value, timeout, version)

    def set(self, key, value, timeout=None, version=None):
        return self._call("set", None, key, value, timeout, version)

    def touch(self, key, timeout=None, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        result = self._call("incr", _MISSING, key, delta, version)
        if result is _MISSING:
            raise ValueError(f"Key '{key}' not found (cache unavailable)")  # what a missing key raises
        return result

    def set_many(self, data, timeout=None, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", None)


_MISSING = object()
