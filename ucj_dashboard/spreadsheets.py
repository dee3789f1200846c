"""Reading uploaded spreadsheets, for every importer of the product.

- ``read_spreadsheet(file, filename)`` reads .xlsx (openpyxl) or .csv (';' or ',' detected;
  UTF-8 with or without BOM, else Windows-1252) into a DataFrame of strings whose index is the
  row number as the user sees it in the spreadsheet. Blank rows are dropped; a trailing total
  row ("Total", "Jumlah") is dropped and reported in ``df.attrs["skipped"]``, never imported.
- ``RowError`` locates one problem as the user sees it (row, column as written, value).
- ``parse_period`` is the one lenient period parser of imports ("2025-05", "05/2025", "Mei 2025");
  ``parse_count`` reads a participant count ("134.167" -> 134167) within the database's limit.

Nothing here knows about regions, counts or batches: the importers of the apps build on it.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from django.utils.translation import gettext as _

from .formats import MONTHS_EN, MONTHS_ID, NumberFormatError, parse_number

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


def read_bytes(file) -> bytes:
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
    data = read_bytes(file)
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
