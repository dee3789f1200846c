"""Celery tasks of the coverage app, defined in their rooms and gathered here for discovery.

The beat schedule (ucj_dashboard/celery.py) names them ``coverage.tasks.<name>``.
"""

from .dashboards.tasks import send_weekly_digest
from .engine.tasks import drain_recompute_outbox, recompute_coverage, recompute_requests
from .entry.tasks import send_submission_reminders

__all__ = [
    "drain_recompute_outbox",
    "recompute_coverage",
    "recompute_requests",
    "send_submission_reminders",
    "send_weekly_digest",
]
