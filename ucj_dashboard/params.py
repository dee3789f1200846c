"""Request parameters, parsed at the edge: one parser per kind, one error type.

Every view that reads a query-string parameter, a URL segment or a form field outside a Django form
parses it here, so a value is judged the same way on every page, export and JSON endpoint:

- absent or empty: the parser's default (the page's usual view: the latest month, every segment);
- malformed (a month that is not ``YYYY-MM``, ``tingkat=²``, a NUL character, a number past its
  range, a 2.000-character code): ``ParamError``, a 400 with an Indonesian message that names the
  parameter (``ucj_dashboard.errors``: a page, or ``{"detail": ...}`` for the JSON endpoints);
- well-formed but naming nothing that exists (``kode=99.99``): the view's 404, never cached.

Parsers return plain values (a ``date``, an ``int``, a code as text), so whatever is built from
them (a cache key, a query) has a bounded size.
"""

import re
from datetime import date

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _

from .months import MONTH, QUARTER, SEMESTER, YEAR, Span

# A Kemendagri code: ID, 35, 35.73, 35.73.01, 35.73.01.1001 (the URL patterns' syntax too).
# A Kemendagri code: ID, 35, 35.73, 35.73.01, 35.73.01.1001 (never a BPS code). The URL patterns use it too.
REGION_CODE_PATTERN = r"ID|\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?"
REGION_CODE = REGION_CODE_PATTERN
# A BPJS office code: KC-MALANG, KW-JATIM.
OFFICE_CODE = r"[A-Za-z0-9_-]{1,30}"
SEGMENTS = ("PU", "BPU")
MAX_TEXT = 200

_REGION = re.compile(REGION_CODE, re.ASCII)
_OFFICE = re.compile(OFFICE_CODE, re.ASCII)
_PERIOD = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_SPAN = re.compile(r"(\d{4})(?:-(\d{2})|-([QqSs])(\d))?", re.ASCII)
_SLUG = re.compile(r"[a-z0-9_-]{1,40}", re.ASCII)
_INTEGER = re.compile(r"-?\d{1,19}", re.ASCII)  # ASCII digits only: "²".isdigit() is true


class ParamError(BadRequest):
    """A malformed request parameter; ``str()`` is the Indonesian message shown with the 400."""


def _raw(value, name, max_length):
    """The value as stripped text, or "" when absent; NUL characters and overlong values refused."""
    if value is None:
        return ""
    value = str(value)
    if "\x00" in value:
        raise ParamError(_("Parameter %(name)s memuat karakter yang tidak diizinkan.") % {"name": name})
    if len(value) > max_length:
        message = _("Parameter %(name)s terlalu panjang (paling banyak %(max)s karakter).")
        raise ParamError(message % {"name": name, "max": max_length})
    return value.strip()


def text(value, *, name, default="", max_length=MAX_TEXT) -> str:
    """Free text (a search term, a reason): without NUL, at most ``max_length`` characters."""
    return _raw(value, name, max_length) or default


def period(value, *, name="periode", default=None) -> date | None:
    """'2025-05' -> date(2025, 5, 1); a month between 2000 and 2100."""
    raw = _raw(value, name, 20)
    if not raw:
        return default
    match = _PERIOD.fullmatch(raw)
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise ParamError(
            _("Parameter %(name)s harus berupa bulan berformat YYYY-MM, misalnya 2025-05.") % {"name": name}
        )
    return date(int(match.group(1)), int(match.group(2)), 1)


def day(value, *, name, default=None) -> date | None:
    """'2026-12-15' -> date(2026, 12, 15) (a form's date field); a day between 2000 and 2100."""
    raw = _raw(value, name, 20)
    if not raw:
        return default
    match = _DAY.fullmatch(raw)
    try:
        parsed = date(*(int(part) for part in match.groups())) if match else None
    except ValueError:
        parsed = None
    if parsed is None or not 2000 <= parsed.year <= 2100:
        raise ParamError(
            _("Parameter %(name)s harus berupa tanggal berformat YYYY-MM-DD, misalnya 2026-12-15.") % {"name": name}
        )
    return parsed


