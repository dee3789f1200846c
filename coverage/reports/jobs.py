"""Report jobs: a report asked for on a page is made by a Celery task while the page shows its progress.

A report kind is registered with ``register_report``: its ``build(params, progress)`` returns
``(content, filename, content_type)`` and calls ``progress(percent, stage)`` on the way; ``allowed(user,
params)`` says whether the user may have it (checked when the job starts and again at download, so a
role lost in between stops the download). This module registers the dashboard PDF; programs registers
the dossier (PDF and DOCX) in its AppConfig.ready(), as it does its funding panel.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from regions.selectors import can_view_office, can_view_region

from ..dashboards.filters import parse_period
from ..dashboards.rows import office_by_code, region_by_code
from ..models import JobStatus, ReportJob
from .dashboard import dashboard_pdf

logger = logging.getLogger(__name__)

PDF = "application/pdf"
# What the progress display says at each stage (coverage/reports/views.py serves it as JSON).
STAGES = {
    "queued": _("Menunggu giliran"),
    "data": _("Membaca angka"),
    "charts": _("Menggambar grafik"),
    "panels": _("Menyusun panel pendanaan"),
    "layout": _("Menyusun halaman PDF"),
    "document": _("Menyusun dokumen"),
    "done": _("Selesai"),
    "failed": _("Gagal"),
}


@dataclass(frozen=True)
class ReportKind:
    name: str
    label: object
    build: object
    allowed: object


_KINDS: dict[str, ReportKind] = {}


def register_report(*, name, label, build, allowed):
    _KINDS[name] = ReportKind(name=name, label=label, build=build, allowed=allowed)


def report_kind(name) -> ReportKind | None:
    return _KINDS.get(name)


# --- the dashboard PDF -----------------------------------------------------------------------


def _subject(params):
    if params.get("region"):
        return {"region": region_by_code(params["region"])}
    return {"office": office_by_code(params.get("office", ""))}


def _dashboard_allowed(user, params):
    subject = _subject(params)
    if "region" in subject:
        return subject["region"] is not None and can_view_region(user, subject["region"])
    return subject["office"] is not None and can_view_office(user, subject["office"])


def _dashboard_build(params, progress):
    content, filename = dashboard_pdf(**_subject(params), period=parse_period(params.get("period")), progress=progress)
    return content, filename, PDF


DASHBOARD_PDF = "dashboard_pdf"
register_report(name=DASHBOARD_PDF, label=_("PDF dasbor"), build=_dashboard_build, allowed=_dashboard_allowed)


# --- jobs ------------------------------------------------------------------------------------


def report_job_start(*, user, kind, params) -> ReportJob:
    """Record a job and queue its task once the request commits (run here if the broker is down)."""
    params = {**params, "language": params.get("language") or translation.get_language() or "id"}
    job = ReportJob.objects.create(user=user, kind=kind, params=params, stage="queued")
    transaction.on_commit(lambda: _queue(job.pk))
    return job


def _queue(pk):
    from .tasks import report_generate

    try:
        report_generate.delay(str(pk))
    except Exception:  # no broker: make it now rather than never
        logger.warning("report job %s made in the web process: the queue is unavailable", pk, exc_info=True)
        report_job_run(pk)


def report_job_run(pk) -> ReportJob:
    """Make the report of job ``pk``, recording progress as it goes; a failure is recorded, not raised."""
    job = ReportJob.objects.get(pk=pk)
    kind = report_kind(job.kind)

    def progress(percent, stage):
        ReportJob.objects.filter(pk=pk).update(progress=percent, stage=stage, status=JobStatus.RUNNING)

    progress(5, "data")
    try:
        if kind is None:
            raise LookupError(f"unknown report kind {job.kind}")
        with translation.override(job.params.get("language", "id")):
            content, filename, content_type = kind.build(job.params, progress)
    except Exception as exc:
        logger.exception("report job %s failed", pk)
        ReportJob.objects.filter(pk=pk).update(
            status=JobStatus.FAILED, stage="failed", error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )  # fmt: skip
    else:
        ReportJob.objects.filter(pk=pk).update(
            status=JobStatus.DONE, stage="done", progress=100, content=content, filename=filename,
            content_type=content_type, finished_at=timezone.now(),
        )  # fmt: skip
    return ReportJob.objects.get(pk=pk)


def report_jobs_delete_old(*, days=None) -> int:
    """Delete jobs (and their files) older than ``REPORT_JOB_DAYS``; returns how many."""
    days = settings.REPORT_JOB_DAYS if days is None else days
    deleted, _detail = ReportJob.objects.filter(created_at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted
