"""The participant-count importer: a spreadsheet to checked cell changes, applied all-or-nothing.

It reads the long format (``kode_wilayah``/``nama_wilayah``, ``periode``, ``segmen``,
``peserta_aktif``, optional ``peserta_terdaftar``, ``peserta_baru``, ``peserta_nonaktif`` and
``catatan``, a note such as "pendaftaran massal APBD") and the wide template this module writes
(one row per region, one column per segment and measure). Reading the file is
``ucj_dashboard.spreadsheets``; regions are resolved by ``regions.resolver``; validation and
saving are ``coverage.entry.services``.
"""

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from regions.resolver import RegionResolveError, RegionResolver, region_label
from ucj_dashboard.formats import NumberFormatError, format_number, format_period, safe_cell
from ucj_dashboard.spreadsheets import (
    MAX_UPLOAD_BYTES,
    RowError,
    SpreadsheetError,
    frame_records,
    parse_count,
    parse_period,
    read_bytes,
    read_spreadsheet,
)

from ..models import ImportBatch, ImportKind, ImportStatus
from . import reasons
from . import services as entry_services
from .selectors import entry_grid_rows
from .services import CellChange

# --- participant counts -----------------------------------------------------------------------

SEGMENTS = ("PU", "BPU", "JAKON", "PMI")
MEASURES = {
    # column -> ParticipantCount field
    "peserta_aktif": "active",
    "peserta_terdaftar": "registered",
    "peserta_baru": "new_registrations",
    "peserta_nonaktif": "lapsed",
}
FIELD_COLUMNS = {field_name: column for column, field_name in MEASURES.items()}
LONG_COLUMNS = ["kode_wilayah", "nama_wilayah", "periode", "segmen", *MEASURES, "catatan"]
WIDE_MEASURE_COLUMNS = [f"{column}_{segment.lower()}" for segment in SEGMENTS for column in MEASURES]
TEMPLATE_COLUMNS = ["kode_wilayah", "nama_wilayah", "periode", *WIDE_MEASURE_COLUMNS]
_SEGMENT_ALIASES = {"PU": "PU", "BPU": "BPU", "JAKON": "JAKON", "JASA KONSTRUKSI": "JAKON", "PMI": "PMI"}


@dataclass
class ImportReport:
    """What an import found (dry run) or did (apply). Rendered by the page and the command."""

    filename: str
    sha256: str
    rows_read: int = 0
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    check: object = None  # coverage.entry.services.CheckResult
    applied: bool = False
    saved: object = None  # coverage.entry.services.SaveResult

    @property
    def ok(self):
        return not self.errors


def _column_label(frame, column):
    return frame.attrs.get("columns", {}).get(column, column)


def counts_from_frame(frame, *, resolver, errors):
    """Turn the rows of a long or wide sheet into ``CellChange`` objects; problems go to ``errors``."""
    columns = set(frame.columns)
    wide = bool(columns & set(WIDE_MEASURE_COLUMNS))
    if "kode_wilayah" not in columns and "nama_wilayah" not in columns:
        errors.append(RowError(None, "kode_wilayah", "", _("Kolom kode_wilayah atau nama_wilayah wajib ada.")))
    if "periode" not in columns:
        errors.append(RowError(None, "periode", "", _("Kolom periode wajib ada.")))
    if not wide and not {"segmen", "peserta_aktif"} <= columns:
        errors.append(RowError(None, "segmen", "", _("Kolom segmen dan peserta_aktif wajib ada.")))
    if errors:
        return []

    resolver.prefetch(codes=frame["kode_wilayah"].tolist() if "kode_wilayah" in columns else [])
    changes = []
    seen = {}
    for row_number, record in frame_records(frame):
        code, name = record.get("kode_wilayah", ""), record.get("nama_wilayah", "")
        try:
            region = resolver.resolve(code=code, name=name)
        except RegionResolveError as exc:
            column = "kode_wilayah" if code else "nama_wilayah"
            errors.append(RowError(row_number, column, code or name, str(exc), rule="out_of_scope"))
            continue
        try:
            period = parse_period(record["periode"])
        except ValueError as exc:
            errors.append(RowError(row_number, "periode", record["periode"], str(exc)))
            continue
        if wide:
            parts = [(segment, {col: record.get(f"{col}_{segment.lower()}", "") for col in MEASURES}, segment.lower())
                     for segment in SEGMENTS]  # fmt: skip
        else:
            segment = _SEGMENT_ALIASES.get(record["segmen"].strip().upper())
            if segment is None:
                reason = _("segmen harus salah satu dari PU, BPU, JAKON, PMI")
                errors.append(RowError(row_number, "segmen", record["segmen"], reason))
                continue
            parts = [(segment, {col: record.get(col, "") for col in MEASURES}, None)]
        for segment, cells, suffix in parts:
            change = _change_from_cells(
                cells, row_number=row_number, suffix=suffix, frame=frame, errors=errors, wide=wide
            )
            if change is None:
                continue
            key = (region.pk, period, segment)
            if key in seen:
                errors.append(
                    RowError(
                        row_number,
                        "kode_wilayah",
                        region.code,
                        _("Baris duplikat: %(region)s, %(period)s, %(segment)s sudah ada di baris %(first)s.")
                        % {
                            "region": region_label(region),
                            "period": f"{period:%Y-%m}",
                            "segment": segment,
                            "first": seen[key],
                        },
                        rule="duplicate_row",
                    )
                )
                continue
            seen[key] = row_number
            note = (record.get("catatan") or "").strip() or None
            changes.append(
                CellChange(
                    region=region,
                    period=period,
                    segment=segment,
                    values=change,
                    row=row_number,
                    column_suffix=suffix,
                    note=note,
                )
            )
    return changes


