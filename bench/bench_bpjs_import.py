#!/usr/bin/env python3
"""BPJS extraction: 100,000 rows (25,000 desa x 4 segments, one month) validated and applied.

    .venv/bin/python bench/bench_bpjs_import.py --setup     # once: database, schema, regions, a branch
    .venv/bin/python bench/bench_bpjs_import.py             # measure (3 interleaved rounds, ~3 min)

It runs in a dedicated PostgreSQL database (default ``ucj_bench_data``): the schema (migrations), the
real Kemendagri tree (``load_regions``) and a branch office serving every kab/kota of the first 25,000
desa (by code), whose verifier loads the file, so the territory check runs on every row. The file is a
';' .csv in the style of a branch's export (dotted thousands, mixed-case segments, stray spaces), with
the four measures filled. April is loaded once first, so May's rows are checked against last month
(the jump rules) and history exists. DEBUG is off.

Measured, each the median of ``--rounds`` (3) interleaved rounds; ratios are to the COPY floor:
- floor (COPY): the best plain way to store the same rows: one transaction that resolves the 25,000
  desa codes to ids (one query), reserves 100,000 ids and writes the 100,000 counts and the 100,000
  history rows (same columns and values as the importer) with one ``COPY ... FROM STDIN`` each;
- ``read_spreadsheet`` of the file (encoding, separator, blank and total rows; no database);
- dry run: read + regions + territory + parse + diff + rules + the coverage impact (the engine's
  what-if: the rows written in a savepoint, May recomputed whole, rolled back);
- apply: read, regions, territory, parse, diff and rules again under row locks, then the write
  (COPY to a temporary table, one upsert with the history rows), in one transaction, through
  ``coverage.entry.bpjs.bpjs_counts_import`` (the real entry point): the target, under 20 s;
- re-import: the same file again (nothing changes, nothing is written);
- correction: every figure of the file changed (100,000 updates and history rows).
May's counts and history are deleted before each round's floor and before its apply. Celery runs with
an in-memory broker and no worker: the recompute after the apply is measured by bench_engine.py.
"""

import argparse
import csv
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/ucj_bench_data"
DESA = 25_000
SEGMENTS = ("PU", "BPU", "JAKON", "PMI")
ROWS = DESA * len(SEGMENTS)
USERNAME = "bench.verifier.bpjs"
OFFICE = "KC-BENCH-BPJS"
APRIL, MAY = date(2025, 4, 1), date(2025, 5, 1)


def _setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    os.environ.pop("REDIS_URL", None)  # in-memory broker: recompute tasks are queued, not run
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ucj_dashboard.settings")
    _create_database(database_url)
    import django

    django.setup()


def _create_database(database_url):
    import psycopg2
    from psycopg2 import sql

    name = database_url.rsplit("/", 1)[1]
    server = database_url.rsplit("/", 1)[0] + "/postgres"
    connection = psycopg2.connect(server)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def _desa():
    from regions.models import Region

    return list(Region.objects.filter(level=4).order_by("code").values_list("code", flat=True)[:DESA])


def _ensure_data(*, load=False):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from regions.models import Office, OfficeKind, Region, Role, Territory, UserRole

    if Region.objects.filter(level=4).count() < 80_000:
        if not load:
            raise SystemExit("the region tree is missing: run `bench/bench_bpjs_import.py --setup` first")
        call_command("load_regions", "--no-offices", verbosity=0)
    office, _created = Office.objects.get_or_create(
        code=OFFICE, defaults={"name": "Bench BPJS", "kind": OfficeKind.BRANCH}
    )
    served = {".".join(code.split(".")[:2]) for code in _desa()}
    have = set(Territory.objects.filter(office=office).values_list("region__code", flat=True))
    for region in Region.objects.filter(code__in=served - have):
        Territory.objects.create(office=office, region=region, valid_from=date(2020, 1, 1))
    user, _created = get_user_model().objects.get_or_create(username=USERNAME, defaults={"first_name": "Bench"})
    UserRole.objects.get_or_create(user=user, role=Role.VERIFIER, office=office)
    return user


def _values(seed):
    rng = random.Random(seed)
    april = {(code, segment): rng.randint(50, 30_000) for code in _desa() for segment in SEGMENTS}
    may = {key: round(value * rng.uniform(0.95, 1.15)) for key, value in april.items()}
    corrected = {key: value + 7 for key, value in may.items()}
    return april, may, corrected


