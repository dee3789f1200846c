"""Indonesian number, percentage, Rupiah and month formats, and lenient number parsing.

Used by templates (``{% load ucj %}``), charts, exports and importers so that every surface
prints 134.167 peserta, 32,44% and Rp659.265.600 the same way.
"""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .months import QUARTER, SEMESTER, YEAR

MONTHS_ID = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip
MONTHS_EN = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
EMPTY = "–"


def _english():
    return (get_language() or "id").startswith("en")


def _separators():
    return (",", ".") if _english() else (".", ",")


def _group(integer_digits, thousands):
    return re.sub(r"(\d)(?=(\d{3})+$)", rf"\1{thousands}", integer_digits)


def format_number(value, decimals=0):
    """134167 -> '134.167' (id) or '134,167' (en); None (or a template's missing value) -> '–'."""
    if value is None or value == "":
        return EMPTY
    thousands, decimal_sep = _separators()
    quantum = Decimal(1).scaleb(-decimals)
    with localcontext(prec=60):  # huge values (bad input shown back to the user) must not raise
        rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    text = f"{abs(rounded):f}"
    integer, _, fraction = text.partition(".")
    out = _group(integer, thousands)
    if decimals:
        out += decimal_sep + fraction
    return sign + out


def format_percent(value, decimals=2):
    """32.4437 -> '32,44%'; None -> '–' (unknown coverage is never shown as 0)."""
    if value is None or value == "":
        return EMPTY
    return f"{format_number(value, decimals)}%"


def format_pp(value, decimals=2):
    """A change in percentage points with its sign: +1,25 pp."""
    if value is None:
        return EMPTY
    sign = "+" if value > 0 else ""
    return f"{sign}{format_number(value, decimals)} pp"


def format_signed(value, decimals=0):
    """A difference with its sign: +333, -167, 0; None -> '–'."""
    if value is None:
        return EMPTY
    return ("+" if value > 0 else "") + format_number(value, decimals)


def thousands_separator():
    """'.' in Indonesian, ',' in English: for scripts that format numbers as the page does."""
    return _separators()[0]


def format_growth(value, decimals=2):
    """A change in percent with its sign: +81,73% (Indonesian), +81.73% (English); '–' when unknown."""
    if value is None:
        return EMPTY
    sign = "+" if value > 0 else ""
    return f"{sign}{format_number(value, decimals)}%"


def format_rupiah(value):
    """659265600 -> 'Rp659.265.600'."""
    if value is None:
        return EMPTY
    return f"Rp{format_number(value, 0)}"


def month_name(month):
    return (MONTHS_EN if _english() else MONTHS_ID)[month - 1]


def format_period(period: date):
    """date(2024, 9, 1) -> 'September 2024'; 'Mei 2025' in Indonesian."""
    if period is None:
        return EMPTY
    return f"{month_name(period.month)} {period.year}"


def format_period_short(period: date):
    """date(2026, 11, 1) -> 'Nov 2026' ('Agu 2026', 'Des 2026' in Indonesian): chart ticks that fit."""
    if period is None:
        return EMPTY
    name = month_name(period.month)
    short = {"Agustus": "Agu", "Desember": "Des", "Oktober": "Okt"}.get(name, name[:3])
    return f"{short} {period.year}"


def months_label(start: date, end: date) -> str:
    """A run of months the Indonesian way: "Januari–Desember 2026", "Oktober 2026–Januari 2027",
    "Maret 2026" for one month (English month names when English is active)."""
    if start == end:
        return format_period(start)
    if start.year == end.year:
        return f"{month_name(start.month)}–{format_period(end)}"
    return f"{format_period(start)}–{format_period(end)}"


ROMAN = ("I", "II", "III", "IV")


def span_label(span) -> str:
    """A ``months.Span`` as a reader says it: "Mei 2025", "Triwulan II 2025", "Semester I 2025", "Tahun 2025"."""
    if span is None:
        return EMPTY
    if span.kind == QUARTER:
        return _("Triwulan %(n)s %(year)s") % {"n": ROMAN[span.index - 1], "year": span.start.year}
    if span.kind == SEMESTER:
        return _("Semester %(n)s %(year)s") % {"n": ROMAN[span.index - 1], "year": span.start.year}
    if span.kind == YEAR:
        return _("Tahun %(year)s") % {"year": span.start.year}
    return format_period(span.start)


class NumberFormatError(ValueError):
    pass


_ID_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")
_EN_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(text, *, integer=True):
    """Parse a number typed or exported the Indonesian way.

    '134.167' -> 134167, '32,44' -> Decimal('32.44'), '1 234' -> 1234, 'Rp659.265.600' ->
    659265600. English grouping ('134,167') is accepted when unambiguous. Raises
    NumberFormatError with an Indonesian message otherwise.
    """
    if text is None:
        raise NumberFormatError(_("nilai kosong"))
    if isinstance(text, int | float | Decimal) and not isinstance(text, bool):
        value = Decimal(str(text))
    else:
        raw = str(text).strip().replace("\u00a0", " ").replace(" ", "")
        raw = re.sub(r"^(Rp\.?|IDR)", "", raw, flags=re.IGNORECASE)
        if raw == "":
            raise NumberFormatError(_("nilai kosong"))
        if _ID_THOUSANDS.match(raw):
            normal = raw.replace(".", "").replace(",", ".")
        elif _EN_THOUSANDS.match(raw) and integer:
            normal = raw.replace(",", "")
        elif re.fullmatch(r"-?\d+,\d+", raw):
            normal = raw.replace(",", ".")
        elif re.fullmatch(r"-?\d+(\.\d+)?", raw):
            normal = raw
        else:
            raise NumberFormatError(_("bukan angka yang valid: %(value)s") % {"value": text})
        try:
            value = Decimal(normal)
        except InvalidOperation as exc:
            raise NumberFormatError(_("bukan angka yang valid: %(value)s") % {"value": text}) from exc
    if integer:
        if value != value.to_integral_value():
            raise NumberFormatError(_("harus bilangan bulat: %(value)s") % {"value": text})
        return int(value)
    return value


# Spreadsheet formula triggers (OWASP "CSV injection"): exported text starting with these is escaped.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")
# A trigger right after a character some spreadsheet may split a CSV line on (a reader set to ","
# splits "x,=1+2,y" into three cells even when the field is quoted), unless what follows is a plain
# number ("32,-1" stays as it is).
_INNER_FORMULA = re.compile(r'([,;\t\r\n]"*)(?=[=+\-@])(?![+-]?\d+(?:[.,]\d+)?(?:[,;\t\r\n"]|$))')


def safe_cell(value):
    """Text a spreadsheet would run as a formula gets an apostrophe before the trigger; numbers stay
    numbers. The cell is judged as a whole: a trigger after an inner separator is escaped too."""
    if not isinstance(value, str):
        return value
    if _PLAIN_NUMBER.match(value):
        return value
    value = _INNER_FORMULA.sub(r"\1'", value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
