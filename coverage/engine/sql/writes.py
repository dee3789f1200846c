"""Coverage and category, the merge into the snapshots, ranks, targets and changes.

- coverage = active / employed x 100 (total, PU, BPU), unknown (NULL) without a denominator;
- ranks by total coverage (ties share a rank, SQL ``RANK()``), only of figures that were reported
  (a carried figure is not ranked);
- a target's participants: the stated count, else the percentage of the employed population rounded
  up (``TARGET_PARTICIPANTS``, the one definition; the simulator evaluates the same expression);
- changes against the previous month and the same month a year earlier, for reported figures.
"""

from ucj_dashboard.months import add_months

from ...models import Phasing

# Columns that define "the same figures" when comparing with a published snapshot.
VALUE_COLUMNS = [
    "active_pu", "active_bpu", "active_jakon", "active_pmi", "active_funded", "active_total", "registered_total",
    "new_total", "lapsed_total", "unallocated_total", "workers_total", "workers_pu", "workers_bpu",
    "coverage_total", "coverage_pu", "coverage_bpu", "category", "is_provisional", "denominator_source",
    "denominator_basis", "is_carried", "carried_from", "units_expected", "units_reported", "units_carried",
]  # fmt: skip
OUT_BASE = ["subject_id", "period", "level", "parent_id", "active_pu", "active_bpu", "active_jakon",
            "active_pmi", "active_funded", "active_total", "registered_total", "new_total", "lapsed_total",
            "unallocated_total", "workers_total", "workers_pu", "workers_bpu", "is_provisional",
            "denominator_source", "denominator_basis", "is_carried", "carried_from", "units_expected",
            "units_reported", "units_carried", "data_as_of"]  # fmt: skip
# Cleared when a region's inputs are gone (the row stays, blank, so that history keeps its id).
BLANKED = [c for c in VALUE_COLUMNS if c not in ("category", "is_provisional", "is_carried", "denominator_source",
                                                 "denominator_basis")]  # fmt: skip

# The participants a target percentage means for an employed population: rounded up (a target of
# 41,23% of 428.700 is 176.754 participants, never 176.753,01). The 1e-7 absorbs float noise.
TARGET_PARTICIPANTS = "CAST(CEIL({percent} * {workers} / 100.0 - 0.0000001) AS BIGINT)"

# Changes: percentage points of coverage and percent of participants (growth), by segment.
DELTAS = {
    "delta_mom_pp": ("pm", "coverage_total", "pp"), "delta_yoy_pp": ("py", "coverage_total", "pp"),
    "delta_mom_pp_pu": ("pm", "coverage_pu", "pp"), "delta_yoy_pp_pu": ("py", "coverage_pu", "pp"),
    "delta_mom_pp_bpu": ("pm", "coverage_bpu", "pp"), "delta_yoy_pp_bpu": ("py", "coverage_bpu", "pp"),
    "growth_mom_total": ("pm", "active_total", "pct"), "growth_yoy_total": ("py", "active_total", "pct"),
    "growth_mom_pu": ("pm", "active_pu", "pct"), "growth_yoy_pu": ("py", "active_pu", "pct"),
    "growth_mom_bpu": ("pm", "active_bpu", "pct"), "growth_yoy_bpu": ("py", "active_bpu", "pct"),
    "growth_mom_jakon": ("pm", "active_jakon", "pct"), "growth_yoy_jakon": ("py", "active_jakon", "pct"),
    "growth_mom_pmi": ("pm", "active_pmi", "pct"), "growth_yoy_pmi": ("py", "active_pmi", "pct"),
}  # fmt: skip


RANK_COLUMNS = ["rank_in_parent", "ranked_in_parent", "rank_national", "ranked_national"]
DELTA_COLUMNS = [*DELTAS, "prev_rank_in_parent", "prev_rank_national"]
# What a change is computed from: the compared row's figures and ranks.
PRIOR_COLUMNS = ["coverage_total", "coverage_pu", "coverage_bpu", "active_total", "active_pu", "active_bpu",
                 "active_jakon", "active_pmi", "rank_in_parent", "rank_national"]  # fmt: skip


def target_participants_sql(percent, workers):
    return TARGET_PARTICIPANTS.format(percent=percent, workers=workers)


