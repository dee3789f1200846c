"""Backup and restore (docs/OPERATIONS.md): a pg_dump of the database restores with pg_restore into an
empty database with identical snapshots, counts and history. Real binaries, a throwaway database."""

import os
import shutil
import subprocess

import psycopg2
import pytest
from django.db import connection

from coverage.models import ParticipantCount, Snapshot, SnapshotTarget

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = [Snapshot._meta.db_table, SnapshotTarget._meta.db_table, ParticipantCount._meta.db_table,
          ParticipantCount.history.model._meta.db_table, "regions_region", "auth_user"]  # fmt: skip


def _pg_env(settings_dict):
    env = {**os.environ, "PGHOST": settings_dict["HOST"] or "127.0.0.1", "PGPORT": str(settings_dict["PORT"] or 5432)}
    env["PGUSER"] = settings_dict["USER"] or "postgres"
    if settings_dict["PASSWORD"]:
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return env


def _rows(dsn_kwargs, table):
    with psycopg2.connect(**dsn_kwargs) as conn, conn.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')  # noqa: S608 - table names from the models
        return cursor.fetchall()


def _run(*args, env):
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=True)  # noqa: S603


def test_a_dump_restores_into_an_empty_database_with_identical_snapshots(world, tmp_path):
    assert shutil.which("pg_dump") and shutil.which("pg_restore"), "PostgreSQL client binaries are required"
    source = connection.settings_dict
    env = _pg_env(source)
    target = f"{source['NAME']}_restore_{os.getpid()}"
    dump = tmp_path / "ucj.dump"
    kota = Snapshot.objects.get(region=world["kota"], period=world["count"].period, is_current=True)
    assert round(kota.coverage_total, 2) == 32.44  # 134.167 of 413.600 (DOMAIN.md)

    _run("pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}", source["NAME"], env=env)
    _run("dropdb", "--if-exists", target, env=env)
    _run("createdb", target, env=env)
    try:
        _run("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={target}", str(dump), env=env)
        base = {"user": env["PGUSER"], "host": env["PGHOST"], "port": env["PGPORT"], "password": source["PASSWORD"]}
        for table in TABLES:
            original = _rows({**base, "dbname": source["NAME"]}, table)
            restored = _rows({**base, "dbname": target}, table)
            assert restored == original, table
            assert original or table == SnapshotTarget._meta.db_table, f"{table} is empty: nothing was compared"
        restored_kota = [row for row in _rows({**base, "dbname": target}, Snapshot._meta.db_table) if row[0] == kota.pk]
        assert len(restored_kota) == 1
    finally:
        _run("dropdb", "--if-exists", target, env=env)
