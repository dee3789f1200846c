"""The API's read resources beside the snapshots (docs/API.md): regions, offices, targets,
reporting completeness, funded workers and quarter/year summaries, as JSON and CSV."""

import csv
import io
from datetime import date

import pytest

from coverage.engine import funded_workers_replace
from regions.models import Office, OfficeKind, Region, Territory
from tests.factories import make_region

from .conftest import APRIL, JUNE, MAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, dash, kota_key):
    _key, raw = kota_key
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def test_regions_are_a_tree_of_codes_names_and_levels(api):
    body = api.get("/api/v1/regions/", {"induk": "35"}).json()
    assert [(r["code"], r["name"], r["level"], r["parent_code"]) for r in body["results"]] == [
        ("35.05", "Kabupaten Blitar", 2, "35"),
        ("35.07", "Kabupaten Malang", 2, "35"),
        ("35.73", "Kota Malang", 2, "35"),
    ]
    subtree = api.get("/api/v1/regions/", {"dalam": "35.73", "tingkat": 4}).json()
    assert [(r["code"], r["level_name"]) for r in subtree["results"]] == [
        ("35.73.01.1001", "Desa/Kelurahan"),
        ("35.73.01.1002", "Desa/Kelurahan"),
    ]
    page = api.get("/api/v1/regions/", {"batas": 2, "mulai": 1}).json()
    assert page["count"] == 16 and [r["code"] for r in page["results"]] == ["13.11", "19"]


def test_regions_as_csv(api):
    response = api.get("/api/v1/regions/", {"dalam": "35.73", "tingkat": 3, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["code"], r["name"], r["parent_code"]) for r in rows] == [
        ("35.73.01", "Blimbing", "35.73"),
        ("35.73.02", "Klojen", "35.73"),
    ]


def test_offices_carry_their_kanwil_and_territories(api):
    body = api.get("/api/v1/offices/", {"induk": "KW-JATIM"}).json()
    assert {o["code"]: o["territories"] for o in body["results"]} == {
        "KC-BLITAR": ["35.05"],
        "KC-KEPANJEN": ["35.07"],
        "KC-MALANG": ["35.73"],
    }
    kanwil = api.get("/api/v1/offices/", {"jenis": "kanwil"}).json()["results"]
    assert [(o["code"], o["parent_code"]) for o in kanwil] == [("KW-JATIM", None)]


def test_a_kanwil_lists_the_territories_of_its_branches(api, region_tree):
    """Kanwil Sumatera Barat with two branches, Solok (Solok Selatan) and Padang (Kota Padang; Solok
    Selatan until 2021): the Kanwil serves what its branches serve today, each code once."""
    kota_padang = make_region("13.71", "Kota Padang")
    kanwil = Office.objects.create(code="KW-SUMBAR", name="Kanwil Sumatera Barat", kind=OfficeKind.KANWIL)
    solok = Office.objects.create(code="KC-SOLOK", name="Solok", kind=OfficeKind.BRANCH, parent=kanwil)
    padang = Office.objects.create(code="KC-PADANG", name="Padang", kind=OfficeKind.BRANCH, parent=kanwil)
    Territory.objects.create(office=solok, region=region_tree["13.11"], valid_from=date(2020, 1, 1))
    Territory.objects.create(office=padang, region=region_tree["13.11"], valid_from=date(2020, 1, 1),
                             valid_to=date(2021, 12, 31))  # fmt: skip
    Territory.objects.create(office=padang, region=kota_padang, valid_from=date(2022, 1, 1))
    body = api.get("/api/v1/offices/", {"jenis": "kanwil"}).json()["results"]
    assert {o["code"]: o["territories"] for o in body} == {
        "KW-JATIM": ["35.05", "35.07", "35.73"],
        "KW-SUMBAR": ["13.11", "13.71"],
    }
    branches = api.get("/api/v1/offices/", {"induk": "KW-SUMBAR"}).json()["results"]
    assert {o["code"]: o["territories"] for o in branches} == {"KC-PADANG": ["13.71"], "KC-SOLOK": ["13.11"]}


def test_target_series_with_kota_malangs_values(api):
    body = api.get("/api/v1/targets/", {"kode": "35.73", "tahun": 2025}).json()
    values = {s["code"]: s["values"] for s in body["results"]}
    assert values["rpjmd-kota-malang"] == [
        {"region_code": "35.73", "region_name": "Kota Malang", "year": 2025, "percent": 41.23,
         "participants": 176_753, "source": ""}
    ]  # fmt: skip
    assert [v["percent"] for v in values["rpjmn-2025-2029"]] == [32.15]
    flat = api.get("/api/v1/targets/", {"seri": "rpjmn-2025-2029", "format": "csv"}).content.decode()
    assert [r["region_code"] for r in csv.DictReader(io.StringIO(flat))] == ["35.07", "35.73"]


