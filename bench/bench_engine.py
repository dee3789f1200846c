#!/usr/bin/env python3
"""Coverage engine benchmark on the synthetic national dataset (PostgreSQL).

    .venv/bin/python bench/bench_engine.py --setup     # once: database, regions, 20,102,880 counts (~8 min)
    .venv/bin/python bench/bench_engine.py             # measure (3 interleaved rounds, ~2 min)

``--database-url`` (or BENCH_DATABASE_URL) picks the database, default ucj_bench on 127.0.0.1.
Setup and measurement are separate: the dataset is kept between runs (``generate_national_dataset``
replaces only its own synthetic rows), and every round leaves it as it found it apart from the
snapshots, which each round rebuilds from empty.

Each round measures, in this order:
  (a) floor: the best plain way to do the engine's first pass with the engine's own session
      settings: one transaction, ``SET LOCAL work_mem = '256MB'``, ``SET LOCAL synchronous_commit =
      off``, ``CREATE TEMP TABLE ... AS SELECT parent, period, SUM(active) ... GROUP BY`` over the
      desa rows (PostgreSQL runs it in parallel), commit;
  (b) full recompute of every snapshot of every level and month (snapshots emptied first);
  (c) recompute of one month whose inputs did not change since (b);
  (d) incremental recompute after one desa's count changes;
then, once, the peak memory (max RSS) of a separate process running (b). Medians over the rounds,
ratios to the floor's median; raw figures in bench/results/engine-<time>.json.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/ucj_bench"
MONTHS = 60
DESA = "35.73.01.1001"  # Jodipan, Kota Malang: the desa of the incremental round

FLOOR_SQL = """
CREATE TEMP TABLE bench_floor AS
SELECT r.parent_id, c.period, SUM(c.active) AS active
FROM coverage_participantcount c JOIN regions_region r ON r.id = c.region_id
WHERE r.level = 4
GROUP BY r.parent_id, c.period
"""


def environment(database_url):
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",  # DEBUG keeps every query in memory: never measure with it
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-key-not-for-production"),
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "ucj_dashboard.settings",
    }


def manage(env, *args):
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT)


def ensure_database(database_url):
    import psycopg2
    from psycopg2 import sql

    base, name = database_url.rsplit("/", 1)
    admin = psycopg2.connect(base + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def setup(env, database_url):
    """Database, schema, the real region tree with the BPJS offices, and the national dataset."""
    ensure_database(database_url)
    manage(env, "migrate", "--no-input", "-v0")
    import django

    django.setup()
    from coverage.models import ParticipantCount
    from regions.models import Region

    if Region.objects.filter(level=4).count() < 80_000:
        manage(env, "load_regions")
    if ParticipantCount.objects.count() < 83_000 * 4 * MONTHS:
        started = time.perf_counter()
        manage(env, "generate_national_dataset", "--months", str(MONTHS))
        print(f"dataset generated in {time.perf_counter() - started:.0f} s", flush=True)


def load():
    return os.getloadavg()


def floor_round(connection):
    """(a): one transaction with the engine's settings, a TEMP table, commit included."""
    from django.db import transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(FLOOR_SQL)
        rows = cursor.rowcount
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_floor")
    return elapsed, rows


def _require_migrated():
    """Measure only a database whose schema matches the code (after a pull, run the setup again)."""
    from django.core.management import call_command

    try:
        call_command("migrate", "--check", verbosity=0)
    except SystemExit as exc:
        raise SystemExit(f"unapplied migrations: run `{__file__} --setup` first") from exc


