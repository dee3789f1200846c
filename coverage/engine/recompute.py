"""Recomputing coverage: run the engine's SQL (``sql``) under a per-month lock.

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

from django.db import connection, transaction
from django.utils import timezone

from ucj_dashboard.months import month_start

from ..models import ParticipantCount, RecomputeRequest, Snapshot
from .generation import bump_generation
from .sql import SnapshotEngine

logger = logging.getLogger(__name__)

LOCK_NAMESPACE = 4_223_000  # pg_advisory_xact_lock(namespace, yyyymm)


@dataclass
class RecomputeResult:
    periods: list
    regions: int | None
    snapshots_written: int


def coverage_recompute(*, periods=None, regions=None) -> RecomputeResult:
    """Recompute snapshots for ``periods`` (default: every month with data).

    With ``regions``, only those regions, their ancestors and the rankings they affect are
    recomputed (the incremental path); otherwise every region and office.
    """
    all_periods = periods is None
    if all_periods:
        periods = _periods_with_data()
    else:
        periods = _months_with_counts({month_start(p) for p in periods})
    if not periods:
        return RecomputeResult(periods=[], regions=None, snapshots_written=0)
    with transaction.atomic():
        _lock_periods(periods)
        engine = SnapshotEngine(periods=periods, regions=regions, all_periods=all_periods and regions is None)
        written = engine.run()
        if regions is None:
            # A full run covers every change already committed for these months.
            RecomputeRequest.objects.filter(
                processed_at__isnull=True, period__in=periods, created_at__lt=engine.now
            ).update(processed_at=timezone.now())
    transaction.on_commit(bump_generation)
    return RecomputeResult(periods=periods, regions=len(regions) if regions else None, snapshots_written=written)


def _periods_with_data():
    """Months with counts, by a skip scan of the period index (one probe per month, not a scan of
    every row: DISTINCT over 20 million rows takes seconds)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE months(period) AS (
                SELECT MIN(period) FROM coverage_participantcount
                UNION ALL
                SELECT (SELECT MIN(c.period) FROM coverage_participantcount c WHERE c.period > months.period)
                FROM months WHERE months.period IS NOT NULL
            )
            SELECT period FROM months WHERE period IS NOT NULL
            """
        )
        return [month_start(_as_date(row[0])) for row in cursor.fetchall()]


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _months_with_counts(periods):
    """A month is reported once it has counts; funded batches alone do not make a month (a batch
    running into months not yet reported must not look like a collapse in coverage). A month that
    already has snapshots is kept so that removing its last counts blanks them."""
    return [
        p
        for p in sorted(periods)
        if ParticipantCount.objects.filter(period=p).exists() or Snapshot.objects.filter(period=p).exists()
    ]


def _lock_periods(periods):
    """Serialise recomputes of the same month (two at once leave one consistent result)."""
    if connection.vendor != "postgresql":
        return  # SQLite serialises writers itself
    with connection.cursor() as cursor:
        for period in periods:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, period.year * 100 + period.month])
