"""Bulk loads of the reference figures: target values and denominators (admins only).

The importer's pattern (``coverage.entry.importer``): a spreadsheet read by ``ucj_dashboard.spreadsheets``
(its limits), per-row errors in Indonesian, a dry run with the diff (old -> new), and an apply that
writes every row or none. Unchanged rows are skipped, so loading a file twice changes nothing.

- Targets: ``seri`` (the series code, e.g. ``rpjmn-2025-2029``), ``kode_wilayah``, ``tahun``,
  ``target_persen`` and/or ``target_peserta``, optional ``sumber`` (the source document). A stored
  value is replaced (its history kept by django-simple-history); the engine recomputes the year.
- Denominators: ``kode_wilayah`` (a kab/kota), ``tahun``, optional ``kelompok`` (TOTAL, PU, BPU;
  default TOTAL), ``penduduk_bekerja``, ``sumber`` (e.g. "Sakernas Agustus 2024"), optional ``catatan``.
  A change adds a revision through ``regions.services.denominator_add``, which announces
  ``regions.signals.denominator_changed`` (the engine recomputes the year).
"""

import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from regions.models import Level, Region, SegmentGroup
from regions.selectors import user_is_admin
from regions.services import denominator_add
from ucj_dashboard.formats import NumberFormatError, parse_number
from ucj_dashboard.spreadsheets import (
    RowError,
    SpreadsheetError,
    frame_records,
    parse_count,
    read_bytes,
    read_spreadsheet,
)

from ..engine import recompute_schedule
from ..models import ImportKind, ImportStatus, LatestDenominator, TargetSeries, TargetValue
from .importer import ImportReport, stage_upload

MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass
class ReferenceRow:
    """One row to load: its key, the stored values and the new ones."""

    row: int
    region: Region
    year: int
    key: str  # the series code or the segment group
    old: dict
    new: dict
    extra: dict = field(default_factory=dict)

    @property
    def action(self):
        if not any(value is not None for value in self.old.values()):
            return "create"
        return "unchanged" if self.old == self.new else "update"

    @property
    def diff(self):
        return [(name, self.old.get(name), value) for name, value in self.new.items() if self.old.get(name) != value]


@dataclass
class ReferenceCheck:
    rows: list

    def _count(self, action):
        return sum(1 for row in self.rows if row.action == action)

    created = property(lambda self: self._count("create"))
    updated = property(lambda self: self._count("update"))
    unchanged = property(lambda self: self._count("unchanged"))

    @property
    def changed(self):
        return [row for row in self.rows if row.action != "unchanged"]

    @property
    def fingerprint(self):
        """The stored values the diff was made against: an apply refuses if they changed since the dry run."""
        state = sorted(
            (row.row, row.region.code, row.year, row.key, sorted((k, str(v)) for k, v in row.old.items()))
            for row in self.rows
        )
        return hashlib.sha256(repr(state).encode()).hexdigest()


def _stale(report, fingerprint):
    """True (and the report says why) when the stored values changed since the dry run."""
    if fingerprint and fingerprint != report.check.fingerprint:
        report.errors.append(
            RowError(None, "", "", _("Data berubah sejak uji coba; jalankan uji coba lagi sebelum menerapkan."))
        )
        return True
    return False


def _year(text):
    try:
        year = int(str(text).strip())
    except ValueError:
        year = 0
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(_("tahun harus antara %(min)s dan %(max)s") % {"min": MIN_YEAR, "max": MAX_YEAR})
    return year


def _percent(text):
    if str(text or "").strip() == "":
        return None
    try:
        value = parse_number(str(text).replace("%", ""), integer=False)
    except (NumberFormatError, InvalidOperation) as exc:
        raise ValueError(str(exc)) from exc
    if not Decimal(0) <= value <= Decimal(100):
        raise ValueError(_("persen harus antara 0 dan 100"))
    return Decimal(value).quantize(Decimal("0.01"))


def _read(file, filename, required):
    data = read_bytes(file)
    report = ImportReport(filename=str(filename), sha256=hashlib.sha256(data).hexdigest())
    try:
        frame = read_spreadsheet(data, filename, expected_columns=["kode_wilayah"])
    except SpreadsheetError as exc:
        report.errors.append(RowError(None, "", "", str(exc)))
        return report, None
    report.rows_read = len(frame)
    report.notes.extend(frame.attrs["skipped"])
    missing = [column for column in required if column not in frame.columns]
    if missing:
        report.errors.append(
            RowError(None, missing[0], "", _("Kolom wajib tidak ada: %(columns)s.") % {"columns": ", ".join(missing)})
        )
        return report, None
    return report, frame


