"""League table (and its exports), action list and the weekly digest."""

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from coverage.engine import coverage_recompute
from coverage.models import ReportingPeriod, ReportingStatus
from coverage.tasks import send_weekly_digest
from regions.models import Region
from tests.conftest import PASSWORD
from tests.factories import make_count, make_denominator
from ucj_dashboard.formats import safe_cell

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client, branch_head_malang):
    client.login(username=branch_head_malang.username, password=PASSWORD)
    return client


def names(response):
    return [row["name"] for row in response.context["data"]["rows"]]


def test_league_table_sorts_by_coverage_attainment_and_improvement(reader, dash, django_assert_max_num_queries):
    url = reverse("coverage:league_table")
    with django_assert_max_num_queries(12):
        response = reader.get(url, {"tingkat": 2, "induk": "35"})
    assert names(response) == ["Kota Malang", "Kabupaten Blitar", "Kabupaten Malang"]
    html = response.content.decode()
    assert "32,44%" in html and "75,91%" in html  # attainment: 134,167 / 176,753
    assert "▲ 1" in html and "▼ 1" in html  # Kota Malang up from 2nd, Blitar down from 1st
    # Attainment: only Kota Malang and Kab. Malang have a target; Blitar (none) goes last.
    by_attainment = reader.get(url, {"tingkat": 2, "induk": "35", "urut": "capaian"})
    assert names(by_attainment) == ["Kota Malang", "Kabupaten Malang", "Kabupaten Blitar"]
    by_month = reader.get(url, {"tingkat": 2, "induk": "35", "urut": "naik_bulan"})
    assert names(by_month) == ["Kota Malang", "Kabupaten Blitar", "Kabupaten Malang"]
    assert "-0,40 pp" in by_month.content.decode()


def test_league_table_within_a_kanwil_and_for_kecamatan(reader, dash):
    url = reverse("coverage:league_table")
    kanwil = reader.get(url, {"tingkat": 2, "kanwil": "KW-JATIM"})
    assert names(kanwil) == ["Kota Malang", "Kabupaten Blitar", "Kabupaten Malang"]
    assert reader.get(url, {"tingkat": 3}).context["data"]["needs_parent"] is True
    kecamatan = reader.get(url, {"tingkat": 3, "induk": "35.73"})
    assert names(kecamatan) == ["Blimbing", "Klojen"]  # 35,00% and 27,86%


def test_csv_export_is_excel_friendly_and_formula_safe(reader, dash):
    Region.objects.filter(code="35.05").update(name='=HYPERLINK("http://x.invalid","Blitar")')
    response = reader.get(reverse("coverage:league_table_export", kwargs={"fmt": "csv"}), {"induk": "35"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="peringkat-ucj-2025-06.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, first = rows[0], rows[1]
    assert first[header.index("Nama")] == "Kota Malang"
    assert first[header.index("Peserta aktif")] == "134167"
    assert first[header.index("Cakupan total (%)")] == "32,44"
    assert first[header.index("Kesenjangan (peserta)")] == "42586"
    blitar = rows[2]
    assert blitar[header.index("Nama")] == '\'=HYPERLINK("http://x.invalid","Blitar")'
    assert rows[3][header.index("Perubahan sebulan (pp)")] == "-0,40"  # a number, not escaped


def test_xlsx_export_keeps_numbers_and_escapes_formulas(reader, dash):
    Region.objects.filter(code="35.05").update(name="@SUM(1+1)*cmd|' /C calc'!A0")
    response = reader.get(reverse("coverage:league_table_export", kwargs={"fmt": "xlsx"}), {"induk": "35"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert rows[1][header.index("Peserta aktif")] == 134_167
    assert rows[1][header.index("Cakupan total (%)")] == 32.44
    assert rows[2][header.index("Nama")] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+62 812", "'+62 812"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("-0,40", "-0,40"),
        ("Kota Malang", "Kota Malang"),
        ("x,=1+2,y", "x,'=1+2,y"),  # judged as a whole: a trigger after a separator too
        ('a;"@SUM(A1)"', 'a;"\'@SUM(A1)"'),
        ("a;-5", "a;-5"),
        ("KC-MALANG", "KC-MALANG"),
        (-0.4, -0.4),
        (None, None),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_action_list_ranks_gaps_falling_coverage_and_overdue_reports(reader, dash, region_tree):
    ReportingPeriod.objects.create(period=date(2025, 4, 1), status=ReportingStatus.CLOSED)
    response = reader.get(reverse("coverage:action_list", kwargs={"code": "KW-JATIM"}))
    data = response.context["data"]
    assert [(row["name"], row["gap"]) for row in data["gap"]] == [
        ("Kabupaten Malang", 178_210),
        ("Kota Malang", 42_586),
    ]
    assert [row["name"] for row in data["falling"]] == ["Kabupaten Malang"]
    # April is the last closed month: only Kota Malang reported April (the others start in May).
    assert data["closed_month"] == date(2025, 4, 1)
    assert [row["name"] for row in data["overdue"]] == ["Kabupaten Blitar", "Kabupaten Malang"]
    html = response.content.decode()
    assert "42.586" in html and "Laporan terlambat (April 2025)" in html


def test_branch_action_list_covers_its_own_territory(reader, dash):
    data = reader.get(reverse("coverage:action_list", kwargs={"code": "KC-MALANG"})).context["data"]
    assert [row["name"] for row in data["gap"]] == ["Kota Malang"]
    assert data["overdue"] == []  # no closed month recorded: the month before June, which has data


def test_weekly_digest_mails_each_branch_head(dash, branch_head_malang, mailoutbox):
    branch_head_malang.email = "kacab.malang@example.test"
    branch_head_malang.save()
    assert send_weekly_digest.apply().get() == 1
    message = mailoutbox[0]
    assert message.to == ["kacab.malang@example.test"]
    assert "Malang" in message.subject and "Juni 2025" in message.subject
    assert "Kota Malang: 42.586 peserta (32,44%)" in message.body
    assert "42.586" in message.alternatives[0][0]


def test_weekly_digest_command_runs_the_task(dash, branch_head_malang, mailoutbox):
    branch_head_malang.email = "kacab.malang@example.test"
    branch_head_malang.save()
    out = io.StringIO()
    call_command("send_weekly_digest", "--period", "2025-06", stdout=out)
    assert "1 e-mail" in out.getvalue()
    assert len(mailoutbox) == 1


def test_kanwil_action_list_reads_kecamatan_too(reader, dash, region_tree):
    donomulyo = region_tree["35.07.01"]
    make_denominator(donomulyo, 2025, total=40_000)
    make_count(donomulyo, date(2025, 5, 1), "PU", 4_500)  # 11,25%
    make_count(donomulyo, date(2025, 6, 1), "PU", 4_000)  # 10,00%: -1,25 pp
    coverage_recompute(periods=[date(2025, 5, 1), date(2025, 6, 1)])
    data = reader.get(reverse("coverage:action_list", kwargs={"code": "KW-JATIM"})).context["data"]
    assert data["regions"] == 3
    assert [row["name"] for row in data["falling"]] == ["Donomulyo", "Kabupaten Malang"]
