"""The read-only JSON API (docs/API.md)."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/api/v1/snapshot/"


@pytest.fixture
def api(client, operator_kab_blitar):
    client.login(username=operator_kab_blitar.username, password=PASSWORD)
    return client


def test_the_url_name_is_api_snapshots():
    assert reverse("coverage:api_snapshots") == URL


def test_anonymous_gets_401_json(client, dash):
    response = client.get(URL)
    assert response.status_code == 401
    assert "masuk" in response.json()["detail"]


def test_kota_malang_row_has_the_documented_fields(api, dash, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        body = api.get(URL, {"kode": "35.73", "periode": "2025-06"}).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["code"] == "35.73" and row["name"] == "Kota Malang"
    assert row["level"] == 2 and row["level_name"] == "Kabupaten/Kota"
    assert row["period"] == "2025-06"
    assert row["parent_code"] == "35"
    assert row["active_total"] == 134_167
    assert row["workers_total"] == 413_600
    assert round(row["coverage_total"], 2) == 32.44
    assert round(row["coverage_pu"], 2) == 33.79
    assert row["category"] == "sedang"
    assert row["rank_in_parent"] == 1 and row["ranked_in_parent"] == 3
    assert row["is_provisional"] is True
    targets = {t["series"]: t for t in row["targets"]}
    assert targets["rpjmd-kota-malang"]["target_percent"] == 41.23
    assert targets["rpjmd-kota-malang"]["target_participants"] == 176_753
    assert targets["rpjmd-kota-malang"]["gap_participants"] == 42_586
    assert row["data_as_of"].startswith("2025-06-28T09:30:00+07:00")


def test_filters_by_level_parent_and_period(api, dash):
    body = api.get(URL, {"tingkat": 2, "induk": "35", "periode": "2025-06"}).json()
    assert sorted(r["code"] for r in body["results"]) == ["35.05", "35.07", "35.73"]
    months = api.get(URL, {"kode": "35.73"}).json()
    assert [r["period"] for r in months["results"]] == ["2025-06", "2025-05", "2025-04", "2025-03"]
    branches = api.get(URL, {"tingkat": 12, "induk": "KW-JATIM", "periode": "2025-06"}).json()
    assert sorted(r["code"] for r in branches["results"]) == ["KC-BLITAR", "KC-KEPANJEN", "KC-MALANG"]
    office = api.get(URL, {"kantor": "KC-MALANG"}).json()
    assert office["results"][0]["active_total"] == 134_167


def test_pagination_is_bounded(api, dash):
    page = api.get(URL, {"kode": "35.73", "batas": 2, "mulai": 1}).json()
    assert page["count"] == 4 and page["limit"] == 2 and page["offset"] == 1
    assert [r["period"] for r in page["results"]] == ["2025-05", "2025-04"]
    assert api.get(URL, {"batas": 100_000}).json()["limit"] == 1_000


@pytest.mark.parametrize("params", [{"periode": "Mei 2025"}, {"tingkat": "dua"}, {"tingkat": 7}, {"batas": "-1"}])
def test_bad_parameters_are_400_with_a_reason(api, dash, params):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_the_api_is_read_only(api, dash):
    assert api.post(URL, {}).status_code == 405
