"""Tables as downloads: CSV the way Excel with Indonesian settings opens it, and XLSX; every text cell
escaped against formula injection (``formats.safe_cell``). Used by the league table and the completeness
matrix exports."""

import csv
import io

from django.http import HttpResponse

from .formats import safe_cell

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_value(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")  # Indonesian decimal comma, no grouping: Excel reads a number
    return safe_cell(value if isinstance(value, str) else str(value))


def csv_response(header, rows, name):
    """Semicolon-separated with a BOM: how Excel with Indonesian settings opens a CSV. Every field is
    quoted, so a separator inside a name never starts a new cell (``safe_cell`` escapes a formula
    after one too, for a spreadsheet that splits on another separator)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL)
    writer.writerow([safe_cell(str(h)) for h in header])
    writer.writerows([csv_value(v) for v in row] for row in rows)
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def xlsx_response(header, rows, name, *, sheet_title):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(sheet_title))
    sheet.append([safe_cell(str(h)) for h in header])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
