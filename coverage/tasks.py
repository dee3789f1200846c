"""Celery tasks of the coverage app: thin wrappers that call one service each."""

# --- engine ---
from datetime import date

from celery import shared_task
from django.db import DatabaseError, OperationalError

from .services.recompute import coverage_recompute, recompute_drain_outbox

RETRYABLE = (OperationalError, DatabaseError)


@shared_task(
    bind=True, acks_late=True, autoretry_for=RETRYABLE, retry_backoff=2, retry_kwargs={"max_retries": 5}, time_limit=600
)
def recompute_requests(self, ids):
    """Incremental recompute for the outbox rows created by a change (one period each)."""
    return recompute_drain_outbox(ids=ids)


@shared_task(bind=True, acks_late=True, autoretry_for=RETRYABLE, retry_backoff=5, retry_kwargs={"max_retries": 3})
def drain_recompute_outbox(self):
    """Periodic: process outbox rows whose task never ran (e.g. the broker was down)."""
    return recompute_drain_outbox()


@shared_task(
    bind=True, acks_late=True, autoretry_for=RETRYABLE, retry_backoff=10, retry_kwargs={"max_retries": 3},
    time_limit=3 * 3600,
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


# --- entry (reminders) ---


@shared_task(bind=True, acks_late=True, autoretry_for=RETRYABLE, retry_backoff=60, retry_kwargs={"max_retries": 3})
def send_submission_reminders(self, today=None):
    """Daily: remind operators of regions that have not submitted last month (idempotent per day)."""
    from .services.entry import submission_reminders_send

    return submission_reminders_send(today=date.fromisoformat(today) if today else None)


# --- dashboards (digest) ---
@shared_task(bind=True, acks_late=True, autoretry_for=RETRYABLE, retry_backoff=60, retry_kwargs={"max_retries": 3})
def send_weekly_digest(self, period=None):
    """Weekly (Monday morning): each branch head's action list by e-mail; returns the number sent."""
    from django.core.mail import get_connection

    from .selectors.dashboards import parse_period, weekly_digest_messages

    return get_connection().send_messages(weekly_digest_messages(period=parse_period(period)))
