"""The coverage engine: from counts, denominators, targets and bands to snapshots.

Everything is set-based SQL over temporary tables, level by level from desa up to the
national root, then the BPJS offices; nothing pulls count rows into Python. The same code
serves a full recompute (every region of the given months) and an incremental one (the
changed regions and their ancestors only): at each level the children's values are read back
from the snapshot rows just written, so an incremental run sees its siblings' current values.

Rules (see also the coverage.models docstring and docs/RULES.md):
- effective cell = BPJS count if one is submitted/verified, else the Pemda count if
  submitted/verified; drafts and returned entries never count;
- a region's own reported figure wins over the sum of its children (per segment); the
  difference in the total is kept as ``unallocated_total``;
- funded batches (programs.FundedBatch, active or ended) add their workers to BPU for the
  months they cover; reported BPU counts exclude them, so nothing is counted twice;
- denominator = the region's own latest revision for the period's year, else the sum of its
  children's when every child has one, else unknown (NULL coverage);
- published rows are never changed: a correction adds revision + 1 and leaves the published
  row in place (no longer current); ranks of published rows stay as reported.
"""

import logging
from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from regions.models import NATIONAL_CODE, Level, OfficeKind, Region

from ..models import COUNTED_STATUSES, EntryStatus, Phasing, RecomputeRequest, Source, SubjectLevel

logger = logging.getLogger(__name__)

GENERATION_KEY = "coverage:snapshot-generation"
LOCK_NAMESPACE = 4_223_000  # pg_advisory_xact_lock(namespace, yyyymm)

REGION_LEVELS = [Level.VILLAGE, Level.DISTRICT, Level.REGENCY, Level.PROVINCE, Level.NATIONAL]

# Columns that define "the same figures" when comparing with a published snapshot.
VALUE_COLUMNS = [
    "active_pu",
    "active_bpu",
    "active_jakon",
    "active_pmi",
    "active_funded",
    "active_total",
    "registered_total",
    "new_total",
    "lapsed_total",
    "unallocated_total",
    "workers_total",
    "workers_pu",
    "workers_bpu",
    "coverage_total",
    "coverage_pu",
    "coverage_bpu",
    "category",
    "is_provisional",
]
OUT_COLUMNS = ["subject_id", "period", "level", "parent_id", *VALUE_COLUMNS, "denominator_source", "data_as_of"]


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class RecomputeResult:
    periods: list
    regions: int | None
    snapshots_written: int