def _csv(values, period):
    from ucj_dashboard.formats import format_number

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Kode Wilayah", "Periode", "Segmen", "Peserta Aktif", "Peserta Terdaftar", "Peserta Baru",
                     "Peserta Nonaktif"])  # fmt: skip
    for index, ((code, segment), active) in enumerate(values.items()):
        shown = segment.lower() if index % 3 == 0 else segment  # a mixed-case export
        writer.writerow([f" {code}", f"{period:%Y-%m}", shown, format_number(active), format_number(active + 40),
                         format_number(active // 50), format_number(active // 90)])  # fmt: skip
    return buffer.getvalue().encode("utf-8-sig")


def _delete_month(period):
    """May's counts and history, deleted in SQL (a model delete would write 100,000 "-" history rows)."""
    from django.db import connection

    from coverage.models import ParticipantCount

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ParticipantCount.history.model._meta.db_table} WHERE period = %s", [period])
        cursor.execute(f"DELETE FROM {ParticipantCount._meta.db_table} WHERE period = %s", [period])
        # VACUUM without ANALYZE: the planner keeps statistics of a table with May in it, as in production.
        cursor.execute(f"VACUUM {ParticipantCount._meta.db_table}")


COUNT_COLUMNS = ["id", "region_id", "period", "segment", "source", "registered", "active", "new_registrations",
                 "lapsed", "status", "version", "note", "return_reason", "updated_at", "submitted_at", "verified_at",
                 "entered_by_id", "verified_by_id"]  # fmt: skip
HISTORY_COLUMNS = [*COUNT_COLUMNS, "history_date", "history_change_reason", "history_type", "history_user_id"]


def _copy_buffer(rows):
    def text(value):
        return "\\N" if value is None else str(value)

    return io.StringIO("".join("\t".join(text(v) for v in row) + "\n" for row in rows))


def floor_copy(values, user):
    """One transaction: resolve the codes to ids, reserve ids, one COPY for the counts, one for the history."""
    from django.db import connection, transaction

    from coverage.models import ParticipantCount

    with transaction.atomic(), connection.cursor() as cursor:
        codes = sorted({code for code, _segment in values})
        cursor.execute("SELECT code, id FROM regions_region WHERE code = ANY(%s)", [codes])
        region_ids = dict(cursor.fetchall())
        table = ParticipantCount._meta.db_table
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, ROWS])
        ids = [row[0] for row in cursor.fetchall()]
        now = datetime.now().astimezone()
        counts, history = [], []
        for pk, ((code, segment), active) in zip(ids, values.items(), strict=True):
            row = (pk, region_ids[code], MAY, segment, "bpjs", active + 40, active, active // 50, active // 90,
                   "verified", 1, "", "", now, now, now, user.pk, user.pk)  # fmt: skip
            counts.append(row)
            history.append((*row, now, "import_bpjs:lantai.csv", "+", user.pk))
        raw = cursor.cursor
        raw.copy_expert(f"COPY {table} ({', '.join(COUNT_COLUMNS)}) FROM STDIN", _copy_buffer(counts))
        raw.copy_expert(
            f"COPY {ParticipantCount.history.model._meta.db_table} ({', '.join(HISTORY_COLUMNS)}) FROM STDIN",
            _copy_buffer(history),
        )
    return len(counts)


def _timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def _require_migrated():
    from django.core.management import call_command

    try:
        call_command("migrate", "--check", verbosity=0)
    except SystemExit as exc:
        raise SystemExit(f"unapplied migrations: run `{__file__} --setup` first") from exc


