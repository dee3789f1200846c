"""The league table as CSV or XLSX, safe from formula injection (``ucj_dashboard.formats.safe_cell``)."""

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.translation import gettext as _

from ucj_dashboard.downloads import XLSX_TYPE, csv_response, xlsx_response
from ucj_dashboard.formats import month_name, safe_cell

from ..models import DenominatorBasis
from . import scorecard, selectors
from .filters import Filters
from .views import league_query, scorecard_query


@login_required
def league_table_export(request, fmt):
    filters = Filters.from_query(request.GET, spans=True)
    query = league_query(request)
    data = selectors.league_table(period=filters.period, segment=filters.segment, span=filters.span, **query)
    header, rows = _export_rows(data)
    name = "-".join(
        part
        for part in (
            "peringkat-ucj",
            query["group"][0] if query["group"] else "",  # a peer group's code: [a-z0-9_-]
            data["span"].key if data["span"] else (f"{data['period']:%Y-%m}" if data["period"] else ""),
        )
        if part
    )
    if fmt == "xlsx":
        return xlsx_response(header, rows, name, sheet_title=_("Peringkat"))
    return csv_response(header, rows, name)


def _export_rows(data):
    header = [
        _("Peringkat"), _("Kode"), _("Nama"), _("Periode"), _("Peserta aktif"), _("Penduduk bekerja"),
        _("Cakupan total (%)"), _("Cakupan PU (%)"), _("Cakupan BPU (%)"), _("Target sendiri"), _("Target (%)"),
        _("Target (peserta)"), _("Kesenjangan (peserta)"), _("Capaian target (%)"), _("Perubahan sebulan (pp)"),
        _("Perubahan setahun (pp)"), _("Perubahan peringkat"), _("Kategori"), _("Status"), _("Sumber penyebut"),
        _("Sumber target"),
        _("Cakupan PU sebulan (pp)"), _("Cakupan PU setahun (pp)"), _("Cakupan BPU sebulan (pp)"),
        _("Cakupan BPU setahun (pp)"),
        *[f"{label} {when} (%)" for label in (_("Peserta"), "PU", "BPU", "Jakon", "PMI")
          for when in (_("sebulan"), _("setahun"))],
        _("Rentang"), _("Peserta baru"), _("Nonaktif"),
    ]  # fmt: skip
    span = data["span"].key if data.get("span") else None
    rows = []
    for row in data["rows"]:
        target = row["own_target"] or {}
        status = _("sementara") if row["is_provisional"] else _("terverifikasi")
        if row["is_carried"]:
            status = _("belum melapor, angka %(period)s") % {"period": f"{row['carried_from']:%Y-%m}"}
        if row["is_revised"]:
            status = f"{status}, {_('revisi')} {row['revision']}"
        rows.append(
            [
                row["position"], row["code"], row["name"], f"{row['period']:%Y-%m}", row["active_total"],
                row["workers_total"], _round(row["coverage_total"]), _round(row["coverage_pu"]),
                _round(row["coverage_bpu"]), target.get("series_name", ""), target.get("target_percent"),
                target.get("target_participants"), target.get("gap_participants"), _round(row["attainment"]),
                _round(row["delta_mom_pp"]), _round(row["delta_yoy_pp"]), row["rank_change"],
                str(row["category_label"]), status, _denominator_source(row), target.get("source", ""),
                _round(row["delta_mom_pp_pu"]), _round(row["delta_yoy_pp_pu"]), _round(row["delta_mom_pp_bpu"]),
                _round(row["delta_yoy_pp_bpu"]),
                *[_round(row[f"growth_{when}_{segment}"]) for segment in ("total", "pu", "bpu", "jakon", "pmi")
                  for when in ("mom", "yoy")],
                span or f"{row['period']:%Y-%m}", row["new_total"], row["lapsed_total"],
            ]
        )  # fmt: skip
    return [str(h) for h in header], rows


def _denominator_source(row):
    """The denominator's source as a reader would say it (a sum is labelled, in the reader's language)."""
    if row["denominator_basis"] in (DenominatorBasis.CHILDREN, DenominatorBasis.TERRITORY):
        return str(DenominatorBasis(row["denominator_basis"]).label)
    return row["denominator_source"]


def _round(value, digits=2):
    return None if value is None else round(value, digits)


@login_required
def scorecard_export(request):
    """The scorecard as XLSX: a row per region, a column per month (coverage in %), each month's cell
    filled with its category band's colour, then the rank and attainment of the year's stock month."""
    from openpyxl import Workbook
    from openpyxl.styles import PatternFill

    query = scorecard_query(request)
    data = scorecard.scorecard(**query)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Kartu skor")
    header = [_("Peringkat"), _("Kode"), _("Nama"), *[month_name(m.month) for m in data["months"]]]
    header += [_("Kategori"), _("Cakupan (%)"), _("Capaian target (%)"), _("Bulan stok")]
    sheet.append([safe_cell(str(h)) for h in header])
    fills = {band: PatternFill("solid", fgColor=colour) for band, colour in scorecard.BAND_COLOURS.items()}
    for row in data["rows"]:
        cells = [_round(cell["coverage"]) if cell else None for cell in row["cells"]]
        sheet.append(
            [
                row["position"], safe_cell(row["code"]), safe_cell(row["name"]), *cells,
                str(row["category_label"]), _round(row["seg"]["coverage"]), _round(row["attainment"]),
                f"{row['period']:%Y-%m}",
            ]
        )  # fmt: skip
        for column, cell in enumerate(row["cells"], start=4):
            if cell and cell["category"] in fills:
                sheet.cell(row=sheet.max_row, column=column).fill = fills[cell["category"]]
    buffer = io.BytesIO()
    workbook.save(buffer)
    parts = ["kartu-skor-ucj", query["group"][0] if query["group"] else "", str(data["year"])]
    name = "-".join(part for part in parts if part)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
