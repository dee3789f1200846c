"""Celery tasks of the dashboards: the weekly digest."""

from celery import shared_task
from django.core.mail import get_connection
from django.db import DatabaseError, OperationalError

from .digest import weekly_digest_messages
from .filters import parse_period


@shared_task(
    name="coverage.tasks.send_weekly_digest", bind=True, acks_late=True,
    autoretry_for=(OperationalError, DatabaseError), retry_backoff=60, retry_kwargs={"max_retries": 3},
)  # fmt: skip
def send_weekly_digest(self, period=None):
    """Weekly (Monday morning): each branch head's action list by e-mail; returns the number sent."""
    return get_connection().send_messages(weekly_digest_messages(period=parse_period(period)))
