"""Import of funded batches from a spreadsheet, on the generic reader of ucj_dashboard.spreadsheets.

Columns (header names are normalized, so "Kode Wilayah" = ``kode_wilayah``):
``kode_wilayah`` or ``nama_wilayah``, ``skema``, ``kategori``, ``jumlah_pekerja``, ``paket``,
``bulan_mulai``, ``bulan_akhir`` (inclusive; "2025-03", "03/2025", "Maret 2025"), and optional
``sasaran`` (the target population, at least ``jumlah_pekerja``), ``tahun_anggaran``, ``status``
(direncanakan/aktif/selesai), ``referensi``, ``catatan``.
Schemes, categories and packages match their code or name.

All-or-nothing: every row is checked (scope, values, pricing) before anything is saved; one
error and nothing changes. A row whose region, scheme, category, package and months match a
recorded batch updates it instead of adding a duplicate, so re-importing a file is safe.
"""

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from regions.resolver import RegionResolveError, RegionResolver
from regions.selectors import can_edit_region
from ucj_dashboard.formats import NumberFormatError, parse_number
from ucj_dashboard.spreadsheets import RowError, SpreadsheetError, frame_records, parse_period, read_spreadsheet

from . import services
from .models import BatchStatus, FundedBatch, FundingScheme, Package, WorkerCategory
from .selectors import budget_calculate

COLUMNS = [
    "kode_wilayah",
    "nama_wilayah",
    "skema",
    "kategori",
    "jumlah_pekerja",
    "sasaran",
    "paket",
    "bulan_mulai",
    "bulan_akhir",
    "tahun_anggaran",
    "status",
    "referensi",
    "catatan",
]
REQUIRED = ["skema", "kategori", "jumlah_pekerja", "paket", "bulan_mulai", "bulan_akhir"]
STATUS_ALIASES = {
    "": BatchStatus.ACTIVE,
    "aktif": BatchStatus.ACTIVE,
    "active": BatchStatus.ACTIVE,
    "direncanakan": BatchStatus.PLANNED,
    "rencana": BatchStatus.PLANNED,
    "planned": BatchStatus.PLANNED,
    "selesai": BatchStatus.ENDED,
    "berakhir": BatchStatus.ENDED,
    "ended": BatchStatus.ENDED,
}
NATURAL_KEY = ("region_id", "scheme_id", "category_id", "package_id", "start_month", "end_month")
UPDATABLE = ("workers", "target_population", "fiscal_year", "status", "reference", "note")


@dataclass
class BatchImportReport:
    filename: str
    sha256: str
    rows_read: int = 0
    errors: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    planned: list = field(default_factory=list)  # (row number, FundedBatch, action)
    applied: bool = False

    @property
    def ok(self):
        return not self.errors

    def count(self, action):
        return sum(1 for _row, _batch, what in self.planned if what == action)

    @property
    def created(self):
        return self.count("create")

    @property
    def updated(self):
        return self.count("update")

    @property
    def unchanged(self):
        return self.count("unchanged")

    @property
    def total_cost(self) -> Decimal:
        return sum((batch.cost for _row, batch, _what in self.planned), Decimal(0))

    @property
    def total_workers(self) -> int:
        return sum(batch.workers for _row, batch, _what in self.planned)


class _Lookup:
    """Code-or-name lookup of a small table (schemes, categories, packages), case-insensitive."""

    def __init__(self, queryset):
        self.items = {}
        for item in queryset:
            self.items[item.code.lower()] = item
            self.items.setdefault(item.name.strip().lower(), item)

    def get(self, text):
        return self.items.get(str(text or "").strip().lower())


def _scope_check(root):
    def check(user, region):
        return can_edit_region(user, region) and (root is None or region.is_within(root))

    return check


def _batch_from_row(number, record, *, resolver, lookups, errors):
    problems = len(errors)

    def fail(column, reason):
        errors.append(RowError(number, column, str(record.get(column, "")), reason))

    code, name = record.get("kode_wilayah", ""), record.get("nama_wilayah", "")
    region = None
    try:
        region = resolver.resolve(code=code, name=name)
    except RegionResolveError as exc:
        fail("kode_wilayah" if code else "nama_wilayah", str(exc))
    values = {}
    for column, key in (("skema", "scheme"), ("kategori", "category"), ("paket", "package")):
        values[key] = lookups[key].get(record.get(column))
        if values[key] is None:
            fail(column, _("tidak dikenal; isi kode atau nama yang terdaftar"))
    try:
        workers = parse_number(record.get("jumlah_pekerja"), integer=True)
        if workers <= 0:
            fail("jumlah_pekerja", _("harus lebih dari 0"))
    except NumberFormatError as exc:
        workers = None
        fail("jumlah_pekerja", str(exc))
    target_population = None
    if str(record.get("sasaran") or "").strip():
        try:
            target_population = parse_number(record["sasaran"], integer=True)
            if target_population <= 0:
                fail("sasaran", _("harus lebih dari 0"))
        except NumberFormatError as exc:
            fail("sasaran", str(exc))
    months = {}
    for column in ("bulan_mulai", "bulan_akhir"):
        try:
            months[column] = parse_period(record.get(column))
        except ValueError as exc:
            fail(column, str(exc))
    fiscal_year = None
    if str(record.get("tahun_anggaran") or "").strip():
        try:
            fiscal_year = parse_number(record["tahun_anggaran"], integer=True)
        except NumberFormatError as exc:
            fail("tahun_anggaran", str(exc))
    status = STATUS_ALIASES.get(str(record.get("status") or "").strip().lower())
    if status is None:
        fail("status", _("harus direncanakan, aktif atau selesai"))
    if len(errors) > problems:
        return None
    batch = FundedBatch(
        region=region,
        workers=workers,
        target_population=target_population,
        start_month=months["bulan_mulai"],
        end_month=months["bulan_akhir"],
        fiscal_year=fiscal_year or months["bulan_mulai"].year,
        status=status,
        reference=str(record.get("referensi") or "")[:120],
        note=str(record.get("catatan") or ""),
        **values,
    )
    try:
        batch.full_clean(exclude=["created_by", "cost"])
        batch.cost = budget_calculate(
            package=batch.package, workers=batch.workers, start_month=batch.start_month, end_month=batch.end_month
        ).total
    except ValidationError as exc:
        for column, messages in _columns_of(exc).items():
            for message in messages:
                fail(column, message)
        return None
    return batch


