"""One level's figures, figures carried forward, and the offices.

- A region's own reported figure is authoritative per segment; otherwise it is the sum of its
  children (the desa counts for a kecamatan, the snapshots of the level below otherwise).
- Funded workers add to BPU only on top of a base of counts (reported or carried): a region-month
  with funded workers and no counts has no figure.
- A region that did not report a month (no own figure, no child with a figure) carries its latest
  reported figure for up to ``carry_months`` months: counted in its ancestors' sums, flagged, never
  ranked. A parent whose children are all carried is carried too.
"""

from regions.models import Level, OfficeKind

from ...models import DenominatorBasis, SubjectLevel

CHILD_SUMS = ["pu", "bpu", "jakon", "pmi", "funded", "registered", "new_total", "lapsed"]
OWN, CHILDREN, TERRITORY = DenominatorBasis.OWN.value, DenominatorBasis.CHILDREN.value, DenominatorBasis.TERRITORY.value


class LevelsMixin:
    def _children(self, level):
        """Sums of the children, as a table or a subquery: desa counts (from the first pass) for a
        kecamatan, read in place (a copy of 437,100 rows would cost a pass of its own), else the
        current snapshots of the level below, written just before (carried ones included)."""
        if level == Level.DISTRICT:
            return """(
                SELECT region_id, period, pu, bpu, jakon, pmi, CAST(NULL AS BIGINT) AS funded, registered, new_total,
                       lapsed, provisional, as_of, 1 AS n_reported, 0 AS n_carried, CAST(NULL AS DATE) AS carried_from,
                       0 AS units_reported, 0 AS units_carried, 0 AS n_wt, 0 AS n_wpu, 0 AS n_wbpu,
                       CAST(NULL AS BIGINT) AS wt, CAST(NULL AS BIGINT) AS wpu, CAST(NULL AS BIGINT) AS wbpu
                FROM ucj_rep WHERE leafsum = 1
            )"""
        self.clear("ucj_child")
        self.sql(
            f"""
            INSERT INTO ucj_child (region_id, period, pu, bpu, jakon, pmi, funded, registered, new_total, lapsed,
                                   provisional, as_of, n_reported, n_carried, carried_from, units_reported,
                                   units_carried, n_wt, n_wpu, n_wbpu, wt, wpu, wbpu)
            SELECT s.parent_region_id, s.period,
                   SUM(s.active_pu), SUM(s.active_bpu - COALESCE(s.active_funded, 0)), SUM(s.active_jakon),
                   SUM(s.active_pmi), SUM(s.active_funded), SUM(s.registered_total), SUM(s.new_total),
                   SUM(s.lapsed_total), MAX(CASE WHEN s.is_provisional THEN 1 ELSE 0 END), MAX(s.data_as_of),
                   SUM(CASE WHEN s.is_carried THEN 0 ELSE 1 END), SUM(CASE WHEN s.is_carried THEN 1 ELSE 0 END),
                   MIN(s.carried_from), SUM(s.units_reported), SUM(s.units_carried),
                   COUNT(s.workers_total), COUNT(s.workers_pu), COUNT(s.workers_bpu),
                   SUM(s.workers_total), SUM(s.workers_pu), SUM(s.workers_bpu)
            FROM coverage_snapshot s
            WHERE s.level = {int(level) + 1} AND s.is_current AND s.region_id IS NOT NULL
              AND s.active_total IS NOT NULL AND s.period IN ({self.period_list})
              {self._region_filter("s.parent_region_id")}
            GROUP BY s.parent_region_id, s.period
            """
        )
        self.analyze("ucj_child", ["region_id", "period"])
        return "ucj_child"

    def _compute_region_level(self, level):
        """Values of one level: own reported figures, else the sum of the children's snapshots."""
        children = self._children(level)
        self.clear("ucj_out")
        keys = (
            f"SELECT rr.region_id, rr.period FROM ucj_rep rr WHERE rr.level = {int(level)} AND rr.leafsum = 0 "
            f"UNION SELECT c0.region_id, c0.period FROM {children} c0"
        )
        # A region's denominator: its own, else its children's sum when every child has one.
        denominator = "COALESCE(d.{own}, CASE WHEN ch.{n} = kids.n THEN ch.{sum} END)"
        wt = denominator.format(own="workers_total", n="n_wt", sum="wt")
        wpu = denominator.format(own="workers_pu", n="n_wpu", sum="wpu")
        wbpu = denominator.format(own="workers_bpu", n="n_wbpu", sum="wbpu")
        own = "rep.region_id IS NOT NULL"
        if level >= Level.REGENCY:  # the reporting unit is the subject itself
            expected = "1"
            reported = f"CASE WHEN {own} OR ch.n_reported > 0 THEN 1 ELSE 0 END"
            carried = f"CASE WHEN {own} OR ch.n_reported > 0 THEN 0 ELSE 1 END"
        else:  # kab/kota below a province or the nation
            expected, reported, carried = "u.n", "COALESCE(ch.units_reported, 0)", "COALESCE(ch.units_carried, 0)"
        values = f"""
            SELECT k.region_id, k.period, p.year, r.parent_id,
                   COALESCE(rep.pu, ch.pu) AS pu, COALESCE(rep.bpu, ch.bpu) AS bpu,
                   COALESCE(rep.jakon, ch.jakon) AS jakon, COALESCE(rep.pmi, ch.pmi) AS pmi,
                   CASE WHEN f.workers IS NULL AND ch.funded IS NULL THEN NULL
                        ELSE COALESCE(f.workers, 0) + COALESCE(ch.funded, 0) END AS funded,
                   COALESCE(rep.registered, ch.registered) AS registered,
                   COALESCE(rep.new_total, ch.new_total) AS new_total,
                   COALESCE(rep.lapsed, ch.lapsed) AS lapsed,
                   CASE WHEN {own} AND ch.region_id IS NOT NULL
                             AND (rep.pu IS NOT NULL OR rep.bpu IS NOT NULL OR rep.jakon IS NOT NULL
                                  OR rep.pmi IS NOT NULL)
                        THEN (COALESCE(rep.pu, ch.pu, 0) + COALESCE(rep.bpu, ch.bpu, 0)
                              + COALESCE(rep.jakon, ch.jakon, 0) + COALESCE(rep.pmi, ch.pmi, 0))
                             - (COALESCE(ch.pu, 0) + COALESCE(ch.bpu, 0) + COALESCE(ch.jakon, 0) + COALESCE(ch.pmi, 0))
                   END AS unallocated,
                   CASE WHEN COALESCE(rep.provisional, 0) = 1 OR COALESCE(ch.provisional, 0) = 1
                        THEN 1 ELSE 0 END AS provisional,
                   CASE WHEN rep.as_of IS NULL THEN ch.as_of WHEN ch.as_of IS NULL THEN rep.as_of
                        WHEN rep.as_of > ch.as_of THEN rep.as_of ELSE ch.as_of END AS as_of,
                   {wt} AS wt, {wpu} AS wpu, {wbpu} AS wbpu,
                   CASE WHEN d.workers_total IS NOT NULL THEN d.source ELSE '' END AS source,
                   CASE WHEN d.workers_total IS NOT NULL THEN '{OWN}' WHEN {wt} IS NOT NULL THEN '{CHILDREN}'
                        ELSE '' END AS basis,
                   CASE WHEN {own} OR ch.n_reported > 0 THEN 0 ELSE 1 END AS carried,
                   CASE WHEN {own} OR ch.n_reported > 0 THEN NULL ELSE ch.carried_from END AS carried_from,
                   {expected} AS units_expected, {reported} AS units_reported, {carried} AS units_carried
            FROM ({keys}) k
            JOIN regions_region r ON r.id = k.region_id
            JOIN ucj_periods p ON p.period = k.period
            LEFT JOIN ucj_rep rep ON rep.level = {int(level)} AND rep.leafsum = 0 AND rep.region_id = k.region_id
                                 AND rep.period = k.period
            LEFT JOIN {children} ch ON ch.region_id = k.region_id AND ch.period = k.period
            LEFT JOIN ucj_kids kids ON kids.region_id = k.region_id
            LEFT JOIN ucj_units u ON u.region_id = k.region_id
            LEFT JOIN ucj_funded f ON f.region_id = k.region_id AND f.period = k.period
            LEFT JOIN ucj_denom d ON d.region_id = k.region_id AND d.year = p.year
        """
        self._insert_out(self._out_select(level, values))

    @staticmethod
    def _out_select(level, values):
        """ucj_out rows from per-region values (``v``): the base of counts, funded workers on top of it."""
        base = "(v.pu IS NOT NULL OR v.bpu IS NOT NULL OR v.jakon IS NOT NULL OR v.pmi IS NOT NULL)"
        return f"""
            SELECT v.region_id AS subject_id, v.period, v.year, {int(level)} AS level, v.parent_id,
                   v.pu AS active_pu,
                   CASE WHEN v.bpu IS NULL AND v.funded IS NULL THEN NULL
                        ELSE COALESCE(v.bpu, 0) + COALESCE(v.funded, 0) END AS active_bpu,
                   v.jakon AS active_jakon, v.pmi AS active_pmi, v.funded AS active_funded,
                   COALESCE(v.pu, 0) + COALESCE(v.bpu, 0) + COALESCE(v.jakon, 0) + COALESCE(v.pmi, 0)
                       + COALESCE(v.funded, 0) AS active_total,
                   v.registered AS registered_total, v.new_total, v.lapsed AS lapsed_total,
                   v.unallocated AS unallocated_total, v.wt AS workers_total, v.wpu AS workers_pu,
                   v.wbpu AS workers_bpu, v.provisional = 1 AS is_provisional, v.source AS denominator_source,
                   v.basis AS denominator_basis, v.carried = 1 AS is_carried, v.carried_from,
                   v.units_expected, v.units_reported, v.units_carried, v.as_of AS data_as_of
            FROM ({values}) v
            WHERE {base}
        """

    def _carry_forward(self, level):
        """Regions of ``level`` without a figure in a month of the run carry their latest reported
        figure of the ``carry_months`` months before (this run's rows, else the stored snapshots).

        Stocks are carried (participants, registered); flows (new, lapsed) are not. Funded workers are
        this month's, on top of the carried base; the denominator is this month's year's own, else the
        carried one's.
        """
        if not self.carry_months:
            return
        if self.regions is not None and not self._missing_at(level):
            return  # every affected region of this level has a figure in every month of the run
        scope = self._region_filter("s.region_id")
        # Only the regions that lack a figure in a month of the run can carry one: a region with a row
        # in ucj_out for every month of the run (nearly all, in a full run) needs no earlier figure.
        self.sql("DROP TABLE IF EXISTS ucj_prior")
        self.sql(
            f"""
            CREATE TEMP TABLE ucj_prior AS
            WITH complete AS (SELECT subject_id FROM ucj_out GROUP BY subject_id HAVING COUNT(*) = {len(self.periods)})
            SELECT o.subject_id AS region_id, o.period, o.parent_id, o.active_pu AS pu,
                   o.active_bpu - COALESCE(o.active_funded, 0) AS bpu, o.active_jakon AS jakon, o.active_pmi AS pmi,
                   o.registered_total AS registered, o.workers_total, o.workers_pu, o.workers_bpu,
                   o.denominator_source, o.denominator_basis, o.data_as_of
            FROM ucj_out o WHERE NOT o.is_carried AND o.subject_id NOT IN (SELECT subject_id FROM complete)
            UNION ALL
            SELECT s.region_id, s.period, s.parent_region_id, s.active_pu,
                   s.active_bpu - COALESCE(s.active_funded, 0), s.active_jakon, s.active_pmi,
                   s.registered_total, s.workers_total, s.workers_pu, s.workers_bpu,
                   s.denominator_source, s.denominator_basis, s.data_as_of
            FROM coverage_snapshot s
            WHERE s.level = {int(level)} AND s.region_id IS NOT NULL AND s.is_current AND NOT s.is_carried
              AND s.active_total IS NOT NULL AND s.period NOT IN ({self.period_list})
              AND s.period >= (SELECT MIN(carry_from) FROM ucj_periods)
              AND s.period < (SELECT MAX(period) FROM ucj_periods) {scope}
              AND s.region_id NOT IN (SELECT subject_id FROM complete)
            """
        )
        self.analyze("ucj_prior", ["region_id", "period"])
        if level >= Level.REGENCY:
            units = "1 AS units_expected, 0 AS units_reported, 1 AS units_carried"
        else:
            units = "u.n AS units_expected, 0 AS units_reported, u.n AS units_carried"
        values = f"""
            SELECT c.region_id, c.target AS period, p.year, c.parent_id, c.pu, c.bpu, c.jakon, c.pmi,
                   f.workers AS funded, c.registered, CAST(NULL AS BIGINT) AS new_total, CAST(NULL AS BIGINT) AS lapsed,
                   CAST(NULL AS BIGINT) AS unallocated, 0 AS provisional, c.data_as_of AS as_of,
                   COALESCE(d.workers_total, c.workers_total) AS wt, COALESCE(d.workers_pu, c.workers_pu) AS wpu,
                   COALESCE(d.workers_bpu, c.workers_bpu) AS wbpu,
                   CASE WHEN d.workers_total IS NOT NULL THEN d.source ELSE c.denominator_source END AS source,
                   CASE WHEN d.workers_total IS NOT NULL THEN '{OWN}' ELSE c.denominator_basis END AS basis,
                   1 AS carried, c.carried_from, {units}
            FROM (
                SELECT pr.*, pr.period AS carried_from, p.period AS target,
                       ROW_NUMBER() OVER (PARTITION BY pr.region_id, p.period ORDER BY pr.period DESC) AS rn
                FROM ucj_prior pr
                JOIN ucj_periods p ON pr.period >= p.carry_from AND pr.period < p.period
                WHERE NOT EXISTS (SELECT 1 FROM ucj_out o WHERE o.subject_id = pr.region_id AND o.period = p.period)
            ) c
            JOIN ucj_periods p ON p.period = c.target
            LEFT JOIN ucj_units u ON u.region_id = c.region_id
            LEFT JOIN ucj_funded f ON f.region_id = c.region_id AND f.period = c.target
            LEFT JOIN ucj_denom d ON d.region_id = c.region_id AND d.year = p.year
            WHERE c.rn = 1
        """
        self._insert_out(self._out_select(level, values))

    def _missing_at(self, level):
        """Incremental mode: whether an affected region of ``level`` lacks a figure in a month of the run."""
        self.cursor.execute(
            f"""
            SELECT 1 FROM ucj_affected a CROSS JOIN ucj_periods p
            WHERE a.level = {int(level)}
              AND NOT EXISTS (SELECT 1 FROM ucj_out o WHERE o.subject_id = a.region_id AND o.period = p.period)
            LIMIT 1
            """
        )
        return self.cursor.fetchone() is not None

    def _compute_offices(self):
        """Branches sum the kab/kota of their territory in force on the month; a Kanwil its branches'.

        Every kab/kota of the territory is expected to report; an office has a figure once one of
        them has one (reported or carried)."""
        self.clear("ucj_out")
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
                       CASE WHEN COUNT(s.workers_total) = COUNT(s.id) THEN SUM(s.workers_total) END AS workers_total,
                       CASE WHEN COUNT(s.workers_pu) = COUNT(s.id) THEN SUM(s.workers_pu) END AS workers_pu,
                       CASE WHEN COUNT(s.workers_bpu) = COUNT(s.id) THEN SUM(s.workers_bpu) END AS workers_bpu,
                       MAX(CASE WHEN s.is_provisional THEN 1 ELSE 0 END) = 1 AS is_provisional,
                       '' AS denominator_source, '{TERRITORY}' AS denominator_basis,
                       SUM(CASE WHEN s.id IS NOT NULL AND NOT s.is_carried THEN 1 ELSE 0 END) = 0 AS is_carried,
                       MIN(s.carried_from) AS carried_from, COUNT(DISTINCT x.region_id) AS units_expected,
                       COALESCE(SUM(s.units_reported), 0) AS units_reported,
                       COALESCE(SUM(s.units_carried), 0) AS units_carried, MAX(s.data_as_of) AS data_as_of
                FROM (
                    SELECT DISTINCT o.id AS office_id, o.parent_id, p.period, p.year, t.region_id
                    FROM regions_territory t
                    JOIN regions_office br ON br.id = t.office_id
                    JOIN regions_office o ON {office_join} AND o.kind = '{kind.value}'
                    JOIN ucj_periods p ON t.valid_from < p.last_day AND (t.valid_to IS NULL OR t.valid_to >= p.period)
                ) x
                LEFT JOIN coverage_snapshot s ON s.region_id = x.region_id AND s.period = x.period AND s.is_current
                                             AND s.active_total IS NOT NULL
                GROUP BY x.office_id, x.period
                HAVING COUNT(s.id) > 0
                """
            )
