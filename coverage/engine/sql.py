"""The coverage engine's SQL: from counts, denominators, targets and bands to snapshots.

Everything is set-based SQL over temporary tables, level by level from kecamatan up to the
national root, then the BPJS offices; nothing pulls count rows into Python. Desa counts are
summed into their kecamatan in the same single pass that reads the counts (snapshots start at
kecamatan: a desa has no employed-population figure, so its snapshot would only copy its inputs;
``coverage.selectors.periods.village_figures`` lists a kecamatan's desa with the same rules). The
same code serves a full recompute (every region of the given months) and an incremental one (the
changed regions and their ancestors only): at each level the children's values are read back from
the snapshot rows just written, so an incremental run sees its siblings' current values.
``coverage.services.recompute`` is the API around it (locking, scheduling, the outbox).
"""

import logging
import time
from datetime import date

from django.apps import apps
from django.db import connection
from django.utils import timezone

from regions.models import NATIONAL_CODE, Level, OfficeKind
from ucj_dashboard.months import add_months

from ..models import COUNTED_STATUSES, EntryStatus, Phasing, Source, SubjectLevel

logger = logging.getLogger(__name__)

CHILD_FIELDS = ["pu", "bpu", "jakon", "pmi", "funded", "registered", "new_total", "lapsed", "provisional", "as_of",
                "region_id"]  # fmt: skip
# Snapshots start at kecamatan: desa have no employed-population figure (BPS Sakernas is
# representative down to kab/kota), so a desa snapshot would only copy its inputs. Desa counts
# are summed into their kecamatan in the same pass that reads the counts.
REGION_LEVELS = [Level.DISTRICT, Level.REGENCY, Level.PROVINCE, Level.NATIONAL]

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


def batch_model():
    try:
        return apps.get_model("programs", "FundedBatch")
    except LookupError:
        return None


