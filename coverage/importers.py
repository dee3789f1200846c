"""Spreadsheet import: generic helpers first, then the participant-count importer.

The generic part (``read_spreadsheet``, ``RegionResolver``, ``RowError``, the limits) knows
nothing about counts, so other importers (funded batches) build on it:

- ``read_spreadsheet(file, filename)`` reads .xlsx (openpyxl) or .csv (';' or ',' detected;
  UTF-8 with or without BOM, else Windows-1252) into a DataFrame of strings whose index is the
  row number as the user sees it in the spreadsheet. Blank rows are dropped; a trailing total
  row ("Total", "Jumlah") is dropped and reported in ``df.attrs["skipped"]``, never imported.
- ``RegionResolver(user).resolve(code=..., name=...)``: codes are exact; names are matched in
  their common variants ("Kab. Malang", "KABUPATEN MALANG", "KAB MALANG", "Kota Malang")
  within the user's scope.
- Numbers go through ``ucj_dashboard.formats.parse_number`` ("134.167" -> 134167).

The count importer reads the long format (``kode_wilayah``/``nama_wilayah``, ``periode``,
``segmen``, ``peserta_aktif``, optional ``peserta_terdaftar``, ``peserta_baru``,
``peserta_nonaktif`` and ``catatan``, a note such as "pendaftaran massal APBD") and the wide
template this module writes (one row per region, one column per segment and measure).
Validation and saving happen in ``coverage.services.entry``.
"""

import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from regions.models import Kind, Level, Region
from regions.selectors import can_edit_region, regions_filter_editable
from ucj_dashboard.formats import MONTHS_EN, MONTHS_ID, NumberFormatError, format_period, parse_number, safe_cell

# --- limits -----------------------------------------------------------------------------------

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Uncompressed size of all parts of an .xlsx (a zip): guards against zip bombs.
MAX_XLSX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_XLSX_RATIO = 100
MAX_ROWS = 100_000
ALLOWED_EXTENSIONS = (".xlsx", ".csv")
HEADER_SEARCH_ROWS = 15
TOTAL_WORDS = {
    "total",
    "jumlah",
    "jumlah total",
    "total keseluruhan",
    "jumlah keseluruhan",
    "grand total",
    "total jumlah",
    "sub total",
    "subtotal",
}


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (wrong type, too large, broken). Message in Indonesian."""


@dataclass(frozen=True)
class RowError:
    """One problem of one cell, located as the user sees it in their spreadsheet.

    ``row`` is the spreadsheet row number (the header is usually row 1), ``column`` the
    column name as written in the header, ``severity`` "error" (blocks), "warning" (needs
    acknowledgement) or "info" (reported, e.g. a dropped total row).
    """

    row: int | None
    column: str
    value: str
    reason: str
    severity: str = "error"
    rule: str = ""

    def __str__(self):
        where = _("Baris %(row)s") % {"row": self.row} if self.row else _("Berkas")
        if self.column:
            where += ", " + _("kolom %(column)s") % {"column": self.column}
        if self.value not in ("", None):
            where += f' ("{self.value}")'
        return f"{where}: {self.reason}"


# --- reading ----------------------------------------------------------------------------------


def normalize_column(name) -> str:
    """'Kode Wilayah ' -> 'kode_wilayah'; 'Peserta-Aktif (PU)' -> 'peserta_aktif_pu'."""
    text = str(name or "").replace("\ufeff", "").strip().lower()
    text = re.sub(r"[^0-9a-z]+", "_", text)
    return text.strip("_")


def _read_bytes(file) -> bytes:
    if isinstance(file, bytes | bytearray):
        return bytes(file)
    if isinstance(file, str | Path):
        return Path(file).read_bytes()
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read()
    return data.encode("utf-8") if isinstance(data, str) else data


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps every byte.
        return data.decode("latin-1")


def _detect_separator(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            counts = {sep: line.count(sep) for sep in (";", ",", "\t")}
            best = max(counts, key=counts.get)
            return best if counts[best] else ","
    return ","


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    separator = _detect_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar='"')
    try:
        return [list(row) for row in reader]
    except csv.Error as exc:
        raise SpreadsheetError(_("Berkas CSV tidak dapat dibaca: %(error)s") % {"error": exc}) from exc


def _cell_text(value) -> str:
    """Every cell as a string, so that numbers are parsed the same way for .xlsx and .csv."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        text = repr(value)
        # A decimal like 134.167 would read as the Indonesian "134.167" = 134167: keep a
        # trailing zero so it stays a decimal (and is refused where an integer is expected).
        return text + "0" if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text) else text
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _check_xlsx(data: bytes):
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SpreadsheetError(_("Berkas bukan .xlsx yang valid. Simpan ulang dari Excel sebagai .xlsx atau .csv."))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        uncompressed = sum(member.file_size for member in members)
        compressed = sum(member.compress_size for member in members) or 1
    if uncompressed > MAX_XLSX_UNCOMPRESSED_BYTES or uncompressed / compressed > MAX_XLSX_RATIO * 10:
        raise SpreadsheetError(
            _("Isi berkas .xlsx terlalu besar setelah diekstrak (%(mb)s MB); batasnya %(limit)s MB.")
            % {"mb": uncompressed // (1024 * 1024), "limit": MAX_XLSX_UNCOMPRESSED_BYTES // (1024 * 1024)}
        )


def _xlsx_rows(data: bytes, sheet_name=None) -> list[list[str]]:
    from openpyxl import load_workbook

    _check_xlsx(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise SpreadsheetError(_("Berkas .xlsx tidak dapat dibuka: %(error)s") % {"error": exc}) from exc
    try:
        names = workbook.sheetnames
        wanted = sheet_name if sheet_name in names else ("Data" if "Data" in names else names[0])
        sheet = workbook[wanted]
        # Some producers write a wrong <dimension>; without it openpyxl reads every row.
        sheet.reset_dimensions()
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell_text(value) for value in values])
            if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                break
        return rows
    finally:
        workbook.close()


