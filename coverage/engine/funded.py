"""The interface through which other apps hand funded workers to the engine.

An app that pays premiums for workers (programs' funded batches) calls ``funded_workers_replace``
whenever its record changes, inside its own transaction: the engine stores the workers per region
and month in its own table (``FundedWorkers``) and schedules the recompute of every month whose
figures change, for the old and the new region. The engine never reads another app's tables.
"""

from ..models import FundedWorkers
from .outbox import recompute_schedule


def funded_workers_replace(*, reference: str, region=None, months=(), workers: int = 0, reason: str = "") -> int:
    """Make ``reference`` count ``workers`` in ``region`` for ``months`` (nothing when ``months`` is empty).

    Returns the number of months now counted. The months that counted before and those that count
    now are recomputed.
    """
    months = sorted(set(months)) if workers else []
    before = list(FundedWorkers.objects.filter(reference=reference).select_related("region"))
    unchanged = sorted((row.region_id, row.period, row.workers) for row in before) == sorted(
        (region.pk, month, workers) for month in months
    )
    if unchanged:
        return len(months)
    FundedWorkers.objects.filter(reference=reference).delete()
    FundedWorkers.objects.bulk_create(
        [FundedWorkers(reference=reference, region=region, period=month, workers=workers) for month in months]
    )
    by_region = {}
    for row in before:
        by_region.setdefault(row.region_id, (row.region, set()))[1].add(row.period)
    if months:
        by_region.setdefault(region.pk, (region, set()))[1].update(months)
    for old_or_new_region, periods in by_region.values():
        recompute_schedule(region=old_or_new_region, periods=sorted(periods), reason=reason or reference)
    return len(months)
