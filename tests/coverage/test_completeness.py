"""The completeness and timeliness matrix of the submission tracker, on a known case.

Kota Malang and Kabupaten Blitar have Pemda operators; the due date is the 10th of the next month.
Kota Malang submitted May 2025 on 5 June (on time) and June on 15 July (late); Kabupaten Blitar
submitted May on 12 June (late), left June as a draft, and was returned in April. So, of 2 units:
May 100% reported, 50% on time; June 50% reported, 0% on time; every other month 0%.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from coverage.entry.completeness import LATE, MISSING, ON_TIME, completeness_matrix
from coverage.models import EntryStatus
from tests.factories import make_pemda_count

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")
APRIL, MAY, JUNE = date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)


@pytest.fixture
def known_case(settings, region_tree, operator_kota_malang, operator_kab_blitar):
    settings.SUBMISSION_DUE_DAY = 10
    r = region_tree
    submitted = EntryStatus.SUBMITTED
    make_pemda_count(r["35.73"], "PU", 98_000, period=MAY, status=submitted,
                     submitted_at=datetime(2025, 6, 5, 9, tzinfo=WIB))  # fmt: skip
    # A desa's figure counts for its kab/kota; the later one does not make May late.
    make_pemda_count(r["35.73.01.1001"], "BPU", 500, period=MAY, status=EntryStatus.VERIFIED,
                     submitted_at=datetime(2025, 6, 20, 9, tzinfo=WIB))  # fmt: skip
    make_pemda_count(r["35.73"], "PU", 98_000, period=JUNE, status=submitted,
                     submitted_at=datetime(2025, 7, 15, 9, tzinfo=WIB))  # fmt: skip
    make_pemda_count(r["35.05"], "PU", 119_500, period=MAY, status=submitted,
                     submitted_at=datetime(2025, 6, 12, 9, tzinfo=WIB))  # fmt: skip
    make_pemda_count(r["35.05"], "BPU", 54_810, period=JUNE, status=EntryStatus.DRAFT)
    make_pemda_count(r["35.05"], "PU", 100, period=APRIL, status=EntryStatus.RETURNED)


def test_the_matrix_of_the_known_case_counts_reported_and_on_time_units(known_case, admin_user):
    matrix = completeness_matrix(end=JUNE, user=admin_user)

    assert matrix.months[0] == date(2024, 7, 1) and matrix.months[-1] == JUNE and len(matrix.months) == 12
    cells = {row.region.code: row.cells[-3:] for row in matrix.rows}  # April, May, June
    assert cells == {"35.05": [MISSING, LATE, MISSING], "35.73": [MISSING, ON_TIME, LATE]}
    figures = [(t.period, t.expected, t.reported, t.on_time, t.reported_percent, t.on_time_percent)
               for t in matrix.totals[-3:]]  # fmt: skip
    assert figures == [
        (APRIL, 2, 0, 0, 0.0, 0.0),
        (MAY, 2, 2, 1, 100.0, 50.0),
        (JUNE, 2, 1, 0, 50.0, 0.0),
    ]
    assert all(t.reported == 0 for t in matrix.totals[:-2])


def test_each_branch_gets_the_rates_of_the_units_it_serves(known_case, offices, admin_user):
    matrix = completeness_matrix(end=JUNE, user=admin_user)

    rates = {b.office.code: [(r.reported, r.on_time, r.expected) for r in b.rates[-2:]] for b in matrix.branches}
    assert rates == {"KC-BLITAR": [(1, 0, 1), (0, 0, 1)], "KC-MALANG": [(1, 1, 1), (1, 0, 1)]}  # May, June


def test_an_operator_sees_only_its_own_region_in_the_matrix(known_case, operator_kota_malang):
    matrix = completeness_matrix(end=JUNE, user=operator_kota_malang)
    assert [row.region.code for row in matrix.rows] == ["35.73"]
    assert (matrix.totals[-2].reported_percent, matrix.totals[-2].on_time_percent) == (100.0, 100.0)


def test_the_tracker_page_shows_the_rates(client, known_case, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("coverage:submission_tracker"), {"periode": "2025-06"}).content.decode()
    assert "Tingkat pelaporan" in page
    assert "100% <small>(2/2)</small>" in page  # May reported
    assert "50% <small>(1/2)</small>" in page  # May on time, June reported


def _csv_rows(response):
    import csv
    import io

    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_matrix_of_the_known_case_exports_to_csv(client, known_case, offices, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("coverage:completeness_export", kwargs={"fmt": "csv"}), {"periode": "2025-06"})

    assert response["Content-Disposition"] == 'attachment; filename="kelengkapan-laporan-ucj-2025-06.csv"'
    rows = _csv_rows(response)
    assert rows[0][:3] == ["Kode", "Wilayah", "2024-07"] and rows[0][-3:] == ["2025-04", "2025-05", "2025-06"]
    by_label = {(row[0], row[1]): row[2:] for row in rows[1:]}
    assert by_label[("35.73", "Kota Malang")][-3:] == ["belum melapor", "tepat waktu", "terlambat"]
    assert by_label[("35.05", "Kabupaten Blitar")][-3:] == ["belum melapor", "terlambat", "belum melapor"]
    assert by_label[("", "Semua wilayah: diharapkan")][-3:] == ["2", "2", "2"]
    assert by_label[("", "Semua wilayah: melapor")][-3:] == ["0", "2", "1"]
    assert by_label[("", "Semua wilayah: tingkat pelaporan (%)")][-3:] == ["0,00", "100,00", "50,00"]
    assert by_label[("", "Semua wilayah: tepat waktu (%)")][-3:] == ["0,00", "50,00", "0,00"]
    malang = [label for code, label in by_label if code == "KC-MALANG"]
    assert by_label[("KC-MALANG", malang[-1])][-2:] == ["100,00", "0,00"]  # May on time, June late


def test_the_matrix_of_the_known_case_exports_to_xlsx_with_names_escaped(client, known_case, admin_user, region_tree):
    from io import BytesIO

    from openpyxl import load_workbook

    region_tree["35.73"].__class__.objects.filter(code="35.73").update(name="=HYPERLINK(1)")
    client.force_login(admin_user)
    response = client.get(reverse("coverage:completeness_export", kwargs={"fmt": "xlsx"}), {"periode": "2025-06"})

    sheet = load_workbook(BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][-1] == "2025-06"
    units = {row[0]: row for row in rows[1:3]}
    assert units["35.73"][1] == "'=HYPERLINK(1)"  # a name that starts a formula is text
    assert units["35.73"][-2:] == ["tepat waktu", "terlambat"]
    totals = {row[1]: row[2:] for row in rows if row[0] is None or row[0] == ""}
    assert totals["Semua wilayah: tingkat pelaporan (%)"][-3:] == [0.0, 100.0, 50.0]
    assert totals["Semua wilayah: tepat waktu (%)"][-3:] == [0.0, 50.0, 0.0]


def test_an_operator_exports_only_its_own_region(client, known_case, operator_kota_malang):
    client.force_login(operator_kota_malang)
    response = client.get(reverse("coverage:completeness_export", kwargs={"fmt": "csv"}), {"periode": "2025-06"})
    rows = _csv_rows(response)[1:]
    assert [row[0] for row in rows if ":" not in row[1]] == ["35.73"]  # the units; the rates rows follow
    assert next(row for row in rows if row[1] == "Semua wilayah: tepat waktu (%)")[-2:] == ["100,00", "0,00"]
