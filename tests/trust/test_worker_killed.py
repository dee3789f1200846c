"""A real Celery worker (prefork, its own process) killed with SIGKILL in the middle of a recompute:
the message goes back to Redis (late acknowledgement, reject on worker lost), runs again in a new
child process, and the snapshots end consistent. Twice: killed while the run waits for the month's
lock, and killed while its snapshot merge statement is executing."""

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from coverage import tasks
from coverage.engine import coverage_recompute
from coverage.engine.recompute import LOCK_NAMESPACE
from coverage.models import RecomputeRequest, Snapshot
from tests.trust.conftest import PERIOD
from tests.trust.test_faults import _duplicates, _snapshot_state
from ucj_dashboard.celery import app

pytestmark = pytest.mark.django_db(transaction=True)


def _connect(autocommit=True):
    db = connection.settings_dict
    conn = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"] or None, host=db["HOST"] or None, port=db["PORT"] or None,
        password=db["PASSWORD"] or None,
    )  # fmt: skip
    conn.autocommit = autocommit
    return conn


def _one(sql, params=()):
    with _connect() as conn, conn.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _wait(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _children(pid):
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


@contextmanager
def _worker(tmp_path):
    """A prefork worker with one child on a queue of its own; yields (process, queue, log path)."""
    db = connection.settings_dict
    queue = f"trust-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "TEST_DB_NAME": "",
    }
    log_path = tmp_path / "worker.log"
    log = log_path.open("w")
    worker = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "celery", "-A", "ucj_dashboard", "worker", "--pool=prefork", "--concurrency=1",
         "-Q", queue, "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel=INFO"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    app.conf.task_always_eager = False
    try:
        yield worker, queue, log_path
    finally:
        app.conf.task_always_eager = True
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()


def _kill_the_child(worker):
    (child,) = _children(worker.pid)
    os.kill(child, signal.SIGKILL)  # the worker process dies in the middle of the task
    _wait(lambda: child not in _children(worker.pid), 10, "the child to be gone")


def test_a_worker_killed_while_waiting_for_the_months_lock_runs_it_again_and_ends_consistent(world, tmp_path):
    db = connection.settings_dict
    ids = [RecomputeRequest.objects.create(period=PERIOD, region=world["kota"], reason="uji").pk]
    lock_key = [LOCK_NAMESPACE, PERIOD.year * 100 + PERIOD.month]
    holder = _connect()
    holder.cursor().execute("SELECT pg_advisory_lock(%s, %s)", lock_key)  # the run will wait here, mid-task
    try:
        with _worker(tmp_path) as (worker, queue, log):
            tasks.recompute_requests.apply_async(args=[ids], queue=queue)
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event = 'advisory'"
            _wait(lambda: _one(waiting, [db["NAME"]]) == 1, 30, "the worker to start the recompute")
            _kill_the_child(worker)
            assert not RecomputeRequest.objects.filter(pk__in=ids, processed_at__isnull=False).exists()
            holder.cursor().execute("SELECT pg_advisory_unlock(%s, %s)", lock_key)
            _wait(
                lambda: RecomputeRequest.objects.filter(pk__in=ids, processed_at__isnull=False).exists(),
                30,
                "the task to run again",
            )
    finally:
        holder.close()
    output = log.read_text()
    assert "WorkerLostError" in output or "SIGKILL" in output, output[-3000:]
    current = Snapshot.objects.filter(region=world["kota"], period=PERIOD, is_current=True)
    assert current.count() == 1
    # 134.167 (BPJS, PU) + 4.754 (Pemda BPU, submitted) of 413.600 workers
    assert (current.get().active_total, round(current.get().coverage_total, 2)) == (138_921, 33.59)


# The engine's merge statement (coverage.engine.sql.SnapshotEngine._merge), blocked on a row lock.
IN_THE_MERGE = """
    SELECT pid FROM pg_stat_activity
    WHERE datname = %s AND wait_event_type = 'Lock' AND query ILIKE '%%UPDATE coverage_snapshot SET%%FROM ucj_match%%'
"""


def test_a_worker_killed_inside_the_snapshot_merge_leaves_nothing_and_the_rerun_equals_a_clean_recompute(
    world, tmp_path
):
    """The kill lands while the engine's merge statement is executing (after the month's lock was
    taken): a test connection holds Kota Malang's current snapshot row, so the merge's UPDATE of that
    row waits inside the statement, visibly in pg_stat_activity. The server notices the dead client
    at once (client_connection_check_interval, PostgreSQL 14+) and rolls the whole run back."""
    db = connection.settings_dict
    ids = [RecomputeRequest.objects.create(period=PERIOD, region=world["kota"], reason="uji").pk]
    before = _snapshot_state()
    with _connect() as admin, admin.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{db["NAME"]}" SET client_connection_check_interval = 100')
    holder = _connect(autocommit=False)
    holder.cursor().execute(
        "SELECT id FROM coverage_snapshot WHERE region_id = %s AND period = %s AND is_current FOR UPDATE",
        [world["kota"].pk, PERIOD],
    )
    try:
        with _worker(tmp_path) as (worker, queue, log):
            tasks.recompute_requests.apply_async(args=[ids], queue=queue)
            merging = []
            _wait(lambda: merging.extend(_pids(IN_THE_MERGE, db["NAME"])) or merging, 30, "the run to reach the merge")
            assert len(merging) == 1  # one backend, inside the merge, holding the month's advisory lock
            assert _one("SELECT count(*) FROM pg_locks WHERE pid = %s AND locktype = 'advisory'", merging) == 1
            _kill_the_child(worker)

            # The killed run's connection ends and its transaction rolls back: nothing of it remains.
            _wait(lambda: not _one("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", merging), 10, "rollback")
            assert _snapshot_state() == before
            assert RecomputeRequest.objects.filter(pk__in=ids, processed_at__isnull=True).count() == 1
            # The message came back: a new child runs it and reaches the same merge, still held.
            _wait(lambda: set(_pids(IN_THE_MERGE, db["NAME"])) - set(merging), 30, "the task to run again")
            holder.rollback()
            _wait(
                lambda: RecomputeRequest.objects.filter(pk__in=ids, processed_at__isnull=False).exists(),
                30,
                "the rerun to finish",
            )
    finally:
        holder.close()
        with _connect() as admin, admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{db["NAME"]}" RESET client_connection_check_interval')
    output = log.read_text()
    assert "WorkerLostError" in output or "SIGKILL" in output, output[-3000:]
    rerun = _snapshot_state()
    assert _duplicates() == []
    coverage_recompute(periods=[PERIOD])  # a clean, quiet recompute of the month
    assert _snapshot_state() == rerun
    kota = Snapshot.objects.get(region=world["kota"], period=PERIOD, is_current=True)
    assert (kota.active_total, round(kota.coverage_total, 2)) == (138_921, 33.59)


def _pids(sql, name):
    with _connect() as conn, conn.cursor() as cursor:
        cursor.execute(sql, [name])
        return [row[0] for row in cursor.fetchall()]
