"""A change saved in Django admin reaches the snapshot through a real Celery worker on Redis."""

import time
from datetime import date

import pytest
from celery.contrib.testing.worker import start_worker

from coverage.engine import coverage_recompute, recompute_drain_outbox
from coverage.models import EntryStatus, ParticipantCount, RecomputeRequest, Snapshot, Source
from regions.models import Denominator
from ucj_dashboard.celery import app

pytestmark = pytest.mark.django_db(transaction=True)

PERIOD = date(2025, 6, 1)


@pytest.fixture
def real_worker(settings):
    """A worker thread consuming from the Redis broker of the test settings (not eager)."""
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.CELERY_BROKER_URL
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield
    app.conf.task_always_eager = True


def _wait_for(predicate, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_an_admin_change_is_recomputed_by_the_worker_within_seconds(real_worker, client, admin_user, region_tree):
    kota = region_tree["35.73"]
    Denominator.objects.create(region=kota, year=2025, segment_group="TOTAL", workers=413_600, source="Sakernas")
    cell = ParticipantCount.objects.create(
        region=kota, period=PERIOD, segment="PU", source=Source.BPJS, status=EntryStatus.VERIFIED, active=100_000
    )
    coverage_recompute(periods=[PERIOD])
    client.force_login(admin_user)

    started = time.monotonic()
    response = client.post(
        f"/admin/coverage/participantcount/{cell.pk}/change/",
        {
            "region": kota.pk,
            "period": "2025-06-01",
            "segment": "PU",
            "source": "bpjs",
            "active": "134167",
            "status": "verified",
            "note": "",
            "return_reason": "",
            "expected_version": cell.version,
        },
    )
    assert response.status_code == 302, response.content[:2000]

    def recomputed():
        return Snapshot.objects.filter(region=kota, period=PERIOD, is_current=True, active_total=134_167).exists()

    assert _wait_for(recomputed), "the worker did not recompute within 20 s"
    elapsed = time.monotonic() - started
    assert elapsed < 20
    assert round(Snapshot.objects.get(region=kota, period=PERIOD, is_current=True).coverage_total, 2) == 32.44
    assert not RecomputeRequest.objects.filter(processed_at__isnull=True).exists()


def test_a_change_made_while_the_broker_is_down_is_kept_in_the_outbox(region_tree, settings, monkeypatch):
    """Redis unreachable at save time: the save succeeds and the drain recomputes later."""
    from kombu.exceptions import OperationalError

    from coverage import tasks
    from coverage.engine import recompute_schedule

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.recompute_requests, "delay", broker_down)
    kota = region_tree["35.73"]
    from django.db import transaction

    with transaction.atomic():
        ParticipantCount.objects.create(
            region=kota, period=PERIOD, segment="BPU", source=Source.BPJS, status=EntryStatus.VERIFIED, active=4_754
        )
        recompute_schedule(region=kota, periods=[PERIOD], reason="test")

    assert ParticipantCount.objects.filter(region=kota).count() == 1  # the save itself is not lost
    assert RecomputeRequest.objects.filter(processed_at__isnull=True).count() == 1
    assert not Snapshot.objects.filter(region=kota).exists()

    assert recompute_drain_outbox() == 1  # what the beat-driven drain does once Redis is back
    assert Snapshot.objects.get(region=kota, period=PERIOD, is_current=True).active_total == 4_754


def test_a_web_process_can_queue_a_recompute_without_importing_the_tasks_module():
    """gunicorn never imports coverage.tasks, and the outbox sends its task by name: Django start-up
    must register it, or every save that schedules a recompute is a 500 (NotRegistered)."""
    import os
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from ucj_dashboard.celery import app; "
        "print(sorted(name for name in app.tasks if name.startswith('coverage.tasks.')))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ucj_dashboard.settings", "LOG_LEVEL": "WARNING"}
    result = subprocess.run(  # noqa: S603 - a fresh interpreter, like a web process
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    registered = result.stdout.strip().splitlines()[-1]
    assert "'coverage.tasks.recompute_requests'" in registered
    assert "'coverage.tasks.drain_recompute_outbox'" in registered
