"""/sehat/layanan/: database, Redis and the worker's heartbeat, against the real services."""

import time

import pytest
from django.db import OperationalError
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from regions import health
from regions.health import HEARTBEAT_STALE_SECONDS, worker_heartbeat_record
from regions.tasks import worker_heartbeat
from ucj_dashboard.celery import app

pytestmark = pytest.mark.django_db

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


def _get(client):
    response = client.get(reverse("health_services"))
    return response.status_code, response.json()


def test_all_services_up_and_a_fresh_heartbeat_is_200(client):
    worker_heartbeat.delay()  # what beat sends every minute (eager here: the task body itself)
    status, body = _get(client)
    assert status == 200
    assert body["ok"] is True
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["redis"] == {"ok": True}
    assert body["checks"]["worker"]["ok"] is True
    assert 0 <= body["checks"]["worker"]["heartbeat_age_seconds"] <= 5


def test_no_heartbeat_means_no_worker_and_503(client):
    status, body = _get(client)
    assert status == 503
    assert body["checks"]["worker"] == {"ok": False, "error": "no-heartbeat"}
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]


def test_a_stale_heartbeat_is_503(client):
    worker_heartbeat_record(now=time.time() - HEARTBEAT_STALE_SECONDS - 30)
    status, body = _get(client)
    assert status == 503
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"]["heartbeat_age_seconds"] >= HEARTBEAT_STALE_SECONDS + 30


def test_redis_unreachable_is_503_within_the_timeout_and_names_no_host(client, settings):
    worker_heartbeat_record()
    settings.REDIS_URL = settings.CELERY_BROKER_URL = settings.CACHE_REDIS_URL = CLOSED_PORT_REDIS
    started = time.monotonic()
    response = client.get(reverse("health_services"))
    assert time.monotonic() - started < 3
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["redis"] == {"ok": False, "error": "ConnectionError"}
    assert body["checks"]["database"] == {"ok": True}
    assert b"127.0.0.1" not in response.content


def test_database_failure_is_503(client, monkeypatch):
    worker_heartbeat_record()

    class BrokenCursor:
        def __enter__(self):
            raise OperationalError("server closed the connection unexpectedly")

        def __exit__(self, *args):
            return False

    monkeypatch.setattr(health.connection, "cursor", lambda: BrokenCursor())
    status, body = _get(client)
    assert status == 503
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}


def test_the_heartbeat_runs_every_minute_from_beat():
    """The default schedule, as migrate installed it in the database beat reads."""
    task = PeriodicTask.objects.select_related("interval").get(name="worker-heartbeat")
    assert task.task == "regions.tasks.worker_heartbeat" and task.enabled
    assert task.schedule.run_every.total_seconds() == 60.0 < HEARTBEAT_STALE_SECONDS


def test_the_liveness_probe_stays_trivial(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("coverage:health"))
    assert response.content == b"ok"


@pytest.mark.django_db(transaction=True)  # the worker's Django fixup closes database connections
def test_a_real_worker_on_redis_writes_the_heartbeat(client, settings):
    """The beat message consumed by a real worker thread from the Redis broker: /sehat/layanan/ turns 200."""
    from celery.contrib.testing.worker import start_worker

    assert _get(client)[1]["checks"]["worker"] == {"ok": False, "error": "no-heartbeat"}
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            worker_heartbeat.delay()
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not _get(client)[1]["ok"]:
                time.sleep(0.2)
    finally:
        app.conf.task_always_eager = True
    status, body = _get(client)
    assert status == 200, body
    assert body["checks"]["worker"]["heartbeat_age_seconds"] <= 15
