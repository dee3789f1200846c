"""The scorecard: regions × the twelve months of a year, coloured by category band, with the rank and
attainment of the year's stock month; and its XLSX export.

The ``dash`` world (2025 bands: sangat rendah < 20, rendah < 30, sedang < 45, tinggi): Kota Malang
March-June 125.167, 128.167, 105.000 and 134.167 of 413.600 workers (30,26%, 30,99%, 25,39%, 32,44%).
"""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from regions.models import PeerGroup
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client, branch_head_malang):
    client.login(username=branch_head_malang.username, password=PASSWORD)
    return client


def test_scorecard_colours_each_month_by_its_band_and_ranks_the_stock_month(reader, dash):
    response = reader.get(reverse("coverage:scorecard"), {"tingkat": 2, "induk": "35", "tahun": "2025"})
    assert response.status_code == 200
    data = response.context["data"]
    assert [(row["position"], row["name"]) for row in data["rows"]] == [
        (1, "Kota Malang"), (2, "Kabupaten Blitar"), (3, "Kabupaten Malang")
    ]  # fmt: skip
    kota = data["rows"][0]
    cells = [(cell["category"], round(cell["coverage"], 2)) if cell else None for cell in kota["cells"]]
    assert cells[:2] == [None, None] and cells[6:] == [None] * 6
    assert cells[2:6] == [("sedang", 30.26), ("sedang", 30.99), ("rendah", 25.39), ("sedang", 32.44)]
    assert round(kota["attainment"], 2) == 75.91  # 134.167 / 176.753, June
    html = response.content.decode()
    assert 'class="num band-rendah" title="Mei 2025: Rendah">25,39%' in html
    assert "Peringkat dan capaian per Juni 2025." in html
    assert "Kartu skor 2025" in html


def test_scorecard_of_a_peer_group_ranks_within_the_group(reader, dash, region_tree):
    group = PeerGroup.objects.create(code="kfd-rendah", name="Kapasitas fiskal rendah")
    group.regions.set([region_tree["35.05"], region_tree["35.07"]])
    response = reader.get(reverse("coverage:scorecard"), {"kelompok": "kfd-rendah"})
    assert response.context["data"]["year"] == 2025  # the default month's year
    assert [(row["position"], row["name"]) for row in response.context["data"]["rows"]] == [
        (1, "Kabupaten Blitar"), (2, "Kabupaten Malang")
    ]  # fmt: skip


def test_scorecard_xlsx_keeps_numbers_and_fills_the_band_colours(reader, dash):
    response = reader.get(reverse("coverage:scorecard_export"), {"induk": "35", "tahun": "2025"})
    assert 'filename="kartu-skor-ucj-2025.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == ["Peringkat", "Kode", "Nama", "Januari", "Februari"]
    kota = sheet[2]
    assert [kota[0].value, kota[1].value, kota[2].value] == [1, "35.73", "Kota Malang"]
    may = kota[header.index("Mei")]
    assert may.value == 25.39 and may.fill.fgColor.rgb.endswith("FCE3A9")  # rendah
    assert kota[header.index("Juni")].fill.fgColor.rgb.endswith("D3EBC0")  # sedang
    assert kota[header.index("Capaian target (%)")].value == 75.91
    assert kota[header.index("Bulan stok")].value == "2025-06"


@pytest.mark.parametrize("query", [{"tahun": "1999"}, {"tahun": "²"}, {"kelompok": "tidak-ada"}, {"segmen": "X"}])
def test_scorecard_refuses_bad_parameters_with_a_400(reader, dash, query):
    assert reader.get(reverse("coverage:scorecard"), query).status_code == 400
    assert reader.get(reverse("coverage:scorecard_export"), query).status_code == 400
