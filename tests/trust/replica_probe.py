"""Run by tests/trust/test_read_replica.py in its own process, with DATABASE_URL pointing at a
throwaway primary and DATABASE_REPLICA_URL at its streaming standby. Builds a small world through
the real services, exercises the router and prints one JSON line of observations for the test.

    python -m tests.trust.replica_probe     # (only meaningful under that test)
"""

import json
import os
import time
from datetime import date

PERIOD = date(2025, 6, 1)


def _replica_figure(connection_kwargs):
    """Kota Malang's active total as the standby has it (its own connection, outside Django)."""
    import psycopg2

    with psycopg2.connect(**connection_kwargs) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT s.active_total FROM coverage_snapshot s JOIN regions_region r ON r.id = s.region_id "
            "WHERE r.code = '35.73' AND s.period = %s AND s.is_current",
            [PERIOD],
        )
        row = cursor.fetchone()
        return row[0] if row else None


def _catch_up(connections, timeout=10.0):
    """Seconds until the standby has replayed everything the primary wrote so far (bounded)."""
    started = time.monotonic()
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        target = cursor.fetchone()[0]
    with connections["replica"].cursor() as cursor:
        while time.monotonic() - started < timeout:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return round(time.monotonic() - started, 3)
            time.sleep(0.01)
    raise AssertionError(f"the standby did not replay {target} within {timeout} s")


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ucj_dashboard.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connections, router, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from coverage.engine import coverage_recompute, snapshot_generation
    from coverage.entry.services import participant_count_save
    from coverage.models import EntryStatus, ParticipantCount, Snapshot, Source
    from regions.models import Denominator, Region, Role, SegmentGroup, UserRole
    from tests.factories import make_region

    out = {"routers": settings.DATABASE_ROUTERS, "aliases": sorted(settings.DATABASES)}
    replica_db = settings.DATABASES["replica"]
    replica_kwargs = {"host": replica_db["HOST"], "port": replica_db["PORT"], "user": replica_db["USER"],
                      "dbname": replica_db["NAME"]}  # fmt: skip

    # The world (DOMAIN.md): Kota Malang, June 2025, 134.167 of 413.600 workers = 32,44%.
    kota = make_region("35.73", "Kota Malang")
    Denominator.objects.create(
        region=kota, year=2025, segment_group=SegmentGroup.TOTAL, workers=413_600, source="Sakernas Agustus 2024"
    )
    cell = ParticipantCount.objects.create(
        region=kota, period=PERIOD, segment="PU", source=Source.BPJS, status=EntryStatus.VERIFIED, active=134_167
    )
    coverage_recompute(periods=[PERIOD])  # commits snapshots and versions on the primary
    out["first_catch_up_seconds"] = _catch_up(connections)

    snapshot = Snapshot.objects.select_related("region").get(region=kota, period=PERIOD, is_current=True)
    out["snapshot_read_from"] = snapshot._state.db
    out["snapshot_active"] = snapshot.active_total
    with transaction.atomic():
        out["snapshot_read_in_transaction_from"] = Snapshot.objects.get(pk=snapshot.pk)._state.db
    out["region_read_from"] = Region.objects.get(code="35.73")._state.db
    out["count_read_from"] = ParticipantCount.objects.get(pk=cell.pk)._state.db
    out["snapshot_write_to"] = router.db_for_write(Snapshot)
    out["migrate_on_replica"] = router.allow_migrate("replica", "coverage", model_name="snapshot")
    out["migrate_on_default"] = router.allow_migrate("default", "coverage", model_name="snapshot")

    # A dashboard page: its snapshot queries go to the replica, none to the primary.
    user = get_user_model().objects.create_user(username="operator.kotamalang", password="Rahasia-Uji-2025")
    UserRole.objects.create(user=user, role=Role.OPERATOR, region=kota)
    client = Client()
    client.force_login(user)
    cache.clear()
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.get("/wilayah/35.73/?periode=2025-06")
    out["page_status"] = response.status_code
    out["page_shows_figure"] = "32,44" in response.content.decode()
    out["page_snapshot_queries_on_replica"] = sum("coverage_snapshot" in q["sql"] for q in replica.captured_queries)
    out["page_snapshot_queries_on_primary"] = sum("coverage_snapshot" in q["sql"] for q in primary.captured_queries)

    # A write through the entry service: on the primary, nothing sent to the replica.
    with CaptureQueriesContext(connections["replica"]) as replica:
        saved = participant_count_save(
            region=kota, period=PERIOD, segment="BPU", values={"active": 4_754}, user=user, expected_version=0
        )
    out["entry_save_queries_on_replica"] = len(replica.captured_queries)
    out["entry_saved_on"] = saved._state.db
    try:
        with connections["replica"].cursor() as cursor:
            cursor.execute("CREATE TABLE probe_write (i integer)")
        out["replica_refuses_writes"] = False
    except Exception as exc:  # a hot standby is read-only
        out["replica_refuses_writes"] = str(exc).splitlines()[0]

    # Replication lag: replay paused on the standby while a recompute commits on the primary. The
    # versions that caches key on come from the standby with the snapshots (one transaction), so a
    # page rendered during the lag is cached under the old versions and never served after.
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    generation_before = snapshot_generation()
    ParticipantCount.objects.filter(pk=cell.pk).update(active=150_000)
    coverage_recompute(periods=[PERIOD], regions=[kota])
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT s.active_total, v.version FROM coverage_snapshot s, coverage_snapshotversion v "
            "WHERE s.region_id = %s AND s.period = %s AND s.is_current AND v.scope = 'all'",
            [kota.pk, PERIOD],
        )
        out["primary_during_lag"], out["primary_generation_during_lag"] = cursor.fetchone()
    out["replica_during_lag"] = _replica_figure(replica_kwargs)
    out["generation_before"] = generation_before
    out["generation_during_lag"] = snapshot_generation()
    cache.clear()
    page = client.get("/wilayah/35.73/?periode=2025-06").content.decode()
    out["page_during_lag_old"] = "32,44" in page
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    out["lag_catch_up_seconds"] = _catch_up(connections)
    out["generation_after"] = snapshot_generation()
    out["snapshot_after_lag"] = Snapshot.objects.get(region=kota, period=PERIOD, is_current=True).active_total
    page = client.get("/wilayah/35.73/?periode=2025-06").content.decode()
    out["page_after_lag_new"] = "36,27" in page and "32,44" not in page  # 150.000 of 413.600
    print("PROBE " + json.dumps(out))


if __name__ == "__main__":
    main()