_FIELD_COLUMNS = {
    "region": "kode_wilayah",
    "scheme": "skema",
    "category": "kategori",
    "package": "paket",
    "workers": "jumlah_pekerja",
    "target_population": "sasaran",
    "start_month": "bulan_mulai",
    "end_month": "bulan_akhir",
    "fiscal_year": "tahun_anggaran",
    "status": "status",
    "reference": "referensi",
    "note": "catatan",
}


def _columns_of(error: ValidationError):
    if hasattr(error, "error_dict"):
        return {
            _FIELD_COLUMNS.get(name, ""): [m for e in errs for m in e.messages]
            for name, errs in error.error_dict.items()
        }
    return {"": error.messages}


def _plan(batch, existing):
    """What importing ``batch`` does given the recorded batch with the same key (or None)."""
    if existing is None:
        return batch, "create"
    if all(getattr(existing, name) == getattr(batch, name) for name in UPDATABLE):
        return existing, "unchanged"
    for name in UPDATABLE:
        setattr(existing, name, getattr(batch, name))
    existing.cost = batch.cost
    return existing, "update"


def batches_import(*, file, filename, user, dry_run=True, root=None) -> BatchImportReport:
    """Read, check and (unless ``dry_run``) save funded batches, all-or-nothing.

    ``root`` limits the rows to a region's subtree (the import page of that region); the user's
    write scope applies in every case.
    """
    data = _bytes_of(file)
    report = BatchImportReport(filename=str(filename), sha256=hashlib.sha256(data).hexdigest())
    try:
        frame = read_spreadsheet(data, filename, expected_columns=["kode_wilayah", "nama_wilayah", "jumlah_pekerja"])
    except SpreadsheetError as exc:
        report.errors.append(RowError(None, "", "", str(exc)))
        return report
    report.rows_read = len(frame)
    report.notes.extend(frame.attrs["skipped"])
    columns = set(frame.columns)
    missing = [c for c in REQUIRED if c not in columns]
    if "kode_wilayah" not in columns and "nama_wilayah" not in columns:
        missing.insert(0, "kode_wilayah")
    for column in missing:
        report.errors.append(RowError(None, column, "", _("Kolom %(column)s wajib ada.") % {"column": column}))
    if report.errors:
        return report

    resolver = RegionResolver(user, check=_scope_check(root))
    if "kode_wilayah" in columns:
        resolver.prefetch(codes=frame["kode_wilayah"].tolist())
    lookups = {
        "scheme": _Lookup(FundingScheme.objects.all()),
        "category": _Lookup(WorkerCategory.objects.all()),
        "package": _Lookup(Package.objects.filter(segment="BPU")),
    }
    batches = []
    for number, record in frame_records(frame):
        batch = _batch_from_row(number, record, resolver=resolver, lookups=lookups, errors=report.errors)
        if batch is not None:
            batches.append((number, batch))
    _check_duplicates(batches, report.errors)
    if report.errors:
        return report

    with transaction.atomic():
        existing = _existing_by_key([batch for _n, batch in batches], lock=not dry_run)
        for number, batch in batches:
            target, action = _plan(batch, existing.get(_key(batch)))
            report.planned.append((number, target, action))
        if dry_run:
            return report
        failed_row = None
        try:
            for row, batch, action in report.planned:
                failed_row = row
                if action != "unchanged":
                    services.funded_batch_save(batch=batch, user=user)
        except ValidationError as exc:
            transaction.set_rollback(True)
            report.errors.append(RowError(failed_row, "", "", "; ".join(exc.messages)))
            return report
        report.applied = True
    return report


def _bytes_of(file) -> bytes:
    if isinstance(file, bytes | bytearray):
        return bytes(file)
    if hasattr(file, "seek"):
        file.seek(0)
    return file.read()


def _key(batch):
    return tuple(getattr(batch, name) for name in NATURAL_KEY)


def _check_duplicates(batches, errors):
    seen = {}
    for number, batch in batches:
        key = _key(batch)
        if key in seen:
            errors.append(
                RowError(
                    number,
                    "kode_wilayah",
                    batch.region.code,
                    _("Baris duplikat: batch yang sama sudah ada di baris %(first)s.") % {"first": seen[key]},
                )
            )
        else:
            seen[key] = number


def _existing_by_key(batches, *, lock):
    if not batches:
        return {}
    recorded = FundedBatch.objects.filter(
        region_id__in={b.region_id for b in batches},
        start_month__in={b.start_month for b in batches},
    ).select_related("region", "package")
    if lock:
        recorded = recorded.select_for_update(of=("self",))
    return {_key(batch): batch for batch in recorded}


def batches_template() -> bytes:
    """An empty .xlsx with the import columns and one example row."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(
        ["35.08", "Kabupaten Lumajang", "dbhcht", "buruh-tani-tembakau", 5606, None, "bpu-jkk-jkm", "2024-06",
         "2024-12", 2024, "aktif", "", ""]
    )  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