def span(value, *, name="periode", default=None) -> Span | None:
    """A month or a run of months: '2025-05', a quarter '2025-Q2', a semester '2025-S1' or a year
    '2025' -> ``Span``; years between 2000 and 2100."""
    raw = _raw(value, name, 20)
    if not raw:
        return default
    match = _SPAN.fullmatch(raw)
    valid = match and 2000 <= int(match.group(1)) <= 2100
    if valid:
        year, month, letter, number = match.groups()
        year = int(year)
        if month:
            valid = 1 <= int(month) <= 12
            kind, index = MONTH, int(month) if valid else 0
        elif letter:
            kind = QUARTER if letter.upper() == "Q" else SEMESTER
            index = int(number)
            valid = 1 <= index <= (4 if kind == QUARTER else 2)
        else:
            kind, index = YEAR, 1
    if not valid:
        raise ParamError(
            _(
                "Parameter %(name)s harus berupa bulan (2025-05), triwulan (2025-Q2), semester (2025-S1) "
                "atau tahun (2025)."
            )
            % {"name": name}
        )
    return Span.of(kind, year, index)


def integer(value, *, name, minimum, maximum, default=None, cap=False) -> int | None:
    """A whole number of ASCII digits within [minimum, maximum]; with ``cap`` a larger one is brought
    down to ``maximum`` (a page size asked too large gets the largest page)."""
    raw = _raw(value, name, 40)
    if not raw:
        return default
    if not _INTEGER.fullmatch(raw):
        raise ParamError(_("Parameter %(name)s harus bilangan bulat.") % {"name": name})
    number = int(raw)
    if cap and number > maximum:
        return maximum
    if not minimum <= number <= maximum:
        raise ParamError(
            _("Parameter %(name)s harus antara %(min)s dan %(max)s.") % {"name": name, "min": minimum, "max": maximum}
        )
    return number


def level(value, *, name="tingkat", choices, default=None) -> int | None:
    """A level number among ``choices`` (e.g. ``coverage.models.SubjectLevel.values``)."""
    number = integer(value, name=name, minimum=0, maximum=99, default=None)
    if number is None:
        return default
    if number not in choices:
        raise ParamError(
            _("Parameter %(name)s: tingkat %(level)s tidak dikenal; pilih salah satu dari %(choices)s.")
            % {"name": name, "level": number, "choices": ", ".join(str(c) for c in sorted(choices))}
        )
    return number


def region_code(value, *, name, default=None) -> str | None:
    """A Kemendagri code by its syntax (``35.73``); whether it exists is the caller's lookup."""
    raw = _raw(value, name, 20)
    if not raw:
        return default
    if not _REGION.fullmatch(raw):
        raise ParamError(_("Parameter %(name)s bukan kode wilayah Kemendagri (contoh: 35.73).") % {"name": name})
    return raw


def is_region_code(text) -> bool:
    return bool(_REGION.fullmatch(text or ""))


def office_code(value, *, name, default=None) -> str | None:
    """A BPJS office code by its syntax (``KC-MALANG``)."""
    raw = _raw(value, name, 30)
    if not raw:
        return default
    if not _OFFICE.fullmatch(raw):
        raise ParamError(_("Parameter %(name)s bukan kode kantor (contoh: KC-MALANG).") % {"name": name})
    return raw


def slug(value, *, name, default=None) -> str | None:
    """A code of lower-case letters, digits, '-' and '_' (``kapasitas-fiskal-tinggi``)."""
    raw = _raw(value, name, 40)
    if not raw:
        return default
    if not _SLUG.fullmatch(raw):
        message = _("Parameter %(name)s hanya boleh berisi huruf kecil, angka, '-' dan '_' (contoh: kota).")
        raise ParamError(message % {"name": name})
    return raw


def segment(value, *, name="segmen") -> str:
    """'PU' or 'BPU' (any case); empty means every segment."""
    raw = _raw(value, name, 10).upper()
    if raw and raw not in SEGMENTS:
        raise ParamError(_("Parameter %(name)s harus PU atau BPU.") % {"name": name})
    return raw


def choice(value, *, name, choices, default):
    """One of ``choices`` (e.g. a sort order); empty is ``default``."""
    raw = _raw(value, name, 40)
    if not raw:
        return default
    if raw not in choices:
        raise ParamError(
            _("Parameter %(name)s harus salah satu dari: %(choices)s.") % {"name": name, "choices": ", ".join(choices)}
        )
    return raw
