"""The one-page XLSX of a budget simulation, for the FGD with the Pemda.

Formula injection: every text cell goes through ``_text``, which neutralises a leading
``= + - @`` (or tab/CR) so that Excel shows it as text instead of evaluating it. Money is
written as whole Rupiah integers with an Indonesian-style number format.
"""

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from ucj_dashboard.formats import format_percent, format_period, months_label, safe_cell

RUPIAH_FORMAT = '"Rp"#,##0'
COUNT_FORMAT = "#,##0"


def _text(value) -> str:
    return safe_cell("" if value is None else str(value))


def _rupiah(value):
    return None if value is None else int(round(value))


def simulation_xlsx(*, simulation, scheme=None, categories=()) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    budget, whatif = simulation.budget, simulation.whatif
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Simulasi"
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")

    def add(*cells, style=None):
        sheet.append([_text(c) if isinstance(c, str) else c for c in cells])
        row = sheet.max_row
        if style == "head":
            for cell in sheet[row]:
                cell.font = bold
                cell.fill = head_fill
        elif style == "title":
            sheet.cell(row=row, column=1).font = Font(bold=True, size=14)
        elif style == "section":
            sheet.cell(row=row, column=1).font = bold
        return row

    def long_text(label, text):
        """A label and a long text across columns B to F, wrapped (legal bases, the baseline)."""
        row = add(label, text)
        sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=6)
        sheet.cell(row=row, column=2).alignment = Alignment(vertical="top", wrap_text=True)
        sheet.row_dimensions[row].height = 15 * (1 + len(str(text)) // 110)
        return row

    region = simulation.region
    add(_("Simulasi anggaran iuran BPJS Ketenagakerjaan"), style="title")
    add(f"{region.name} ({region.code})")
    add(_("Dibuat %(when)s") % {"when": timezone.localtime().strftime("%d-%m-%Y %H:%M")})
    add()
    add(_("Masukan"), style="section")
    add(_("Tahun anggaran"), simulation.year)
    add(_("Paket"), budget.package.name)
    add(_("Skema pendanaan"), scheme.name if scheme else "–")
    basis = simulation.legal_basis
    long_text(_("Dasar hukum"), basis.text if basis else _("Pilih skema pendanaan untuk mencantumkan dasar hukumnya."))
    if basis is not None and basis.yearly_missing:
        long_text("", _("Dasar hukum tahunan untuk TA %(year)s belum dicatat.") % {"year": basis.year})
    add(_("Kategori pekerja"), ", ".join(c.name for c in categories) or "–")
    add(_("Jumlah pekerja"), budget.workers)
    sheet.cell(row=sheet.max_row, column=2).number_format = COUNT_FORMAT
    period = months_label(budget.start_month, budget.end_month)
    add(_("Periode"), _("%(period)s (%(n)d bulan)") % {"period": period, "n": budget.months})
    if simulation.past_months:
        long_text(
            "",
            _("Bulan sudah lewat: %(months)s; kebutuhan target dihitung mulai %(start)s.")
            % {
                "months": months_label(simulation.past_months[0], simulation.past_months[-1]),
                "start": format_period(simulation.inverse_start) if simulation.inverse_start else "–",
            },
        )
    add()
    add(_("Anggaran"), style="section")
    add(_("Bulan"), _("Iuran per pekerja"), _("Pekerja"), _("Biaya"), style="head")
    past = set(simulation.past_months)
    for line in budget.lines:
        month = format_period(line.month)
        if line.month in past:
            month = "{} ({})".format(month, _("bulan sudah lewat"))
        row = add(month, _rupiah(line.premium), budget.workers, _rupiah(line.cost))
        sheet.cell(row=row, column=2).number_format = RUPIAH_FORMAT
        sheet.cell(row=row, column=3).number_format = COUNT_FORMAT
        sheet.cell(row=row, column=4).number_format = RUPIAH_FORMAT
    row = add(_("Total anggaran"), None, None, _rupiah(budget.total))
    sheet.cell(row=row, column=1).font = bold
    sheet.cell(row=row, column=4).font = bold
    sheet.cell(row=row, column=4).number_format = RUPIAH_FORMAT
    add()

    add(_("Dampak pada cakupan"), style="section")
    if whatif is None:
        message = _("Belum ada angka cakupan yang dilaporkan untuk wilayah ini sebelum TA %(year)s.")
        add(message % {"year": simulation.year})
    else:
        before, after = whatif.before, whatif.after
        long_text(_("Data dasar"), simulation.baseline.describe())
        add("", _("Data dasar"), _("Dengan batch"), style="head")
        for label, first, second in (
            (_("Peserta aktif"), before.active_total, after.active_total),
            (_("Cakupan total"), format_percent(before.coverage_total), format_percent(after.coverage_total)),
            (_("Cakupan BPU"), format_percent(before.coverage_bpu), format_percent(after.coverage_bpu)),
            (_("Peringkat dalam wilayah induk"), before.rank_in_parent, after.rank_in_parent),
            (_("Peringkat nasional"), before.rank_national, after.rank_national),
        ):
            row = add(label, first, second)
            for column in (2, 3):
                if isinstance(sheet.cell(row=row, column=column).value, int):
                    sheet.cell(row=row, column=column).number_format = COUNT_FORMAT
    add()
    targets = list(simulation.targets) + ([simulation.custom_target] if simulation.custom_target else [])
    if targets:
        if simulation.inverse_start:
            title = _("Target %(year)s (didanai mulai %(month)s, %(n)d bulan)") % {
                "year": simulation.year,
                "month": format_period(simulation.inverse_start),
                "n": simulation.inverse_months,
            }
        else:
            title = _("Target %(year)s (tahun anggaran sudah lewat)") % {"year": simulation.year}
        add(title, style="section")
        add(_("Seri"), _("Target"), _("Kekurangan pada data dasar"), _("Kekurangan dengan batch"),
            _("Pekerja perlu didanai"), _("Biaya"), style="head")  # fmt: skip
        for target in targets:
            row = add(
                target.series,
                format_percent(target.target_percent)
                if target.target_percent is not None
                else target.target_participants,
                target.gap_before,
                target.gap_after,
                target.needed_workers,
                _rupiah(target.needed_cost),
            )
            for column in (3, 4, 5):
                sheet.cell(row=row, column=column).number_format = COUNT_FORMAT
            sheet.cell(row=row, column=6).number_format = RUPIAH_FORMAT
    add()
    add(_("Biaya = pekerja x bulan x iuran paket yang berlaku pada tiap bulan."))

    for letter, width in zip("ABCDEF", (34, 20, 18, 22, 20, 20), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows():
        for cell in row:
            wrap = cell.column == 1 or bool(cell.alignment and cell.alignment.wrap_text)
            cell.alignment = Alignment(vertical="top", wrap_text=wrap)
    # One page for the FGD: A4 landscape, fitted to a single page.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_area = f"A1:F{sheet.max_row}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
