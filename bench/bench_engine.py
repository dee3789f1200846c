"""Coverage engine benchmark on the synthetic national dataset (PostgreSQL).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/ucj_bench .venv/bin/python bench/bench_engine.py

Measures, in one run and three times each (median reported):
  (a) floor: one plain SQL statement summing the desa rows per kecamatan and month into a new table;
  (b) full recompute of every snapshot of every level and month (cold: snapshots emptied first);
  (c) recompute of one month (warm: inputs unchanged since the last run);
  (d) incremental recompute after one desa's count changes;
and the peak memory (max RSS) of a process running (b). Results go to bench/results/engine.json.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ucj_bench")
MONTHS = int(os.environ.get("BENCH_MONTHS", "60"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
ENV = {**os.environ, "DATABASE_URL": DATABASE_URL, "DEBUG": "true", "REDIS_URL": ""}


def manage(*args):
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=ENV, cwd=ROOT)


def setup_database():
    import psycopg2

    admin = psycopg2.connect(dbname="postgres", host="127.0.0.1", user="postgres")
    admin.autocommit = True
    name = DATABASE_URL.rsplit("/", 1)[1]
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    manage("migrate", "--no-input", "--fake-initial", "-v0")
    manage("load_regions", "--no-offices")


def main():
    setup_database()
    os.environ.update(ENV)
    os.environ["DJANGO_SETTINGS_MODULE"] = "ucj_dashboard.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from coverage.engine import coverage_recompute
    from coverage.models import ParticipantCount, Snapshot
    from regions.models import Region
    from regions.services import offices_seed

    offices_seed()
    rows = ParticipantCount.objects.count()
    if rows < 83_000 * 4 * MONTHS:
        started = time.perf_counter()
        manage("generate_national_dataset", "--months", str(MONTHS))
        print(f"dataset generated in {time.perf_counter() - started:.0f} s", flush=True)
        rows = ParticipantCount.objects.count()
    periods = sorted(ParticipantCount.objects.order_by().values_list("period", flat=True).distinct())
    middle = periods[len(periods) // 2]
    desa = Region.objects.get(code="35.73.01.1001")
    results = {"a_floor": [], "b_full": [], "c_month": [], "d_incremental": []}
    for round_no in range(ROUNDS):
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_floor")
            started = time.perf_counter()
            cursor.execute(
                "CREATE TABLE bench_floor AS SELECT r.parent_id, c.period, SUM(c.active) AS active "
                "FROM coverage_participantcount c JOIN regions_region r ON r.id = c.region_id "
                "WHERE r.level = 4 GROUP BY r.parent_id, c.period"
            )
            results["a_floor"].append(time.perf_counter() - started)
            cursor.execute("DROP TABLE bench_floor")
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE coverage_snapshottarget, coverage_snapshot")
            cursor.execute("ANALYZE coverage_snapshot")
        started = time.perf_counter()
        coverage_recompute()
        results["b_full"].append(time.perf_counter() - started)
        started = time.perf_counter()
        coverage_recompute(periods=[middle])
        results["c_month"].append(time.perf_counter() - started)
        cell = ParticipantCount.objects.filter(region=desa, period=middle, segment="BPU").first()
        ParticipantCount.objects.filter(pk=cell.pk).update(active=cell.active - 1 - round_no)
        started = time.perf_counter()
        coverage_recompute(periods=[middle], regions=[desa])
        results["d_incremental"].append(time.perf_counter() - started)
        print({k: round(v[-1], 3) for k, v in results.items()}, flush=True)

    # Peak memory of a worker-like process doing the full recompute (that process alone).
    child = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "recompute_coverage"], env=ENV, cwd=ROOT)
    _pid, status, usage = os.wait4(child.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    peak_kib = usage.ru_maxrss
    medians = {k: statistics.median(v) for k, v in results.items()}
    floor = medians["a_floor"]
    summary = {
        "date": date.today().isoformat(),
        "count_rows": rows,
        "months": len(periods),
        "snapshots": Snapshot.objects.count(),
        "rounds": ROUNDS,
        "median_seconds": {k: round(v, 3) for k, v in medians.items()},
        "all_seconds": {k: [round(x, 3) for x in v] for k, v in results.items()},
        "ratio_full_to_floor": round(medians["b_full"] / floor, 2),
        "ratio_month_to_floor": round(medians["c_month"] / floor, 3),
        "ratio_incremental_to_floor": round(medians["d_incremental"] / floor, 4),
        "peak_rss_mib": round(peak_kib / 1024, 1),
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "engine.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
