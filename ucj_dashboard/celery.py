"""Celery application and the default beat schedule, in one place.

Beat reads its schedule from the database (django-celery-beat's ``DatabaseScheduler``, set in
settings), so an admin edits, disables or adds periodic tasks in the admin. ``DEFAULT_BEAT_SCHEDULE``
below is what a new database starts with: ``migrate`` creates the missing rows from it
(``regions.jobs.periodic_tasks_install``) and never overwrites a row an admin changed;
``manage.py install_periodic_tasks --reset`` puts the defaults back. It is deliberately not
``app.conf.beat_schedule``: the DatabaseScheduler would write that over the admin's edits at every
start of beat.

Every periodic task is also a management command of the same name, so an operator can run
it by hand (``python manage.py recompute_coverage``).
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ucj_dashboard.settings")

app = Celery("ucj_dashboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

DEFAULT_BEAT_SCHEDULE = {
    # Every minute: the worker's heartbeat in the cache, read by /sehat/layanan/ (regions.health).
    "worker-heartbeat": {
        "task": "regions.tasks.worker_heartbeat",
        "schedule": 60.0,
    },
    # Nightly full recompute (WIB), the safety net behind the incremental recomputes.
    "recompute-coverage-nightly": {
        "task": "coverage.tasks.recompute_coverage",
        "schedule": crontab(hour=1, minute=30),
    },
    # Monday 06:00 WIB: each branch head's action list (coverage.tasks.send_weekly_digest).
    "send-weekly-digest": {
        "task": "coverage.tasks.send_weekly_digest",
        "schedule": crontab(day_of_week="mon", hour=6, minute=0),
    },
    # Picks up recomputes that could not be queued (e.g. the broker was down at save time).
    "drain-recompute-outbox": {
        "task": "coverage.tasks.drain_recompute_outbox",
        "schedule": 60.0,
    },
    # 07:00 WIB: e-mail Pemda operators whose last month is not submitted (coverage.tasks, entry).
    "send-submission-reminders": {
        "task": "coverage.tasks.send_submission_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # Notification deliveries whose task never ran or whose channel failed (regions.notifications).
    "drain-notifications": {
        "task": "regions.tasks.drain_notifications",
        "schedule": 300.0,
    },
    # Report jobs older than REPORT_JOB_DAYS are deleted with their files (coverage.reports.jobs).
    "delete-old-report-jobs": {
        "task": "coverage.tasks.delete_old_report_jobs",
        "schedule": crontab(hour=2, minute=15),
    },
    # Active funded batches whose last month has passed become "ended" (programs).
    "close-ended-batches": {
        "task": "programs.tasks.close_ended_batches",
        "schedule": crontab(hour=0, minute=45),
    },
}