def measure(rounds):
    from coverage.entry.bpjs import bpjs_counts_import
    from coverage.models import ParticipantCount
    from ucj_dashboard.spreadsheets import read_spreadsheet

    _require_migrated()
    user = _ensure_data()
    april, may, corrected = _values(20250501)
    april_file, may_file, corrected_file = _csv(april, APRIL), _csv(may, MAY), _csv(corrected, MAY)
    if not ParticipantCount.objects.filter(period=APRIL).exists():
        report = bpjs_counts_import(file=april_file, filename="april.csv", user=user, dry_run=False)
        assert report.applied, report.errors[:3]
    names = ["floor_copy", "read", "dry_run", "apply", "reimport", "correction"]
    times = {name: [] for name in names}
    loads = [os.getloadavg()]
    for _round in range(rounds):
        _delete_month(MAY)
        elapsed, written = _timed(lambda: floor_copy(may, user))
        assert written == ROWS and ParticipantCount.objects.filter(period=MAY).count() == ROWS
        times["floor_copy"].append(elapsed)
        times["read"].append(_timed(lambda: read_spreadsheet(may_file, "bpjs-mei.csv"))[0])
        _delete_month(MAY)
        elapsed, report = _timed(lambda: bpjs_counts_import(file=may_file, filename="bpjs-mei.csv", user=user))
        assert report.ok and report.check.created == ROWS, report.errors[:3]
        times["dry_run"].append(elapsed)
        impact_rows = len(report.check.impact)
        elapsed, report = _timed(
            lambda: bpjs_counts_import(
                file=may_file, filename="bpjs-mei.csv", user=user, dry_run=False, acknowledge_warnings=True
            )
        )
        assert report.applied and report.saved.created == ROWS, report.errors[:3]
        times["apply"].append(elapsed)
        elapsed, report = _timed(
            lambda: bpjs_counts_import(file=may_file, filename="bpjs-mei.csv", user=user, dry_run=False)
        )
        assert report.applied and report.saved.unchanged == ROWS and report.saved.created == 0
        times["reimport"].append(elapsed)
        elapsed, report = _timed(
            lambda: bpjs_counts_import(
                file=corrected_file, filename="bpjs-mei-2.csv", user=user, dry_run=False, acknowledge_warnings=True
            )
        )
        assert report.applied and report.saved.updated == ROWS, report.errors[:3]
        times["correction"].append(elapsed)
        loads.append(os.getloadavg())
        print(f"round {_round + 1}: " + ", ".join(f"{k} {v[-1]:.3f} s" for k, v in times.items()), flush=True)
    medians = {name: statistics.median(values) for name, values in times.items()}
    from django.conf import settings

    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "debug": settings.DEBUG,
        "load_before_after_rounds": loads,
        "rows": ROWS,
        "file_bytes": len(may_file),
        "rounds": rounds,
        "impact_rows": impact_rows,
        "history_rows_may": ParticipantCount.history.filter(period=MAY).count(),
        "times": times,
        "medians": medians,
        "ratios_to_floor": {name: value / medians["floor_copy"] for name, value in medians.items()},
    }


def markdown(result):
    m, r = result["medians"], result["ratios_to_floor"]
    loads = [round(load[0], 2) for load in result["load_before_after_rounds"]]
    lines = [
        f"{result['rows']:,} rows = 25,000 desa x 4 segments, one month, four measures, ';' .csv "
        f"({result['file_bytes'] / 1e6:.1f} MB); {result['rounds']} interleaved rounds, medians, DEBUG "
        f"{'on' if result['debug'] else 'off'} ({result['when']}; 1-min load average at start and after each "
        f"round {loads}).",
        "",
        "| step | median | / COPY floor |",
        "|---|---:|---:|",
        f"| **floor**: ids + one COPY of 100,000 counts + one COPY of 100,000 history rows, one transaction "
        f"| {m['floor_copy']:.2f} s | 1 |",
        f"| `read_spreadsheet` (encoding, separator, blank and total rows) | {m['read']:.2f} s | {r['read']:.2f} |",
        f"| dry run: read, regions, territory, parse, diff, rules, coverage impact ({result['impact_rows']:,} rows) "
        f"| {m['dry_run']:.2f} s | {r['dry_run']:.1f} |",
        f"| **validate + apply** (100,000 new counts + 100,000 history rows, one transaction) | "
        f"**{m['apply']:.2f} s** | **{r['apply']:.1f}** |",
        f"| re-import of the same file (nothing written) | {m['reimport']:.2f} s | {r['reimport']:.1f} |",
        f"| correction: every figure changed (100,000 updates + history) | {m['correction']:.2f} s "
        f"| {r['correction']:.1f} |",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_BPJS_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--setup", action="store_true", help="Create the database, schema, regions and branch.")
    parser.add_argument("--no-measure", action="store_true", help="With --setup: only set up.")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds must be 1..10")
    _setup_django(args.database_url)
    if args.setup:
        from django.core.management import call_command

        call_command("migrate", "--no-input", verbosity=0)
        _ensure_data(load=True)
        if args.no_measure:
            return
    result = measure(args.rounds)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / f"bpjs-import-{datetime.now(UTC):%Y%m%d-%H%M%S}.json").write_text(json.dumps(result, indent=2))
    print(markdown(result))


if __name__ == "__main__":
    main()
