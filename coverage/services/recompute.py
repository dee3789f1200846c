"""Recomputing coverage: run the engine under a per-month lock, schedule recomputes through the
outbox, and keep the cache generation that dashboards key on. The SQL is in ``engine``.

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

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from regions.models import Region
from ucj_dashboard.months import add_months, month_start

from ..models import RecomputeRequest
from .engine import SnapshotEngine

logger = logging.getLogger(__name__)

GENERATION_KEY = "coverage:snapshot-generation"
LOCK_NAMESPACE = 4_223_000  # pg_advisory_xact_lock(namespace, yyyymm)


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
    transaction.on_commit(_bump_generation)
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
    from ..models import ParticipantCount, Snapshot

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


__all__ = [
    "RecomputeResult",
    "add_months",
    "month_start",
    "coverage_recompute",
    "recompute_drain_outbox",
    "recompute_schedule",
    "snapshot_generation",
]