def measure(env, rounds):
    import django

    django.setup()
    from django.db import connection

    from coverage.engine import coverage_recompute
    from coverage.models import ParticipantCount, Snapshot
    from regions.models import Region

    _require_migrated()
    rows = ParticipantCount.objects.count()
    if rows < 83_000 * 4 * MONTHS:
        raise SystemExit(f"only {rows:,} count rows: run `bench/bench_engine.py --setup` first")
    periods = sorted(ParticipantCount.objects.order_by().values_list("period", flat=True).distinct())
    middle = periods[len(periods) // 2]
    desa = Region.objects.get(code=DESA)
    cell = ParticipantCount.objects.get(region=desa, period=middle, segment="BPU", source="bpjs")
    original = cell.active
    times = {"a_floor": [], "b_full": [], "c_month": [], "d_incremental": []}
    loads = [load()]
    floor_rows = None
    try:
        for round_no in range(rounds):
            elapsed, floor_rows = floor_round(connection)
            times["a_floor"].append(elapsed)
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE coverage_snapshottarget, coverage_snapshot")
                cursor.execute("ANALYZE coverage_snapshot")
            started = time.perf_counter()
            coverage_recompute()
            times["b_full"].append(time.perf_counter() - started)
            started = time.perf_counter()
            coverage_recompute(periods=[middle])
            times["c_month"].append(time.perf_counter() - started)
            ParticipantCount.objects.filter(pk=cell.pk).update(active=original - 1 - round_no)
            started = time.perf_counter()
            coverage_recompute(periods=[middle], regions=[desa])
            times["d_incremental"].append(time.perf_counter() - started)
            loads.append(load())
            print(f"round {round_no + 1}: " + ", ".join(f"{k} {v[-1]:.3f} s" for k, v in times.items()), flush=True)
    finally:
        ParticipantCount.objects.filter(pk=cell.pk).update(active=original)
        coverage_recompute(periods=[middle], regions=[desa])

    # Peak memory of a worker-like process doing the full recompute (that process alone).
    child = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "recompute_coverage"], env=env, cwd=ROOT)
    _pid, status, usage = os.wait4(child.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    medians = {k: statistics.median(v) for k, v in times.items()}
    floor = medians["a_floor"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        parallel = cursor.fetchone()[0]
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_before_after_rounds": loads},
        "count_rows": rows,
        "months": len(periods),
        "floor_rows": floor_rows,
        "snapshots": Snapshot.objects.count(),
        "rounds": rounds,
        "floor": "one transaction: SET LOCAL work_mem='256MB', synchronous_commit=off; CREATE TEMP TABLE AS "
        "SELECT parent, period, SUM(active) over the desa rows; COMMIT",
        "max_parallel_workers_per_gather": parallel,
        "median_seconds": {k: round(v, 4) for k, v in medians.items()},
        "all_seconds": {k: [round(x, 4) for x in v] for k, v in times.items()},
        "ratio_to_floor_per_round": {
            k: [round(x / f, 3) for x, f in zip(v, times["a_floor"], strict=True)] for k, v in times.items()
        },
        "ratio_to_floor": {k: round(v / floor, 4) for k, v in medians.items()},
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
    }


def markdown(result):
    m, r = result["median_seconds"], result["ratio_to_floor"]
    loads = [round(before_after[0], 2) for before_after in result["machine"]["load_before_after_rounds"]]
    return "\n".join(
        [
            f"{result['count_rows']:,} count rows, {result['months']} months, {result['snapshots']:,} snapshots; "
            f"{result['rounds']} interleaved rounds, medians; 1-min load average at start and after each round {loads}",
            "",
            "| measure | median | / floor |",
            "|---|---:|---:|",
            f"| (a) floor | {m['a_floor']:.2f} s | 1 |",
            f"| (b) full recompute | {m['b_full']:.2f} s | {r['b_full']:.2f} |",
            f"| (c) one month | {m['c_month']:.3f} s | {r['c_month']:.3f} |",
            f"| (d) incremental | {m['d_incremental'] * 1000:.0f} ms | {r['d_incremental']:.4f} |",
            f"| peak RSS of (b) | {result['peak_rss_mib']} MiB | |",
        ]
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--setup", action="store_true", help="Create the database and the dataset if missing.")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    parser.add_argument("--no-measure", action="store_true", help="With --setup: only set up.")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds must be 1..10")
    env = environment(args.database_url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    if args.setup:
        setup(env, args.database_url)
        if args.no_measure:
            return
    result = measure(env, args.rounds)
    out = ROOT / "bench" / "results" / f"engine-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))
    print(f"\n(raw figures: {out.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
