"""A real Celery worker (prefork, its own process) killed with SIGKILL in the middle of a recompute:
the message goes back to Redis (late acknowledgement, reject on worker lost), runs again in a new
child process, and the snapshots end consistent."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from coverage import tasks
from coverage.engine.recompute import LOCK_NAMESPACE
from coverage.models import RecomputeRequest, Snapshot
from tests.trust.conftest import PERIOD
from ucj_dashboard.celery import app

pytestmark = pytest.mark.django_db(transaction=True)


def _connect():
    db = connection.settings_dict
    return psycopg2.connect(
        dbname=db["NAME"], user=db["USER"] or None, host=db["HOST"] or None, port=db["PORT"] or None,
        password=db["PASSWORD"] or None,
    )  # fmt: skip


def _wait(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _children(pid):
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def test_a_worker_killed_mid_recompute_runs_it_again_and_ends_consistent(world, tmp_path):
    db = connection.settings_dict
    queue = f"trust-{uuid.uuid4().hex[:8]}"
    ids = [RecomputeRequest.objects.create(period=PERIOD, region=world["kota"], reason="uji").pk]
    lock_key = [LOCK_NAMESPACE, PERIOD.year * 100 + PERIOD.month]
    holder = _connect()
    holder.autocommit = True
    holder.cursor().execute("SELECT pg_advisory_lock(%s, %s)", lock_key)  # the run will wait here, mid-task
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "TEST_DB_NAME": "",
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "celery", "-A", "ucj_dashboard", "worker", "--pool=prefork", "--concurrency=1",
         "-Q", queue, "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel=INFO"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    app.conf.task_always_eager = False
    try:
        tasks.recompute_requests.apply_async(args=[ids], queue=queue)

        def waiting_on_the_lock():
            with _connect() as conn, conn.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event = 'advisory'",
                    [db["NAME"]],
                )
                return cursor.fetchone()[0] == 1

        _wait(waiting_on_the_lock, 30, "the worker to start the recompute")
        (child,) = _children(worker.pid)
        os.kill(child, signal.SIGKILL)  # the worker process dies in the middle of the task
        _wait(lambda: child not in _children(worker.pid), 10, "the child to be gone")
        assert not RecomputeRequest.objects.filter(pk__in=ids, processed_at__isnull=False).exists()
        holder.cursor().execute("SELECT pg_advisory_unlock(%s, %s)", lock_key)

        _wait(
            lambda: RecomputeRequest.objects.filter(pk__in=ids, processed_at__isnull=False).exists(),
            30,
            "the task to run again",
        )
    finally:
        app.conf.task_always_eager = True
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        holder.close()
        log.close()
    output = (tmp_path / "worker.log").read_text()
    assert "WorkerLostError" in output or "SIGKILL" in output, output[-3000:]
    current = Snapshot.objects.filter(region=world["kota"], period=PERIOD, is_current=True)
    assert current.count() == 1
    # 134.167 (BPJS, PU) + 4.754 (Pemda BPU, submitted) of 413.600 workers
    assert (current.get().active_total, round(current.get().coverage_total, 2)) == (138_921, 33.59)
