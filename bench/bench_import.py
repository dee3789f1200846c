#!/usr/bin/env python3
"""Spreadsheet import: 10,000 rows (every desa of Jawa Timur for one month) validated and applied.

    .venv/bin/python bench/bench_import.py --setup         # once: database, schema, regions, operator
    .venv/bin/python bench/bench_import.py                 # measure (3 interleaved rounds, ~1 min)

It runs in a dedicated PostgreSQL database (default ``ucj_bench_import``): the schema (migrations),
the real Kemendagri tree (``load_regions``) and a Pemda operator of Jawa Timur (province 35), whose
scope check runs on every row. The file is a ';' .csv in the messy style Pemda send (dotted
thousands, codes and names): PU for every desa of the province plus BPU for the first desa until
10,000 rows. April is imported once first, so May's rows are checked against last month (the
change rules) and the history exists. DEBUG is off (DEBUG keeps every query in memory).

Measured, each the median of ``--rounds`` (3) interleaved rounds; ratios are to the COPY floor:
- floor (COPY): the best plain way to store the same rows: one transaction that resolves the 8,494
  desa codes to ids (one query), reserves 10,000 ids and writes the 10,000 counts and the 10,000
  history rows (same columns and values as the importer) with one ``COPY ... FROM STDIN`` each;
- floor (multi-row INSERT): the same with one ``INSERT ... VALUES`` of 10,000 rows per table;
- ``pandas.read_csv`` of the file (the cheapest read; no database);
- read: ``read_spreadsheet`` (encoding and separator detection, blank and total rows);
- dry run: read + resolve regions + scope + parse + rules + diff + coverage impact;
- apply: a dry run's work again under row locks, then 10,000 inserts and 10,000 history rows,
  all in one transaction, through ``coverage.entry.importer.counts_import`` (the real entry point);
- re-import: the same file again (nothing changes, nothing is written).
May's counts and history are deleted before each round's floors and before its apply. Celery runs
with an in-memory broker and no worker: the snapshot recompute is asynchronous in production and
is measured by bench_engine.py.
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
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/ucj_bench_import"
ROWS = 10_000
PROVINCE = "35"
USERNAME = "bench.operator.jatim"
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


def _ensure_schema():
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)


def _ensure_data(*, load=False):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from regions.models import Region, Role, UserRole

    if Region.objects.filter(level=4).count() < 80_000:
        if not load:
            raise SystemExit("the region tree is missing: run `bench/bench_import.py --setup` first")
        started = time.perf_counter()
        call_command("load_regions", "--no-offices", verbosity=0)
        print(f"regions loaded in {time.perf_counter() - started:.0f} s")
    user, _created = get_user_model().objects.get_or_create(username=USERNAME, defaults={"first_name": "Bench"})
    UserRole.objects.get_or_create(user=user, role=Role.OPERATOR, region=Region.objects.get(code=PROVINCE))
    return user


def _rows(seed=20250501):
    from regions.models import Region

    desa = list(
        Region.objects.filter(level=4, code__startswith=f"{PROVINCE}.").order_by("code").values_list("code", "name")
    )
    cells = [(code, name, "PU") for code, name in desa]
    cells += [(code, name, "BPU") for code, name in desa[: ROWS - len(cells)]]
    if len(cells) != ROWS:
        raise SystemExit(f"province {PROVINCE} has {len(desa)} desa: cannot make {ROWS} rows")
    rng = random.Random(seed)
    april = {key[::2]: rng.randint(50, 3_000) for key in cells}
    may = {key: round(value * rng.uniform(0.95, 1.15)) for key, value in april.items()}
    return cells, april, may, len(desa)


def _csv(cells, values, period):
    from ucj_dashboard.formats import format_number

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["kode_wilayah", "nama_wilayah", "periode", "segmen", "peserta_aktif", "peserta_terdaftar"])
    for code, name, segment in cells:
        active = values[(code, segment)]
        writer.writerow([code, name, f"{period:%Y-%m}", segment, format_number(active), format_number(active + 40)])
    writer.writerow(["", "Jumlah", "", "", format_number(sum(values.values())), ""])
    return buffer.getvalue().encode("utf-8-sig")


def _delete_month(period):
    from coverage.models import ParticipantCount

    ParticipantCount.history.filter(period=period).delete()
    ParticipantCount.objects.filter(period=period).delete()


COUNT_COLUMNS = ["id", "region_id", "period", "segment", "source", "registered", "active", "status", "version",
                 "note", "return_reason", "updated_at", "entered_by_id"]  # fmt: skip
HISTORY_COLUMNS = [*COUNT_COLUMNS, "history_date", "history_change_reason", "history_type", "history_user_id"]


def _floor_rows(cursor, cells, values, user):
    """The rows the importer writes for May, built the plain way: one query for the region ids and
    one for 10,000 ids from the counts' own sequence."""
    from coverage.models import ParticipantCount

    cursor.execute("SELECT code, id FROM regions_region WHERE level = 4 AND code LIKE %s", [f"{PROVINCE}.%"])
    region_ids = dict(cursor.fetchall())
    table = ParticipantCount._meta.db_table
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(cells)])
    ids = [row[0] for row in cursor.fetchall()]
    now = datetime.now().astimezone()
    counts, history = [], []
    for pk, (code, _name, segment) in zip(ids, cells, strict=True):
        active = values[(code, segment)]
        row = (pk, region_ids[code], MAY, segment, "pemda", active + 40, active, "draft", 1, "", "", now, user.pk)
        counts.append(row)
        history.append((*row, now, "Impor berkas (lantai)", "+", user.pk))
    return counts, history


