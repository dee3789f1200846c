"""Quarter, semester and year views of the dashboards and the league table (``?periode=2025-Q2``).

The ``dash`` world (Kota Malang, Kabupaten Malang and Kabupaten Blitar, March-June 2025) with new
registrations and nonaktif on the PU counts. Over a run of months active participants (so coverage,
ranks, categories) are a stock: the run's last settled month; new registrations and nonaktif are
flows: summed (docs/RULES.md).
"""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from coverage.dashboards.selectors import league_table, region_dashboard, region_figures_over
from coverage.engine import coverage_recompute
from coverage.models import ParticipantCount
from tests.conftest import PASSWORD
from ucj_dashboard import params
from ucj_dashboard.months import Span

pytestmark = pytest.mark.django_db

APRIL, MAY, JUNE = date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)
# New registrations and nonaktif of the PU counts: Kota Malang and Kabupaten Blitar.
FLOWS = {
    "35.73": {date(2025, 3, 1): (900, 100), APRIL: (4_100, 1_100), MAY: (2_350, 27_000), JUNE: (29_200, 1_200)},
    "35.05": {MAY: (1_000, 400), JUNE: (800, 300)},
}


@pytest.fixture
def flows(dash):
    for code, months in FLOWS.items():
        for period, (new, lapsed) in months.items():
            ParticipantCount.objects.filter(region__code=code, period=period, segment="PU").update(
                new_registrations=new, lapsed=lapsed
            )
    coverage_recompute()
    return dash


@pytest.fixture
def reader(client, branch_head_malang):
    client.login(username=branch_head_malang.username, password=PASSWORD)
    return client


def test_a_quarter_shows_its_last_month_stock_and_its_summed_flows(flows, region_tree):
    data = region_dashboard(region=region_tree["35.73"], span=Span.of("triwulan", 2025, 2))
    snapshot = data["snapshot"]
    assert data["period"] == JUNE  # the stock month: the quarter's last settled month
    assert snapshot["active_total"] == 134_167  # June's stock, not a sum
    assert round(snapshot["coverage_total"], 2) == 32.44
    assert snapshot["new_total"] == 4_100 + 2_350 + 29_200  # April-June summed: 35.650
    assert snapshot["lapsed_total"] == 1_100 + 27_000 + 1_200
    assert data["flow"] == (APRIL, JUNE)
    # The month view of June keeps June's own flow.
    assert region_dashboard(region=region_tree["35.73"], period=JUNE)["snapshot"]["new_total"] == 29_200


def test_a_semester_sums_the_flows_of_every_month_it_holds(flows, region_tree):
    data = region_dashboard(region=region_tree["35.73"], span=Span.of("semester", 2025, 1))
    assert data["period"] == JUNE
    assert data["snapshot"]["new_total"] == 900 + 4_100 + 2_350 + 29_200
    # The children of Jawa Timur carry their own sums: Kabupaten Blitar May + June.
    jatim = region_dashboard(region=region_tree["35"], span=Span.of("tahun", 2025))
    blitar = next(row for row in jatim["children"] if row["code"] == "35.05")
    assert blitar["new_total"] == 1_800 and blitar["active_total"] == 181_470


def test_the_roll_up_of_one_region_is_the_same_sum(flows, region_tree):
    figures = region_figures_over(region=region_tree["35.73"], start=APRIL, end=JUNE)
    assert figures["active_total"] == 134_167 and figures["new_total"] == 35_650


def test_a_quarter_without_its_last_month_shows_its_latest_month(flows, region_tree):
    """Q2 when only April and May exist for a subject: the stock of May, the flows of April-May."""
    data = league_table(parent=region_tree["35"], span=Span.of("triwulan", 2025, 1))
    assert data["period"] == date(2025, 3, 1)
    kota = next(row for row in data["rows"] if row["code"] == "35.73")
    assert kota["active_total"] == 125_167 and kota["new_total"] == 900


