"""The cache on Redis: what becomes a key (only validated, existing values, issue #18) and the
separation from the broker (clearing the cache never drops a queued task)."""

import uuid

import pytest
import redis
from django.core.cache import cache

from coverage import tasks
from ucj_dashboard.cache import ResilientRedisCache
from ucj_dashboard.celery import app

pytestmark = pytest.mark.django_db


def _cache_keys():
    client = cache._cache.get_client(None)
    return {key.decode() for key in client.scan_iter(match=f"{cache.key_prefix}:*")}


@pytest.fixture
def signed_in(client, world):
    client.force_login(world["personas"]["operator_kab_blitar"])
    client.get("/api/v1/snapshot/", {"kode": "35.73"})  # the generation key and a first real entry
    return client


def test_free_text_api_parameters_never_become_cache_keys(signed_in):
    """Issue #18: 20 requests with 2.000-character ``kode`` values left 20 keys for 6 hours."""
    before = _cache_keys()
    for i in range(20):
        assert signed_in.get("/api/v1/snapshot/", {"kode": f"{i:02d}" * 1_000}).status_code == 400
        assert signed_in.get("/api/v1/snapshot/", {"kode": f"99.{i:02d}"}).status_code == 400  # unknown
        assert signed_in.get("/api/v1/snapshot/", {"kantor": f"KC-X{i}"}).status_code == 400
        assert signed_in.get("/api/v1/snapshot/", {"induk": f"KW-{i}"}).status_code == 400
    assert _cache_keys() == before


def test_api_pages_share_cached_blocks_whatever_their_offset(signed_in):
    before = _cache_keys()
    for offset in range(4):
        for limit in (1, 2, 3):
            body = signed_in.get("/api/v1/snapshot/", {"induk": "35", "mulai": offset, "batas": limit}).json()
            assert body["offset"] == offset and len(body["results"]) == max(0, min(limit, body["count"] - offset))
    new = sorted(key.split(":", 3)[3] for key in _cache_keys() - before)
    assert len(new) == 2, new  # the count and one block of rows for these filters
    assert all(len(key) < 100 for key in _cache_keys())


def test_parameters_a_page_does_not_read_add_no_cache_entries(signed_in):
    def page_keys():
        return {key for key in _cache_keys() if ":page-session:" in key}

    for _ in range(2):  # the first sets the CSRF cookie the page cache keys on
        signed_in.get("/wilayah/35.73/", {"periode": "2025-06"})
    first = page_keys()
    for i in range(10):
        assert signed_in.get("/wilayah/35.73/", {"periode": "2025-06", f"x{i}": "y" * 500}).status_code == 200
    assert page_keys() == first and len(first) == 1


def test_clearing_the_cache_leaves_a_queued_task_in_the_broker(settings):
    assert settings.CACHE_REDIS_URL != settings.CELERY_BROKER_URL  # two databases by default
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue = f"trust-{uuid.uuid4().hex[:8]}"
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        tasks.recompute_requests.apply_async(args=[[]], queue=queue)  # sent, no worker consumes it
        assert broker.llen(queue) == 1
        cache.set("ada", 1)
        cache.clear()
        assert cache.get("ada") is None
        assert broker.llen(queue) == 1
        # Even a cache wrongly configured on the broker's database clears only its own keys.
        same_database = ResilientRedisCache(settings.CELERY_BROKER_URL, {"KEY_PREFIX": "ucj-salah"})
        same_database.set("ada", 1)
        same_database.clear()
        assert same_database.get("ada") is None
        assert broker.llen(queue) == 1
    finally:
        broker.delete(queue)
        app.conf.task_always_eager = True
