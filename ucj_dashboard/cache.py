"""A Redis cache that an outage only makes slower, never broken.

Dashboards cache snapshot reads and rendered pages in Redis. If Redis is unreachable, every read
becomes a miss (the page is built from the database) and writes are dropped, each logged; the
request itself never fails because of the cache.

A Redis that accepts connections but never answers costs the socket timeout (1 s, settings) on
every call, and a page makes a dozen. So after a failure the cache is skipped for ``PAUSE_SECONDS``
in this process: a page then waits for Redis at most once, whether Redis is down or hung.

``clear()`` deletes the cache's own keys (its ``KEY_PREFIX``), never the whole database as Django's
Redis cache does: even a cache configured on the broker's database cannot drop queued tasks.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
PAUSE_SECONDS = 30


class ResilientRedisCache(RedisCache):
    _paused_until = 0.0

    def _call(self, operation, fallback, method, *args):
        if time.monotonic() < self._paused_until:
            return fallback
        try:
            return method(*args)
        except UNREACHABLE:
            self._paused_until = time.monotonic() + PAUSE_SECONDS
            logger.warning(
                "Redis cache unreachable during %s: served without the cache for %s s.", operation, PAUSE_SECONDS
            )
            return fallback

    def get(self, key, default=None, version=None):
        return self._call("get", default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, super().get_many, keys, version)

    def set(self, key, value, timeout=None, version=None):
        self._call("set", None, super().set, key, value, timeout, version)

    def add(self, key, value, timeout=None, version=None):
        return self._call("add", False, super().add, key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", 0, super().incr, key, delta, version)

    def delete(self, key, version=None):
        return self._call("delete", False, super().delete, key, version)

    def clear(self):
        return self._call("clear", False, self._clear_own_keys)

    def _clear_own_keys(self):
        client = self._cache.get_client(None, write=True)
        pattern = f"{self.key_prefix}:*"  # Django's keys are "<prefix>:<version>:<key>"
        batch = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) == 1000:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
        return True

    def delete_many(self, keys, version=None):
        return self._call("delete_many", False, super().delete_many, keys, version)
