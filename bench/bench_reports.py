"""PDF reports and the dossier on the demo data (PostgreSQL): how long a report takes to make.

    .venv/bin/python bench/bench_reports.py

It prepares its own database (default ``ucj_bench_reports``; ``BENCH_REPORTS_DATABASE_URL``): schema,
the region tree, the demo data (load_demo: every kab/kota, November 2023 to October 2026, Kanwil Jawa
Timur) and, once, the months of 2025 closed (published) so the dossier has figures. Each step is
skipped when already done. Then, in this one process, ``ROUNDS`` times each (median and max reported):

  (a) the kab/kota PDF of Kota Malang, June 2025, with the cache cleared first (what a Celery task does
      for a month nobody has opened) and warm (the page's selectors already cached);
  (b) the province PDF of Jawa Timur (38 kab/kota in the table, ranking and map), the Kanwil Jawa Timur
      PDF (38 kab/kota, 20 branches);
  (c) the dossier of Kota Malang for 2025: PDF and DOCX;
and the first PDF of the process apart (WeasyPrint and Pango load once per worker process). The map
is drawn when GEO_DIR has the boundary files (../shared/geo). Results: bench/results/reports.json.
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
DATABASE_URL = os.environ.get("BENCH_REPORTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ucj_bench_reports")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
ENV = {**os.environ, "DATABASE_URL": DATABASE_URL, "DEBUG": "true", "REDIS_URL": ""}
JUNE = date(2025, 6, 1)


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
    manage("migrate", "--no-input", "-v0")


def timed(function, rounds=ROUNDS, before=None):
    seconds = []
    result = None
    for _round in range(rounds):
        if before:
            before()
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    return {"median_s": round(statistics.median(seconds), 3), "max_s": round(max(seconds), 3)}, result


def main():
    setup_database()
    os.environ.update(ENV)
    os.environ["DJANGO_SETTINGS_MODULE"] = "ucj_dashboard.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache

    from coverage.engine import period_close
    from coverage.models import ReportingPeriod, ReportingStatus, Snapshot
    from coverage.reports.dashboard import dashboard_pdf
    from programs.dossier import dossier
    from programs.dossier_files import dossier_docx, dossier_pdf
    from regions.models import Office, Region

    if not Region.objects.filter(code="35.73").exists():
        manage("load_regions")
    if not Snapshot.objects.filter(region__code="35.73", period=JUNE).exists():
        manage("load_demo")
    admin, _created = get_user_model().objects.get_or_create(username="bench.reports", defaults={"is_superuser": True})
    for month in range(1, 13):
        period = date(2025, month, 1)
        if not ReportingPeriod.objects.filter(period=period, status=ReportingStatus.CLOSED).exists():
            period_close(period=period, user=admin)

    kota, jatim = Region.objects.get(code="35.73"), Region.objects.get(code="35")
    kanwil = Office.objects.get(code="KW-JATIM")
    start = time.perf_counter()
    dashboard_pdf(region=kota, period=JUNE)
    first = round(time.perf_counter() - start, 3)
    results = {"first_pdf_in_process_s": first, "rounds": ROUNDS}
    results["kabkota_pdf_cold"], (content, _name) = timed(lambda: dashboard_pdf(region=kota, period=JUNE),
                                                          before=cache.clear)  # fmt: skip
    results["kabkota_pdf_bytes"] = len(content)
    results["kabkota_pdf_warm"], _ = timed(lambda: dashboard_pdf(region=kota, period=JUNE))
    results["province_pdf_cold"], _ = timed(lambda: dashboard_pdf(region=jatim, period=JUNE), before=cache.clear)
    results["kanwil_pdf_cold"], _ = timed(lambda: dashboard_pdf(office=kanwil, period=JUNE), before=cache.clear)
    results["dossier_pdf"], content = timed(lambda: dossier_pdf(dossier(region=kota, year=2025)))
    results["dossier_pdf_bytes"] = len(content)
    results["dossier_docx"], _ = timed(lambda: dossier_docx(dossier(region=kota, year=2025)))
    results["map_drawn"] = (Path(os.environ.get("GEO_DIR", ROOT.parent / "shared" / "geo")) / "districts").is_dir()
    out = ROOT / "bench" / "results" / "reports.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
