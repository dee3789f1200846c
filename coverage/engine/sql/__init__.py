"""The coverage engine's SQL: from counts, funded workers, denominators, targets and bands to snapshots.

Everything is set-based SQL over temporary tables, level by level from kecamatan up to the
national root, then the BPJS offices; nothing pulls count rows into Python. The same code serves a
full recompute (every region of the given months) and an incremental one (the changed regions and
their ancestors only): at each level the children's values are read back from the snapshot rows
just written, so an incremental run sees its siblings' current values.

- ``inputs``: temporary tables, the months of the run, the effective counts (the view
  ``coverage_effective_count``), the funded workers, the denominators in force (the view
  ``coverage_latest_denominator``) and the category bands;
- ``levels``: one level's figures (own report, else the children's sum), carrying a figure
  forward for a region that did not report, and the offices;
- ``writes``: coverage and category, the merge into the snapshots, ranks, targets and changes.

``coverage.engine.recompute`` is the API around it (locking, the months to run).
"""

import logging
import time

from django.db import connection
from django.utils import timezone

from regions.models import Level
from ucj_dashboard.months import add_months

from ...models import CoverageSettings
from .inputs import InputsMixin
from .levels import LevelsMixin
from .writes import WritesMixin

logger = logging.getLogger(__name__)

# Snapshots start at kecamatan: desa have no employed-population figure (BPS Sakernas is
# representative down to kab/kota), so a desa snapshot would only copy its inputs. Desa counts
# are summed into their kecamatan in the same pass that reads the counts.
REGION_LEVELS = [Level.DISTRICT, Level.REGENCY, Level.PROVINCE, Level.NATIONAL]


class SnapshotEngine(InputsMixin, LevelsMixin, WritesMixin):
    """One recompute: temp tables, then level by level (with carried figures), offices, ranks,
    targets and changes."""

    def __init__(self, *, periods, regions, all_periods=False, carry_months=None):
        self.periods = periods
        # Every month with data: no period filter needed on the counts (and none to evaluate).
        self.all_periods = all_periods
        self.regions = regions
        self.carry_months = CoverageSettings.current().carry_months if carry_months is None else carry_months
        self.now = timezone.now()
        self.pg = connection.vendor == "postgresql"
        self.written = 0
        self.ranks_changed = 0  # national ranks written: pages showing them must refresh
        # Inlined date literals (made here from date objects, never from input) let the planner use
        # the snapshot indexes; a semi-join on a temp table without statistics does not.
        self.period_list = ", ".join(f"'{p.isoformat()}'" for p in periods)
        self.delta_months = sorted({m for p in periods for m in (p, add_months(p, 1), add_months(p, 12))})
        self.delta_list = ", ".join(f"'{m.isoformat()}'" for m in self.delta_months)

    def sql(self, statement, params=None):
        started = time.perf_counter()
        self.cursor.execute(statement, params or [])
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%.3f s %s", time.perf_counter() - started, " ".join(statement.split())[:90])
        return self.cursor.rowcount

    def analyze(self, table, columns=None):
        """Statistics for the planner. ``columns``: only those (the keys joined and filtered on); the
        cost of ANALYZE grows with the columns, and a wide row's other columns are only carried."""
        if self.pg:
            self.sql(f"ANALYZE {table}" + (f" ({', '.join(columns)})" if columns else ""))

    def clear(self, table):
        """Empty a temporary table. TRUNCATE on PostgreSQL: a DELETE leaves the dead rows in place
        (temp tables are never vacuumed), and every later scan of the table reads them again."""
        self.sql(f"TRUNCATE {table}" if self.pg else f"DELETE FROM {table}")

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
            if self.pg:
                # JIT compilation pays off over the 20 million counts of the first pass, not over the
                # temp tables' rows after it (at most 437,100 a statement): there it took longer than
                # running the statement (4.1 s of the 13.1 s that added ranks and changes).
                self.sql("SET LOCAL jit = off")
            self._fill_funded()
            self._fill_denominators()
            self.analyze("ucj_denom")
            self.analyze("ucj_bands")
            for level in REGION_LEVELS:
                self._compute_region_level(level)
                self._carry_forward(level)
                if self.regions is None:
                    # Every region of the level is in the run: ranks and changes are computed in the
                    # temporary tables and each snapshot is written once.
                    self._rank_and_compare(subject="region", level=level)
                    self._merge(subject="region", level=level, table="ucj_final", complete=True)
                else:
                    self._merge(subject="region", level=level)
                    self._rank_regions(level)
            self._compute_offices()  # every office, in every run
            self._rank_and_compare(subject="office")
            self._merge(subject="office", table="ucj_final", complete=True)
            self._fill_targets()
            # Changes of the months that compare with this run's (a month later, a year later), and for
            # an incremental run its own months too (its siblings' rows are not in the run).
            later = sorted(set(self.delta_months) - set(self.periods))
            self._fill_deltas(subject="region", months=later if self.regions is None else self.delta_months)
            self._fill_deltas(subject="office", months=later)
            self._drop_temp_tables()
            if self.written > 10_000:
                # After a bulk rewrite the planner's statistics are stale until autovacuum gets to
                # the table; the next incremental recompute must not plan against them.
                self.analyze("coverage_snapshot")
        return self.written


__all__ = ["REGION_LEVELS", "SnapshotEngine"]
