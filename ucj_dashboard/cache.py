"""A Redis cache that an outage only makes slower, never broken.

Dashboards cache snapshot reads and rendered pages in Redis. If Redis is unreachable, every read
becomes a miss (the page is built from the database) and writes are dropped, each logged; the
request itself never fails because of the cache.

``clear()`` deletes the cache's own keys (its ``KEY_PREFIX``), never the whole database as Django's
Redis cache does: even a cache configured on the broker's database cannot drop queued tasks.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


def _warn(operation):
    logger.warning("Redis cache unreachable during %s: served without the cache.", operation)


class ResilientRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE:
            _warn("get")
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE:
            _warn("get_many")
            return {}

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNREACHABLE:
            _warn("set")

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE:
            _warn("add")
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE:
            _warn("incr")
            return 0

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE:
            _warn("delete")
            return False

    def clear(self):
        client = self._cache.get_client(None, write=True)
        pattern = f"{self.key_prefix}:*"  # Django's keys are "<prefix>:<version>:<key>"
        try:
            batch = []
            for key in client.scan_iter(match=pattern, count=1000):
                batch.append(key)
                if len(batch) == 1000:
                    client.delete(*batch)
                    batch = []
            if batch:
                client.delete(*batch)
        except UNREACHABLE:
            _warn("clear")
            return False
        return True
