"""A Redis cache that an outage only makes slower, never broken.

Dashboards cache snapshot reads and rendered pages in Redis. If Redis is unreachable, every read
becomes a miss (the page is built from the database) and writes are dropped, each logged; the
request itself never fails because of the cache.
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

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except UNREACHABLE:
            _warn("delete_many")
            return False
