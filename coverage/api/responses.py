"""Pieces every API operation shares: the documented error responses and CSV output."""

import csv
import io

from django.http import HttpResponse

from ucj_dashboard.formats import safe_cell

from .schemas import Error

ERRORS = {400: Error, 401: Error, 429: Error}


def wants_csv(request):
    """``?format=csv``: a flat table for spreadsheets (JSON otherwise)."""
    return request.GET.get("format", "").lower() == "csv"


def csv_response(rows, filename, *, exclude=()):
    """Rows (dicts) as CSV; a cell a spreadsheet would run as a formula is escaped by the product's one
    rule (``ucj_dashboard.formats.safe_cell``, as in every other export)."""
    out = io.StringIO()
    fields = [name for name in (rows[0] if rows else {}) if name not in exclude]
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: _cell(row.get(name)) for name in fields})
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _cell(value):
    if isinstance(value, list):
        value = ";".join(str(item) for item in value)
    return safe_cell(value)
