"""The dossier as files: a PDF (the reports' WeasyPrint renderer) and a DOCX the Pemda can edit.

Both print the same ``programs.dossier.dossier()`` data with the same Indonesian formats. The DOCX
carries the tables and the Pemda's notes as ordinary paragraphs (no chart: Word has no SVG
renderer of its own here; the monthly table holds the trend's figures).
"""

import io

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coverage.reports.pdf import render_pdf
from ucj_dashboard.formats import (
    EMPTY,
    format_number,
    format_percent,
    format_period,
    format_rupiah,
)

NOTE_SECTIONS = (
    ("summary", gettext_lazy("Ringkasan capaian")),
    ("implementation", gettext_lazy("Pelaksanaan regulasi")),
    ("obstacles", gettext_lazy("Kendala")),
    ("recommendations", gettext_lazy("Rekomendasi dan tindak lanjut")),
)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def dossier_filename(d, extension):
    return f"dosir-ucj-{d['region'].code}-{d['year']}.{extension}"


def dossier_pdf(d) -> bytes:
    return render_pdf("programs/dossier/dossier.html", {"d": d, "title": d["region"].name,
                      "generated_at": d["generated_at"], "demo_mode": settings.DEMO_MODE})  # fmt: skip


def _rank(rank, total):
    return f"{format_number(rank)} / {format_number(total)}" if rank else EMPTY


def _table(document, caption, header, rows):
    document.add_paragraph(caption, style="Caption") if caption else None
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(text)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = "" if text is None else str(text)
    if not rows:
        table.add_row().cells[0].text = EMPTY
    return table


def dossier_docx(d) -> bytes:
    from docx import Document

    document = Document()
    region, year = d["region"], d["year"]
    document.add_heading(_("Dosir Paritrana dan Monev UCJ"), level=0)
    document.add_paragraph(f"{region.name} ({region.code}) · {_('Tahun')} {year}")
    latest = d["latest"]
    if latest is None:
        document.add_paragraph(_("Belum ada bulan tahun %(year)s yang dipublikasikan.") % {"year": year})
    else:
        document.add_paragraph(
            _("Angka yang dipublikasikan: %(n)s dari 12 bulan, terakhir %(last)s (revisi %(rev)s).")
            % {"n": len(d["months"]), "last": format_period(latest["period"]), "rev": latest["revision"]}
        )
        document.add_heading(_("Capaian %(period)s") % {"period": format_period(latest["period"])}, level=1)
        for label, value in (
            (_("Cakupan total"), f"{format_percent(latest['coverage_total'])} = {format_number(latest['active_total'])}"
             f" {_('dari')} {format_number(latest['workers_total'])} {_('penduduk bekerja')}"),
            (_("Cakupan PU"), format_percent(latest["coverage_pu"])),
            (_("Cakupan BPU"), format_percent(latest["coverage_bpu"])),
            (_("Kategori"), str(latest["category_label"] or EMPTY)),
            (_("Peringkat di provinsi"), _rank(latest["rank_in_parent"], latest["ranked_in_parent"])),
            (_("Peringkat nasional"), _rank(latest["rank_national"], latest["ranked_national"])),
        ):  # fmt: skip
            document.add_paragraph(f"{label}: {value}", style="List Bullet")
        _table(
            document,
            _("Cakupan per bulan (angka yang dipublikasikan)"),
            [
                _("Bulan"),
                _("Cakupan"),
                "PU",
                "BPU",
                _("Peserta aktif"),
                _("Peringkat provinsi"),
                _("Peringkat nasional"),
                _("Revisi"),
            ],  # fmt: skip
            [
                [
                    format_period(m["period"]),
                    format_percent(m["coverage_total"]),
                    format_percent(m["coverage_pu"]),
                    format_percent(m["coverage_bpu"]),
                    format_number(m["active_total"]),
                    _rank(m["rank_in_parent"], m["ranked_in_parent"]),
                    _rank(m["rank_national"], m["ranked_national"]),
                    m["revision"],
                ]  # fmt: skip
                for m in d["months"]
            ],
        )
        document.add_heading(_("Target dan capaian"), level=1)
        _table(
            document,
            "",
            [_("Seri target"), _("Sumber"), _("Target"), _("Target peserta"), _("Capaian"), _("Kesenjangan")],
            [
                [
                    t["series_name"],
                    t["source"] or EMPTY,
                    format_percent(t["target_percent"]),
                    format_number(t["target_participants"]),
                    format_percent(t["attainment"]),
                    format_number(t["gap_participants"]),
                ]  # fmt: skip
                for t in d["targets"]
            ],
        )
    funding = d["funding"]
    document.add_heading(_("Pekerja rentan didanai, TA %(year)s") % {"year": year}, level=1)
    _table(
        document,
        _("Per skema dan kategori pekerja"),
        [_("Skema"), _("Kategori"), _("Batch"), _("Pekerja"), _("Belanja iuran")],
        [
            [
                r["scheme__name"],
                r["category__name"],
                format_number(r["batches"]),
                format_number(r["workers"]),
                format_rupiah(r["spend"]),
            ]
            for r in funding["by_category"]
        ],  # fmt: skip
    )
    commitments = d["commitments"]
    document.add_heading(_("Komitmen Inpres 2/2021"), level=1)
    _table(
        document,
        _("Regulasi yang diterbitkan"),
        [_("Jenis"), _("Nomor"), _("Tanggal"), _("Tentang")],
        [
            [r.get_kind_display(), r.number, f"{r.issued_on.day} {format_period(r.issued_on)}", r.title]
            for r in commitments["regulations"]
        ],  # fmt: skip
    )
    _table(
        document,
        _("Alokasi APBD dan APBDes"),
        [_("TA"), _("Skema"), _("Alokasi"), _("Pekerja direncanakan"), _("Realisasi")],
        [
            [
                a.fiscal_year,
                a.scheme.name,
                format_rupiah(a.amount),
                format_number(a.workers),
                format_percent(a.realisation),
            ]
            for a in commitments["allocations"]
        ],  # fmt: skip
    )
    document.add_heading(_("Catatan Pemda"), level=1)
    note = d["note"]
    for field, label in NOTE_SECTIONS:
        document.add_heading(label, level=2)
        document.add_paragraph(getattr(note, field, "") or _("(tulis di sini)"))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
