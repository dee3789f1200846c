import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from coverage.models import ParticipantCount, Snapshot
from regions.models import Denominator, Level, Region
from ucj_dashboard.postgres import tables_analyze

SYNTHETIC = "synthetic"


class Command(BaseCommand):
    help = (
        "Build a synthetic national dataset in PostgreSQL for benchmarks: counts at every desa "
        "(83,762) x 4 segments x N months (default 60: about 20 million rows) plus kab/kota denominators. "
        "Replaces the counts and snapshots of the database it runs on: use a dedicated database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=60)
        parser.add_argument("--first-month", default="2021-11")
        parser.add_argument("--force", action="store_true", help="Also replace counts that are not synthetic.")

    def handle(self, *args, months, first_month, force, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Dataset nasional hanya untuk PostgreSQL (set DATABASE_URL).")
        if Region.objects.filter(level=Level.VILLAGE).count() < 80_000:
            raise CommandError("Muat wilayah dahulu: python manage.py load_regions")
        if not force and ParticipantCount.objects.exclude(note=SYNTHETIC).exists():
            raise CommandError("Basis data ini berisi data nyata/demo; gunakan basis data khusus atau --force.")
        year, month = (int(part) for part in first_month.split("-"))
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            Snapshot.objects.all().delete()
            # Follow-ups hang on counts: the synthetic counts' follow-ups go with them.
            cursor.execute("TRUNCATE coverage_followup, coverage_participantcount, coverage_historicalparticipantcount")
            cursor.execute("DELETE FROM regions_denominator WHERE note = %s", [SYNTHETIC])
            # Foreign-key triggers are skipped for this bulk load only (the rows reference real regions).
            # Rows are written month by month, the order in which real figures arrive, so a month's rows
            # sit together on disk as they do in production (written region by region, one month's
            # rows were spread over every page of the table and reading a month read a quarter of it).
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                """
                INSERT INTO coverage_participantcount
                    (region_id, period, segment, source, registered, active, new_registrations, lapsed, status,
                     version, note, return_reason, updated_at)
                SELECT r.id, m.period, s.segment, 'bpjs', x.active + x.lapsed, x.active,
                       x.active / 40, x.lapsed, 'verified', 1, %s, '', now()
                FROM regions_region r
                CROSS JOIN (SELECT CAST(make_date(%s, %s, 1) + make_interval(months => i) AS date) AS period, i
                            FROM generate_series(0, %s - 1) AS i) m
                CROSS JOIN (VALUES ('PU', 300), ('BPU', 120), ('JAKON', 15), ('PMI', 8)) AS s(segment, base)
                CROSS JOIN LATERAL (
                    SELECT (s.base + m.i * s.base / 100 + (r.id * 7 + m.i * 13) %% s.base) AS active,
                           (r.id + m.i) %% 20 AS lapsed
                ) x
                WHERE r.level = 4
                ORDER BY m.period, r.id
                """,
                [SYNTHETIC, year, month, months],
            )
            rows = cursor.rowcount
            cursor.execute(
                """
                INSERT INTO regions_denominator (region_id, year, segment_group, workers, source, note, created_at)
                SELECT r.id, y.year, g.grp, CAST(k.n * 1200 * g.share AS bigint), 'Sakernas (sintetis)', %s, now()
                FROM regions_region r
                JOIN (SELECT substr(code, 1, 5) AS regency, COUNT(*) AS n FROM regions_region
                      WHERE level = 4 GROUP BY 1) k ON k.regency = r.code
                CROSS JOIN generate_series(%s, %s + (%s / 12) + 1) AS y(year)
                CROSS JOIN (VALUES ('TOTAL', 1.0), ('PU', 0.45), ('BPU', 0.55)) AS g(grp, share)
                WHERE r.level = 2
                """,
                [SYNTHETIC, year, year, months],
            )
        # Fresh statistics for everything this command wrote or emptied (autovacuum may be off).
        tables_analyze(ParticipantCount, ParticipantCount.history.model, Denominator, Snapshot, Region)
        self.stdout.write(f"{rows} count rows in {time.perf_counter() - started:.1f} s.")