def _copy_buffer(rows):
    def text(value):
        return "\\N" if value is None else str(value)

    return io.StringIO("".join("\t".join(text(v) for v in row) + "\n" for row in rows))


def floor_copy(cells, values, user):
    """One transaction: resolve ids, then one COPY for the counts and one for their history."""
    from django.db import connection, transaction

    from coverage.models import ParticipantCount

    with transaction.atomic(), connection.cursor() as cursor:
        counts, history = _floor_rows(cursor, cells, values, user)
        raw = cursor.cursor  # psycopg2's own cursor: copy_expert
        raw.copy_expert(
            f"COPY {ParticipantCount._meta.db_table} ({', '.join(COUNT_COLUMNS)}) FROM STDIN", _copy_buffer(counts)
        )
        raw.copy_expert(
            f"COPY {ParticipantCount.history.model._meta.db_table} ({', '.join(HISTORY_COLUMNS)}) FROM STDIN",
            _copy_buffer(history),
        )
    return len(counts), len(history)


def floor_insert(cells, values, user):
    """The same rows with one multi-row INSERT per table (psycopg2 execute_values, one page)."""
    from django.db import connection, transaction
    from psycopg2.extras import execute_values

    from coverage.models import ParticipantCount

    with transaction.atomic(), connection.cursor() as cursor:
        counts, history = _floor_rows(cursor, cells, values, user)
        raw = cursor.cursor
        execute_values(
            raw,
            f"INSERT INTO {ParticipantCount._meta.db_table} ({', '.join(COUNT_COLUMNS)}) VALUES %s",
            counts,
            page_size=len(counts),
        )
        execute_values(
            raw,
            f"INSERT INTO {ParticipantCount.history.model._meta.db_table} ({', '.join(HISTORY_COLUMNS)}) VALUES %s",
            history,
            page_size=len(history),
        )
    return len(counts), len(history)


def _timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def _require_migrated():
    """Measure only a database whose schema matches the code (after a pull, run the setup again)."""
    from django.core.management import call_command

    try:
        call_command("migrate", "--check", verbosity=0)
    except SystemExit as exc:
        raise SystemExit(f"unapplied migrations: run `{__file__} --setup` first") from exc


