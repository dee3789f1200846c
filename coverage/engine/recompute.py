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

from regions.models import Level
from ucj_dashboard.months import add_months, month_start

from ..models import CoverageSettings, ParticipantCount, RecomputeRequest, Snapshot
from .generation import bump_versions
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
    carry_months = CoverageSettings.current().carry_months
    if all_periods:
        periods = _periods_with_data()
    else:
        periods = _months_with_counts({month_start(p) for p in periods})
        if regions is not None and any(not _month_computed(p) for p in periods):
            # A month's first figures: every region is computed, so that the sums above the changed
            # region hold the others' figures (reported or carried) too.
            regions = None
        periods = sorted(set(periods) | _months_carrying_from(periods, regions, carry_months))
    if not periods:
        return RecomputeResult(periods=[], regions=None, snapshots_written=0)
    with transaction.atomic():
        _lock_periods(periods)
        engine = SnapshotEngine(
            periods=periods, regions=regions, all_periods=all_periods and regions is None, carry_months=carry_months
        )
        written = engine.run()
        bump_versions(periods=periods, region_codes=None if regions is None else [r.code for r in regions])
        if regions is None:
            # A full run covers every change already committed for these months.
            RecomputeRequest.objects.filter(
                processed_at__isnull=True, period__in=periods, created_at__lt=engine.now
            ).update(processed_at=timezone.now())
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


def _month_computed(period):
    return Snapshot.objects.filter(period=period, level=Level.NATIONAL, is_current=True).exists()


def _months_carrying_from(periods, regions, carry_months):
    """Later months whose carried figures may come from ``periods``: those (up to ``carry_months``
    after) in which the changed regions have no reported figure of their own, or, for a run of whole
    months, every computed month of that window."""
    later = {add_months(p, k) for p in periods for k in range(1, carry_months + 1)} - set(periods)
    later = {p for p in later if _month_computed(p)}
    if not later or regions is None:
        return later
    # The snapshot subjects of the changed regions: a desa's figures are its kecamatan's.
    subjects = {r.parent_id if r.level == Level.VILLAGE else r.pk for r in regions}
    reported = set(
        Snapshot.objects.filter(
            region_id__in=subjects, period__in=later, is_current=True, is_carried=False, active_total__isnull=False
        ).values_list("region_id", "period")
    )
    return {p for p in later if any((subject, p) not in reported for subject in subjects)}


def _lock_periods(periods):
    """Serialise recomputes of the same month (two at once leave one consistent result)."""
    if connection.vendor != "postgresql":
        return  # SQLite serialises writers itself
    with connection.cursor() as cursor:
        for period in periods:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, period.year * 100 + period.month])
