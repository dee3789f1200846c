"""Reading uploaded spreadsheets, for every importer of the product.

- ``read_spreadsheet(file, filename)`` reads .xlsx (openpyxl) or .csv (';' or ',' detected;
  UTF-8 with or without BOM, else Windows-1252) into a DataFrame of strings whose index is the
  row number as the user sees it in the spreadsheet. Blank rows are dropped; a trailing total
  row ("Total", "Jumlah") is dropped and reported in ``df.attrs["skipped"]``, never imported.
  The file streams in row by row and is refused as soon as it passes a limit (section "limits").
- ``RowError`` locates one problem as the user sees it (row, column as written, value).
- ``parse_period`` is the one lenient period parser of imports ("2025-05", "05/2025", "Mei 2025");
  ``parse_count`` reads a participant count ("134.167" -> 134167) within the database's limit.

Nothing here knows about regions, counts or batches: the importers of the apps build on it.
"""

import codecs
import csv
import io
import re
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain, islice
from pathlib import Path

import pandas as pd
from django.utils.translation import gettext as _

from .formats import MONTHS_EN, MONTHS_ID, NumberFormatError, format_number, parse_number

# --- limits -----------------------------------------------------------------------------------
# The resource policy of uploads (docs/SECURITY.md "Resource limits"). Every bound is checked while
# the file streams in, before anything proportional to it is built, and a file past one is refused
# with a message: never truncated, never padded to its widest row.

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Uncompressed size of all parts of an .xlsx (a zip): guards against zip bombs.
MAX_XLSX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_XLSX_RATIO = 100
# Data rows (blank rows and the header not counted).
MAX_ROWS = 100_000
# Filled columns of one row, trailing empty cells not counted (the count template has 19).
MAX_COLUMNS = 200
# Rows x columns of the table as read (the widest row sets the width): 100.000 rows of 20 columns.
# Bounds the memory of the table whatever its shape.
MAX_CELLS = 2_000_000
# Wall-clock time to read a file; a slower file is refused (openpyxl reads about 50.000 .xlsx
# cells a second on one busy core, so the largest .xlsx within the other limits takes longer).
READ_SECONDS = 20
ALLOWED_EXTENSIONS = (".xlsx", ".csv")
HEADER_SEARCH_ROWS = 15
# The reader looks at the clock every this many rows (blank ones included).
_CLOCK_EVERY = 2_000
# Equal cells share one string (periods, segments, zeros...): the first this many distinct values.
_SHARED_VALUES = 50_000
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


