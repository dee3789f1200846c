"""Celery tasks of the entry workflow."""

from datetime import date

from celery import shared_task
from django.db import DatabaseError, OperationalError

from .reminders import submission_reminders_send


@shared_task(
    name="coverage.tasks.send_submission_reminders", bind=True, acks_late=True,
    autoretry_for=(OperationalError, DatabaseError), retry_backoff=60, retry_kwargs={"max_retries": 3},
)  # fmt: skip
def send_submission_reminders(self, today=None):
    """Daily: remind operators of regions that have not submitted last month (idempotent per day)."""
    return submission_reminders_send(today=date.fromisoformat(today) if today else None)