def measure(rounds):
    import pandas as pd

    from coverage.entry.importer import counts_import
    from coverage.models import ParticipantCount
    from ucj_dashboard.spreadsheets import read_spreadsheet

    _require_migrated()
    user = _ensure_data()
    cells, april, may, desa = _rows()
    april_file, may_file = _csv(cells, april, APRIL), _csv(cells, may, MAY)
    if not ParticipantCount.objects.filter(period=APRIL).exists():
        report = counts_import(file=april_file, filename="april.csv", user=user, dry_run=False)
        assert report.applied, report.errors[:3]
    names = ["floor_copy", "floor_insert", "read_csv", "read", "dry_run", "apply", "reimport"]
    times = {name: [] for name in names}
    loads = [os.getloadavg()]
    for _round in range(rounds):
        for floor in (floor_copy, floor_insert):
            _delete_month(MAY)
            elapsed, written = _timed(lambda floor=floor: floor(cells, may, user))
            assert written == (ROWS, ROWS) and ParticipantCount.objects.filter(period=MAY).count() == ROWS
            times[floor.__name__].append(elapsed)
        times["read_csv"].append(_timed(lambda: pd.read_csv(io.BytesIO(may_file), sep=";", dtype=str))[0])
        times["read"].append(_timed(lambda: read_spreadsheet(may_file, "mei.csv"))[0])
        _delete_month(MAY)
        elapsed, report = _timed(lambda: counts_import(file=may_file, filename="mei.csv", user=user))
        assert report.ok and report.check.created == ROWS, report.errors[:3]
        times["dry_run"].append(elapsed)
        elapsed, report = _timed(
            lambda: counts_import(
                file=may_file, filename="mei.csv", user=user, dry_run=False, acknowledge_warnings=True
            )
        )
        assert report.applied and report.saved.created == ROWS, report.errors[:3]
        times["apply"].append(elapsed)
        elapsed, report = _timed(lambda: counts_import(file=may_file, filename="mei.csv", user=user, dry_run=False))
        assert report.applied and report.saved.unchanged == ROWS and report.saved.created == 0
        times["reimport"].append(elapsed)
        loads.append(os.getloadavg())
        print(f"round {_round + 1}: " + ", ".join(f"{k} {v[-1]:.3f} s" for k, v in times.items()), flush=True)
    warnings = len(report.warnings)
    medians = {name: statistics.median(values) for name, values in times.items()}
    from django.conf import settings

    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "debug": settings.DEBUG,
        "load_before_after_rounds": loads,
        "rows": ROWS,
        "desa": desa,
        "file_bytes": len(may_file),
        "rounds": rounds,
        "warnings_in_file": warnings,
        "history_rows_may": ParticipantCount.history.filter(period=MAY).count(),
        "times": times,
        "medians": medians,
        "ratios_to_floor": {name: value / medians["floor_copy"] for name, value in medians.items()},
    }


def markdown(result):
    m, r = result["medians"], result["ratios_to_floor"]
    loads = [round(load[0], 2) for load in result["load_before_after_rounds"]]
    lines = [
        f"{result['rows']:,} rows = PU for all {result['desa']:,} desa of Jawa Timur plus BPU for the first "
        f"{result['rows'] - result['desa']:,}, one month, ';' .csv ({result['file_bytes'] / 1e6:.1f} MB); "
        f"{result['rounds']} interleaved rounds, medians, DEBUG {'on' if result['debug'] else 'off'} "
        f"({result['when']}; 1-min load average at start and after each round {loads}).",
        "",
        "| step | median | / COPY floor |",
        "|---|---:|---:|",
        f"| **floor**: ids + one COPY of 10,000 counts + one COPY of 10,000 history rows, one transaction "
        f"| {m['floor_copy']:.3f} s | 1 |",
        f"| the same with one multi-row INSERT per table | {m['floor_insert']:.3f} s | {r['floor_insert']:.1f} |",
        f"| `pandas.read_csv` of the file (no database) | {m['read_csv']:.3f} s | {r['read_csv']:.2f} |",
        f"| `read_spreadsheet` (encoding, separator, blank and total rows) | {m['read']:.3f} s | {r['read']:.2f} |",
        f"| dry run: read, resolve, scope, parse, rules, diff, coverage impact | {m['dry_run']:.2f} s "
        f"| {r['dry_run']:.1f} |",
        f"| **validate + apply** (10,000 new counts + 10,000 history rows, one transaction) | "
        f"**{m['apply']:.2f} s** | **{r['apply']:.1f}** |",
        f"| re-import of the same file (nothing written) | {m['reimport']:.2f} s | {r['reimport']:.1f} |",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_IMPORT_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--setup", action="store_true", help="Create the database, schema, regions and user.")
    parser.add_argument("--no-measure", action="store_true", help="With --setup: only set up.")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds must be 1..10")
    _setup_django(args.database_url)
    if args.setup:
        _ensure_schema()
        _ensure_data(load=True)
        if args.no_measure:
            return
    result = measure(args.rounds)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / f"import-{datetime.now(UTC):%Y%m%d-%H%M%S}.json").write_text(json.dumps(result, indent=2))
    print(markdown(result))


if __name__ == "__main__":
    main()