def _is_total_row(cells) -> bool:
    filled = [cell for cell in cells if cell]
    for cell in filled[:3]:
        word = re.sub(r"[^a-z ]+", " ", cell.lower()).strip()
        word = re.sub(r"\s+", " ", word)
        if word in TOTAL_WORDS:
            return True
    return False


def read_spreadsheet(file, filename, *, expected_columns=None, max_bytes=None, sheet_name=None) -> pd.DataFrame:
    """Read an uploaded .xlsx or .csv into a DataFrame of strings.

    - columns are normalized (``normalize_column``); the header is the first non-blank row, or,
      with ``expected_columns``, the first of the top rows that names one of them (so a title
      line above the header is skipped);
    - the index is the spreadsheet row number (1-based, as Excel shows it);
    - blank rows are dropped; trailing total rows are dropped and reported as ``RowError``
      (severity "info") in ``df.attrs["skipped"]``; ``df.attrs["columns"]`` maps normalized
      names back to the header as written.
    Raises ``SpreadsheetError`` for a wrong type, a file over the limits or a broken file.
    """
    filename = str(filename or "")
    extension = Path(filename).suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise SpreadsheetError(
            _("Jenis berkas %(ext)s tidak didukung: unggah .xlsx atau .csv.") % {"ext": extension or "?"}
        )
    limit = max_bytes or MAX_UPLOAD_BYTES
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise SpreadsheetError(_("Berkas terlalu besar; batasnya %(mb)s MB.") % {"mb": limit // (1024 * 1024)})
    data = _read_bytes(file)
    if len(data) > limit:
        raise SpreadsheetError(_("Berkas terlalu besar; batasnya %(mb)s MB.") % {"mb": limit // (1024 * 1024)})
    if not data.strip():
        raise SpreadsheetError(_("Berkas kosong."))
    rows = _xlsx_rows(data, sheet_name) if extension == ".xlsx" else _csv_rows(data)
    # NUL characters cannot be stored in PostgreSQL text nor be part of a code or a number: dropped.
    rows = [
        [(cell if isinstance(cell, str) else _cell_text(cell)).replace("\x00", "").strip() for cell in row]
        for row in rows
    ]

    header_index = _find_header(rows, expected_columns)
    if header_index is None:
        raise SpreadsheetError(_("Baris judul kolom tidak ditemukan."))
    header_cells = [cell.replace("\ufeff", "").strip() for cell in rows[header_index]]
    width = max((len(row) for row in rows), default=0)
    header_cells += [""] * (width - len(header_cells))
    columns = [normalize_column(cell) or f"kolom_{i + 1}" for i, cell in enumerate(header_cells)]

    records, index = [], []
    for position in range(header_index + 1, len(rows)):
        cells = rows[position] + [""] * (width - len(rows[position]))
        if any(cells):
            records.append(cells[:width])
            index.append(position + 1)
    if len(records) > MAX_ROWS:
        raise SpreadsheetError(_("Berkas memiliki lebih dari %(max)s baris data.") % {"max": f"{MAX_ROWS:,}"})

    skipped = []
    while records and _is_total_row(records[-1]):
        cells = records.pop()
        row_number = index.pop()
        label = next(cell for cell in cells if cell)
        skipped.append(RowError(row_number, "", label, _("Baris total diabaikan; tidak diimpor."), severity="info"))

    frame = pd.DataFrame(records, columns=columns, index=pd.Index(index, name="baris"), dtype=object)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    frame.attrs["skipped"] = list(reversed(skipped))
    frame.attrs["columns"] = dict(zip(columns, header_cells, strict=False))
    frame.attrs["header_row"] = header_index + 1
    return frame


def _find_header(rows, expected_columns):
    expected = {normalize_column(name) for name in expected_columns or ()}
    first_filled = None
    for position, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if not any(row):
            continue
        if first_filled is None:
            first_filled = position
        if not expected or expected & {normalize_column(cell) for cell in row}:
            return position
    return first_filled if not expected else None


# --- regions ----------------------------------------------------------------------------------

_PREFIXES = [
    # (pattern at the start of a name, kind hint); longest first.
    ("kabupaten administrasi", Kind.KABUPATEN),
    ("kota administrasi", Kind.KOTA),
    ("kabupaten", Kind.KABUPATEN),
    ("kab", Kind.KABUPATEN),
    ("kota", Kind.KOTA),
    ("provinsi", Kind.PROVINCE),
    ("prov", Kind.PROVINCE),
    ("kecamatan", Kind.KECAMATAN),
    ("kec", Kind.KECAMATAN),
    ("distrik", Kind.DISTRIK),
    ("kelurahan", Kind.KELURAHAN),
    ("kel", Kind.KELURAHAN),
    ("desa", Kind.DESA),
]
_KIND_LEVEL = {
    Kind.PROVINCE: Level.PROVINCE,
    Kind.KABUPATEN: Level.REGENCY,
    Kind.KOTA: Level.REGENCY,
    Kind.KECAMATAN: Level.DISTRICT,
    Kind.DISTRIK: Level.DISTRICT,
    Kind.KELURAHAN: Level.VILLAGE,
    Kind.DESA: Level.VILLAGE,
}


def region_name_key(name) -> tuple[str | None, str]:
    """('kabupaten', 'malang') for "Kab. Malang", "KABUPATEN MALANG", "KAB MALANG"; (None, 'klojen')."""
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    text = re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()
    for prefix, kind in _PREFIXES:
        if text.startswith(prefix + " "):
            return kind, text[len(prefix) + 1 :].strip()
    return None, text


class RegionResolveError(ValueError):
    """A code or name that cannot be turned into one region the user may write (Indonesian message)."""


def _label(region):
    return f"{region.code} {region.name}"


class RegionResolver:
    """Turns spreadsheet codes and names into regions within a user's scope.

    ``check`` is the scope decision (default ``regions.selectors.can_edit_region``): a region
    that exists but fails it is reported as out of scope, never silently skipped. Lookups are
    cached; ``prefetch(codes=...)`` loads many codes in one query.
    """

    def __init__(self, user, *, check=can_edit_region):
        self.user = user
        self.check = check
        self._by_code = {}
        self._name_index = None

    def prefetch(self, *, codes=()):
        wanted = {str(code).strip() for code in codes if code} - set(self._by_code)
        if wanted:
            for region in Region.objects.filter(code__in=wanted):
                self._by_code[region.code] = region
            for code in wanted - set(self._by_code):
                self._by_code[code] = None

    def resolve(self, code=None, name=None) -> Region:
        code = str(code or "").strip()
        if code:
            return self._resolve_code(code)
        if str(name or "").strip():
            return self._resolve_name(str(name).strip())
        raise RegionResolveError(_("Kode atau nama wilayah wajib diisi."))

    def _in_scope(self, region):
        if not self.check(self.user, region):
            raise RegionResolveError(
                _("Wilayah %(region)s di luar wilayah kewenangan Anda.") % {"region": _label(region)}
            )
        return region

    def _resolve_code(self, code):
        if code not in self._by_code:
            self.prefetch(codes=[code])
        region = self._by_code.get(code)
        if region is None:
            if re.fullmatch(r"\d{4}(\d{2})?(\d{4})?", code):
                raise RegionResolveError(
                    _("Kode %(code)s bukan kode Kemendagri bertitik (contoh: 35.07); kode BPS tidak dipakai.")
                    % {"code": code}
                )
            raise RegionResolveError(_("Kode wilayah %(code)s tidak dikenal.") % {"code": code})
        return self._in_scope(region)

    def _scope_index(self):
        if self._name_index is None:
            index = {}
            queryset = regions_filter_editable(self.user, Region.objects.filter(is_active=True))
            for region in queryset.only("id", "code", "name", "level", "kind", "parent_id"):
                index.setdefault(region_name_key(region.name)[1], []).append(region)
            self._name_index = index
        return self._name_index

    @staticmethod
    def _narrow(candidates, kind):
        if kind is None:
            return candidates
        level = _KIND_LEVEL.get(kind)
        exact = [r for r in candidates if r.kind == kind]
        if exact:
            return exact
        return [r for r in candidates if r.level == level]

    def _resolve_name(self, name):
        kind, base = region_name_key(name)
        if not base:
            raise RegionResolveError(_("Nama wilayah %(name)s tidak dikenal.") % {"name": name})
        candidates = self._narrow(self._scope_index().get(base, []), kind)
        candidates = [region for region in candidates if self.check(self.user, region)]
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            listed = ", ".join(_label(r) for r in sorted(candidates, key=lambda r: r.code)[:5])
            raise RegionResolveError(
                _("Nama wilayah %(name)s ambigu (%(candidates)s); isi kode_wilayah.")
                % {"name": name, "candidates": listed}
            )
        outside = self._narrow(
            [r for r in Region.objects.filter(name__icontains=base) if region_name_key(r.name)[1] == base], kind
        )
        if outside:
            return self._in_scope(sorted(outside, key=lambda r: r.level)[0])
        raise RegionResolveError(_("Nama wilayah %(name)s tidak dikenal.") % {"name": name})


# --- periods and numbers ----------------------------------------------------------------------

_MONTH_NAMES = {name.lower(): i + 1 for i, name in enumerate(MONTHS_ID)} | {
    name.lower(): i + 1 for i, name in enumerate(MONTHS_EN)
}
_MONTH_NAMES |= {name[:3]: number for name, number in list(_MONTH_NAMES.items())}


def parse_period(text) -> date:
    """'2025-05', '2025-05-01', '05/2025', 'Mei 2025' -> date(2025, 5, 1)."""
    raw = str(text or "").strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[ T]00:00(?::00)?)?", raw)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
    elif match := re.fullmatch(r"(\d{1,2})[/.-](\d{4})", raw):
        month, year = int(match.group(1)), int(match.group(2))
    elif match := re.fullmatch(r"([A-Za-z]+)\s+(\d{4})", raw):
        month, year = _MONTH_NAMES.get(match.group(1).lower(), 0), int(match.group(2))
    else:
        raise ValueError(_("periode harus berformat YYYY-MM, misalnya 2025-05"))
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise ValueError(_("periode harus berformat YYYY-MM, misalnya 2025-05"))
    return date(year, month, 1)


def parse_count(text):
    """A participant count: '' -> None, '134.167' -> 134167; raises NumberFormatError."""
    if str(text or "").strip() in ("", "-", "–"):
        return None
    value = parse_number(text, integer=True)
    if abs(value) > MAX_COUNT:  # the column's limit in PostgreSQL; no region has 2 billion workers
        raise NumberFormatError(_("angka terlalu besar: %(value)s") % {"value": str(text).strip()[:20]})
    return value


MAX_COUNT = 2_147_483_647


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
    check: object = None  # coverage.services.entry.CheckResult
    applied: bool = False
    saved: object = None  # coverage.services.entry.SaveResult

    @property
    def ok(self):
        return not self.errors


def _column_label(frame, column):
    return frame.attrs.get("columns", {}).get(column, column)


def counts_from_frame(frame, *, resolver, errors):
    """Turn the rows of a long or wide sheet into ``CellChange`` objects; problems go to ``errors``."""
    from .services.entry import CellChange

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
    for row_number, record in zip(frame.index, frame.to_dict("records"), strict=True):
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
                            "region": _label(region),
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
    from .services import entry as entry_services

    data = _read_bytes(file)
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
        check = entry_services.participant_counts_check(changes=changes, user=user, submit=submit, lock=not dry_run)
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
                reason=_("Impor berkas %(name)s") % {"name": Path(str(filename)).name},
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
                    "" if value is None else str(value),
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

    from .selectors.entry import entry_grid_rows

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
