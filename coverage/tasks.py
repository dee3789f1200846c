"""Celery tasks of the coverage app, defined in their rooms and gathered here for discovery.

The beat schedule (ucj_dashboard/celery.py) names them ``coverage.tasks.<name>``.
"""

from .dashboards.tasks import send_weekly_digest
from .engine.tasks import drain_recompute_outbox, recompute_coverage, recompute_requests
from .entry.tasks import send_submission_reminders
from .reports.tasks import delete_old_report_jobs, report_generate, send_monthly_reports

__all__ = [
    "delete_old_report_jobs",
    "drain_recompute_outbox",
    "recompute_coverage",
    "recompute_requests",
    "report_generate",
    "send_monthly_reports",
    "send_submission_reminders",
    "send_weekly_digest",
]