def _change_from_cells(cells, *, row_number, suffix, frame, errors, wide):
    values, bad = {}, False
    for column, text in cells.items():
        label = f"{column}_{suffix}" if suffix else column
        try:
            number = parse_count(text)
        except NumberFormatError as exc:
            errors.append(RowError(row_number, _column_label(frame, label), text, str(exc)))
            bad = True
            continue
        if number is not None:
            values[MEASURES[column]] = number
    if bad:
        return None
    if not values:
        if wide:
            return None  # a template row or segment left empty: nothing to import
        errors.append(RowError(row_number, "peserta_aktif", "", _("peserta_aktif wajib diisi")))
        return None
    if "active" not in values:
        label = f"peserta_aktif_{suffix}" if suffix else "peserta_aktif"
        errors.append(RowError(row_number, label, "", _("peserta_aktif wajib diisi")))
        return None
    return values


def counts_import(*, file, filename, user, dry_run=True, submit=False, acknowledge_warnings=False, fingerprint=None):
    """Read, check and (unless ``dry_run``) apply a count spreadsheet, all-or-nothing.

    ``fingerprint`` (from a previous dry run) makes apply refuse when the data changed since
    the user saw the diff. Warnings block the apply until ``acknowledge_warnings``.
    """
    data = read_bytes(file)
    report = ImportReport(filename=str(filename), sha256=hashlib.sha256(data).hexdigest())
    try:
        frame = read_spreadsheet(data, filename, expected_columns=["kode_wilayah", "nama_wilayah"])
    except SpreadsheetError as exc:
        report.errors.append(RowError(None, "", "", str(exc)))
        return report
    report.rows_read = len(frame)
    report.notes.extend(frame.attrs["skipped"])
    resolver = RegionResolver(user)
    changes = counts_from_frame(frame, resolver=resolver, errors=report.errors)
    if report.errors:
        # Report the rule problems of the readable rows too, so one round of fixes is enough.
        check = entry_services.participant_counts_check(changes=changes, user=user, submit=submit, with_impact=False)
        report.errors.extend(_violations_as_row_errors(check, "error"))
        report.warnings.extend(_violations_as_row_errors(check, "warning"))
        report.errors.sort(key=lambda error: error.row or 0)
        return report

    with transaction.atomic():
        # The impact is the dry run's: an apply saves and recomputes for real.
        check = entry_services.participant_counts_check(
            changes=changes, user=user, submit=submit, lock=not dry_run, with_impact=dry_run
        )
        report.check = check
        report.errors.extend(_violations_as_row_errors(check, "error"))
        report.warnings.extend(_violations_as_row_errors(check, "warning"))
        if dry_run or report.errors:
            return report
        if fingerprint and fingerprint != check.fingerprint:
            report.errors.append(
                RowError(None, "", "", _("Data berubah sejak uji coba; jalankan uji coba lagi sebelum menerapkan."))
            )
            return report
        if report.warnings and not acknowledge_warnings:
            reason = _("Ada peringatan yang belum dikonfirmasi; centang konfirmasi untuk menerapkan.")
            report.errors.append(RowError(None, "", "", reason))
            return report
        try:
            report.saved = entry_services.participant_counts_save_many(
                changes=changes,
                user=user,
                reason=reasons.reason(reasons.IMPORT, Path(str(filename)).name),
                submit=submit,
                checked=check,
            )
        except ValidationError as exc:
            report.errors.extend(RowError(None, "", "", message) for message in exc.messages)
            return report
        report.applied = True
    return report


def _violations_as_row_errors(check, severity):
    out = []
    for plan in check.plans:
        for violation in plan.violations:
            if violation.blocking != (severity == "error") or violation.severity == "info":
                continue
            column = FIELD_COLUMNS.get(violation.field, "peserta_aktif")
            if plan.change.column_suffix:
                column = f"{column}_{plan.change.column_suffix}"
            value = plan.new.get(violation.field)
            out.append(
                RowError(
                    plan.change.row,
                    column,
                    "" if value is None else format_number(value) if isinstance(value, int) else str(value),
                    violation.message,
                    severity=severity,
                    rule=violation.rule,
                )
            )
    return out