def _require_admin(user):
    if not user_is_admin(user):
        raise PermissionDenied(_("Hanya admin yang dapat memuat target dan penyebut."))


def _regions(frame):
    codes = {"".join(str(code).split()) for code in frame["kode_wilayah"].tolist()}
    return {region.code: region for region in Region.objects.filter(code__in=codes)}


def _region(regions, code, row_number, errors, *, level=None):
    code = "".join(str(code).split())
    region = regions.get(code)
    if region is None:
        errors.append(
            RowError(row_number, "kode_wilayah", code, _("Kode wilayah %(code)s tidak dikenal.") % {"code": code})
        )
        return None
    if level is not None and region.level != level:
        errors.append(
            RowError(
                row_number,
                "kode_wilayah",
                code,
                _("Penyebut dimuat per kab/kota; %(region)s bukan kab/kota.")
                % {"region": f"{region.code} {region.name}"},
            )
        )
        return None
    return region


def _duplicate(seen, key, row_number, errors, code):
    if key in seen:
        errors.append(
            RowError(
                row_number,
                "kode_wilayah",
                code,
                _("Baris duplikat: sudah ada di baris %(first)s.") % {"first": seen[key]},
            )
        )
        return True
    seen[key] = row_number
    return False


def _schedule(rows, reason):
    """Every month of each changed year: the changed regions, or the whole months above 20 regions."""
    from datetime import date

    by_year = {}
    for row in rows:
        by_year.setdefault(row.year, {})[row.region.pk] = row.region
    for year, regions in by_year.items():
        months = [date(year, month, 1) for month in range(1, 13)]
        if len(regions) > 20:
            recompute_schedule(region=None, periods=months, reason=reason)
        else:
            for region in regions.values():
                recompute_schedule(region=region, periods=months, reason=reason)


# --- targets ----------------------------------------------------------------------------------


def targets_import(*, file, filename, user, dry_run=True, fingerprint=None) -> ImportReport:
    """Read, check and (unless ``dry_run``) apply target values, all-or-nothing (admins only)."""
    _require_admin(user)
    report, frame = _read(file, filename, ("seri", "kode_wilayah", "tahun"))
    if frame is None:
        return report
    errors = report.errors
    series = {s.code: s for s in TargetSeries.objects.all()}
    regions = _regions(frame)
    rows, seen = [], {}
    for row_number, record in frame_records(frame):
        code = record.get("seri", "").strip().lower()
        found = series.get(code)
        if found is None:
            errors.append(
                RowError(
                    row_number,
                    "seri",
                    record.get("seri", ""),
                    _("Seri target %(code)s tidak dikenal.") % {"code": code},
                )
            )
            continue
        region = _region(regions, record["kode_wilayah"], row_number, errors)
        if region is None:
            continue
        try:
            year = _year(record["tahun"])
            percent = _percent(record.get("target_persen", ""))
        except ValueError as exc:
            column = "tahun" if "tahun" in str(exc) else "target_persen"
            errors.append(RowError(row_number, column, record.get(column, ""), str(exc)))
            continue
        try:
            participants = parse_count(record.get("target_peserta", ""))
        except NumberFormatError as exc:
            errors.append(RowError(row_number, "target_peserta", record.get("target_peserta", ""), str(exc)))
            continue
        if participants is not None and participants < 0:
            errors.append(
                RowError(
                    row_number, "target_peserta", record["target_peserta"], _("harus bilangan bulat tidak negatif")
                )
            )
            continue
        if percent is None and participants is None:
            errors.append(
                RowError(row_number, "target_persen", "", _("Isi target_persen, target_peserta, atau keduanya."))
            )
            continue
        if _duplicate(seen, (found.pk, region.pk, year), row_number, errors, region.code):
            continue
        new = {"percent": percent, "participants": participants, "source": record.get("sumber", "").strip()[:200]}
        rows.append(ReferenceRow(row_number, region, year, found.code, {}, new, {"series": found}))
    if errors:
        return report
    stored = {
        (value.series_id, value.region_id, value.year): value
        for value in TargetValue.objects.filter(
            region__in={row.region for row in rows}, year__in={row.year for row in rows}
        )
    }
    for row in rows:
        value = stored.get((row.extra["series"].pk, row.region.pk, row.year))
        row.extra["stored"] = value
        row.old = (
            {"percent": value.percent, "participants": value.participants, "source": value.source}
            if value
            else dict.fromkeys(row.new)
        )
    report.check = ReferenceCheck(rows=rows)
    if dry_run or _stale(report, fingerprint):
        return report
    with transaction.atomic():
        changed = report.check.changed
        values = []
        for row in changed:
            value = row.extra["stored"] or TargetValue(series=row.extra["series"], region=row.region, year=row.year)
            value.percent, value.participants = row.new["percent"], row.new["participants"]
            value.source = row.new["source"]
            value._change_reason = f"import_targets:{filename}"[:100]
            try:
                value.full_clean(validate_unique=False)
            except ValidationError as exc:
                report.errors.extend(RowError(row.row, "", "", message) for message in exc.messages)
            values.append(value)
        if report.errors:
            return report
        for value in values:
            value.save()
        _schedule(changed, "import: target")
        report.applied = True
    return report