def test_league_table_of_a_quarter_ranks_the_stock_and_shows_the_flow(reader, flows):
    response = reader.get(reverse("coverage:league_table"), {"tingkat": 2, "induk": "35", "periode": "2025-Q2"})
    assert response.status_code == 200
    rows = response.context["data"]["rows"]
    assert [row["name"] for row in rows] == ["Kota Malang", "Kabupaten Blitar", "Kabupaten Malang"]
    assert [row["new_total"] for row in rows] == [35_650, 1_800, None]
    html = response.content.decode()
    assert "Triwulan II 2025" in html
    assert "stok per Juni 2025, arus April–Juni 2025" in html
    assert "35.650" in html  # the Indonesian way
    assert 'value="2025-Q2" selected' in html
    # A row's link keeps the quarter.
    assert reverse("coverage:region_dashboard", kwargs={"code": "35.73"}) + "?periode=2025-Q2" in html


def test_league_table_export_of_a_quarter_names_the_quarter(reader, flows):
    url = reverse("coverage:league_table_export", kwargs={"fmt": "xlsx"})
    response = reader.get(url, {"induk": "35", "periode": "2025-Q2"})
    assert 'filename="peringkat-ucj-2025-Q2.xlsx"' in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header, first = list(rows[0]), rows[1]
    assert first[header.index("Nama")] == "Kota Malang"
    assert first[header.index("Periode")] == "2025-06"
    assert first[header.index("Rentang")] == "2025-Q2"
    assert first[header.index("Peserta aktif")] == 134_167
    assert first[header.index("Peserta baru")] == 35_650
    assert first[header.index("Nonaktif")] == 29_300


def test_region_and_office_pages_take_a_quarter_semester_and_year(reader, flows):
    region = reverse("coverage:region_dashboard", kwargs={"code": "35.73"})
    quarter = reader.get(region, {"periode": "2025-Q2"})
    html = quarter.content.decode()
    assert "Triwulan II 2025" in html and "jumlah April–Juni 2025" in html and "35.650" in html
    semester = reader.get(region, {"periode": "2025-S1"}).content.decode()
    assert "Semester I 2025" in semester and "36.550" in semester  # March-June: 900 + 4.100 + 2.350 + 29.200
    office = reader.get(reverse("coverage:office_dashboard", kwargs={"code": "KC-MALANG"}), {"periode": "2025"})
    assert office.status_code == 200 and "Tahun 2025" in office.content.decode()
    chart = reverse("coverage:chart_json", kwargs={"code": "35.73", "chart": "tren"})
    assert reader.get(chart, {"periode": "2025-Q2"}).status_code == 200


@pytest.mark.parametrize("value", ["2025-Q5", "2025-S3", "2025-q", "1999", "2025-13", "2025-Q2-01", "Q2-2025"])
def test_a_malformed_period_is_a_400_in_bahasa_indonesia(reader, dash, value):
    for url in (
        reverse("coverage:region_dashboard", kwargs={"code": "35.73"}),
        reverse("coverage:league_table"),
        reverse("coverage:league_table_export", kwargs={"fmt": "csv"}),
    ):
        response = reader.get(url, {"periode": value})
        assert response.status_code == 400
        assert "triwulan (2025-Q2)" in response.content.decode()


def test_pages_of_months_only_refuse_a_quarter(reader, dash):
    response = reader.get(reverse("coverage:action_list", kwargs={"code": "KC-MALANG"}), {"periode": "2025-Q2"})
    assert response.status_code == 400


def test_spans_are_parsed_to_their_months():
    assert params.span("2025-Q2") == Span("triwulan", APRIL, JUNE)
    assert params.span("2025-s2") == Span("semester", date(2025, 7, 1), date(2025, 12, 1))
    assert params.span("2025") == Span("tahun", date(2025, 1, 1), date(2025, 12, 1))
    assert params.span("2025-05") == Span("bulan", MAY, MAY)
    assert params.span("") is None
    assert [params.span(key).key for key in ("2025-Q2", "2025-S1", "2025", "2025-05")] == [
        "2025-Q2", "2025-S1", "2025", "2025-05"
    ]  # fmt: skip
