"""Readiness of the services the product depends on: PostgreSQL, Redis and the Celery worker.

The worker proves it is alive by running ``regions.tasks.worker_heartbeat`` from the beat
schedule every minute; the task writes the time into the cache (Redis). A heartbeat older than
``HEARTBEAT_STALE_SECONDS`` means no worker (or no beat) is running. Without ``REDIS_URL`` tasks
run in-process, so there is no worker to watch.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection

HEARTBEAT_KEY = "worker-heartbeat"
HEARTBEAT_INTERVAL_SECONDS = 60
HEARTBEAT_STALE_SECONDS = 3 * HEARTBEAT_INTERVAL_SECONDS
REDIS_TIMEOUT_SECONDS = 1.0


def worker_heartbeat_record(*, now=None):
    """Called by the worker (beat, every minute): the time it last ran a task."""
    now = int(now if now is not None else time.time())
    cache.set(HEARTBEAT_KEY, now, timeout=24 * 3600)
    return now


def _database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def _redis_client(url):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS)


def _redis_and_worker(now):
    if not settings.REDIS_URL:
        return {"ok": True, "configured": False}, {"ok": True, "mode": "in-process"}
    import redis

    try:
        if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
            _redis_client(settings.CELERY_BROKER_URL).ping()  # the broker's database
        # The heartbeat is in the cache's database; read straight from Redis with a short timeout.
        raw = _redis_client(settings.CACHE_REDIS_URL).get(cache.make_key(HEARTBEAT_KEY))
    except redis.RedisError as exc:
        return {"ok": False, "error": type(exc).__name__}, {"ok": False, "error": "redis"}
    if raw is None:
        return {"ok": True}, {"ok": False, "error": "no-heartbeat"}
    age = max(0, int(now) - int(raw))
    return {"ok": True}, {"ok": age <= HEARTBEAT_STALE_SECONDS, "heartbeat_age_seconds": age}


def health_report(*, now=None):
    """{"ok": bool, "checks": {"database": {...}, "redis": {...}, "worker": {...}}}; no secrets,
    no host names: error fields carry an exception class name only."""
    now = now if now is not None else time.time()
    redis_check, worker_check = _redis_and_worker(now)
    checks = {"database": _database(), "redis": redis_check, "worker": worker_check}
    return {"ok": all(check["ok"] for check in checks.values()), "checks": checks}