# --- template ---------------------------------------------------------------------------------


def counts_template(*, region, period, user) -> bytes:
    """The .xlsx template for ``region`` and its children for one month, pre-filled with codes,
    names and the current figures, so that importing it unchanged changes nothing."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    rows = entry_grid_rows(region=region, period=period)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(TEMPLATE_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in rows:
        values = [row.region.code, safe_cell(row.region.name), f"{period:%Y-%m}"]
        for segment in SEGMENTS:
            count = row.counts.get(segment)
            for field_name in MEASURES.values():
                values.append(getattr(count, field_name) if count else None)
        sheet.append(values)
    for row_cells in sheet.iter_rows(min_row=2, max_col=3):
        for cell in row_cells:
            cell.number_format = "@"  # codes and "2025-05" stay text in Excel
    sheet.freeze_panes = "D2"
    for index, name in enumerate(TEMPLATE_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(name) + 2)
    sheet.column_dimensions["B"].width = 28

    guide = workbook.create_sheet("Petunjuk")
    for line in [
        _("Templat entri jumlah peserta %(region)s, %(period)s.")
        % {"region": region.name, "period": format_period(period)},
        _("Isi angka per wilayah (baris) dan segmen (kolom). Angka boleh bertitik ribuan: 134.167."),
        _("Jangan ubah kode_wilayah dan periode. Kolom yang dikosongkan tidak diubah."),
        _(
            "peserta_aktif wajib diisi untuk segmen yang diisi; peserta_terdaftar, peserta_baru dan "
            "peserta_nonaktif boleh kosong."
        ),  # fmt: skip
        _("Unggah berkas ini di halaman Impor: uji coba dulu, periksa perubahan, lalu terapkan."),
    ]:
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- spreadsheet import -----------------------------------------------------------------------


def stage_upload(*, kind, user, file, filename, run, summary, **fields):
    """The dry run every import page shares: the size limit, ``run(data)`` (the importer's dry run),
    and when it has no errors the file kept in an ``ImportBatch`` of ``kind`` for the apply (``summary``
    of the report, ``fields`` for the batch). Returns ``(batch or None, report)``."""
    size = getattr(file, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        report = ImportReport(filename=str(filename), sha256="")
        report.errors.append(
            RowError(None, "", "", _("Berkas terlalu besar; batasnya %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES >> 20})
        )
        return None, report
    data = file.read() if hasattr(file, "read") else bytes(file)
    report = run(data)
    if not report.ok:
        return None, report
    batch = ImportBatch.objects.create(
        kind=kind,
        user=user,
        filename=str(filename)[:255],
        sha256=report.sha256,
        content=data,
        fingerprint=report.check.fingerprint,
        rows_read=report.rows_read,
        summary=summary(report),
        **fields,
    )
    return batch, report


def import_batch_preview(*, user, file, filename, submit=False):
    """Dry run of an uploaded file; when it has no errors the file is kept for the apply.

    Returns ``(batch or None, report)``; nothing is written to the counts.
    """
    return stage_upload(
        kind=ImportKind.PEMDA_COUNTS, user=user, file=file, filename=filename, submit=submit,
        run=lambda data: counts_import(file=data, filename=filename, user=user, dry_run=True, submit=submit),
        summary=_import_summary,
    )  # fmt: skip


def import_batch_apply(*, batch, user, acknowledge_warnings=False):
    """Apply a previewed file, all-or-nothing; refused if the data changed since the dry run."""
    if batch.user_id != user.pk:
        raise PermissionDenied(_("Berkas ini diunggah oleh pengguna lain."))
    if batch.status != ImportStatus.PREVIEWED:
        raise ValidationError(_("Berkas ini sudah diterapkan; unggah lagi untuk impor baru."))
    with transaction.atomic():
        report = counts_import(
            file=bytes(batch.content),
            filename=batch.filename,
            user=user,
            dry_run=False,
            submit=batch.submit,
            acknowledge_warnings=acknowledge_warnings,
            fingerprint=batch.fingerprint,
        )
        if report.applied:
            batch.status, batch.applied_at = ImportStatus.APPLIED, timezone.now()
            batch.summary = _import_summary(report)
            batch.save(update_fields=["status", "applied_at", "summary"])
    return report


def _import_summary(report):
    check = report.check
    summary = {"rows": report.rows_read, "errors": len(report.errors), "warnings": len(report.warnings)}
    if check is not None:
        summary |= {"created": check.created, "updated": check.updated, "unchanged": check.unchanged}
    return summary
