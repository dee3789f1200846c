"""Faults against the real PostgreSQL and Redis: concurrent recomputes, a connection killed in
the middle of an import, Redis down (connection refused) or hung (a listener that accepts and never
answers) while an operator saves and while a page is viewed, a worker lost mid-task."""

import threading
import time

import psycopg2
import pytest
from django.conf import settings as django_settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, connections
from django.db.models import Count
from django.urls import reverse

from coverage import tasks
from coverage.engine import coverage_recompute, recompute_drain_outbox
from coverage.entry import services as entry_services
from coverage.entry.importer import import_batch_apply, import_batch_preview
from coverage.models import EntryStatus, ImportBatch, ImportStatus, ParticipantCount, RecomputeRequest, Snapshot
from tests.trust.conftest import PERIOD
from ucj_dashboard.celery import app

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


class WorkerLost(BaseException):  # noqa: N818 - what Celery calls it; not an Exception, like SIGKILL
    """A worker killed mid-task: nothing in the task catches it."""


def _snapshot_state(period=PERIOD):
    """What a dashboard reads: the current snapshots of a month, without the run's timestamps."""
    rows = Snapshot.objects.filter(period=period, is_current=True).order_by("level", "region_id", "office_id")
    return list(
        rows.values_list(
            "level", "region_id", "office_id", "active_total", "workers_total", "coverage_total", "revision"
        )
    )


def _duplicates(period=PERIOD):
    current = Snapshot.objects.filter(period=period, is_current=True)
    return list(current.values("region_id", "office_id").annotate(n=Count("id")).filter(n__gt=1))


def _run_in_thread(target, barrier, errors):
    def run():
        try:
            barrier.wait(timeout=10)
            target()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    return threading.Thread(target=run)


