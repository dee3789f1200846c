"""The dossier as report jobs (``coverage.reports.jobs``): made in Celery with progress, like the dashboard PDF."""

from regions.models import Region
from regions.selectors import can_read_dossier

from .dossier import dossier
from .dossier_files import DOCX, dossier_docx, dossier_filename, dossier_pdf

DOSSIER_PDF = "dossier_pdf"
DOSSIER_DOCX = "dossier_docx"


def _region(params):
    return Region.objects.filter(code=params.get("region", "")).first()


def dossier_allowed(user, params):
    region = _region(params)
    return region is not None and str(params.get("year", "")).isdigit() and can_read_dossier(user, region)


def _data(params, progress):
    progress(15, "data")
    return dossier(region=_region(params), year=int(params["year"]))


def dossier_build_pdf(params, progress):
    d = _data(params, progress)
    progress(60, "layout")
    return dossier_pdf(d), dossier_filename(d, "pdf"), "application/pdf"


def dossier_build_docx(params, progress):
    d = _data(params, progress)
    progress(60, "document")
    return dossier_docx(d), dossier_filename(d, "docx"), DOCX