def snapshot_generation() -> int:
    """A number every recompute bumps: snapshot caches key on it."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return int(value)


def _bump_generation():
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)


# --- scheduling -----------------------------------------------------------------------------


def recompute_schedule(*, region, periods, reason=""):
    """Record that ``region`` needs a recompute for ``periods`` and queue it on commit.

    Call inside the transaction that makes the change. The outbox row commits with the change,
    so if the broker is down the recompute is not lost: the periodic drain picks it up.
    """
    periods = sorted({month_start(p) for p in periods})
    requests = RecomputeRequest.objects.bulk_create(
        [RecomputeRequest(period=p, region=region, reason=reason[:100]) for p in periods]
    )
    ids = [r.pk for r in requests]

    def _enqueue():
        from ..tasks import recompute_requests

        try:
            recompute_requests.delay(ids)
        except (KombuOperationalError, OSError):  # broker unreachable: the outbox keeps the work
            logger.warning("Could not queue recompute %s; left in the outbox.", ids, exc_info=True)

    transaction.on_commit(_enqueue)
    return ids


def recompute_drain_outbox(*, ids=None, limit=500):
    """Process pending outbox rows (all, or the given ids): one incremental run per period."""
    pending = RecomputeRequest.objects.filter(processed_at__isnull=True)
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    rows = list(pending.order_by("period", "pk").values_list("pk", "period", "region_id")[:limit])
    by_period = {}
    for pk, period, region_id in rows:
        entry = by_period.setdefault(period, ([], set()))
        entry[0].append(pk)
        entry[1].add(region_id)
    processed = 0
    for period, (pks, region_ids) in sorted(by_period.items()):
        regions = None if None in region_ids else list(Region.objects.filter(pk__in=region_ids))
        coverage_recompute(periods=[period], regions=regions)
        processed += RecomputeRequest.objects.filter(pk__in=pks, processed_at__isnull=True).update(
            processed_at=timezone.now()
        )
    return processed


# --- the engine -----------------------------------------------------------------------------


def coverage_recompute(*, periods=None, regions=None) -> RecomputeResult:
    """Recompute snapshots for ``periods`` (default: every month with data).

    With ``regions``, only those regions, their ancestors and the rankings they affect are
    recomputed (the incremental path); otherwise every region and office.
    """
    if periods is None:
        periods = _periods_with_data()
    periods = sorted({month_start(p) for p in periods})
    if not periods:
        return RecomputeResult(periods=[], regions=None, snapshots_written=0)
    with transaction.atomic():
        _lock_periods(periods)
        engine = _Engine(periods=periods, regions=regions)
        written = engine.run()
        if regions is None:
            # A full run covers every change already committed for these months.
            RecomputeRequest.objects.filter(
                processed_at__isnull=True, period__in=periods, created_at__lt=engine.now
            ).update(processed_at=timezone.now())
    transaction.on_commit(_bump_generation)
    return RecomputeResult(periods=periods, regions=len(regions) if regions else None, snapshots_written=written)


def _periods_with_data():
    from ..models import ParticipantCount

    found = set(ParticipantCount.objects.values_list("period", flat=True).distinct())
    batch_model = _batch_model()
    if batch_model is not None:
        for start, end in batch_model.objects.exclude(status="planned").values_list("start_month", "end_month"):
            month = month_start(start)
            while month <= end:
                found.add(month)
                month = add_months(month, 1)
    return sorted(found)


def _batch_model():
    try:
        return apps.get_model("programs", "FundedBatch")
    except LookupError:
        return None


def _lock_periods(periods):
    """Serialise recomputes of the same month (two at once leave one consistent result)."""
    if connection.vendor != "postgresql":
        return  # SQLite serialises writers itself
    with connection.cursor() as cursor:
        for period in periods:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, period.year * 100 + period.month])


class _Engine:
    def __init__(self, *, periods, regions):
        self.periods = periods
        self.regions = regions
        self.now = timezone.now()
        self.pg = connection.vendor == "postgresql"
        self.written = 0

    # helpers
    def sql(self, statement, params=None):
        self.cursor.execute(statement, params or [])
        return self.cursor.rowcount

    def analyze(self, table):
        if self.pg:
            self.sql(f"ANALYZE {table}")

    def run(self):
        with connection.cursor() as cursor:
            self.cursor = cursor
            if self.pg:
                self.sql("SET LOCAL work_mem = '256MB'")
            self._create_temp_tables()
            self._fill_periods()
            self._fill_affected()
            self._fill_reported()
            self._fill_denominators()
            for level in REGION_LEVELS:
                self._compute_region_level(level)
                self._merge(subject="region", levels=[level])
                self._rank_regions(level)
            self._compute_offices()
            self._merge(subject="office", levels=[SubjectLevel.BRANCH, SubjectLevel.KANWIL])
            self._rank_offices()
            self._fill_targets()
            self._fill_deltas()
            self._drop_temp_tables()
        return self.written

    # temp tables
    TEMP_TABLES = ["ucj_periods", "ucj_affected", "ucj_rep", "ucj_denom", "ucj_out"]

    def _drop_temp_tables(self):
        for table in self.TEMP_TABLES:
            self.sql(f"DROP TABLE IF EXISTS {table}")

    def _create_temp_tables(self):
        self._drop_temp_tables()
        self.sql(
            "CREATE TEMP TABLE ucj_periods (period DATE PRIMARY KEY, year INTEGER, month INTEGER, "
            "prev_month DATE, prev_year DATE, prev_december DATE, last_day DATE)"
        )
        self.sql("CREATE TEMP TABLE ucj_affected (region_id BIGINT PRIMARY KEY, level INTEGER)")
        self.sql(
            "CREATE TEMP TABLE ucj_rep (region_id BIGINT, period DATE, pu BIGINT, bpu BIGINT, jakon BIGINT, "
            "pmi BIGINT, funded BIGINT, registered BIGINT, new_total BIGINT, lapsed BIGINT, "
            "provisional INTEGER, as_of TIMESTAMP WITH TIME ZONE)"
        )
        self.sql(
            "CREATE TEMP TABLE ucj_denom (region_id BIGINT, year INTEGER, workers_total BIGINT, "
            "workers_pu BIGINT, workers_bpu BIGINT, source VARCHAR(200))"
        )
        self.sql(
            "CREATE TEMP TABLE ucj_out (subject_id BIGINT, period DATE, level INTEGER, parent_id BIGINT, "
            "active_pu BIGINT, active_bpu BIGINT, active_jakon BIGINT, active_pmi BIGINT, active_funded BIGINT, "
            "active_total BIGINT, registered_total BIGINT, new_total BIGINT, lapsed_total BIGINT, "
            "unallocated_total BIGINT, workers_total BIGINT, workers_pu BIGINT, workers_bpu BIGINT, "
            "coverage_total DOUBLE PRECISION, coverage_pu DOUBLE PRECISION, coverage_bpu DOUBLE PRECISION, "
            "category VARCHAR(14), is_provisional BOOLEAN, denominator_source VARCHAR(200), "
            "data_as_of TIMESTAMP WITH TIME ZONE)"
        )

    def _fill_periods(self):
        rows = []
        for p in self.periods:
            rows.extend([p, p.year, p.month, add_months(p, -1), add_months(p, -12), date(p.year - 1, 12, 1)])
            rows.append(add_months(p, 1))  # exclusive end, for batch validity
        placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(self.periods))
        self.sql(
            "INSERT INTO ucj_periods (period, year, month, prev_month, prev_year, prev_december, last_day) "
            f"VALUES {placeholders}",
            rows,
        )

    def _fill_affected(self):
        """Incremental mode: the given regions and all their ancestors."""
        if self.regions is None:
            return
        codes = set()
        for region in self.regions:
            codes.add(region.code)
            codes.update(region.ancestor_codes)
        codes.add(NATIONAL_CODE)
        self.sql(
            "INSERT INTO ucj_affected (region_id, level) SELECT id, level FROM regions_region WHERE code IN ("
            + ", ".join(["%s"] * len(codes))
            + ")",
            sorted(codes),
        )

    def _region_filter(self, column):
        return f" AND {column} IN (SELECT region_id FROM ucj_affected)" if self.regions is not None else ""

    def _fill_reported(self):
        """Effective reported values per region and month (all levels), plus funded batches."""
        counted = ", ".join(f"'{status}'" for status in COUNTED_STATUSES)
        bpjs = Source.BPJS.value
        submitted = EntryStatus.SUBMITTED.value
        seg = "SUM(CASE WHEN c.segment = '{0}' THEN c.active END)"
        self.sql(
            f"""
            INSERT INTO ucj_rep (region_id, period, pu, bpu, jakon, pmi, funded, registered, new_total, lapsed,
                                 provisional, as_of)
            SELECT c.region_id, c.period, {seg.format("PU")}, {seg.format("BPU")}, {seg.format("JAKON")},
                   {seg.format("PMI")}, NULL, SUM(c.registered), SUM(c.new_registrations), SUM(c.lapsed),
                   MAX(CASE WHEN c.status = '{submitted}' THEN 1 ELSE 0 END), MAX(c.updated_at)
            FROM coverage_participantcount c
            JOIN ucj_periods p ON p.period = c.period
            WHERE c.status IN ({counted})
              AND (c.source = '{bpjs}' OR NOT EXISTS (
                    SELECT 1 FROM coverage_participantcount b
                    WHERE b.region_id = c.region_id AND b.period = c.period AND b.segment = c.segment
                      AND b.source = '{bpjs}' AND b.status IN ({counted})))
              {self._region_filter("c.region_id")}
            GROUP BY c.region_id, c.period
            """
        )
        if _batch_model() is not None:
            self.sql(
                f"""
                INSERT INTO ucj_rep (region_id, period, funded, provisional)
                SELECT b.region_id, p.period, SUM(b.workers), 0
                FROM programs_fundedbatch b
                JOIN ucj_periods p ON b.start_month <= p.period AND b.end_month >= p.period
                WHERE b.status IN ('active', 'ended') {self._region_filter("b.region_id")}
                GROUP BY b.region_id, p.period
                """
            )
        self.sql("CREATE INDEX ucj_rep_key ON ucj_rep (region_id, period)")
        self.analyze("ucj_rep")

    def _fill_denominators(self):
        """The latest revision of each region's own denominators for the periods' years."""
        self.sql(
            """
            INSERT INTO ucj_denom (region_id, year, workers_total, workers_pu, workers_bpu, source)
            SELECT d.region_id, d.year,
                   MAX(CASE WHEN d.segment_group = 'TOTAL' THEN d.workers END),
                   MAX(CASE WHEN d.segment_group = 'PU' THEN d.workers END),
                   MAX(CASE WHEN d.segment_group = 'BPU' THEN d.workers END),
                   MAX(CASE WHEN d.segment_group = 'TOTAL' THEN d.source END)
            FROM (
                SELECT region_id, year, segment_group, workers, source,
                       ROW_NUMBER() OVER (PARTITION BY region_id, year, segment_group
                                          ORDER BY created_at DESC, id DESC) AS rn
                FROM regions_denominator
                WHERE year IN (SELECT DISTINCT year FROM ucj_periods)
            ) d
            WHERE d.rn = 1
            GROUP BY d.region_id, d.year
            """
        )
        self.sql("CREATE INDEX ucj_denom_key ON ucj_denom (region_id, year)")

    def _compute_region_level(self, level):
        """Values of one level: own reported figures, else the sum of the children's snapshots."""
        self.sql("DELETE FROM ucj_out")
        affected = self._region_filter("r.id")
        child_level = level + 1
        # Children totals come from the current snapshot rows of the level below (just written).
        children = (
            f"""
            SELECT s.parent_region_id AS region_id, s.period,
                   SUM(s.active_pu) AS pu, SUM(s.active_bpu - COALESCE(s.active_funded, 0)) AS bpu,
                   SUM(s.active_jakon) AS jakon, SUM(s.active_pmi) AS pmi, SUM(s.active_funded) AS funded,
                   SUM(s.active_total) AS total, SUM(s.registered_total) AS registered,
                   SUM(s.new_total) AS new_total, SUM(s.lapsed_total) AS lapsed,
                   MAX(CASE WHEN s.is_provisional THEN 1 ELSE 0 END) AS provisional, MAX(s.data_as_of) AS as_of,
                   COUNT(*) AS n, COUNT(s.workers_total) AS n_wt, COUNT(s.workers_pu) AS n_wpu,
                   COUNT(s.workers_bpu) AS n_wbpu, SUM(s.workers_total) AS wt, SUM(s.workers_pu) AS wpu,
                   SUM(s.workers_bpu) AS wbpu
            FROM coverage_snapshot s
            JOIN ucj_periods p ON p.period = s.period
            WHERE s.level = {child_level} AND s.is_current AND s.region_id IS NOT NULL
              {self._region_filter("s.parent_region_id")}
            GROUP BY s.parent_region_id, s.period
            """
            if level < Level.VILLAGE
            else """
            SELECT CAST(NULL AS BIGINT) AS region_id, CAST(NULL AS DATE) AS period, 0 AS pu, 0 AS bpu,
                   0 AS jakon, 0 AS pmi, 0 AS funded, 0 AS total, 0 AS registered, 0 AS new_total, 0 AS lapsed,
                   0 AS provisional, CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS as_of,
                   0 AS n, 0 AS n_wt, 0 AS n_wpu, 0 AS n_wbpu, 0 AS wt, 0 AS wpu, 0 AS wbpu
            WHERE 1 = 0
            """
        )
        # A region's denominator: its own, else its children's sum when every child has one.
        n_children = (
            "(SELECT COUNT(*) FROM regions_region cc WHERE cc.parent_id = r.id)" if level < Level.VILLAGE else "0"
        )
        denominator = (
            "COALESCE(d.{own}, CASE WHEN ch.{n} = {kids} AND {kids} > 0 THEN ch.{sum} END)"
            if level < Level.VILLAGE
            else "d.{own}"
        )
        wt = denominator.format(own="workers_total", n="n_wt", sum="wt", kids=n_children)
        wpu = denominator.format(own="workers_pu", n="n_wpu", sum="wpu", kids=n_children)
        wbpu = denominator.format(own="workers_bpu", n="n_wbpu", sum="wbpu", kids=n_children)
        self.sql(
            f"""
            INSERT INTO ucj_out (subject_id, period, level, parent_id, active_pu, active_bpu, active_jakon,
                                 active_pmi, active_funded, active_total, registered_total, new_total, lapsed_total,
                                 unallocated_total, workers_total, workers_pu, workers_bpu, is_provisional,
                                 denominator_source, data_as_of)
            SELECT v.region_id, v.period, {int(level)}, v.parent_id, v.pu,
                   CASE WHEN v.bpu IS NULL AND v.funded IS NULL THEN NULL
                        ELSE COALESCE(v.bpu, 0) + COALESCE(v.funded, 0) END, v.jakon,
                   v.pmi, v.funded,
                   CASE WHEN v.pu IS NULL AND v.bpu IS NULL AND v.jakon IS NULL AND v.pmi IS NULL
                             AND v.funded IS NULL THEN NULL
                        ELSE COALESCE(v.pu, 0) + COALESCE(v.bpu, 0) + COALESCE(v.jakon, 0) + COALESCE(v.pmi, 0)
                             + COALESCE(v.funded, 0) END,
                   v.registered, v.new_total, v.lapsed, v.unallocated, v.wt, v.wpu, v.wbpu,
                   v.provisional = 1, v.source, v.as_of
            FROM (
                SELECT k.region_id, k.period, r.parent_id,
                       COALESCE(rep.pu, ch.pu) AS pu, COALESCE(rep.bpu, ch.bpu) AS bpu,
                       COALESCE(rep.jakon, ch.jakon) AS jakon, COALESCE(rep.pmi, ch.pmi) AS pmi,
                       CASE WHEN rep.funded IS NULL AND ch.funded IS NULL THEN NULL
                            ELSE COALESCE(rep.funded, 0) + COALESCE(ch.funded, 0) END AS funded,
                       COALESCE(rep.registered, ch.registered) AS registered,
                       COALESCE(rep.new_total, ch.new_total) AS new_total,
                       COALESCE(rep.lapsed, ch.lapsed) AS lapsed,
                       CASE WHEN rep.region_id IS NOT NULL AND ch.region_id IS NOT NULL
                                 AND (rep.pu IS NOT NULL OR rep.bpu IS NOT NULL OR rep.jakon IS NOT NULL
                                      OR rep.pmi IS NOT NULL)
                            THEN (COALESCE(rep.pu, ch.pu, 0) + COALESCE(rep.bpu, ch.bpu, 0)
                                  + COALESCE(rep.jakon, ch.jakon, 0) + COALESCE(rep.pmi, ch.pmi, 0))
                                 - (COALESCE(ch.pu, 0) + COALESCE(ch.bpu, 0) + COALESCE(ch.jakon, 0)
                                    + COALESCE(ch.pmi, 0))
                       END AS unallocated,
                       CASE WHEN COALESCE(rep.provisional, 0) = 1 OR COALESCE(ch.provisional, 0) = 1
                            THEN 1 ELSE 0 END AS provisional,
                       CASE WHEN rep.as_of IS NULL THEN ch.as_of WHEN ch.as_of IS NULL THEN rep.as_of
                            WHEN rep.as_of > ch.as_of THEN rep.as_of ELSE ch.as_of END AS as_of,
                       {wt} AS wt, {wpu} AS wpu, {wbpu} AS wbpu,
                       CASE WHEN d.workers_total IS NOT NULL THEN d.source
                            WHEN {wt} IS NOT NULL THEN 'Jumlah wilayah di bawahnya' END AS source
                FROM (
                    SELECT rr.region_id, rr.period FROM ucj_rep rr
                    JOIN regions_region r0 ON r0.id = rr.region_id AND r0.level = {int(level)}
                    UNION
                    SELECT c0.region_id, c0.period FROM ({children}) c0
                    UNION
                    SELECT s0.region_id, s0.period FROM coverage_snapshot s0
                    JOIN ucj_periods p0 ON p0.period = s0.period
                    WHERE s0.level = {int(level)} AND s0.is_current AND s0.region_id IS NOT NULL
                      {self._region_filter("s0.region_id")}
                ) k
                JOIN regions_region r ON r.id = k.region_id
                JOIN ucj_periods p ON p.period = k.period
                LEFT JOIN (
                    SELECT region_id, period, SUM(pu) AS pu, SUM(bpu) AS bpu, SUM(jakon) AS jakon, SUM(pmi) AS pmi,
                           SUM(funded) AS funded, SUM(registered) AS registered, SUM(new_total) AS new_total,
                           SUM(lapsed) AS lapsed, MAX(provisional) AS provisional, MAX(as_of) AS as_of
                    FROM ucj_rep GROUP BY region_id, period
                ) rep ON rep.region_id = k.region_id AND rep.period = k.period
                LEFT JOIN ({children}) ch ON ch.region_id = k.region_id AND ch.period = k.period
                LEFT JOIN ucj_denom d ON d.region_id = k.region_id AND d.year = p.year
                WHERE 1 = 1 {affected}
            ) v
            """
        )
        self._finish_out()

    def _finish_out(self):
        """Coverage and category of the rows in ucj_out."""
        self.sql(
            """
            UPDATE ucj_out SET
              coverage_total = CASE WHEN workers_total > 0 AND active_total IS NOT NULL
                                    THEN active_total * 100.0 / workers_total END,
              coverage_pu = CASE WHEN workers_pu > 0 AND active_pu IS NOT NULL
                                 THEN active_pu * 100.0 / workers_pu END,
              coverage_bpu = CASE WHEN workers_bpu > 0 AND active_bpu IS NOT NULL
                                  THEN active_bpu * 100.0 / workers_bpu END
            """
        )
        # Bands of the period's year, or of the latest earlier year that has bands.
        self.sql(
            """
            UPDATE ucj_out SET category = (
                SELECT b.category FROM coverage_categoryband b
                JOIN ucj_periods p ON p.period = ucj_out.period
                WHERE b.year = (SELECT MAX(b2.year) FROM coverage_categoryband b2 WHERE b2.year <= p.year)
                  AND ucj_out.coverage_total >= b.min_percent
                  AND (b.max_percent IS NULL OR ucj_out.coverage_total < b.max_percent)
                ORDER BY b.min_percent DESC LIMIT 1)
            WHERE coverage_total IS NOT NULL
            """
        )
        self.sql("UPDATE ucj_out SET category = '' WHERE category IS NULL")
        self.analyze("ucj_out")

    def _compute_offices(self):
        """Branches sum the kab/kota of their territory in force on the month; a Kanwil its branches'."""
        self.sql("DELETE FROM ucj_out")
        for kind, level, office_join in (
            (OfficeKind.BRANCH, SubjectLevel.BRANCH, "o.id = t.office_id"),
            (OfficeKind.KANWIL, SubjectLevel.KANWIL, "o.id = br.parent_id"),
        ):
            self.sql(
                f"""
                INSERT INTO ucj_out (subject_id, period, level, parent_id, active_pu, active_bpu, active_jakon,
                                     active_pmi, active_funded, active_total, registered_total, new_total,
                                     lapsed_total, workers_total, workers_pu, workers_bpu, is_provisional,
                                     denominator_source, data_as_of)
                SELECT x.office_id, x.period, {int(level)}, MAX(x.parent_id),
                       SUM(s.active_pu), SUM(s.active_bpu), SUM(s.active_jakon), SUM(s.active_pmi),
                       SUM(s.active_funded), SUM(s.active_total), SUM(s.registered_total), SUM(s.new_total),
                       SUM(s.lapsed_total),
                       CASE WHEN COUNT(s.workers_total) = COUNT(*) THEN SUM(s.workers_total) END,
                       CASE WHEN COUNT(s.workers_pu) = COUNT(*) THEN SUM(s.workers_pu) END,
                       CASE WHEN COUNT(s.workers_bpu) = COUNT(*) THEN SUM(s.workers_bpu) END,
                       MAX(CASE WHEN s.is_provisional THEN 1 ELSE 0 END) = 1,
                       'Jumlah wilayah kerja', MAX(s.data_as_of)
                FROM (
                    SELECT DISTINCT o.id AS office_id, o.parent_id, p.period, t.region_id
                    FROM regions_territory t
                    JOIN regions_office br ON br.id = t.office_id
                    JOIN regions_office o ON {office_join} AND o.kind = '{kind.value}'
                    JOIN ucj_periods p ON t.valid_from < p.last_day
                                      AND (t.valid_to IS NULL OR t.valid_to >= p.period)
                ) x
                JOIN coverage_snapshot s ON s.region_id = x.region_id AND s.period = x.period AND s.is_current
                GROUP BY x.office_id, x.period
                """
            )
        self._finish_out()

    def _merge(self, *, subject, levels):
        """Write ucj_out into the snapshots, respecting publication.

        An unpublished current row is replaced (same revision); a published one is kept and,
        when the figures differ, a new current revision is added beside it.
        """
        column = f"{subject}_id"
        parent_column = f"parent_{subject}_id"
        level_list = ", ".join(str(int(level)) for level in levels)
        key = f"s.{column} = o.subject_id AND s.period = o.period"
        differs = " OR ".join(f"s.{c} IS DISTINCT FROM o.{c}" for c in VALUE_COLUMNS)
        in_out = f"EXISTS (SELECT 1 FROM ucj_out o WHERE {key})"
        stale = f"s.{column} IS NOT NULL AND s.level IN ({level_list}) AND s.is_current AND {in_out}"
        self.sql(
            "DELETE FROM coverage_snapshottarget WHERE snapshot_id IN "
            f"(SELECT s.id FROM coverage_snapshot s WHERE {stale} AND NOT s.is_published)"
        )
        # Keep the revision number of a replaced unpublished row.
        self.sql(
            f"CREATE TEMP TABLE ucj_rev AS SELECT s.{column} AS subject_id, s.period, s.revision "
            f"FROM coverage_snapshot s WHERE {stale} AND NOT s.is_published"
        )
        self.sql(
            f"DELETE FROM coverage_snapshot WHERE id IN (SELECT s.id FROM coverage_snapshot s WHERE {stale} "
            "AND NOT s.is_published)"
        )
        self.sql(
            f"UPDATE coverage_snapshot SET is_current = FALSE WHERE id IN (SELECT s.id FROM coverage_snapshot s "
            f"JOIN ucj_out o ON {key} WHERE s.{column} IS NOT NULL AND s.is_current AND s.is_published "
            f"AND ({differs}))"
        )
        columns = ", ".join(VALUE_COLUMNS)
        out_columns = ", ".join(f"o.{c}" for c in VALUE_COLUMNS)
        self.written += self.sql(
            f"""
            INSERT INTO coverage_snapshot ({column}, level, {parent_column}, period, year, month, revision,
                                           is_current, is_published, {columns}, denominator_source, data_as_of,
                                           computed_at)
            SELECT o.subject_id, o.level, o.parent_id, o.period, p.year, p.month,
                   COALESCE(rv.revision,
                            (SELECT MAX(s.revision) + 1 FROM coverage_snapshot s WHERE {key}), 1),
                   TRUE, FALSE, {out_columns}, COALESCE(o.denominator_source, ''), o.data_as_of, %s
            FROM ucj_out o
            JOIN ucj_periods p ON p.period = o.period
            LEFT JOIN ucj_rev rv ON rv.subject_id = o.subject_id AND rv.period = o.period
            WHERE NOT EXISTS (SELECT 1 FROM coverage_snapshot s WHERE {key} AND s.is_current)
            """,
            [self.now],
        )
        self.sql("DROP TABLE ucj_rev")

    def _rank(self, *, where, partition_parent, partition_level):
        """RANK() by total coverage (ties share a rank) on unpublished current rows."""
        for rank_column, count_column, partition in (
            ("rank_in_parent", "ranked_in_parent", partition_parent),
            ("rank_national", "ranked_national", partition_level),
        ):
            self.sql(
                f"""
                UPDATE coverage_snapshot SET {rank_column} = r.rnk, {count_column} = r.cnt
                FROM (
                    SELECT s.id,
                           RANK() OVER (PARTITION BY {partition}, s.period ORDER BY s.coverage_total DESC) AS rnk,
                           COUNT(*) OVER (PARTITION BY {partition}, s.period) AS cnt
                    FROM coverage_snapshot s JOIN ucj_periods p ON p.period = s.period
                    WHERE s.is_current AND s.coverage_total IS NOT NULL AND {where}
                ) r
                WHERE coverage_snapshot.id = r.id AND NOT coverage_snapshot.is_published
                  AND (coverage_snapshot.{rank_column} IS DISTINCT FROM r.rnk
                       OR coverage_snapshot.{count_column} IS DISTINCT FROM r.cnt)
                """
            )

    def _rank_regions(self, level):
        self._rank(
            where=f"s.region_id IS NOT NULL AND s.level = {int(level)}",
            partition_parent="s.parent_region_id",
            partition_level="s.level",
        )

    def _rank_offices(self):
        self._rank(
            where=f"s.office_id IS NOT NULL AND s.level IN ({int(SubjectLevel.BRANCH)}, {int(SubjectLevel.KANWIL)})",
            partition_parent="s.parent_office_id",
            partition_level="s.level",
        )

    def _fill_targets(self):
        """Each target series' value for the rows written in this run, and the gap to it."""
        ceil = "CEIL" if self.pg else "ceil"
        self.sql(
            f"""
            INSERT INTO coverage_snapshottarget (snapshot_id, series_id, target_percent, target_participants,
                                                 gap_participants, phased_percent, on_track, source)
            SELECT x.id, x.series_id, x.pct, x.target_n,
                   CASE WHEN x.target_n IS NOT NULL AND x.active_total IS NOT NULL THEN x.target_n - x.active_total END,
                   x.phased, CASE WHEN x.phased IS NOT NULL AND x.coverage_total IS NOT NULL
                                  THEN x.coverage_total >= x.phased END,
                   x.source
            FROM (
                SELECT s.id, tv.series_id, s.active_total, s.coverage_total,
                       CAST(tv.percent AS DOUBLE PRECISION) AS pct,
                       COALESCE(tv.participants,
                                CASE WHEN tv.percent IS NOT NULL AND s.workers_total IS NOT NULL
                                     THEN CAST({ceil}(tv.percent * s.workers_total / 100.0 - 0.0000001) AS BIGINT)
                                END) AS target_n,
                       CASE WHEN tv.percent IS NULL THEN NULL
                            WHEN ts.phasing = '{Phasing.LINEAR.value}' AND dec.coverage_total IS NOT NULL
                            THEN dec.coverage_total + (CAST(tv.percent AS DOUBLE PRECISION) - dec.coverage_total)
                                 * s.month / 12.0
                            ELSE CAST(tv.percent AS DOUBLE PRECISION) END AS phased,
                       COALESCE(NULLIF(tv.source, ''), ts.source_document) AS source
                FROM coverage_snapshot s
                JOIN ucj_periods p ON p.period = s.period
                JOIN coverage_targetvalue tv ON tv.region_id = s.region_id AND tv.year = s.year
                JOIN coverage_targetseries ts ON ts.id = tv.series_id
                LEFT JOIN coverage_snapshot dec ON dec.region_id = s.region_id AND dec.period = p.prev_december
                                               AND dec.is_current
                WHERE s.region_id IS NOT NULL AND s.is_current AND s.computed_at = %s
            ) x
            """,
            [self.now],
        )

    def _fill_deltas(self):
        """Month-on-month and year-on-year changes and previous ranks, for this run's months and the
        months that compare against them (next month, same month next year). Published rows stay."""
        months = set(self.periods)
        months.update(add_months(p, 1) for p in self.periods)
        months.update(add_months(p, 12) for p in self.periods)
        months = sorted(months)
        placeholders = ", ".join(["%s"] * len(months))
        scope = ""
        if self.regions is not None:
            # Incremental: the changed regions, their ancestors and the offices. Other regions'
            # previous-rank columns are refreshed by the nightly full run.
            scope = " AND (s.region_id IN (SELECT region_id FROM ucj_affected) OR s.office_id IS NOT NULL)"
        for subject in ("region", "office"):
            for prev_offset, targets in ((-1, ("delta_mom_pp", True)), (-12, ("delta_yoy_pp", False))):
                delta_column, with_ranks = targets
                rank_sets = (
                    ", prev_rank_in_parent = q.rank_in_parent, prev_rank_national = q.rank_national"
                    if with_ranks
                    else ""
                )
                prev_expr = self._add_months_sql("s.period", prev_offset)
                self.sql(
                    f"""
                    UPDATE coverage_snapshot SET {delta_column} = q.delta{rank_sets}
                    FROM (
                        SELECT s.id, s.coverage_total - pr.coverage_total AS delta,
                               pr.rank_in_parent, pr.rank_national
                        FROM coverage_snapshot s
                        LEFT JOIN coverage_snapshot pr ON pr.{subject}_id = s.{subject}_id
                             AND pr.period = {prev_expr} AND pr.is_current
                        WHERE s.{subject}_id IS NOT NULL AND s.is_current AND NOT s.is_published
                          AND s.period IN ({placeholders}) {scope}
                    ) q
                    WHERE coverage_snapshot.id = q.id
                    """,
                    months,
                )

    def _add_months_sql(self, column, months):
        if self.pg:
            return f"CAST({column} + INTERVAL '{int(months)} months' AS DATE)"
        return f"date({column}, '{int(months)} months')"


__all__ = [
    "RecomputeResult",
    "coverage_recompute",
    "recompute_drain_outbox",
    "recompute_schedule",
    "snapshot_generation",
]