def test_two_workers_recomputing_the_same_month_leave_one_consistent_result(world):
    """Both runs take the month's advisory lock in turn: one current snapshot per subject, 32,44%."""
    errors, barrier = [], threading.Barrier(2)
    threads = [_run_in_thread(lambda: coverage_recompute(periods=[PERIOD]), barrier, errors) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert _duplicates() == []
    kota = Snapshot.objects.get(region=world["kota"], period=PERIOD, is_current=True)
    # 134.167 (BPJS, PU) + 4.754 (Pemda BPU, submitted: provisional) of 413.600 workers
    assert (kota.active_total, round(kota.coverage_total, 2)) == (138_921, 33.59)
    once_more = _snapshot_state()
    coverage_recompute(periods=[PERIOD])
    assert _snapshot_state() == once_more  # the concurrent result equals a quiet single run


IMPORT = (
    "kode_wilayah;nama_wilayah;periode;segmen;peserta_aktif\r\n"
    "35.73;Kota Malang;2025-06;PU;2.000\r\n"  # new cell: created first
    "35.73;Kota Malang;2025-06;BPU;4.800\r\n"  # existing cell (4.754): updated second
)


def _kill_own_backend():
    """Terminate this connection's server process from a second connection, as a network cut would."""
    pid = connection.connection.info.backend_pid
    db = django_settings.DATABASES["default"]
    admin = psycopg2.connect(
        dbname=connection.settings_dict["NAME"], user=db.get("USER") or None, host=db.get("HOST") or None,
        port=db.get("PORT") or None, password=db.get("PASSWORD") or None,
    )  # fmt: skip
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    admin.close()


def test_a_connection_dropped_in_the_middle_of_an_import_applies_nothing(world, monkeypatch):
    operator = world["personas"]["operator_kota_malang"]
    batch, report = import_batch_preview(user=operator, file=IMPORT.encode(), filename="malang.csv")
    assert report.ok and batch is not None
    before = sorted(ParticipantCount.objects.values_list("segment", "source", "active", "version", "status"))
    history_before = ParticipantCount.history.count()
    outbox_before = RecomputeRequest.objects.count()

    real_update = entry_services.bulk_update_with_history

    def update_after_the_cut(*args, **kwargs):
        # The new PU cell was already inserted in this transaction; now the connection dies.
        assert ParticipantCount.objects.filter(segment="PU", source="pemda").exists()
        _kill_own_backend()
        return real_update(*args, **kwargs)

    monkeypatch.setattr(entry_services, "bulk_update_with_history", update_after_the_cut)
    with pytest.raises((OperationalError, InterfaceError, DatabaseError)):
        import_batch_apply(batch=batch, user=operator, acknowledge_warnings=True)
    connection.close()  # what Django does at the end of the failed request

    after = sorted(ParticipantCount.objects.values_list("segment", "source", "active", "version", "status"))
    assert after == before
    assert ParticipantCount.history.count() == history_before
    assert RecomputeRequest.objects.count() == outbox_before
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.PREVIEWED

    monkeypatch.setattr(entry_services, "bulk_update_with_history", real_update)
    retried = import_batch_apply(batch=ImportBatch.objects.get(pk=batch.pk), user=operator, acknowledge_warnings=True)
    assert retried.applied  # the same file applies cleanly once the database is back
    assert dict(ParticipantCount.objects.filter(source="pemda").values_list("segment", "active")) == {
        "PU": 2_000,
        "BPU": 4_800,
    }


def _reset_pool():
    """Forget the app's connection and producer pools so that the next send connects to the configured
    address (kombu keeps one pool per address, so the real Redis's is found again afterwards). Without
    the producer pool, a send would still go to whichever broker the process first published to."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_at(settings):
    """Point the broker (Celery's production publish settings untouched: one retry, 2 s socket
    timeouts) and the cache at another address; yields a function that does it and returns one that
    brings the real Redis back."""
    previous = (app.conf.task_always_eager, app.conf.broker_url, settings.CACHES)

    def restore():
        app.conf.task_always_eager, app.conf.broker_url, settings.CACHES = previous
        _reset_pool()

    def point(url):
        assert app.conf.task_publish_retry is True
        assert app.conf.task_publish_retry_policy == django_settings.CELERY_TASK_PUBLISH_RETRY_POLICY
        app.conf.task_always_eager = False
        app.conf.broker_url = url
        settings.CACHES = {"default": {**previous[2]["default"], "LOCATION": url}}
        _reset_pool()
        return restore

    yield point
    restore()


def _grid_post(client, world):
    """The entry grid of Kota Malang as the page shows it, with 2.000 typed in PU and submitted."""
    grid = reverse("coverage:entry_grid", kwargs={"code": "35.73"}) + "?periode=2025-06"
    form = client.get(grid).context["form"]
    data = {}
    for name, field in form.fields.items():
        initial = form.initial.get(name, field.initial)
        data[name] = "" if initial is None else initial
    data.update({"periode": "2025-06", "35.73-PU-active": "2.000", "submit": "1"})
    return grid, data


# A save that cannot queue its recompute: the broker's socket timeouts (2 s) and one publish retry,
# plus the page's own work, on a busy machine.
SAVE_BOUND_SECONDS = 8


@pytest.mark.parametrize("fault", ["down", "hung"])
def test_an_operator_save_while_redis_is_down_or_hung_succeeds_and_the_recompute_runs_later(
    client, world, redis_at, hung_redis, fault
):
    """Down: nothing listens (connection refused). Hung: a listener accepts and never answers. The
    save commits within the bound, the recompute waits in the outbox, and the drain runs it later."""
    client.force_login(world["personas"]["operator_kota_malang"])
    grid, data = _grid_post(client, world)
    restore = redis_at(CLOSED_PORT_BROKER if fault == "down" else hung_redis)

    started = time.monotonic()
    response = client.post(grid, data)  # no mock: the real publish with the production retry policy
    elapsed = time.monotonic() - started

    assert response.status_code == 302, response.context["form"].errors
    assert elapsed < SAVE_BOUND_SECONDS, elapsed
    saved = ParticipantCount.objects.get(region=world["kota"], segment="PU", source="pemda")
    assert (saved.active, saved.status) == (2_000, EntryStatus.SUBMITTED)
    pending = RecomputeRequest.objects.filter(processed_at__isnull=True)
    assert [r.period for r in pending] == [PERIOD]
    stale = Snapshot.objects.get(region=world["kota"], period=PERIOD, is_current=True)
    assert stale.active_total == 134_167  # not recomputed yet: the task never reached a worker

    restore()  # Redis is back: the beat-driven drain (every minute) runs the kept work
    assert tasks.drain_recompute_outbox.apply().get() == 1
    fresh = Snapshot.objects.get(region=world["kota"], period=PERIOD, is_current=True)
    assert fresh.active_total == 134_167 + 4_754  # BPJS PU wins over the Pemda PU; the submitted BPU counts
    assert not RecomputeRequest.objects.filter(processed_at__isnull=True).exists()


def test_recompute_tasks_are_acknowledged_late_and_requeued_when_the_worker_dies():
    for task in (tasks.recompute_requests, tasks.drain_recompute_outbox, tasks.recompute_coverage):
        assert task.acks_late is True, task.name
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    # A message not acknowledged within the visibility timeout goes back to the queue.
    assert app.conf.broker_transport_options["visibility_timeout"] >= tasks.recompute_requests.time_limit


def test_a_recompute_interrupted_after_a_merge_step_changes_nothing_and_its_rerun_is_idempotent(world, monkeypatch):
    from coverage.engine import sql as engine_module

    count = world["count"]
    count.status = EntryStatus.VERIFIED
    count.save(update_fields=["status"])
    # The outbox row of a change whose task message was delivered to the worker that dies.
    ids = [RecomputeRequest.objects.create(period=PERIOD, region=world["kota"], reason="uji").pk]
    before = _snapshot_state()

    real_merge = engine_module.SnapshotEngine._merge
    calls = []

    def killed(self, **kwargs):
        calls.append(kwargs)
        real_merge(self, **kwargs)
        raise WorkerLost  # the process dies between two steps of the run (its connection goes with it)

    monkeypatch.setattr(engine_module.SnapshotEngine, "_merge", killed)
    with pytest.raises(WorkerLost):
        recompute_drain_outbox(ids=ids)  # the task's body, in the worker that is about to die
    assert calls, "the run did reach the snapshot merge"
    assert _snapshot_state() == before  # the half-done run left nothing
    assert RecomputeRequest.objects.filter(pk__in=ids, processed_at__isnull=True).count() == 1

    monkeypatch.setattr(engine_module.SnapshotEngine, "_merge", real_merge)
    assert tasks.recompute_requests.apply(args=[ids]).get() == 1  # the redelivered message
    first = _snapshot_state()
    assert tasks.recompute_requests.apply(args=[ids]).get() == 0  # delivered twice: nothing more to do
    coverage_recompute(periods=[PERIOD])
    assert _snapshot_state()[0][:6] == first[0][:6]
    assert _duplicates() == []
    kota = Snapshot.objects.get(region=world["kota"], period=PERIOD, is_current=True)
    assert kota.active_total == 134_167 + 4_754


PAGE_BOUND_SECONDS = 4  # one cache timeout (1 s), then the cache is skipped; plus the page itself


@pytest.mark.parametrize("fault", ["down", "hung"])
def test_a_dashboard_page_while_the_redis_cache_is_down_or_hung_shows_its_figures_within_the_bound(
    client, world, settings, hung_redis, fault
):
    """The cache backend treats an unreachable or silent Redis as a miss and then skips it: slower
    pages, never a 500, and a hung Redis costs one timeout, not one per cache call."""
    url = CLOSED_PORT_BROKER if fault == "down" else hung_redis
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    client.force_login(world["personas"]["branch_head_malang"])

    started = time.monotonic()
    page = client.get("/wilayah/35.73/", {"periode": "2025-06"})
    elapsed = time.monotonic() - started

    assert page.status_code == 200
    assert "32,44%" in page.content.decode() and "134.167" in page.content.decode()
    assert elapsed < PAGE_BOUND_SECONDS, elapsed