def rank_sql(row, *, parent, level):
    """The rank rule, once: RANK() by total coverage within the parent and the level, per month; ties share
    a rank; unknown coverage and carried figures are not ranked (NULL), and the count of ranked regions
    is kept beside each rank. Select-list items over the rows aliased ``row``."""
    rankable = f"({row}.coverage_total IS NOT NULL AND NOT {row}.is_carried)"
    items = []
    for rank, count, partition in (
        ("rank_in_parent", "ranked_in_parent", parent),
        ("rank_national", "ranked_national", level),
    ):
        window = f"PARTITION BY {partition}, {row}.period, {rankable}"
        items.append(
            f"CASE WHEN {rankable} THEN RANK() OVER ({window} ORDER BY {row}.coverage_total DESC) END AS {rank}"
        )
        items.append(f"CASE WHEN {rankable} THEN COUNT(*) OVER ({window}) END AS {count}")
    return ", ".join(items)


def delta_sql(row, prior="{alias}.{column}"):
    """The change rule, once: against the previous month (``pm``) and the same month a year before
    (``py``), for reported figures only; percentage points of coverage, percent of participants (in
    floating point: bigint x numeric would make PostgreSQL divide in numeric, seconds at scale).

    ``prior`` names a compared figure from its alias (``pm``, ``py``) and column: the joined rows'
    columns by default, ``"w.{alias}_{column}"`` for the window columns of ``prior_window_sql``."""
    reported = f"{row}.active_total IS NOT NULL AND NOT {row}.is_carried"
    items = []
    for name, (alias, column, kind) in DELTAS.items():
        before = prior.format(alias=alias, column=column)
        if kind == "pp":
            value = f"{row}.{column} - {before}"
        else:
            change = f"CAST({row}.{column} - {before} AS DOUBLE PRECISION) * 100 / {before}"
            value = f"CASE WHEN {before} > 0 THEN {change} END"
        items.append(f"CASE WHEN {reported} THEN {value} END AS {name}")
    items.append(f"{prior.format(alias='pm', column='rank_in_parent')} AS prev_rank_in_parent")
    items.append(f"{prior.format(alias='pm', column='rank_national')} AS prev_rank_national")
    return ", ".join(items)


def prior_window_sql(row):
    """The compared rows as window columns (PostgreSQL): ``pm_<column>`` and ``py_<column>`` of each
    PRIOR_COLUMNS figure, read from the same subject's row exactly one month / twelve months earlier
    (a RANGE frame of that one date: empty, so NULL, when that month has no row). One sort by
    (subject, month) serves both, where two joins sorted or hashed the rows twice. Select-list
    items over the rows aliased ``row`` (keys ``subject``, ``period``), ``delta_sql``'s ``w.{alias}_{column}``."""
    items = []
    for alias, months in (("pm", 1), ("py", 12)):
        window = (
            f"(PARTITION BY {row}.subject ORDER BY {row}.period RANGE BETWEEN INTERVAL '{months} months' "
            f"PRECEDING AND INTERVAL '{months} months' PRECEDING)"
        )
        items.extend(f"FIRST_VALUE({row}.{c}) OVER {window} AS {alias}_{c}" for c in PRIOR_COLUMNS)
    return ", ".join(items)


