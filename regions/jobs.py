"""Scheduled jobs: the periodic tasks beat reads from the database, and a record of each run.

- ``periodic_tasks_install`` creates the rows of django-celery-beat's ``PeriodicTask`` from
  ``ucj_dashboard.celery.DEFAULT_BEAT_SCHEDULE`` (after every ``migrate``; ``reset`` puts an edited row
  back to its default). The admin edits them; beat's ``DatabaseScheduler`` picks the edits up.
- Celery's signals write a ``JobRun`` for each run of a periodic task (sent by beat, or one of the
  default schedule's tasks run by hand) and of the recompute tasks: start, end, duration, status and
  the error. They fire in a worker and for in-process (eager) tasks alike. Recording never breaks a
  task: a database error while writing the record is logged and the task goes on.
- ``job_overview`` reads them for the job page (``regions.views.job_runs``).
"""

import logging
import sys
import time
from dataclasses import dataclass, field

from celery import signals
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Avg, Count, Max, Q
from django.utils import timezone

from .models import JobRun, JobStatus

logger = logging.getLogger(__name__)

# Recorded besides the default schedule's tasks and anything beat sends: the recomputes a change queues.
RECOMPUTE_TASKS = {"coverage.tasks.recompute_requests", "coverage.tasks.recompute_coverage"}
ERROR_LENGTH = 2000

_started = {}  # task_id -> (JobRun pk, monotonic start); a worker process runs one task at a time per slot
_errors = {}  # task_id -> the error text, from task_failure / task_retry until task_postrun


def default_schedule():
    from ucj_dashboard.celery import DEFAULT_BEAT_SCHEDULE

    return DEFAULT_BEAT_SCHEDULE


def recorded_task_names():
    return {entry["task"] for entry in default_schedule().values()} | RECOMPUTE_TASKS


# --- the periodic tasks in the database -----------------------------------------------------------


def periodic_tasks_install(*, reset=False) -> list:
    """Create the default schedule's missing ``PeriodicTask`` rows (``reset``: also put the existing
    ones back to their default schedule and task, enabled). Returns the names created or reset."""
    from django_celery_beat.models import PeriodicTask, PeriodicTasks
    from django_celery_beat.schedulers import ModelEntry

    done = []
    with transaction.atomic():
        existing = set(PeriodicTask.objects.values_list("name", flat=True))
        for name, entry in default_schedule().items():
            if name in existing and not reset:
                continue
            model_schedule, model_field = ModelEntry.to_model_schedule(entry["schedule"])
            values = {"task": entry["task"], "enabled": True, "interval": None, "crontab": None}
            values[model_field] = model_schedule
            task, _created = PeriodicTask.objects.update_or_create(name=name, defaults=values)
            done.append(task.name)
        if done:
            PeriodicTasks.update_changed()  # a running beat re-reads the schedule
    return done


def install_on_migrate(sender, using="default", **kwargs):
    """post_migrate: a new database gets the full default schedule (``make setup`` is enough)."""
    from django.db import connections
    from django_celery_beat.models import PeriodicTask

    # A partial migrate (one app, or back to an earlier state) may leave django-celery-beat's tables out.
    if using != "default" or PeriodicTask._meta.db_table not in connections[using].introspection.table_names():
        return
    created = periodic_tasks_install()
    if created and kwargs.get("verbosity", 1) >= 2:
        print(f"Periodic tasks installed: {', '.join(created)}")  # noqa: T201 - migrate's own output


# --- the record of each run -------------------------------------------------------------------------


def _periodic_name(task):
    request = task.request
    name = getattr(request, "periodic_task_name", None)
    if not name:
        name = (getattr(request, "headers", None) or {}).get("periodic_task_name")
    return name or ""


def _write(fn):
    """Run one write of the record in its own savepoint; a failure is logged, never raised."""
    try:
        with transaction.atomic():
            return fn()
    except DatabaseError:
        logger.warning("Job run not recorded", exc_info=True)
        return None


def _error_text(exception):
    return f"{type(exception).__name__}: {exception}"[:ERROR_LENGTH]


@signals.task_prerun.connect
def _job_started(sender=None, task_id=None, task=None, **kwargs):
    periodic = _periodic_name(task)
    if not periodic and task.name not in recorded_task_names():
        return
    run = _write(
        lambda: JobRun.objects.create(
            task=task.name[:200],
            periodic_task=periodic[:200],
            task_id=(task_id or "")[:255],
            worker=(getattr(task.request, "hostname", None) or "")[:255],
            started_at=timezone.now(),
        )
    )
    if run is not None:
        _started[task_id] = (run.pk, time.monotonic())


@signals.task_failure.connect
def _job_failed(sender=None, task_id=None, exception=None, **kwargs):
    if task_id in _started:
        _errors[task_id] = _error_text(exception)


