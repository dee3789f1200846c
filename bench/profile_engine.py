#!/usr/bin/env python3
"""Statement-by-statement profile of the coverage engine on the benchmark database.

    .venv/bin/python bench/profile_engine.py                 # full recompute from empty snapshots
    .venv/bin/python bench/profile_engine.py --month 2024-05 # one month, inputs unchanged
    .venv/bin/python bench/profile_engine.py --month 2024-05 --desa 35.73.01.1001  # one desa's month
    .venv/bin/python bench/profile_engine.py --explain 2     # EXPLAIN ANALYZE statements over 2 s

Prints one line per statement (seconds, the statement's start), then the statements summed by
their first words, slowest first. ``--explain N`` runs the statements that took N seconds or more a
second time inside a savepoint under ``EXPLAIN (ANALYZE, BUFFERS)`` and prints the plan (rolled
back, so the run's result is unchanged). Uses the benchmark database (bench_engine.py's default,
or BENCH_DATABASE_URL); never run it on a database whose snapshots matter: the full profile
empties them first, as round (b) of the benchmark does.
"""

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_engine import DEFAULT_DB, environment  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--month", help="Profile the recompute of one month (YYYY-MM) instead of a full one.")
    parser.add_argument("--desa", help="With --month: an incremental recompute of this desa (its code).")
    parser.add_argument("--explain", type=float, default=0, help="EXPLAIN ANALYZE statements slower than this.")
    parser.add_argument("--only", default="", help="With --explain: only statements that contain this text.")
    args = parser.parse_args()
    os.environ.update(environment(args.database_url))
    import django

    django.setup()
    from datetime import date

    from django.db import connection

    from coverage.engine import coverage_recompute
    from coverage.engine.sql import SnapshotEngine

    timings = []
    explain_over = args.explain

    def explain(cursor, statement, params, text):
        cursor.execute("SAVEPOINT profile_explain")
        if text.startswith("CREATE TEMP TABLE") and " AS " in text[:80]:
            table = text.split()[3]
            cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_profiled")
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", params or [])
        plan = [line for (line,) in cursor.fetchall()]
        cursor.execute("ROLLBACK TO SAVEPOINT profile_explain")
        return plan

    def sql(self, statement, params=None):
        text = " ".join(statement.split())
        plan = []
        wanted = explain_over and args.only in text
        if wanted and text.startswith(("INSERT INTO coverage_snapshot ", "UPDATE coverage_snapshot ")):
            # Writes to the snapshots are explained first (rolled back), then run: run twice, the
            # second would meet the first's rows.
            plan = explain(self.cursor, statement, params, text)
        started = time.perf_counter()
        self.cursor.execute(statement, params or [])
        elapsed = time.perf_counter() - started
        rows = self.cursor.rowcount
        timings.append((elapsed, text))
        print(f"{elapsed:8.3f} s {rows:>9} {text[:110]}", flush=True)
        if wanted and elapsed >= explain_over:
            if not plan and not text.startswith(("ANALYZE", "DROP", "SET")):
                plan = explain(self.cursor, statement, params, text)
            for line in plan:
                print("           | " + line)
        return rows

    SnapshotEngine.sql = sql
    load = os.getloadavg()
    print(f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}")
    started = time.perf_counter()
    if args.month:
        year, month = (int(part) for part in args.month.split("-"))
        if args.desa:
            from regions.models import Region

            coverage_recompute(periods=[date(year, month, 1)], regions=[Region.objects.get(code=args.desa)])
        else:
            coverage_recompute(periods=[date(year, month, 1)])
    else:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE coverage_snapshottarget, coverage_snapshot")
            cursor.execute("ANALYZE coverage_snapshot")
        coverage_recompute()
    total = time.perf_counter() - started
    load = os.getloadavg()
    print(f"\ntotal {total:.2f} s, engine statements {sum(t for t, _ in timings):.2f} s; load after {load[0]:.2f}")
    groups = defaultdict(lambda: [0.0, 0])
    for elapsed, text in timings:
        key = " ".join(text.split()[:5])
        groups[key][0] += elapsed
        groups[key][1] += 1
    print("\nby statement kind (first five words), slowest first:")
    for key, (elapsed, count) in sorted(groups.items(), key=lambda item: -item[1][0])[:30]:
        print(f"{elapsed:8.3f} s {count:>4}x {key}")


if __name__ == "__main__":
    main()