class WritesMixin:
    def _insert_out(self, select_sql):
        """Insert rows (the OUT_BASE columns plus ``year``) into ucj_out, deriving coverage and category."""
        base = ", ".join(OUT_BASE)
        pct = "CASE WHEN w.{d} > 0 AND w.{n} IS NOT NULL THEN CAST(w.{n} AS DOUBLE PRECISION) * 100 / w.{d} END"
        self.sql(
            f"""
            INSERT INTO ucj_out ({base}, coverage_total, coverage_pu, coverage_bpu, category)
            SELECT {", ".join(f"x.{c}" for c in OUT_BASE)}, x.coverage_total, x.coverage_pu, x.coverage_bpu,
                   {self.category_sql}
            FROM (
                SELECT w.*, {pct.format(n="active_total", d="workers_total")} AS coverage_total,
                       {pct.format(n="active_pu", d="workers_pu")} AS coverage_pu,
                       {pct.format(n="active_bpu", d="workers_bpu")} AS coverage_bpu
                FROM ({select_sql}) w
            ) x
            """
        )
        self.analyze("ucj_out", ["subject_id", "period", "parent_id", "is_carried"])

    def _merge(self, *, subject, level=None, table="ucj_out", complete=False):
        """Write ``table`` into the snapshots, touching only rows whose figures changed.

        One join classifies every row: an unpublished current row that differs is updated in
        place; a published one that differs stays (no longer current) and a new revision is added
        beside it; a missing one is inserted; a current unpublished row with no new figures (its
        inputs are gone) is blanked. With ``complete`` the table also holds the ranks and changes
        (``_rank_and_compare``), so each row is written once.
        """
        column = f"{subject}_id"
        parent_column = f"parent_{subject}_id"
        value_columns = VALUE_COLUMNS + (RANK_COLUMNS + DELTA_COLUMNS if complete else [])
        differs = " OR ".join(f"s.{c} IS DISTINCT FROM o.{c}" for c in value_columns)
        if not self.pg:  # SQLite spells it IS NOT
            differs = differs.replace("IS DISTINCT FROM", "IS NOT")
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
            FROM {table} o
            FULL JOIN ({current}) s ON s.{column} = o.subject_id AND s.period = o.period
            """
        )
        self.analyze("ucj_match")
        assignments = ", ".join(f"{c} = o.{c}" for c in value_columns if c not in ("denominator_source",))
        self.written += self.sql(
            f"""
            UPDATE coverage_snapshot SET {assignments}, denominator_source = COALESCE(o.denominator_source, ''),
                   data_as_of = o.data_as_of, computed_at = %s
            FROM ucj_match m JOIN {table} o ON o.subject_id = m.subject_id AND o.period = m.o_period
            WHERE coverage_snapshot.id = m.snapshot_id AND m.changed = 1 AND NOT m.is_published
            """,
            [self.now],
        )
        if level is not None:  # region levels: blank rows whose inputs are gone
            blanks = ", ".join(f"{c} = NULL" for c in BLANKED + (RANK_COLUMNS + DELTA_COLUMNS if complete else []))
            self.written += self.sql(
                f"""
                UPDATE coverage_snapshot SET {blanks}, category = '', is_provisional = FALSE, is_carried = FALSE,
                       denominator_source = '', denominator_basis = '', computed_at = %s
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
        columns = ", ".join(value_columns)
        # Written month by month: a month's rows then share heap pages, and the one-month and one-desa
        # runs (and the pages) read a level's month from a few hundred pages, not one page per row. The
        # order was the plan's before; the window-based changes come out by subject (7,285 pages).
        out_columns = ", ".join(
            f"COALESCE(o.{c}, '')" if c in ("denominator_source", "denominator_basis") else f"o.{c}"
            for c in value_columns
        )
        self.written += self.sql(
            f"""
            INSERT INTO coverage_snapshot ({column}, level, {parent_column}, period, year, month, revision,
                                           is_current, is_published, {columns}, data_as_of, computed_at)
            SELECT o.subject_id, o.level, o.parent_id, o.period, p.year, p.month,
                   CASE WHEN m.snapshot_id IS NULL THEN 1 ELSE m.revision + 1 END,
                   TRUE, FALSE, {out_columns}, o.data_as_of, %s
            FROM ucj_match m
            JOIN {table} o ON o.subject_id = m.subject_id AND o.period = m.o_period
            JOIN ucj_periods p ON p.period = o.period
            WHERE m.snapshot_id IS NULL OR (m.changed = 1 AND m.is_published)
            ORDER BY o.period, o.subject_id
            """,
            [self.now],
        )

    def _rank(self, *, where, partition_parent, partition_level):
        """The ranks of this run's months on the current snapshots (incremental runs: the siblings of the
        changed regions are not in the run's tables), written where they changed, published rows kept."""
        distinct = "IS DISTINCT FROM" if self.pg else "IS NOT"
        changed = " OR ".join(f"coverage_snapshot.{c} {distinct} r.{c}" for c in RANK_COLUMNS)
        national = f"coverage_snapshot.rank_national {distinct} r.rank_national"
        ranks = f"""
            SELECT s.id, {rank_sql("s", parent=partition_parent, level=partition_level)}
            FROM coverage_snapshot s
            WHERE s.is_current AND s.period IN ({self.period_list}) AND {where}
        """
        update = f"""
            UPDATE coverage_snapshot SET {", ".join(f"{c} = r.{c}" for c in RANK_COLUMNS)}
            FROM {{ranks}} r
            WHERE coverage_snapshot.id = r.id AND NOT coverage_snapshot.is_published
              AND coverage_snapshot.period IN ({self.period_list}) AND ({{changed}})
        """
        if self.pg:
            # The ranks once (two window sorts of a level's month: 40 ms of a one-desa run each time);
            # the rows that moved nationally are counted before the update, in the same snapshot.
            self.sql(
                f"""
                WITH r AS MATERIALIZED ({ranks}),
                moved AS (
                    SELECT COUNT(*) AS n FROM coverage_snapshot JOIN r ON coverage_snapshot.id = r.id
                    WHERE NOT coverage_snapshot.is_published AND coverage_snapshot.period IN ({self.period_list})
                      AND {national}
                ),
                written AS ({update.format(ranks="r", changed=changed)} RETURNING 1)
                SELECT (SELECT n FROM moved), (SELECT COUNT(*) FROM written)
                """
            )
            self.ranks_changed += self.cursor.fetchone()[0]
            return
        # Rows that moved nationally are counted first: pages that show national ranks refresh on them.
        self.ranks_changed += max(self.sql(update.format(ranks=f"({ranks})", changed=national)), 0)
        self.sql(update.format(ranks=f"({ranks})", changed=changed))

    def _rank_and_compare(self, *, subject, level=None):
        """Ranks and changes of ucj_out's rows computed in temporary tables (``ucj_final``), so the merge
        writes each snapshot once. For runs that hold every subject of the level (whole months, and
        the offices always). The rows compared with: this run's (ranked) rows, else the current
        snapshots of the months compared with.

        The ranks are computed once, into the narrow table of the figures changes are computed from
        (``ucj_prior_rows``: keys, coverage, participants, ranks); the wide rows are read and written
        once, by the join that adds ranks and changes to them."""
        compared = sorted(
            {m for p in self.periods for m in (add_months(p, -1), add_months(p, -12))} - set(self.periods)
        )
        level_clause = f"level = {int(level)}" if level is not None else "level >= 11"
        # is_carried: the changes of this run's rows are computed from these narrow rows too.
        figures = [c for c in PRIOR_COLUMNS if c not in RANK_COLUMNS] + ["is_carried"]
        prior = (
            f"SELECT o.subject_id AS subject, o.period, {', '.join(f'o.{c}' for c in figures)}, "
            f"{rank_sql('o', parent='o.parent_id', level='o.level')} FROM ucj_out o"
        )
        if compared:
            months = ", ".join(f"'{m.isoformat()}'" for m in compared)
            prior += (
                f" UNION ALL SELECT {subject}_id, period, {', '.join(figures + RANK_COLUMNS)} FROM coverage_snapshot "
                f"WHERE {subject}_id IS NOT NULL AND is_current AND {level_clause} AND period IN ({months})"
            )
        self.sql("DROP TABLE IF EXISTS ucj_prior_rows")
        self.sql(f"CREATE TEMP TABLE ucj_prior_rows AS {prior}")
        if not self.pg:  # SQLite joins by nested loops: it needs the index (PostgreSQL hashes)
            self.sql("CREATE INDEX ucj_prior_rows_key ON ucj_prior_rows (subject, period)")
        # Ranks and changes of this run's rows (the months of the run), joined among narrow rows; the
        # wide rows are then joined once, by key. (Joined to the wide rows, the comparisons hashed
        # ~40-column rows three times: 14.7 s of a full recompute under load.)
        self.sql("DROP TABLE IF EXISTS ucj_changes")
        if self.pg:
            # One sort by (subject, month) for both comparisons (window frames of the one date a month
            # and a year before): the two self-joins sorted and merge-joined the 437,100 kecamatan rows
            # twice. The window sees every row; the run's months are kept after it.
            self.sql(
                f"""
                CREATE TEMP TABLE ucj_changes AS
                SELECT w.subject, w.period, {", ".join(f"w.{c}" for c in RANK_COLUMNS)},
                       {delta_sql("w", prior="w.{alias}_{column}")}
                FROM (SELECT own.*, {prior_window_sql("own")} FROM ucj_prior_rows own) w
                WHERE w.period IN ({self.period_list})
                """
            )
        else:  # SQLite: RANGE frames need a numeric order; the joins (indexed) instead
            self.sql(
                f"""
                CREATE TEMP TABLE ucj_changes AS
                SELECT own.subject, own.period, {", ".join(f"own.{c}" for c in RANK_COLUMNS)}, {delta_sql("own")}
                FROM ucj_prior_rows own
                JOIN ucj_periods p ON p.period = own.period
                LEFT JOIN ucj_prior_rows pm ON pm.subject = own.subject AND pm.period = p.prev_month
                LEFT JOIN ucj_prior_rows py ON py.subject = own.subject AND py.period = p.prev_year
                """
            )
        self.analyze("ucj_changes", ["subject", "period"])
        self.sql("DROP TABLE IF EXISTS ucj_final")
        self.sql(
            f"""
            CREATE TEMP TABLE ucj_final AS
            SELECT o.*, {", ".join(f"c.{name}" for name in RANK_COLUMNS + DELTA_COLUMNS)}
            FROM ucj_out o JOIN ucj_changes c ON c.subject = o.subject_id AND c.period = o.period
            """
        )
        self.analyze("ucj_final", ["subject_id", "period"])
        if subject == "region":
            self.ranks_changed += 1  # every region of the level: national ranks may have moved anywhere

    def _rank_regions(self, level):
        self._rank(
            where=f"s.region_id IS NOT NULL AND s.level = {int(level)}",
            partition_parent="s.parent_region_id",
            partition_level="s.level",
        )

    def _rank_offices(self):
        self._rank(
            where="s.office_id IS NOT NULL AND s.level IN (11, 12)",
            partition_parent="s.parent_office_id",
            partition_level="s.level",
        )

    def _fill_targets(self):
        """Each target series' value for the current unpublished rows that have targets, and the gap."""
        rows = f"""
            SELECT s.id FROM coverage_snapshot s
            JOIN coverage_targetvalue tv0 ON tv0.region_id = s.region_id AND tv0.year = s.year
            WHERE s.region_id IS NOT NULL AND s.is_current AND NOT s.is_published
              AND s.period IN ({self.period_list}) {self._region_filter("s.region_id")}
        """
        self.sql(f"DELETE FROM coverage_snapshottarget WHERE snapshot_id IN ({rows})")
        target_n = target_participants_sql("tv.percent", "s.workers_total")
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
                                     THEN {target_n} END) AS target_n,
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

    def _fill_deltas(self, *, subject, months):
        """Changes and previous ranks written on the current snapshots of ``months`` (the months that
        compare against this run's, and for incremental runs the run's own). Incremental runs touch
        only the changed regions, their ancestors and the offices; other regions' previous-rank columns
        are refreshed by the nightly full run. Published rows stay."""
        if not months:
            return
        month_list = ", ".join(f"'{m.isoformat()}'" for m in months)
        scope = ""
        if subject == "region" and self.regions is not None:
            scope = f" AND s.region_id IN ({', '.join(str(pk) for pk in self.affected_ids)})"
        distinct = "IS DISTINCT FROM" if self.pg else "IS NOT"
        has_any = " OR ".join(f"s.{name} IS NOT NULL" for name in DELTAS)
        # The months compared with, as literals: the planner then hashes the (few thousand) rows of
        # those months instead of probing the index once per row and month (seconds at national scale).
        compared = sorted({m for p in months for m in (add_months(p, -1), add_months(p, -12))})
        compared_list = ", ".join(f"'{m.isoformat()}'" for m in compared)
        prior = (
            f"SELECT {subject}_id AS subject, period, {', '.join(PRIOR_COLUMNS)} FROM coverage_snapshot "
            f"WHERE {subject}_id IS NOT NULL AND is_current AND period IN ({compared_list})"
        )
        # A whole month: the planner estimates a few dozen rows where there are thousands (the month
        # filtered twice, by the join and the list, multiplies) and probes the compared rows by index
        # once per row: 0.24-0.36 s of a one-month run. Hash joins there; an incremental run's few
        # regions keep their index probes.
        hash_joins = self.pg and not scope
        if hash_joins:
            self.sql("SET LOCAL enable_nestloop = off")
        self.sql(
            f"""
            UPDATE coverage_snapshot SET {", ".join(f"{n} = q.{n}" for n in DELTA_COLUMNS)}
            FROM (
                SELECT s.id, {delta_sql("s")}
                FROM coverage_snapshot s
                JOIN ucj_delta_months d ON d.period = s.period
                LEFT JOIN ({prior}) pm ON pm.subject = s.{subject}_id AND pm.period = d.prev_month
                LEFT JOIN ({prior}) py ON py.subject = s.{subject}_id AND py.period = d.prev_year
                WHERE s.{subject}_id IS NOT NULL AND s.is_current AND NOT s.is_published
                  AND s.period IN ({month_list})
                  AND (s.coverage_total IS NOT NULL OR s.active_total IS NOT NULL OR {has_any})
                  {scope}
            ) q
            WHERE coverage_snapshot.id = q.id AND coverage_snapshot.period IN ({month_list})
              AND ({" OR ".join(f"coverage_snapshot.{n} {distinct} q.{n}" for n in DELTA_COLUMNS)})
            """
        )
        if hash_joins:
            self.sql("SET LOCAL enable_nestloop = on")