@signals.task_retry.connect
def _job_retried(sender=None, request=None, reason=None, **kwargs):
    task_id = getattr(request, "id", None)
    if task_id in _started:
        _errors[task_id] = str(reason)[:ERROR_LENGTH]


@signals.task_postrun.connect
def _job_finished(sender=None, task_id=None, task=None, state=None, **kwargs):
    started = _started.pop(task_id, None)
    error = _errors.pop(task_id, "")
    if started is None:
        return
    pk, start = started
    status = {"SUCCESS": JobStatus.SUCCESS, "RETRY": JobStatus.RETRY}.get(state, JobStatus.FAILURE)
    if state is None and not error:
        # An in-process task whose error propagates to the caller (CELERY_TASK_EAGER_PROPAGATES): Celery
        # sends no task_failure, and this receiver runs while the exception is on its way out.
        exception = sys.exc_info()[1]
        if exception is not None:
            error = _error_text(exception)
    values = {
        "status": status,
        "finished_at": timezone.now(),
        "duration_ms": round((time.monotonic() - start) * 1000),
        "error": error if status != JobStatus.SUCCESS else "",
    }
    _write(lambda: JobRun.objects.filter(pk=pk).update(**values))
    _write(lambda: job_runs_prune(task=task.name))


def job_runs_prune(*, task, keep=None):
    """Keep the last ``keep`` runs of ``task`` (settings.JOB_RUNS_KEPT)."""
    keep = settings.JOB_RUNS_KEPT if keep is None else keep
    boundary = JobRun.objects.filter(task=task).order_by("-pk").values_list("pk", flat=True)[keep : keep + 1]
    boundary = list(boundary)
    if boundary:
        JobRun.objects.filter(task=task, pk__lte=boundary[0]).delete()


# --- the job page -----------------------------------------------------------------------------------


@dataclass
class TaskSummary:
    task: str
    periodic: list = field(default_factory=list)  # PeriodicTask rows that send it
    last: JobRun = None
    last_failure: JobRun = None
    runs: int = 0
    failures: int = 0
    average_ms: float = None

    @property
    def average_seconds(self):
        return None if self.average_ms is None else self.average_ms / 1000


def schedule_label(periodic) -> str:
    """A periodic task's schedule as an admin reads it: "setiap 60 detik", "cron 30 1 * * * (Asia/Jakarta)"."""
    from django.utils.translation import gettext as _

    from ucj_dashboard.formats import format_number

    if periodic.interval is not None:
        units = {"days": _("hari"), "hours": _("jam"), "minutes": _("menit"), "seconds": _("detik")}
        period = units.get(periodic.interval.period, periodic.interval.period)
        return _("setiap %(n)s %(unit)s") % {"n": format_number(periodic.interval.every), "unit": period}
    if periodic.crontab is not None:
        c = periodic.crontab
        cron = f"{c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week}"
        return _("cron %(cron)s (%(tz)s)") % {"cron": cron, "tz": c.timezone}
    if periodic.clocked is not None:
        return _("sekali, %(when)s") % {"when": f"{timezone.localtime(periodic.clocked.clocked_time):%Y-%m-%d %H:%M}"}
    return str(periodic.solar) if periodic.solar is not None else ""


def job_overview(*, task="", status="", limit=100):
    """Per task: its schedules, last run, last failure, runs and failures kept, mean duration of the
    successful runs; then the last ``limit`` runs (of ``task``, of ``status`` when given)."""
    from django_celery_beat.models import PeriodicTask

    summaries = {}
    for periodic in PeriodicTask.objects.select_related("interval", "crontab", "solar", "clocked").order_by("name"):
        periodic.label = schedule_label(periodic)
        summaries.setdefault(periodic.task, TaskSummary(periodic.task)).periodic.append(periodic)
    stats = JobRun.objects.values("task").annotate(
        runs=Count("pk"),
        failures=Count("pk", filter=Q(status=JobStatus.FAILURE)),
        average_ms=Avg("duration_ms", filter=Q(status=JobStatus.SUCCESS)),
        last_pk=Max("pk"),
        last_failure_pk=Max("pk", filter=Q(status=JobStatus.FAILURE)),
    )
    stats = list(stats)
    runs_by_pk = JobRun.objects.in_bulk(
        [pk for row in stats for pk in (row["last_pk"], row["last_failure_pk"]) if pk is not None]
    )
    for row in stats:
        summary = summaries.setdefault(row["task"], TaskSummary(row["task"]))
        summary.runs, summary.failures, summary.average_ms = row["runs"], row["failures"], row["average_ms"]
        summary.last = runs_by_pk.get(row["last_pk"])
        summary.last_failure = runs_by_pk.get(row["last_failure_pk"])
    recent = JobRun.objects.all()
    if task:
        recent = recent.filter(task=task)
    if status:
        recent = recent.filter(status=status)
    return sorted(summaries.values(), key=lambda s: s.task), list(recent[:limit])