# --- denominators -----------------------------------------------------------------------------


def denominators_import(*, file, filename, user, dry_run=True, fingerprint=None) -> ImportReport:
    """Read, check and (unless ``dry_run``) add denominator revisions, all-or-nothing (admins only).
    Each changed row announces ``denominator_changed`` through ``regions.services.denominator_add``."""
    _require_admin(user)
    report, frame = _read(file, filename, ("kode_wilayah", "tahun", "penduduk_bekerja", "sumber"))
    if frame is None:
        return report
    errors = report.errors
    regions = _regions(frame)
    groups = {choice.value: choice.value for choice in SegmentGroup}
    rows, seen = [], {}
    for row_number, record in frame_records(frame):
        region = _region(regions, record["kode_wilayah"], row_number, errors, level=Level.REGENCY)
        if region is None:
            continue
        group = groups.get((record.get("kelompok") or "TOTAL").strip().upper())
        if group is None:
            errors.append(
                RowError(row_number, "kelompok", record["kelompok"], _("kelompok harus salah satu dari TOTAL, PU, BPU"))
            )
            continue
        try:
            year = _year(record["tahun"])
        except ValueError as exc:
            errors.append(RowError(row_number, "tahun", record["tahun"], str(exc)))
            continue
        try:
            workers = parse_count(record["penduduk_bekerja"])
        except NumberFormatError as exc:
            errors.append(RowError(row_number, "penduduk_bekerja", record["penduduk_bekerja"], str(exc)))
            continue
        if workers is None or workers <= 0:
            errors.append(
                RowError(
                    row_number, "penduduk_bekerja", record["penduduk_bekerja"], _("penduduk_bekerja harus lebih dari 0")
                )
            )
            continue
        source = record["sumber"].strip()[:120]
        if not source:
            errors.append(RowError(row_number, "sumber", "", _("sumber wajib diisi, misalnya Sakernas Agustus 2024")))
            continue
        if _duplicate(seen, (region.pk, year, group), row_number, errors, region.code):
            continue
        new = {"workers": workers, "source": source}
        rows.append(
            ReferenceRow(row_number, region, year, group, {}, new, {"note": record.get("catatan", "").strip()[:200]})
        )
    if errors:
        return report
    latest = {
        (d.region_id, d.year, d.segment_group): d
        for d in LatestDenominator.objects.filter(
            region__in={row.region for row in rows}, year__in={row.year for row in rows}
        )
    }
    for row in rows:
        found = latest.get((row.region.pk, row.year, row.key))
        row.old = {"workers": found.workers, "source": found.source} if found else dict.fromkeys(row.new)
    report.check = ReferenceCheck(rows=rows)
    if dry_run or _stale(report, fingerprint):
        return report
    with transaction.atomic():
        for row in report.check.changed:
            denominator_add(
                region=row.region,
                year=row.year,
                segment_group=row.key,
                workers=row.new["workers"],
                source=row.new["source"],
                note=row.extra["note"] or _("Impor berkas %(name)s") % {"name": filename},
                user=user,
            )
        report.applied = True
    return report


