"""The completeness and timeliness matrix of the submission tracker as CSV or XLSX
(``ucj_dashboard.downloads``: Indonesian CSV, formulas escaped by ``formats.safe_cell``)."""

from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ucj_dashboard.downloads import csv_response, xlsx_response

from . import selectors
from .completeness import LATE, ON_TIME, completeness_matrix
from .views import _period_from, _require


@login_required
@require_GET
def completeness_export(request, fmt):
    """The tracker's 12 months up to ?periode= for the units the user follows: a row per unit (its status
    each month), then the rates of all the units and of each BPJS branch, with their counts."""
    _require(selectors.can_see_tracker(request.user))
    period = _period_from(request)
    header, rows = completeness_rows(completeness_matrix(end=period, user=request.user))
    name = f"kelengkapan-laporan-ucj-{period:%Y-%m}"
    if fmt == "xlsx":
        return xlsx_response(header, rows, name, sheet_title=_("Kelengkapan"))
    return csv_response(header, rows, name)


def _rounded(value):
    return None if value is None else round(value, 2)


def _rate_rows(code, label, rates):
    return [
        [code, f"{label}: {_('diharapkan')}", *[rate.expected for rate in rates]],
        [code, f"{label}: {_('melapor')}", *[rate.reported for rate in rates]],
        [code, f"{label}: {_('tepat waktu')}", *[rate.on_time for rate in rates]],
        [code, f"{label}: {_('tingkat pelaporan (%)')}", *[_rounded(rate.reported_percent) for rate in rates]],
        [code, f"{label}: {_('tepat waktu (%)')}", *[_rounded(rate.on_time_percent) for rate in rates]],
    ]


def completeness_rows(matrix):
    """``(header, rows)``: months as YYYY-MM (never localised), a unit's cell "tepat waktu", "terlambat"
    or "belum melapor"; the rates as numbers (percent, two decimals)."""
    labels = {ON_TIME: _("tepat waktu"), LATE: _("terlambat")}
    header = [_("Kode"), _("Wilayah"), *[f"{month:%Y-%m}" for month in matrix.months]]
    rows = [
        [row.region.code, row.region.name, *[labels.get(cell, _("belum melapor")) for cell in row.cells]]
        for row in matrix.rows
    ]
    rows += _rate_rows("", _("Semua wilayah"), matrix.totals)
    for branch in matrix.branches:
        rows += _rate_rows(branch.office.code, _("Cabang %(name)s") % {"name": branch.office.name}, branch.rates)
    return header, rows