def _encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes are valid UTF-8, else Windows-1252, else latin-1.

    Checked in chunks: the decoded text is never held whole (a str of a 10 MB file is 10-40 MB, and
    ``io.StringIO`` would copy it at 4 bytes a character).
    """
    view = memoryview(data)
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(view), 1 << 16):
                decoder.decode(view[start : start + (1 << 16)])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue  # cp1252 leaves five bytes undefined; latin-1 maps every byte.
        return encoding
    return "latin-1"


def _detect_separator(lines) -> str:
    for line in lines:
        if line.strip():
            counts = {sep: line.count(sep) for sep in (";", ",", "\t")}
            best = max(counts, key=counts.get)
            return best if counts[best] else ","
    return ","


@contextmanager
def _csv_rows(data: bytes):
    """The rows of a CSV one at a time, decoded as they are read (``csv.reader`` streams)."""
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=_encoding(data), newline="")
    separator = _detect_separator(stream)
    stream.seek(0)
    reader = csv.reader(stream, delimiter=separator, quotechar='"')

    def rows():
        try:
            yield from reader
        except csv.Error as exc:
            raise SpreadsheetError(_("Berkas CSV tidak dapat dibaca: %(error)s") % {"error": exc}) from exc

    try:
        yield rows()
    finally:
        stream.close()


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


def _too_wide(row_number):
    return SpreadsheetError(
        _("Baris %(row)s berisi lebih dari %(max)s kolom; batasnya %(max)s kolom.")
        % {"row": row_number, "max": MAX_COLUMNS}
    )


@contextmanager
def _xlsx_rows(data: bytes, sheet_name=None):
    """The rows of the sheet one at a time, each at most ``MAX_COLUMNS`` + 1 cells wide.

    openpyxl pads a row up to the column it reads to: a single cell in column XFD would make every
    row 16.384 cells. The sheet's declared size (``<dimension>``) is checked first and a sheet wider
    than the limit is refused; rows are then read with a column bound one past the limit, so that a
    value there is refused too. Only a sheet whose declared size is wrong and whose sole far value
    lies beyond column 201 would lose that value (docs/SECURITY.md, "limits that remain").
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    _check_xlsx(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise SpreadsheetError(_("Berkas .xlsx tidak dapat dibuka: %(error)s") % {"error": exc}) from exc
    try:
        names = workbook.sheetnames
        wanted = sheet_name if sheet_name in names else ("Data" if "Data" in names else names[0])
        sheet = workbook[wanted]
        declared = sheet.max_column or 0
        if declared > MAX_COLUMNS:
            raise SpreadsheetError(
                _(
                    "Lembar %(sheet)s memakai kolom sampai %(column)s; batasnya %(max)s kolom. Hapus kolom di "
                    "kanan tabel, lalu simpan ulang."
                )
                % {"sheet": wanted, "column": get_column_letter(min(declared, 16_384)), "max": MAX_COLUMNS}
            )
        # Some producers write a wrong (too small) <dimension>: read what is there, within the bound.
        sheet.reset_dimensions()
        yield sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
    finally:
        workbook.close()


def _clean(values, row_number) -> list[str]:
    """A row as stripped text without trailing empty cells; refused past ``MAX_COLUMNS``.

    NUL characters cannot be stored in PostgreSQL text nor be part of a code or a number: dropped.
    """
    end = len(values)
    if values.count(None) + values.count("") == end:  # blank (and padded) rows, without a Python loop
        return []
    while values[end - 1] is None or values[end - 1] == "":
        end -= 1
    if end > MAX_COLUMNS:
        # Cells of spaces are empty too: only text beyond the limit refuses the row.
        beyond = (_cell_text(value).replace("\x00", "").strip() for value in islice(values, MAX_COLUMNS, end))
        if any(beyond):
            raise _too_wide(row_number)
        end = MAX_COLUMNS
    cells = [
        (value if isinstance(value, str) else _cell_text(value)).replace("\x00", "").strip() for value in values[:end]
    ]
    while cells and not cells[-1]:
        cells.pop()
    return cells


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
    Raises ``SpreadsheetError`` for a wrong type, a file over the limits (bytes, ``MAX_ROWS``,
    ``MAX_COLUMNS``, ``MAX_CELLS``, ``READ_SECONDS``) or a broken file; the limits are checked
    row by row while the file streams in.
    """
    deadline = time.monotonic() + READ_SECONDS  # opening an .xlsx (its shared strings) counts too
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
    opened = _xlsx_rows(data, sheet_name) if extension == ".xlsx" else _csv_rows(data)
    with opened as rows:
        header_index, header_cells, records, index = _read_table(rows, expected_columns, deadline)
    del data

    width = max(len(header_cells), max((len(cells) for cells in records), default=0))
    header_cells += [""] * (width - len(header_cells))
    columns = [normalize_column(cell) or f"kolom_{i + 1}" for i, cell in enumerate(header_cells)]
    for position, cells in enumerate(records):  # within MAX_CELLS, checked while reading
        if len(cells) < width:
            records[position] = cells + [""] * (width - len(cells))

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


def _read_table(rows, expected_columns, deadline):
    """Header and data rows from a stream of rows, refusing as soon as a limit is passed.

    Only the top ``HEADER_SEARCH_ROWS`` rows are held until the header is known; each row is
    cleaned (and its width checked) as it arrives, and rows and cells are counted before a row is
    kept. Returns ``(header position, header cells, data rows, their spreadsheet row numbers)``.
    """
    numbered = enumerate(rows, start=1)
    top = [(number, _clean(values, number)) for number, values in islice(numbered, HEADER_SEARCH_ROWS)]
    header_index = _find_header([cells for _number, cells in top], expected_columns)
    if header_index is None:
        raise SpreadsheetError(_("Baris judul kolom tidak ditemukan."))
    header = [cell.replace("\ufeff", "").strip() for cell in top[header_index][1]]
    records, index, width, shared = [], [], len(header), {}
    rest = ((number, _clean(values, number)) for number, values in numbered)
    for number, cells in chain(top[header_index + 1 :], rest):
        if number % _CLOCK_EVERY == 0 and time.monotonic() > deadline:
            raise SpreadsheetError(
                _(
                    "Berkas tidak selesai dibaca dalam %(seconds)s detik. Simpan sebagai .csv atau bagi menjadi "
                    "beberapa berkas."
                )
                % {"seconds": READ_SECONDS}
            )
        if not cells:
            continue
        if len(records) == MAX_ROWS:
            message = _("Berkas memiliki lebih dari %(max)s baris data.")
            raise SpreadsheetError(message % {"max": format_number(MAX_ROWS)})
        width = max(width, len(cells))
        if (len(records) + 1) * width > MAX_CELLS:
            raise SpreadsheetError(
                _("Tabel berisi lebih dari %(max)s sel (baris x kolom). Bagi menjadi beberapa berkas.")
                % {"max": format_number(MAX_CELLS)}
            )
        if len(shared) < _SHARED_VALUES:
            cells = [shared.setdefault(cell, cell) for cell in cells]
        else:
            cells = [shared.get(cell, cell) for cell in cells]
        records.append(cells)
        index.append(number)
    return header_index, header, records, index


def frame_records(frame):
    """``(row number, {column: text})`` for each row, one at a time (a list of them all would double
    the memory of a large file)."""
    columns = list(frame.columns)
    for number, values in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        yield number, dict(zip(columns, values, strict=True))


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