def test_completeness_is_reported_over_expected_units(api):
    body = api.get("/api/v1/completeness/", {"kode": "35.73", "periode": "2025-06"}).json()
    assert body["results"] == [
        {"code": "35.73", "name": "Kota Malang", "level": 2, "period": "2025-06", "units_expected": 1,
         "units_reported": 1, "units_carried": 0, "reported_percent": 100.0}
    ]  # fmt: skip
    months = api.get("/api/v1/completeness/", {"kode": "35.73"}).json()
    assert [r["period"] for r in months["results"]] == ["2025-06", "2025-05", "2025-04", "2025-03"]


def test_funded_workers_are_summed_by_region_and_month(api, region_tree):
    kota = region_tree["35.73"]
    funded_workers_replace(reference="programs.fundedbatch:1201", region=kota, months=[MAY, JUNE], workers=1_500)
    funded_workers_replace(reference="programs.fundedbatch:1202", region=kota, months=[JUNE], workers=250)
    funded_workers_replace(reference="programs.fundedbatch:1203", region=region_tree["35.05"], months=[APRIL],
                           workers=40)  # fmt: skip
    body = api.get("/api/v1/funded/", {"dalam": "35.73"}).json()
    assert body["results"] == [
        {"code": "35.73", "name": "Kota Malang", "period": "2025-06", "workers": 1_750, "batches": 2},
        {"code": "35.73", "name": "Kota Malang", "period": "2025-05", "workers": 1_500, "batches": 1},
    ]
    assert api.get("/api/v1/funded/", {"tahun": 2025}).json()["count"] == 3


def test_a_quarter_is_the_last_months_stock_and_a_year_too(api):
    q2 = api.get("/api/v1/summary/", {"kode": "35.73", "tahun": 2025, "triwulan": 2}).json()
    assert (q2["period"], q2["start"], q2["end"], q2["last_month"]) == ("2025-Q2", "2025-04", "2025-06", "2025-06")
    assert (q2["active_total"], q2["workers_total"], round(q2["coverage_total"], 2)) == (134_167, 413_600, 32.44)
    q1 = api.get("/api/v1/summary/", {"kode": "35.73", "tahun": 2025, "triwulan": 1}).json()
    assert (q1["last_month"], q1["active_total"]) == ("2025-03", 125_167)
    empty = api.get("/api/v1/summary/", {"kode": "35.73", "tahun": 2024}).json()
    assert (empty["last_month"], empty["active_total"]) == (None, None)


@pytest.mark.parametrize(
    ("url", "params", "words"),
    [
        ("/api/v1/regions/", {"tingkat": "²"}, "tingkat"),
        ("/api/v1/regions/", {"induk": "99.99"}, "99.99 tidak ditemukan"),
        ("/api/v1/offices/", {"jenis": "pusat"}, "kanwil"),
        ("/api/v1/targets/", {"tahun": "1e309"}, "tahun"),
        ("/api/v1/completeness/", {"periode": "2025-13"}, "YYYY-MM"),
        ("/api/v1/funded/", {"mulai": "-1"}, "mulai"),
        ("/api/v1/summary/", {"kode": "35.73"}, "tahun: wajib diisi"),
        ("/api/v1/summary/", {"kode": "35.73", "tahun": "2025", "triwulan": "5"}, "triwulan"),
        ("/api/v1/summary/", {"kode": "35.73\x00", "tahun": "2025"}, "NUL"),  # the middleware's 400, as JSON
    ],
)
def test_bad_parameters_are_400_with_an_indonesian_reason(api, url, params, words):
    response = api.get(url, params)
    assert response.status_code == 400
    assert words in response.json()["detail"]


def test_the_snapshot_list_as_csv_keeps_formulas_inert(api):
    Region.objects.filter(code="35.05").update(name='=HYPERLINK("http://x.test","Blitar")')
    Region.objects.filter(code="35.07").update(name="Malang,=1+2")
    response = api.get("/api/v1/snapshot/", {"tingkat": 2, "periode": "2025-06", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(r["code"] for r in rows) == ["35.05", "35.07", "35.73"]
    assert "targets" not in rows[0]
    assert {r["code"]: r["active_total"] for r in rows}["35.73"] == "134167"
    names = {r["code"]: r["name"] for r in rows}
    assert names["35.05"] == '\'=HYPERLINK("http://x.test","Blitar")'
    assert names["35.07"] == "Malang,'=1+2"  # a trigger after an inner separator too, as in every export
