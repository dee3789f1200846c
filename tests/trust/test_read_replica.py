"""Read replica (docs/OPERATIONS.md): with DATABASE_REPLICA_URL set, dashboard reads go to a real
PostgreSQL streaming standby, writes, transactions and migrations to the primary, and a page never
shows old figures under new snapshot versions while the standby lags.

Self-contained: the test starts its own primary and standby (initdb, pg_basebackup, pg_ctl) in a
temporary directory on free loopback ports, because the system server at 127.0.0.1:5432 has no
replication entry in pg_hba.conf and the test must not change its configuration. The probe runs in
its own process so that the settings, not the test, add the alias and the router.
"""

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)  # for the migrated test database whose schema is copied

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(args):
    """initdb, pg_ctl and pg_basebackup refuse to run as root: run them as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


def _run(*args, timeout=60):
    return subprocess.run(_as_postgres(args), capture_output=True, text=True, timeout=timeout, check=True)  # noqa: S603


def _start(data, port, log):
    options = (
        f"-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={data.parent} "
        "-c fsync=off -c full_page_writes=off -c shared_buffers=32MB -c max_connections=20 "
        "-c wal_level=replica -c max_wal_senders=4 -c hot_standby=on -c wal_writer_delay=10ms"
    )
    _run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "30", "start")


@pytest.fixture
def primary_and_standby():
    assert (PG_BIN / "initdb").exists(), f"PostgreSQL server binaries are required in {PG_BIN} (set PG_BIN)"
    base = Path(tempfile.mkdtemp(prefix="ucj-replica-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(base, entry.pw_uid, entry.pw_gid)
    primary, standby = base / "primary", base / "standby"
    ports = {"primary": _free_port(), "standby": _free_port()}
    started = []
    try:
        _run(str(PG_BIN / "initdb"), "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8",
             "--locale=C", "--no-sync")  # fmt: skip
        _start(primary, ports["primary"], base / "primary.log")
        started.append(primary)
        _run(str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(ports["primary"]), "-U", "postgres",
             "-D", str(standby), "-R", "-X", "stream", "--no-sync")  # fmt: skip
        _start(standby, ports["standby"], base / "standby.log")
        started.append(standby)
        yield ports
    finally:
        for data in reversed(started):
            subprocess.run(  # noqa: S603
                _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
                timeout=30,
                check=False,
            )
        shutil.rmtree(base, ignore_errors=True)


def _copy_schema(port):
    """The test database's schema (migrated by pytest-django) into the throwaway primary, with the
    migration records and content types: a second of pg_dump instead of ten of `migrate`."""
    source = connection.settings_dict
    env = {**os.environ, "PGHOST": source["HOST"] or "127.0.0.1", "PGPORT": str(source["PORT"] or 5432),
           "PGUSER": source["USER"] or "postgres", "PGPASSWORD": source["PASSWORD"] or ""}  # fmt: skip
    dump = [str(PG_BIN / "pg_dump"), "--no-owner", "--no-privileges", source["NAME"]]
    schema = subprocess.run([*dump, "--schema-only"], env=env, capture_output=True, timeout=60, check=True)  # noqa: S603
    rows = subprocess.run(  # noqa: S603
        [*dump, "--data-only", "-t", "django_migrations", "-t", "django_content_type", "-t", "auth_permission"],
        env=env, capture_output=True, timeout=60, check=True,
    )  # fmt: skip
    subprocess.run(  # noqa: S603
        [str(PG_BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
         "-d", "ucj"],
        input=schema.stdout + rows.stdout, capture_output=True, timeout=60, check=True,
    )  # fmt: skip


def test_dashboards_read_from_the_standby_and_writes_stay_on_the_primary(primary_and_standby):
    primary = f"postgres://postgres@127.0.0.1:{primary_and_standby['primary']}/ucj"
    standby = f"postgres://postgres@127.0.0.1:{primary_and_standby['standby']}/ucj"
    subprocess.run(  # noqa: S603 - createdb on the throwaway primary; it reaches the standby by replication
        [
            str(PG_BIN / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary_and_standby["primary"]),
            "-U",
            "postgres",
            "ucj",
        ],
        check=True,
        timeout=30,
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "TEST_DB"))}
    env.update(
        DATABASE_URL=primary,
        DATABASE_REPLICA_URL=standby,
        REDIS_URL="",  # local-memory cache and in-process tasks: this test is about the databases
        DEBUG="true",
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="ucj_dashboard.settings",
    )
    _copy_schema(primary_and_standby["primary"])
    python = sys.executable
    probe = subprocess.run(  # noqa: S603
        [python, "-m", "tests.trust.replica_probe"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    line = next(line for line in probe.stdout.splitlines() if line.startswith("PROBE "))
    seen = json.loads(line.removeprefix("PROBE "))

    assert seen["routers"] == ["ucj_dashboard.db_router.ReplicaRouter"]
    assert seen["aliases"] == ["default", "replica"]
    # Snapshots outside a transaction come from the standby, with the primary's figures.
    assert seen["snapshot_read_from"] == "replica"
    assert seen["snapshot_active"] == 134_167
    assert seen["snapshot_read_in_transaction_from"] == "default"
    # Master data and counts (read right after their writes) stay on the primary.
    assert seen["region_read_from"] == "default"
    assert seen["count_read_from"] == "default"
    assert seen["snapshot_write_to"] == "default"
    assert (seen["migrate_on_default"], seen["migrate_on_replica"]) == (True, False)
    # A real dashboard page: 32,44% (DOMAIN.md) from snapshot queries that all went to the standby.
    assert seen["page_status"] == 200
    assert seen["page_shows_figure"]
    assert seen["page_snapshot_queries_on_replica"] >= 1
    assert seen["page_snapshot_queries_on_primary"] == 0
    # The entry service writes on the primary and sends nothing to the standby, which is read-only.
    assert seen["entry_save_queries_on_replica"] == 0
    assert seen["entry_saved_on"] == "default"
    assert "read-only transaction" in seen["replica_refuses_writes"]
    # Lag: while the standby had not replayed the recompute, the primary had the new figure and
    # versions, the standby (and so the pages) the old ones, consistently; once replayed, the next
    # page shows the new figure, never the page cached during the lag.
    assert seen["first_catch_up_seconds"] < 10
    assert seen["primary_during_lag"] == 150_000
    assert seen["primary_generation_during_lag"] > seen["generation_before"]
    assert seen["replica_during_lag"] == 134_167
    assert seen["generation_during_lag"] == seen["generation_before"]
    assert seen["page_during_lag_old"]
    assert seen["generation_after"] == seen["primary_generation_during_lag"]
    assert seen["snapshot_after_lag"] == 150_000
    assert seen["page_after_lag_new"]
