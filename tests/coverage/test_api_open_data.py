"""Open data for Satu Data Indonesia (docs/API.md, "Open data"): public, published months only, one
row per region and month keyed by the Kemendagri code, machine-readable numbers, and its metadata.

The dashboards' world (``dash``): June 2025 is closed (published), May stays open."""

import csv
import io

import pytest

from coverage.engine import coverage_recompute, period_close, period_reopen
from coverage.models import ParticipantCount
from regions.models import Region

from .conftest import JUNE

pytestmark = pytest.mark.django_db

URL = "/api/v1/open-data/"


@pytest.fixture
def june_published(dash, admin_user):
    period_close(period=JUNE, user=admin_user)


def _rows(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_a_published_month_is_open_data_with_kemendagri_codes_and_its_figures(client, june_published):
    rows = _rows(client.get(URL))  # no key, no session: open data is public
    kota = next(row for row in rows if row["kode_wilayah"] == "35.73")
    assert kota == {
        "kode_wilayah": "35.73", "nama_wilayah": "Kota Malang", "tingkat": "2", "kode_induk": "35",
        "periode": "2025-06", "tahun": "2025", "bulan": "6",
        "peserta_aktif": "134167", "peserta_aktif_pu": "98000", "peserta_aktif_bpu": "31500",
        "penduduk_bekerja": "413600", "penduduk_bekerja_pu": "290000", "penduduk_bekerja_bpu": "123600",
        "cakupan_persen": "32.44", "cakupan_pu_persen": "33.79", "cakupan_bpu_persen": "25.49",
        "kategori": "sedang", "sumber_penyebut": kota["sumber_penyebut"], "dibawa_dari": "",
        "revisi": "1", "tanggal_terbit": kota["tanggal_terbit"],
    }  # fmt: skip
    assert kota["sumber_penyebut"] and len(kota["tanggal_terbit"]) == 10
    # One row per region and month, every level of the tree, each keyed by its Kemendagri code.
    by_code = {row["kode_wilayah"]: row for row in rows}
    assert len(by_code) == len(rows)
    assert {"ID", "35", "35.73", "35.07", "35.05", "35.73.01", "35.73.02"} <= set(by_code)
    assert by_code["35.73.01"]["kode_induk"] == "35.73" and by_code["35.73.01"]["tingkat"] == "3"
    assert by_code["35.07"]["cakupan_persen"] == "19.6"  # Kabupaten Malang, June 2025


def test_an_open_month_is_not_open_data(client, june_published):
    rows = _rows(client.get(URL))
    assert {row["periode"] for row in rows} == {"2025-06"}  # March to May were never closed
    assert _rows(client.get(URL, {"periode": "2025-05"})) == []


def test_an_unpublished_correction_stays_out_until_it_is_published(client, june_published, admin_user, region_tree):
    period_reopen(period=JUNE, user=admin_user, reason="Koreksi data BPJS Juni")
    ParticipantCount.objects.filter(region=region_tree["35.07"], period=JUNE).update(active=1)
    coverage_recompute(periods=[JUNE])
    rows = _rows(client.get(URL, {"tingkat": "2"}))
    kab = next(row for row in rows if row["kode_wilayah"] == "35.07")
    assert (kab["revisi"], kab["cakupan_persen"]) == ("1", "19.6")  # what was published
    period_close(period=JUNE, user=admin_user)
    kab = next(row for row in _rows(client.get(URL, {"tingkat": "2"})) if row["kode_wilayah"] == "35.07")
    assert (kab["revisi"], kab["peserta_aktif"]) == ("2", "4")  # the correction, now published


def test_filters_by_level_subtree_and_year(client, june_published):
    rows = _rows(client.get(URL, {"dalam": "35.73", "tingkat": "3", "tahun": "2025"}))
    assert [(row["kode_wilayah"], row["peserta_aktif"]) for row in rows] == [("35.73.01", "70000"),
                                                                            ("35.73.02", "59500")]  # fmt: skip
    assert _rows(client.get(URL, {"tahun": "2024"})) == []


@pytest.mark.parametrize(
    ("params", "words"),
    [({"periode": "2025-13"}, "YYYY-MM"), ({"dalam": "99.99"}, "tidak ditemukan"), ({"tingkat": "11"}, "tingkat")],
)
def test_bad_parameters_are_400_with_an_indonesian_reason(client, june_published, params, words):
    response = client.get(URL, params)
    assert response.status_code == 400 and words in response.json()["detail"]


def test_a_formula_in_a_region_name_stays_inert(client, june_published, region_tree):
    Region.objects.filter(code="35.73").update(name="=HYPERLINK(1)")
    kota = next(row for row in _rows(client.get(URL)) if row["kode_wilayah"] == "35.73")
    assert kota["nama_wilayah"] == "'=HYPERLINK(1)"


def test_anonymous_callers_are_throttled_per_address(client, june_published, settings):
    settings.OPEN_DATA_REQUESTS_PER_MINUTE = 2
    assert [client.get(URL, {"tahun": "2024"}).status_code for _ in range(3)] == [200, 200, 429]
    assert "Terlalu banyak" in client.get(URL).json()["detail"]


def test_the_metadata_names_the_sdi_elements_the_period_and_every_column(client, june_published):
    body = client.get(f"{URL}metadata/").json()
    assert body["periode_awal"] == body["periode_akhir"] == "2025-06"
    assert "CC BY 4.0" in body["lisensi"] and body["frekuensi_pemutakhiran"].startswith("bulanan")
    assert "Kemendagri" in body["kode_referensi"] and body["kontak"] and body["produsen_data"]
    assert body["url_data"] == "http://testserver/api/v1/open-data/"
    header = next(csv.reader(io.StringIO(b"".join(client.get(URL).streaming_content).decode())))
    assert [column["nama"] for column in body["kolom"]] == header
    units = {column["nama"]: column["satuan"] for column in body["kolom"]}
    assert (units["peserta_aktif"], units["cakupan_persen"]) == ("orang", "persen")
    sheet = client.get(f"{URL}metadata/", {"format": "csv"})
    lines = list(csv.DictReader(io.StringIO(sheet.content.decode())))
    assert {"unsur": "periode_awal", "nilai": "2025-06"} in lines
    assert any(line["unsur"] == "kolom.kode_wilayah" for line in lines)


def test_the_metadata_without_a_published_month_has_no_period(client, dash):
    """Nothing closed yet (March to June open): no period, no CSV row."""
    body = client.get(f"{URL}metadata/").json()
    assert (body["periode_awal"], body["periode_akhir"], body["tanggal_pemutakhiran"]) == (None, None, None)
    assert _rows(client.get(URL)) == []
