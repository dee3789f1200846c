"""Celery tasks of the reports: make one job's report, mail a published month, delete old jobs."""

from datetime import date, datetime

from celery import shared_task
from django.db import DatabaseError, OperationalError

from .jobs import report_job_run, report_jobs_delete_old
from .subscriptions import subscriptions_send_month

RETRYABLE = (OperationalError, DatabaseError)


@shared_task(name="coverage.tasks.report_generate", acks_late=True, time_limit=300, soft_time_limit=240)
def report_generate(job_id):
    """One report asked for on a page (its progress is on the job's row)."""
    return report_job_run(job_id).status


@shared_task(
    name="coverage.tasks.send_monthly_reports", bind=True, acks_late=True, autoretry_for=RETRYABLE,
    retry_backoff=60, retry_kwargs={"max_retries": 3}, time_limit=3 * 3600,
)  # fmt: skip
def send_monthly_reports(self, period, published_at):
    """A month was published: its PDF to each subscriber (each delivery once; a retry sends the rest)."""
    return subscriptions_send_month(
        period=date.fromisoformat(period), published_at=datetime.fromisoformat(published_at)
    )


@shared_task(name="coverage.tasks.delete_old_report_jobs", ignore_result=True)
def delete_old_report_jobs():
    """Nightly: report jobs (and their files) older than REPORT_JOB_DAYS."""
    return report_jobs_delete_old()