# --- the upload pages: a dry run kept as a batch, then the apply (coverage.entry.views._apply_upload) ---

IMPORTERS = {ImportKind.TARGETS: targets_import, ImportKind.DENOMINATORS: denominators_import}
TEMPLATE_COLUMNS = {
    ImportKind.TARGETS: ["seri", "kode_wilayah", "nama_wilayah", "tahun", "target_persen", "target_peserta", "sumber"],
    ImportKind.DENOMINATORS: [
        "kode_wilayah",
        "nama_wilayah",
        "tahun",
        "kelompok",
        "penduduk_bekerja",
        "sumber",
        "catatan",
    ],
}


def reference_batch_preview(*, kind, user, file, filename):
    """Dry run of an uploaded targets or denominators file (admins only); without errors the file is
    kept for the apply. Returns ``(batch or None, report)``; nothing is written to the figures."""
    _require_admin(user)
    return stage_upload(
        kind=kind, user=user, file=file, filename=filename,
        run=lambda data: IMPORTERS[kind](file=data, filename=filename, user=user, dry_run=True),
        summary=_summary,
    )  # fmt: skip


def _batch_apply(kind, *, batch, user):
    if batch.user_id != user.pk or batch.kind != kind:
        raise PermissionDenied(_("Berkas ini diunggah oleh pengguna lain."))
    if batch.status != ImportStatus.PREVIEWED:
        raise ValidationError(_("Berkas ini sudah diterapkan; unggah lagi untuk impor baru."))
    with transaction.atomic():
        report = IMPORTERS[kind](
            file=bytes(batch.content), filename=batch.filename, user=user, dry_run=False, fingerprint=batch.fingerprint
        )
        if report.applied:
            report.saved = report.check  # created / updated / unchanged, as the page reports them
            batch.status, batch.applied_at = ImportStatus.APPLIED, timezone.now()
            batch.summary = _summary(report)
            batch.save(update_fields=["status", "applied_at", "summary"])
    return report


def targets_batch_apply(*, batch, user, acknowledge_warnings=False):
    """Apply a previewed targets file, all-or-nothing; refused if the values changed since the dry run."""
    return _batch_apply(ImportKind.TARGETS, batch=batch, user=user)


def denominators_batch_apply(*, batch, user, acknowledge_warnings=False):
    """Apply a previewed denominators file, all-or-nothing; refused if they changed since the dry run."""
    return _batch_apply(ImportKind.DENOMINATORS, batch=batch, user=user)


def _summary(report):
    summary = {"rows": report.rows_read, "errors": len(report.errors)}
    if report.check is not None:
        check = report.check
        summary |= {"created": check.created, "updated": check.updated, "unchanged": check.unchanged}
    return summary


def reference_template(*, kind) -> bytes:
    """An .xlsx with the columns of ``kind`` and a guide with an example row (the sheet itself is empty,
    so a template uploaded as it is loads nothing)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    if kind == ImportKind.TARGETS:
        series = TargetSeries.objects.order_by("display_order", "name").first()
        example = [series.code if series else "rpjmn-2025-2029", "35.73", "Kota Malang", "2025", "45,5", "", "RPJMD"]
        lines = [
            _("seri: kode seri target (lihat admin: Seri target); tahun: 2000-2100."),
            _("Isi target_persen (0-100, koma desimal boleh), target_peserta, atau keduanya."),
        ]
    else:
        example = ["35.73", "Kota Malang", "2024", "TOTAL", "492.881", "Sakernas Agustus 2024", ""]
        lines = [
            _("kode_wilayah: kab/kota; kelompok: TOTAL, PU atau BPU (kosong = TOTAL)."),
            _("penduduk_bekerja lebih dari 0 (boleh bertitik ribuan: 492.881); sumber wajib diisi."),
        ]
    lines += [
        _("Contoh baris: %(row)s") % {"row": " | ".join(example)},
        _("nama_wilayah hanya pengingat; yang dibaca adalah kode_wilayah."),
        _("Unggah berkas ini: uji coba dulu, periksa perubahan, lalu terapkan."),
    ]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(TEMPLATE_COLUMNS[kind])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    guide = workbook.create_sheet("Petunjuk")
    for line in lines:
        guide.append([line])
    guide.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