class SnapshotEngine:
    """One recompute: temp tables, then level by level, offices, ranks, targets and deltas."""

    TEMP_TABLES = ["ucj_periods", "ucj_delta_months", "ucj_affected", "ucj_leaves", "ucj_extra", "ucj_extra_sum",
                   "ucj_rep", "ucj_kids", "ucj_denom", "ucj_bands", "ucj_child", "ucj_out", "ucj_match"]  # fmt: skip

    def __init__(self, *, periods, regions, all_periods=False):
        self.periods = periods
        # Every month with data: no period filter needed on the counts (and none to evaluate).
        self.all_periods = all_periods
        self.regions = regions
        self.now = timezone.now()
        self.pg = connection.vendor == "postgresql"
        self.written = 0
        # Inlined date literals (made here from date objects, never from input) let the planner use
        # the snapshot indexes; a semi-join on a temp table without statistics does not.
        self.period_list = ", ".join(f"'{p.isoformat()}'" for p in periods)
        delta_months = sorted({m for p in periods for m in (p, add_months(p, 1), add_months(p, 12))})
        self.delta_list = ", ".join(f"'{m.isoformat()}'" for m in delta_months)

    def sql(self, statement, params=None):
        started = time.perf_counter()
        self.cursor.execute(statement, params or [])
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%.3f s %s", time.perf_counter() - started, " ".join(statement.split())[:90])
        return self.cursor.rowcount

    def analyze(self, table):
        if self.pg:
            self.sql(f"ANALYZE {table}")

    def run(self):
        with connection.cursor() as cursor:
            self.cursor = cursor
            if self.pg:
                self.sql("SET LOCAL work_mem = '256MB'")
                # Snapshots are derived data and their outbox rows commit with them: a crash can at
                # worst lose a recompute, which then runs again. No need to wait for the WAL flush.
                self.sql("SET LOCAL synchronous_commit = off")
            self._create_temp_tables()
            self._fill_periods()
            self._fill_affected()
            # Temp tables have no statistics until analysed; without them the planner guesses
            # badly (hash joins over whole tables instead of index lookups).
            self._fill_kids()
            for table in ("ucj_periods", "ucj_delta_months", "ucj_affected", "ucj_leaves", "ucj_kids"):
                self.analyze(table)
            self._fill_reported()
            self._fill_denominators()
            self.analyze("ucj_denom")
            self.analyze("ucj_bands")
            for level in REGION_LEVELS:
                self._compute_region_level(level)
                self._merge(subject="region", level=level)
                self._rank_regions(level)
            self._compute_offices()
            self._merge(subject="office")
            self._rank_offices()
            self._fill_targets()
            self._fill_deltas()
            self._drop_temp_tables()
            if self.written > 10_000:
                # After a bulk rewrite the planner's statistics are stale until autovacuum gets to
                # the table; the next incremental recompute must not plan against them.
                self.analyze("coverage_snapshot")
        return self.written

    # temp tables
    def _drop_temp_tables(self):
        for table in self.TEMP_TABLES:
            self.sql(f"DROP TABLE IF EXISTS {table}")

    def _create_temp_tables(self):
        self._drop_temp_tables()
        self.sql(
            "CREATE TEMP TABLE ucj_periods (period DATE PRIMARY KEY, year INTEGER, month INTEGER, "
            "prev_month DATE, prev_year DATE, prev_december DATE, last_day DATE)"
        )
        self.sql("CREATE TEMP TABLE ucj_delta_months (period DATE PRIMARY KEY, prev_month DATE, prev_year DATE)")
        self.sql("CREATE TEMP TABLE ucj_affected (region_id BIGINT PRIMARY KEY, level INTEGER)")
        values = (
            "pu BIGINT, bpu BIGINT, jakon BIGINT, pmi BIGINT, funded BIGINT, registered BIGINT, new_total BIGINT, "
            "lapsed BIGINT, provisional INTEGER, as_of TIMESTAMP WITH TIME ZONE"
        )
        self.sql(
            "CREATE TEMP TABLE ucj_bands (year INTEGER, category VARCHAR(14), lo DOUBLE PRECISION, hi DOUBLE PRECISION)"
        )
        self.sql(
            f"CREATE TEMP TABLE ucj_extra (region_id BIGINT, period DATE, level INTEGER, leafsum INTEGER, {values})"
        )
        self.sql("CREATE TEMP TABLE ucj_leaves (region_id BIGINT PRIMARY KEY)")
        self.sql(
            "CREATE TEMP TABLE ucj_child (region_id BIGINT, period DATE, pu BIGINT, bpu BIGINT, jakon BIGINT, "
            "pmi BIGINT, funded BIGINT, registered BIGINT, new_total BIGINT, lapsed BIGINT, provisional INTEGER, "
            "as_of TIMESTAMP WITH TIME ZONE, n_wt BIGINT, n_wpu BIGINT, n_wbpu BIGINT, wt BIGINT, wpu BIGINT, "
            "wbpu BIGINT)"
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
            rows.append(add_months(p, 1))  # exclusive end, for territory validity
        placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(self.periods))
        self.sql(
            "INSERT INTO ucj_periods (period, year, month, prev_month, prev_year, prev_december, last_day) "
            f"VALUES {placeholders}",
            rows,
        )
        # Months whose month/year comparisons depend on this run's months.
        months = sorted({m for p in self.periods for m in (p, add_months(p, 1), add_months(p, 12))})
        params = [value for m in months for value in (m, add_months(m, -1), add_months(m, -12))]
        self.sql(
            "INSERT INTO ucj_delta_months (period, prev_month, prev_year) VALUES "
            + ", ".join(["(%s, %s, %s)"] * len(months)),
            params,
        )

    def _fill_affected(self):
        """Incremental mode: the given regions and all their ancestors."""
        if self.regions is None:
            return
        codes = {NATIONAL_CODE}
        for region in self.regions:
            codes.add(region.code)
            codes.update(region.ancestor_codes)
        self.sql(
            "INSERT INTO ucj_affected (region_id, level) SELECT id, level FROM regions_region WHERE code IN ("
            + ", ".join(["%s"] * len(codes))
            + ")",
            sorted(codes),
        )
        # Whose counts to read: the affected regions and the desa of the affected kecamatan.
        self.sql(
            "INSERT INTO ucj_leaves (region_id) SELECT r.id FROM regions_region r "
            f"WHERE r.level = {int(Level.VILLAGE)} AND r.parent_id IN (SELECT region_id FROM ucj_affected) "
            "UNION SELECT region_id FROM ucj_affected"
        )

    def _fill_kids(self):
        """Number of children per region, for "a parent's denominator is its children's sum when complete"."""
        self.sql(
            "CREATE TEMP TABLE ucj_kids AS SELECT parent_id AS region_id, COUNT(*) AS n "
            f"FROM regions_region WHERE parent_id IS NOT NULL {self._region_filter('parent_id')} GROUP BY parent_id"
        )
        self.sql("CREATE INDEX ucj_kids_key ON ucj_kids (region_id)")

    def _leaf_filter(self, column):
        """Incremental mode: the affected regions and the desa of the affected kecamatan (ucj_leaves)."""
        if self.regions is None:
            return ""
        return f" AND {column} IN (SELECT region_id FROM ucj_leaves)"

    def _region_filter(self, column):
        return f" AND {column} IN (SELECT region_id FROM ucj_affected)" if self.regions is not None else ""

    def _fill_reported(self):
        """Effective reported values per region and month, desa counts summed into their kecamatan.

        The bulk (BPJS counts of desa) is one floor-shaped aggregation written with CREATE TABLE AS,
        which PostgreSQL runs in parallel; the few other rows (BPJS counts above desa level, Pemda
        counts where no BPJS figure exists for the cell, funded batches) are aggregated apart and
        merged in. A Pemda figure therefore never needs a per-row check against 20 million rows.
        """
        counted = ", ".join(f"'{status}'" for status in COUNTED_STATUSES)
        bpjs, pemda = Source.BPJS.value, Source.PEMDA.value
        submitted = EntryStatus.SUBMITTED.value
        leaf = int(Level.VILLAGE)
        aggregates = f"""
            SUM(CASE WHEN c.segment = 'PU' THEN c.active END) AS pu,
            SUM(CASE WHEN c.segment = 'BPU' THEN c.active END) AS bpu,
            SUM(CASE WHEN c.segment = 'JAKON' THEN c.active END) AS jakon,
            SUM(CASE WHEN c.segment = 'PMI' THEN c.active END) AS pmi,
            CAST(NULL AS BIGINT) AS funded, SUM(c.registered) AS registered,
            SUM(c.new_registrations) AS new_total, SUM(c.lapsed) AS lapsed,
            MAX(CASE WHEN c.status = '{submitted}' THEN 1 ELSE 0 END) AS provisional, MAX(c.updated_at) AS as_of
        """
        periods = "" if self.all_periods else f" AND c.period IN ({self.period_list})"
        self.sql("DROP TABLE IF EXISTS ucj_rep")
        self.sql(
            f"""
            CREATE TEMP TABLE ucj_rep AS
            SELECT r.parent_id AS region_id, c.period, CAST({leaf - 1} AS INTEGER) AS level,
                   CAST(1 AS INTEGER) AS leafsum, {aggregates}
            FROM coverage_participantcount c
            JOIN regions_region r ON r.id = c.region_id AND r.level = {leaf}
            WHERE c.source = '{bpjs}' AND c.status IN ({counted}) {periods} {self._leaf_filter("c.region_id")}
            GROUP BY r.parent_id, c.period
            """
        )
        target = f"CASE WHEN r.level = {leaf} THEN r.parent_id ELSE r.id END"
        target_level = f"CASE WHEN r.level = {leaf} THEN {leaf - 1} ELSE r.level END"
        target_leaf = f"CASE WHEN r.level = {leaf} THEN 1 ELSE 0 END"
        # BPJS counts reported above desa level: probe the ~7,800 non-desa regions through the
        # cell index (LATERAL forces the probes on PostgreSQL) instead of scanning every count.
        above_desa = (
            f"FROM regions_region r CROSS JOIN LATERAL (SELECT * FROM coverage_participantcount c0 "
            f"WHERE c0.region_id = r.id AND c0.source = '{bpjs}' OFFSET 0) c"  # OFFSET 0: keep it a per-region probe
            if self.pg
            else f"FROM regions_region r JOIN coverage_participantcount c ON c.region_id = r.id AND c.source = '{bpjs}'"
        )
        self.sql(
            f"""
            INSERT INTO ucj_extra (region_id, period, level, leafsum, pu, bpu, jakon, pmi, funded, registered,
                                   new_total, lapsed, provisional, as_of)
            SELECT c.region_id, c.period, r.level, 0, {aggregates}
            {above_desa}
            WHERE r.level < {leaf} AND c.status IN ({counted}) {periods} {self._leaf_filter("r.id")}
            GROUP BY c.region_id, c.period, r.level
            """
        )
        self.sql(
            f"""
            INSERT INTO ucj_extra (region_id, period, level, leafsum, pu, bpu, jakon, pmi, funded, registered,
                                   new_total, lapsed, provisional, as_of)
            SELECT {target}, c.period, {target_level}, {target_leaf}, {aggregates}
            FROM coverage_participantcount c
            JOIN regions_region r ON r.id = c.region_id
            WHERE c.source = '{pemda}' AND c.status IN ({counted}) {periods} {self._leaf_filter("c.region_id")}
              AND NOT EXISTS (
                    SELECT 1 FROM coverage_participantcount b
                    WHERE b.region_id = c.region_id AND b.period = c.period AND b.segment = c.segment
                      AND b.source = '{bpjs}' AND b.status IN ({counted}))
            GROUP BY {target}, c.period, {target_level}, {target_leaf}
            """
        )
        if batch_model() is not None:
            # Funded batches add to their region; a batch registered at a desa counts in its kecamatan.
            self.sql(
                f"""
                INSERT INTO ucj_extra (region_id, period, level, leafsum, funded, provisional)
                SELECT {target}, p.period, {target_level}, 0, SUM(b.workers), 0
                FROM programs_fundedbatch b
                JOIN regions_region r ON r.id = b.region_id
                JOIN ucj_periods p ON b.start_month <= p.period AND b.end_month >= p.period
                WHERE b.status IN ('active', 'ended') {self._leaf_filter("b.region_id")}
                GROUP BY {target}, p.period, {target_level}
                """
            )
        self._merge_extra()
        self.analyze("ucj_rep")

    def _merge_extra(self):
        """Add the small ucj_extra rows into ucj_rep (sums add up; NULL means "not reported")."""

        def add(column):
            return (
                f"CASE WHEN ucj_rep.{column} IS NULL THEN x.{column} WHEN x.{column} IS NULL THEN ucj_rep.{column} "
                f"ELSE ucj_rep.{column} + x.{column} END"
            )

        self.sql(
            "CREATE TEMP TABLE ucj_extra_sum AS SELECT region_id, period, level, leafsum, SUM(pu) AS pu, "
            "SUM(bpu) AS bpu, SUM(jakon) AS jakon, SUM(pmi) AS pmi, SUM(funded) AS funded, "
            "SUM(registered) AS registered, SUM(new_total) AS new_total, SUM(lapsed) AS lapsed, "
            "MAX(provisional) AS provisional, MAX(as_of) AS as_of FROM ucj_extra "
            "GROUP BY region_id, period, level, leafsum"
        )
        measures = ["pu", "bpu", "jakon", "pmi", "funded", "registered", "new_total", "lapsed"]
        key = "x.region_id = ucj_rep.region_id AND x.period = ucj_rep.period AND x.leafsum = ucj_rep.leafsum"
        self.sql(
            f"""
            UPDATE ucj_rep SET {", ".join(f"{m} = {add(m)}" for m in measures)},
                   provisional = CASE WHEN x.provisional > ucj_rep.provisional THEN x.provisional
                                      ELSE ucj_rep.provisional END,
                   as_of = CASE WHEN ucj_rep.as_of IS NULL OR x.as_of > ucj_rep.as_of THEN x.as_of
                                ELSE ucj_rep.as_of END
            FROM ucj_extra_sum x WHERE {key}
            """
        )
        self.sql(
            f"""
            INSERT INTO ucj_rep (region_id, period, level, leafsum, {", ".join(measures)}, provisional, as_of)
            SELECT x.region_id, x.period, x.level, x.leafsum, {", ".join(f"x.{m}" for m in measures)},
                   x.provisional, x.as_of
            FROM ucj_extra_sum x
            WHERE NOT EXISTS (SELECT 1 FROM ucj_rep WHERE {key})
            """
        )

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
        # Bands of each period's year, or of the latest earlier year that has bands.
        self.sql(
            """
            INSERT INTO ucj_bands (year, category, lo, hi)
            SELECT y.year, b.category, b.min_percent, b.max_percent
            FROM (SELECT DISTINCT year FROM ucj_periods) y
            JOIN coverage_categoryband b
              ON b.year = (SELECT MAX(b2.year) FROM coverage_categoryband b2 WHERE b2.year <= y.year)
            """
        )

    def _fill_children(self, level):
        """Sums of the children: desa counts (from the first pass) for a kecamatan, else the current
        snapshots of the level below, written just before."""
        self.sql("DELETE FROM ucj_child")
        if level == Level.DISTRICT:
            self.sql(
                """
                INSERT INTO ucj_child (region_id, period, pu, bpu, jakon, pmi, funded, registered, new_total, lapsed,
                                       provisional, as_of, n_wt, n_wpu, n_wbpu, wt, wpu, wbpu)
                SELECT region_id, period, pu, bpu, jakon, pmi, funded, registered, new_total, lapsed, provisional,
                       as_of, 0, 0, 0, NULL, NULL, NULL
                FROM ucj_rep WHERE leafsum = 1
                """
            )
        else:
            self.sql(
                f"""
                INSERT INTO ucj_child (region_id, period, pu, bpu, jakon, pmi, funded, registered, new_total, lapsed,
                                       provisional, as_of, n_wt, n_wpu, n_wbpu, wt, wpu, wbpu)
                SELECT s.parent_region_id, s.period,
                       SUM(s.active_pu), SUM(s.active_bpu - COALESCE(s.active_funded, 0)), SUM(s.active_jakon),
                       SUM(s.active_pmi), SUM(s.active_funded), SUM(s.registered_total), SUM(s.new_total),
                       SUM(s.lapsed_total), MAX(CASE WHEN s.is_provisional THEN 1 ELSE 0 END), MAX(s.data_as_of),
                       COUNT(s.workers_total), COUNT(s.workers_pu), COUNT(s.workers_bpu),
                       SUM(s.workers_total), SUM(s.workers_pu), SUM(s.workers_bpu)
                FROM coverage_snapshot s
                WHERE s.level = {int(level) + 1} AND s.is_current AND s.region_id IS NOT NULL
                  AND s.period IN ({self.period_list})
                  {self._region_filter("s.parent_region_id")}
                GROUP BY s.parent_region_id, s.period
                """
            )
        self.analyze("ucj_child")

    def _compute_region_level(self, level):
        """Values of one level: own reported figures, else the sum of the children's snapshots."""
        self._fill_children(level)
        self.sql("DELETE FROM ucj_out")
        keys = (
            f"SELECT rr.region_id, rr.period FROM ucj_rep rr WHERE rr.level = {int(level)} AND rr.leafsum = 0 "
            "UNION SELECT c0.region_id, c0.period FROM ucj_child c0"
        )
        child_join = "LEFT JOIN ucj_child ch ON ch.region_id = k.region_id AND ch.period = k.period"
        kids_join = "LEFT JOIN ucj_kids kids ON kids.region_id = k.region_id"
        child = {c: f"ch.{c}" for c in CHILD_FIELDS}
        # A region's denominator: its own, else its children's sum when every child has one.
        denominator = "COALESCE(d.{own}, CASE WHEN ch.{n} = kids.n THEN ch.{sum} END)"
        wt = denominator.format(own="workers_total", n="n_wt", sum="wt")
        wpu = denominator.format(own="workers_pu", n="n_wpu", sum="wpu")
        wbpu = denominator.format(own="workers_bpu", n="n_wbpu", sum="wbpu")
        c = child
        values = f"""
            SELECT k.region_id, k.period, p.year, r.parent_id,
                   COALESCE(rep.pu, {c["pu"]}) AS pu, COALESCE(rep.bpu, {c["bpu"]}) AS bpu,
                   COALESCE(rep.jakon, {c["jakon"]}) AS jakon, COALESCE(rep.pmi, {c["pmi"]}) AS pmi,
                   CASE WHEN rep.funded IS NULL AND {c["funded"]} IS NULL THEN NULL
                        ELSE COALESCE(rep.funded, 0) + COALESCE({c["funded"]}, 0) END AS funded,
                   COALESCE(rep.registered, {c["registered"]}) AS registered,
                   COALESCE(rep.new_total, {c["new_total"]}) AS new_total,
                   COALESCE(rep.lapsed, {c["lapsed"]}) AS lapsed,
                   CASE WHEN rep.region_id IS NOT NULL AND {c["region_id"]} IS NOT NULL
                             AND (rep.pu IS NOT NULL OR rep.bpu IS NOT NULL OR rep.jakon IS NOT NULL
                                  OR rep.pmi IS NOT NULL)
                        THEN (COALESCE(rep.pu, {c["pu"]}, 0) + COALESCE(rep.bpu, {c["bpu"]}, 0)
                              + COALESCE(rep.jakon, {c["jakon"]}, 0) + COALESCE(rep.pmi, {c["pmi"]}, 0))
                             - (COALESCE({c["pu"]}, 0) + COALESCE({c["bpu"]}, 0) + COALESCE({c["jakon"]}, 0)
                                + COALESCE({c["pmi"]}, 0))
                   END AS unallocated,
                   CASE WHEN COALESCE(rep.provisional, 0) = 1 OR COALESCE({c["provisional"]}, 0) = 1
                        THEN 1 ELSE 0 END AS provisional,
                   CASE WHEN rep.as_of IS NULL THEN {c["as_of"]} WHEN {c["as_of"]} IS NULL THEN rep.as_of
                        WHEN rep.as_of > {c["as_of"]} THEN rep.as_of ELSE {c["as_of"]} END AS as_of,
                   {wt} AS wt, {wpu} AS wpu, {wbpu} AS wbpu,
                   CASE WHEN d.workers_total IS NOT NULL THEN d.source
                        WHEN {wt} IS NOT NULL THEN 'Jumlah wilayah di bawahnya' END AS source
            FROM ({keys}) k
            JOIN regions_region r ON r.id = k.region_id
            JOIN ucj_periods p ON p.period = k.period
            LEFT JOIN ucj_rep rep ON rep.level = {int(level)} AND rep.leafsum = 0 AND rep.region_id = k.region_id
                                 AND rep.period = k.period
            {child_join}
            {kids_join}
            LEFT JOIN ucj_denom d ON d.region_id = k.region_id AND d.year = p.year
        """
        self._insert_out(
            f"""
            SELECT v.region_id AS subject_id, v.period, v.year, {int(level)} AS level, v.parent_id,
                   v.pu AS active_pu,
                   CASE WHEN v.bpu IS NULL AND v.funded IS NULL THEN NULL
                        ELSE COALESCE(v.bpu, 0) + COALESCE(v.funded, 0) END AS active_bpu,
                   v.jakon AS active_jakon, v.pmi AS active_pmi, v.funded AS active_funded,
                   CASE WHEN v.pu IS NULL AND v.bpu IS NULL AND v.jakon IS NULL AND v.pmi IS NULL
                             AND v.funded IS NULL THEN NULL
                        ELSE COALESCE(v.pu, 0) + COALESCE(v.bpu, 0) + COALESCE(v.jakon, 0) + COALESCE(v.pmi, 0)
                             + COALESCE(v.funded, 0) END AS active_total,
                   v.registered AS registered_total, v.new_total, v.lapsed AS lapsed_total,
                   v.unallocated AS unallocated_total, v.wt AS workers_total, v.wpu AS workers_pu,
                   v.wbpu AS workers_bpu, v.provisional = 1 AS is_provisional, v.source AS denominator_source,
                   v.as_of AS data_as_of
            FROM ({values}) v
            """
        )

    OUT_BASE = ["subject_id", "period", "level", "parent_id", "active_pu", "active_bpu", "active_jakon",
                "active_pmi", "active_funded", "active_total", "registered_total", "new_total", "lapsed_total",
                "unallocated_total", "workers_total", "workers_pu", "workers_bpu", "is_provisional",
                "denominator_source", "data_as_of"]  # fmt: skip

    def _insert_out(self, select_sql):
        """Insert rows (the OUT_BASE columns plus ``year``) into ucj_out, deriving coverage and category."""
        base = ", ".join(self.OUT_BASE)
        pct = "CASE WHEN w.{d} > 0 AND w.{n} IS NOT NULL THEN w.{n} * 100.0 / w.{d} END"
        self.sql(
            f"""
            INSERT INTO ucj_out ({base}, coverage_total, coverage_pu, coverage_bpu, category)
            SELECT {", ".join(f"x.{c}" for c in self.OUT_BASE)}, x.coverage_total, x.coverage_pu, x.coverage_bpu,
                   CASE WHEN x.coverage_total IS NULL THEN '' ELSE COALESCE((
                        SELECT b.category FROM ucj_bands b
                        WHERE b.year = x.year AND x.coverage_total >= b.lo
                          AND (b.hi IS NULL OR x.coverage_total < b.hi)
                        ORDER BY b.lo DESC LIMIT 1), '') END
            FROM (
                SELECT w.*, {pct.format(n="active_total", d="workers_total")} AS coverage_total,
                       {pct.format(n="active_pu", d="workers_pu")} AS coverage_pu,
                       {pct.format(n="active_bpu", d="workers_bpu")} AS coverage_bpu
                FROM ({select_sql}) w
            ) x
            """
        )
        self.analyze("ucj_out")

    def _compute_offices(self):
        """Branches sum the kab/kota of their territory in force on the month; a Kanwil its branches'."""
        self.sql("DELETE FROM ucj_out")
        for kind, level, office_join in (
            (OfficeKind.BRANCH, SubjectLevel.BRANCH, "o.id = t.office_id"),
            (OfficeKind.KANWIL, SubjectLevel.KANWIL, "o.id = br.parent_id"),
        ):
            self._insert_out(
                f"""
                SELECT x.office_id AS subject_id, x.period, MAX(x.year) AS year, {int(level)} AS level,
                       MAX(x.parent_id) AS parent_id, SUM(s.active_pu) AS active_pu, SUM(s.active_bpu) AS active_bpu,
                       SUM(s.active_jakon) AS active_jakon, SUM(s.active_pmi) AS active_pmi,
                       SUM(s.active_funded) AS active_funded, SUM(s.active_total) AS active_total,
                       SUM(s.registered_total) AS registered_total, SUM(s.new_total) AS new_total,
                       SUM(s.lapsed_total) AS lapsed_total, CAST(NULL AS BIGINT) AS unallocated_total,
                       CASE WHEN COUNT(s.workers_total) = COUNT(*) THEN SUM(s.workers_total) END AS workers_total,
                       CASE WHEN COUNT(s.workers_pu) = COUNT(*) THEN SUM(s.workers_pu) END AS workers_pu,
                       CASE WHEN COUNT(s.workers_bpu) = COUNT(*) THEN SUM(s.workers_bpu) END AS workers_bpu,
                       MAX(CASE WHEN s.is_provisional THEN 1 ELSE 0 END) = 1 AS is_provisional,
                       'Jumlah wilayah kerja' AS denominator_source, MAX(s.data_as_of) AS data_as_of
                FROM (
                    SELECT DISTINCT o.id AS office_id, o.parent_id, p.period, p.year, t.region_id
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

    def _merge(self, *, subject, level=None):
        """Write ucj_out into the snapshots, touching only rows whose figures changed.

        One join classifies every row: an unpublished current row that differs is updated in
        place; a published one that differs stays (no longer current) and a new revision is added
        beside it; a missing one is inserted; a current unpublished row with no new figures (its
        inputs are gone) is blanked.
        """
        column = f"{subject}_id"
        parent_column = f"parent_{subject}_id"
        differs = " OR ".join(f"s.{c} IS DISTINCT FROM o.{c}" for c in VALUE_COLUMNS)
        level_clause = f"AND level = {int(level)}" if level is not None else "AND level >= 11"
        scope = self._region_filter(column) if subject == "region" else ""
        current = (
            f"SELECT * FROM coverage_snapshot WHERE {column} IS NOT NULL AND is_current "
            f"AND period IN ({self.period_list}) {level_clause} {scope}"
        )
        self.sql("DROP TABLE IF EXISTS ucj_match")
        self.sql(
            f"""
            CREATE TEMP TABLE ucj_match AS
            SELECT o.subject_id, o.period AS o_period, s.id AS snapshot_id, s.is_published, s.revision,
                   CASE WHEN s.id IS NULL OR o.subject_id IS NULL THEN 1 WHEN {differs} THEN 1 ELSE 0 END AS changed
            FROM ucj_out o
            FULL JOIN ({current}) s ON s.{column} = o.subject_id AND s.period = o.period
            """
        )
        self.analyze("ucj_match")
        assignments = ", ".join(f"{c} = o.{c}" for c in VALUE_COLUMNS)
        self.written += self.sql(
            f"""
            UPDATE coverage_snapshot SET {assignments}, denominator_source = COALESCE(o.denominator_source, ''),
                   data_as_of = o.data_as_of, computed_at = %s
            FROM ucj_match m JOIN ucj_out o ON o.subject_id = m.subject_id AND o.period = m.o_period
            WHERE coverage_snapshot.id = m.snapshot_id AND m.changed = 1 AND NOT m.is_published
            """,
            [self.now],
        )
        if level is not None:  # region levels: blank rows whose inputs are gone
            blanks = ", ".join(f"{c} = NULL" for c in VALUE_COLUMNS if c not in ("category", "is_provisional"))
            self.written += self.sql(
                f"""
                UPDATE coverage_snapshot SET {blanks}, category = '', is_provisional = FALSE, computed_at = %s
                WHERE id IN (SELECT snapshot_id FROM ucj_match
                             WHERE subject_id IS NULL AND NOT is_published)
                  AND active_total IS NOT NULL
                """,
                [self.now],
            )
        self.sql(
            "UPDATE coverage_snapshot SET is_current = FALSE WHERE id IN (SELECT snapshot_id FROM ucj_match "
            "WHERE changed = 1 AND is_published AND subject_id IS NOT NULL)"
        )
        columns = ", ".join(VALUE_COLUMNS)
        out_columns = ", ".join(f"o.{c}" for c in VALUE_COLUMNS)
        self.written += self.sql(
            f"""
            INSERT INTO coverage_snapshot ({column}, level, {parent_column}, period, year, month, revision,
                                           is_current, is_published, {columns}, denominator_source, data_as_of,
                                           computed_at)
            SELECT o.subject_id, o.level, o.parent_id, o.period, p.year, p.month,
                   CASE WHEN m.snapshot_id IS NULL THEN 1 ELSE m.revision + 1 END,
                   TRUE, FALSE, {out_columns}, COALESCE(o.denominator_source, ''), o.data_as_of, %s
            FROM ucj_match m
            JOIN ucj_out o ON o.subject_id = m.subject_id AND o.period = m.o_period
            JOIN ucj_periods p ON p.period = o.period
            WHERE m.snapshot_id IS NULL OR (m.changed = 1 AND m.is_published)
            """,
            [self.now],
        )

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
                           CASE WHEN s.coverage_total IS NOT NULL THEN
                                RANK() OVER (PARTITION BY {partition}, s.period, s.coverage_total IS NULL
                                             ORDER BY s.coverage_total DESC) END AS rnk,
                           CASE WHEN s.coverage_total IS NOT NULL THEN
                                COUNT(*) OVER (PARTITION BY {partition}, s.period, s.coverage_total IS NULL) END
                                AS cnt
                    FROM coverage_snapshot s
                    WHERE s.is_current AND s.period IN ({self.period_list}) AND {where}
                      AND (s.coverage_total IS NOT NULL OR s.{rank_column} IS NOT NULL)
                ) r
                WHERE coverage_snapshot.id = r.id AND NOT coverage_snapshot.is_published
                  AND coverage_snapshot.period IN ({self.period_list})
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
        """Each target series' value for the current unpublished rows that have targets, and the gap."""
        ceil = "CEIL" if self.pg else "ceil"
        rows = f"""
            SELECT s.id FROM coverage_snapshot s
            JOIN coverage_targetvalue tv0 ON tv0.region_id = s.region_id AND tv0.year = s.year
            WHERE s.region_id IS NOT NULL AND s.is_current AND NOT s.is_published
              AND s.period IN ({self.period_list}) {self._region_filter("s.region_id")}
        """
        self.sql(f"DELETE FROM coverage_snapshottarget WHERE snapshot_id IN ({rows})")
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
                WHERE s.id IN ({rows})
            ) x
            """
        )

    def _fill_deltas(self):
        """Month-on-month and year-on-year changes and previous ranks for this run's months and the
        months that compare against them. Only rows with a coverage figure; published rows stay."""
        scope = ""
        if self.regions is not None:
            # Incremental: the changed regions, their ancestors and the offices. Other regions'
            # previous-rank columns are refreshed by the nightly full run.
            scope = " AND (s.region_id IN (SELECT region_id FROM ucj_affected) OR s.office_id IS NOT NULL)"
        for subject in ("region", "office"):
            self.sql(
                f"""
                UPDATE coverage_snapshot SET delta_mom_pp = q.mom, delta_yoy_pp = q.yoy,
                       prev_rank_in_parent = q.prev_rank_in_parent, prev_rank_national = q.prev_rank_national
                FROM (
                    SELECT s.id, s.coverage_total - pm.coverage_total AS mom,
                           s.coverage_total - py.coverage_total AS yoy,
                           pm.rank_in_parent AS prev_rank_in_parent, pm.rank_national AS prev_rank_national
                    FROM coverage_snapshot s
                    JOIN ucj_delta_months d ON d.period = s.period
                    LEFT JOIN coverage_snapshot pm ON pm.{subject}_id = s.{subject}_id AND pm.period = d.prev_month
                                                  AND pm.is_current
                    LEFT JOIN coverage_snapshot py ON py.{subject}_id = s.{subject}_id AND py.period = d.prev_year
                                                  AND py.is_current
                    WHERE s.{subject}_id IS NOT NULL AND s.is_current AND NOT s.is_published
                      AND s.period IN ({self.delta_list})
                      AND (s.coverage_total IS NOT NULL OR s.delta_mom_pp IS NOT NULL OR s.delta_yoy_pp IS NOT NULL)
                      {scope}
                ) q
                WHERE coverage_snapshot.id = q.id AND coverage_snapshot.period IN ({self.delta_list})
                  AND (coverage_snapshot.delta_mom_pp IS DISTINCT FROM q.mom
                       OR coverage_snapshot.delta_yoy_pp IS DISTINCT FROM q.yoy
                       OR coverage_snapshot.prev_rank_in_parent IS DISTINCT FROM q.prev_rank_in_parent
                       OR coverage_snapshot.prev_rank_national IS DISTINCT FROM q.prev_rank_national)
                """
            )
