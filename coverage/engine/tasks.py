"""Celery tasks of the engine: thin wrappers around one call each, owning retries and time limits.

Task names keep the ``coverage.tasks.`` prefix the beat schedule and queued messages use.
"""

from datetime import date

from celery import shared_task
from django.db import DatabaseError, OperationalError

from .outbox import recompute_drain_outbox
from .recompute import coverage_recompute

RETRYABLE = (OperationalError, DatabaseError)


@shared_task(
    name="coverage.tasks.recompute_requests", bind=True, acks_late=True, autoretry_for=RETRYABLE, retry_backoff=2,
    retry_kwargs={"max_retries": 5}, time_limit=600,
)  # fmt: skip
def recompute_requests(self, ids):
    """Incremental recompute for the outbox rows created by a change (one period each)."""
    return recompute_drain_outbox(ids=ids)


@shared_task(
    name="coverage.tasks.drain_recompute_outbox", bind=True, acks_late=True, autoretry_for=RETRYABLE,
    retry_backoff=5, retry_kwargs={"max_retries": 3},
)  # fmt: skip
def drain_recompute_outbox(self):
    """Periodic: process outbox rows whose task never ran (e.g. the broker was down)."""
    return recompute_drain_outbox()


@shared_task(
    name="coverage.tasks.recompute_coverage", bind=True, acks_late=True, autoretry_for=RETRYABLE, retry_backoff=10,
    retry_kwargs={"max_retries": 3}, time_limit=3 * 3600,
)  # fmt: skip
def recompute_coverage(self, period=None):
    """Nightly full recompute (or one month, ``period`` = 'YYYY-MM')."""
    periods = None
    if period:
        year, month = (int(part) for part in period.split("-"))
        periods = [date(year, month, 1)]
    result = coverage_recompute(periods=periods)
    recompute_drain_outbox()
    return {"periods": len(result.periods), "written": result.snapshots_written}
