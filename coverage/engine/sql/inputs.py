"""The engine's inputs: temporary tables, the run's months, effective counts, funded workers,
denominators and bands.

The two shared rules are database views (migration coverage 0003), read here as they are read by
every Python reader: ``coverage_effective_count`` (submitted or verified counts, a BPJS figure
winning over a Pemda one for the same cell) and ``coverage_latest_denominator`` (the newest
revision of a region's denominator for a year).
"""

from datetime import date

from regions.models import NATIONAL_CODE, Level
from ucj_dashboard.months import add_months

from ...models import EntryStatus

# Per-region values carried through the levels: the base of counts (PU, BPU without funded
# workers, Jakon, PMI), the funded workers, the other measures and the reporting state.
MEASURES = "pu BIGINT, bpu BIGINT, jakon BIGINT, pmi BIGINT, registered BIGINT, new_total BIGINT, lapsed BIGINT"


def _double(value):
    """A double as an exact SQL literal (``repr`` of a float round-trips)."""
    return f"CAST('{float(value)!r}' AS DOUBLE PRECISION)"


class InputsMixin:
    TEMP_TABLES = ["ucj_periods", "ucj_delta_months", "ucj_affected", "ucj_leaves", "ucj_extra", "ucj_rep",
                   "ucj_kids", "ucj_units", "ucj_funded", "ucj_denom", "ucj_bands", "ucj_child", "ucj_out",
                   "ucj_prior", "ucj_match", "ucj_prior_rows", "ucj_changes", "ucj_final"]  # fmt: skip

    def _drop_temp_tables(self):
        for table in self.TEMP_TABLES:
            self.sql(f"DROP TABLE IF EXISTS {table}")

    def _create_temp_tables(self):
        self._drop_temp_tables()
        self.sql(
            "CREATE TEMP TABLE ucj_periods (period DATE PRIMARY KEY, year INTEGER, month INTEGER, "
            "prev_month DATE, prev_year DATE, prev_december DATE, last_day DATE, carry_from DATE)"
        )
        self.sql("CREATE TEMP TABLE ucj_delta_months (period DATE PRIMARY KEY, prev_month DATE, prev_year DATE)")
        self.sql("CREATE TEMP TABLE ucj_affected (region_id BIGINT PRIMARY KEY, level INTEGER)")
        self.sql(
            "CREATE TEMP TABLE ucj_bands (year INTEGER, category VARCHAR(14), lo DOUBLE PRECISION, hi DOUBLE PRECISION)"
        )
        self.sql(
            f"CREATE TEMP TABLE ucj_extra (region_id BIGINT, period DATE, level INTEGER, leafsum INTEGER, {MEASURES}, "
            "provisional INTEGER, as_of TIMESTAMP WITH TIME ZONE)"
        )
        self.sql("CREATE TEMP TABLE ucj_leaves (region_id BIGINT PRIMARY KEY)")
        self.sql(
            f"CREATE TEMP TABLE ucj_child (region_id BIGINT, period DATE, {MEASURES}, funded BIGINT, "
            "provisional INTEGER, as_of TIMESTAMP WITH TIME ZONE, n_reported BIGINT, n_carried BIGINT, "
            "carried_from DATE, units_reported BIGINT, units_carried BIGINT, n_wt BIGINT, n_wpu BIGINT, "
            "n_wbpu BIGINT, wt BIGINT, wpu BIGINT, wbpu BIGINT)"
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
            "denominator_basis VARCHAR(9), is_carried BOOLEAN, carried_from DATE, units_expected BIGINT, "
            "units_reported BIGINT, units_carried BIGINT, data_as_of TIMESTAMP WITH TIME ZONE)"
        )
        if not self.pg:
            # SQLite plans the carried figures' NOT EXISTS over ucj_out as a scan per row without it
            # (the demo: 134 s -> 4 s); PostgreSQL hashes it and is faster without the upkeep.
            self.sql("CREATE INDEX ucj_out_key ON ucj_out (subject_id, period)")

    def _fill_periods(self):
        rows = []
        for p in self.periods:
            rows.extend([p, p.year, p.month, add_months(p, -1), add_months(p, -12), date(p.year - 1, 12, 1)])
            rows.append(add_months(p, 1))  # exclusive end, for territory validity
            rows.append(add_months(p, -self.carry_months))  # the oldest month a figure is carried from
        placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(self.periods))
        self.sql(
            "INSERT INTO ucj_periods (period, year, month, prev_month, prev_year, prev_december, last_day, "
            f"carry_from) VALUES {placeholders}",
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
        self.cursor.execute("SELECT region_id FROM ucj_affected ORDER BY region_id")
        self.affected_ids = [int(row[0]) for row in self.cursor.fetchall()]
        # Whose counts to read: the affected regions and the desa of the affected kecamatan.
        affected = ", ".join(str(pk) for pk in self.affected_ids)
        self.sql(
            "INSERT INTO ucj_leaves (region_id) SELECT r.id FROM regions_region r "
            f"WHERE r.level = {int(Level.VILLAGE)} AND r.parent_id IN ({affected}) "
            "UNION SELECT region_id FROM ucj_affected"
        )
        # As literals: a join with the temp table cannot be pushed into the effective-count view's two
        # branches, so PostgreSQL would read a whole month of counts; a list of ids is probed per id.
        self.cursor.execute("SELECT region_id FROM ucj_leaves ORDER BY region_id")
        self.leaf_ids = [int(row[0]) for row in self.cursor.fetchall()]

    def _fill_kids(self):
        """Children per region ("a parent's denominator is its children's sum when complete") and the
        kab/kota that should report under each province and the nation (completeness)."""
        self.sql(
            "CREATE TEMP TABLE ucj_kids AS SELECT parent_id AS region_id, COUNT(*) AS n "
            f"FROM regions_region WHERE parent_id IS NOT NULL {self._region_filter('parent_id')} GROUP BY parent_id"
        )
        self.sql("CREATE INDEX ucj_kids_key ON ucj_kids (region_id)")
        regency = int(Level.REGENCY)
        self.sql(
            f"""
            CREATE TEMP TABLE ucj_units AS
            SELECT k.parent_id AS region_id, COUNT(*) AS n FROM regions_region k
            WHERE k.level = {regency} AND k.is_active {self._region_filter("k.parent_id")} GROUP BY k.parent_id
            UNION ALL
            SELECT r.id, (SELECT COUNT(*) FROM regions_region k WHERE k.level = {regency} AND k.is_active)
            FROM regions_region r WHERE r.code = '{NATIONAL_CODE}'
            """
        )

    def _leaf_filter(self, column):
        """Incremental mode: the affected regions and the desa of the affected kecamatan (ucj_leaves)."""
        if self.regions is None:
            return ""
        if len(self.leaf_ids) <= 5_000:
            return f" AND {column} IN ({', '.join(str(pk) for pk in self.leaf_ids) or 'NULL'})"
        return f" AND {column} IN (SELECT region_id FROM ucj_leaves)"

    def _region_filter(self, column):
        """Incremental mode: the affected regions (a few dozen at most: the changed ones and their
        ancestors), inlined so the planner probes indexes with them."""
        if self.regions is None:
            return ""
        return f" AND {column} IN ({', '.join(str(pk) for pk in self.affected_ids)})"

    def _fill_reported(self):
        """Effective reported values per region and month, desa counts summed into their kecamatan.

        The bulk (desa rows) is one floor-shaped aggregation written with CREATE TABLE AS, which
        PostgreSQL runs in parallel; the few rows above desa level are probed per region through the
        cell index and merged in.
        """
        submitted = EntryStatus.SUBMITTED.value
        leaf = int(Level.VILLAGE)
        aggregates = f"""
            SUM(CASE WHEN c.segment = 'PU' THEN c.active END) AS pu,
            SUM(CASE WHEN c.segment = 'BPU' THEN c.active END) AS bpu,
            SUM(CASE WHEN c.segment = 'JAKON' THEN c.active END) AS jakon,
            SUM(CASE WHEN c.segment = 'PMI' THEN c.active END) AS pmi,
            SUM(c.registered) AS registered, SUM(c.new_registrations) AS new_total, SUM(c.lapsed) AS lapsed,
            MAX(CASE WHEN c.status = '{submitted}' THEN 1 ELSE 0 END) AS provisional, MAX(c.updated_at) AS as_of
        """
        periods = "" if self.all_periods else f" AND c.period IN ({self.period_list})"
        self.sql(
            f"""
            CREATE TEMP TABLE ucj_rep AS
            SELECT r.parent_id AS region_id, c.period, CAST({leaf - 1} AS INTEGER) AS level,
                   CAST(1 AS INTEGER) AS leafsum, {aggregates}
            FROM coverage_effective_count c
            JOIN regions_region r ON r.id = c.region_id AND r.level = {leaf}
            WHERE 1 = 1 {periods} {self._leaf_filter("c.region_id")}
            GROUP BY r.parent_id, c.period
            """
        )
        # Counts reported above desa level: probe the ~7,800 non-desa regions through the cell index
        # (LATERAL forces the probes on PostgreSQL) instead of scanning every count.
        probe_periods = "" if self.all_periods else f" AND c0.period IN ({self.period_list})"
        above_desa = (
            "FROM regions_region r CROSS JOIN LATERAL (SELECT * FROM coverage_effective_count c0 "
            f"WHERE c0.region_id = r.id {probe_periods} OFFSET 0) c"  # OFFSET 0: keep it a per-region probe
            if self.pg
            else "FROM regions_region r JOIN coverage_effective_count c ON c.region_id = r.id"
        )
        self.sql(
            f"""
            INSERT INTO ucj_extra (region_id, period, level, leafsum, pu, bpu, jakon, pmi, registered, new_total,
                                   lapsed, provisional, as_of)
            SELECT c.region_id, c.period, r.level, 0, {aggregates}
            {above_desa}
            WHERE r.level < {leaf} {periods} {self._leaf_filter("r.id")}
            GROUP BY c.region_id, c.period, r.level
            """
        )
        self.sql(
            "INSERT INTO ucj_rep (region_id, period, level, leafsum, pu, bpu, jakon, pmi, registered, new_total, "
            "lapsed, provisional, as_of) SELECT region_id, period, level, leafsum, pu, bpu, jakon, pmi, registered, "
            "new_total, lapsed, provisional, as_of FROM ucj_extra"
        )
        self.analyze("ucj_rep", ["region_id", "period", "level", "leafsum"])

    def _fill_funded(self):
        """Funded workers per region and month of the run (a desa's count in its kecamatan)."""
        leaf = int(Level.VILLAGE)
        self.sql(
            f"""
            CREATE TEMP TABLE ucj_funded AS
            SELECT CASE WHEN r.level = {leaf} THEN r.parent_id ELSE r.id END AS region_id, f.period,
                   SUM(f.workers) AS workers
            FROM coverage_fundedworkers f
            JOIN regions_region r ON r.id = f.region_id
            WHERE f.period IN (SELECT period FROM ucj_periods) {self._leaf_filter("f.region_id")}
            GROUP BY CASE WHEN r.level = {leaf} THEN r.parent_id ELSE r.id END, f.period
            """
        )
        self.analyze("ucj_funded")

    def _fill_denominators(self):
        """The denominators in force (the view) of each region for the periods' years, and the bands."""
        self.sql(
            f"""
            INSERT INTO ucj_denom (region_id, year, workers_total, workers_pu, workers_bpu, source)
            SELECT d.region_id, d.year,
                   MAX(CASE WHEN d.segment_group = 'TOTAL' THEN d.workers END),
                   MAX(CASE WHEN d.segment_group = 'PU' THEN d.workers END),
                   MAX(CASE WHEN d.segment_group = 'BPU' THEN d.workers END),
                   MAX(CASE WHEN d.segment_group = 'TOTAL' THEN d.source END)
            FROM coverage_latest_denominator d
            WHERE d.year IN (SELECT DISTINCT year FROM ucj_periods) {self._region_filter("d.region_id")}
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
        self.category_sql = self._category_case()

    def _category_case(self):
        """The bands as one CASE expression over a row's ``x.year`` and ``x.coverage_total``: the band
        with the highest lower bound that holds the coverage, else ''. The same rule as a lookup in
        ucj_bands per row, without a subquery per row (one per snapshot written, 471,180 at national
        scale). The bounds are the table's own doubles written back exactly (``repr`` round-trips)."""
        self.cursor.execute("SELECT year, category, lo, hi FROM ucj_bands ORDER BY year, lo DESC")
        years = {}
        for year, category, lo, hi in self.cursor.fetchall():
            holds = f"x.coverage_total >= {_double(lo)}"
            if hi is not None:
                holds += f" AND x.coverage_total < {_double(hi)}"
            label = str(category).replace("'", "''")
            years.setdefault(int(year), []).append(f"WHEN {holds} THEN '{label}'")
        if not years:
            return "''"
        by_year = " ".join(f"WHEN {year} THEN CASE {' '.join(bands)} END" for year, bands in years.items())
        return f"CASE WHEN x.coverage_total IS NULL THEN '' ELSE COALESCE(CASE x.year {by_year} END, '') END"
