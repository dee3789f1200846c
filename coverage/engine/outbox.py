"""The recompute outbox: a change records the recompute it needs in its own transaction, a task runs
it on commit, and a periodic drain picks up what could not be queued (e.g. the broker was down)."""

import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from regions.models import Region
from ucj_dashboard.months import month_start

from ..models import RecomputeRequest
from .recompute import coverage_recompute

logger = logging.getLogger(__name__)
RECOMPUTE_TASK = "coverage.tasks.recompute_requests"


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
        try:
            # By name: the task module imports this one, not the other way round.
            current_app.tasks[RECOMPUTE_TASK].delay(ids)
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
        # The requests are marked done in the recompute's own transaction: a reader never sees the new
        # figures with the request still pending, and a crash leaves both undone.
        with transaction.atomic():
            coverage_recompute(periods=[period], regions=regions)
            RecomputeRequest.objects.filter(pk__in=pks, processed_at__isnull=True).update(processed_at=timezone.now())
        processed += len(pks)
    return processed
