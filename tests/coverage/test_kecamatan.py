"""Camat are rewarded for attainment as well as level: kecamatan targets, attainment and ranks."""

from datetime import date
from decimal import Decimal

import pytest

from coverage.engine import coverage_recompute
from coverage.models import SeriesKind, TargetSeries, TargetValue
from tests.conftest import PASSWORD
from tests.factories import current_snapshot, make_count, make_denominator, make_region

pytestmark = pytest.mark.django_db

JUNE = date(2025, 6, 1)


@pytest.fixture
def kabupaten_malang(region_tree):
    """Two kecamatan of Kab. Malang: Donomulyo has the higher coverage, Kalipare the higher attainment."""
    target = TargetSeries.objects.create(
        code="target-bupati-malang", name="Target Bupati Malang untuk kecamatan", kind=SeriesKind.RPJMD,
        source_document="Keputusan Bupati Malang",
    )  # fmt: skip
    donomulyo = region_tree["35.07.01"]
    kalipare = make_region("35.07.02", "Kalipare")
    for kecamatan, workers, active, percent in (
        (donomulyo, 40_000, 10_000, "30.00"),
        (kalipare, 50_000, 11_000, "22.00"),
    ):
        make_denominator(kecamatan, 2025, total=workers)
        make_count(kecamatan, JUNE, "PU", active)
        TargetValue.objects.create(series=target, region=kecamatan, year=2025, percent=Decimal(percent))
    coverage_recompute()
    return {"donomulyo": donomulyo, "kalipare": kalipare}


def test_kecamatan_attainment_is_active_over_their_own_target(kabupaten_malang):
    donomulyo = current_snapshot(kabupaten_malang["donomulyo"], JUNE)
    kalipare = current_snapshot(kabupaten_malang["kalipare"], JUNE)
    assert round(donomulyo.coverage_total, 2) == 25.00 and round(kalipare.coverage_total, 2) == 22.00
    assert donomulyo.targets.get().target_participants == 12_000  # 30% of 40.000
    assert kalipare.targets.get().target_participants == 11_000  # 22% of 50.000: reached
    assert (donomulyo.rank_national, donomulyo.ranked_national) == (1, 2)


def test_the_camat_league_table_sorts_by_attainment_or_level(client, branch_head_malang, kabupaten_malang):
    client.login(username=branch_head_malang.username, password=PASSWORD)
    by_level = client.get("/peringkat/", {"tingkat": 3, "induk": "35.07", "periode": "2025-06"})
    assert [row["name"] for row in by_level.context["data"]["rows"]] == ["Donomulyo", "Kalipare"]
    by_attainment = client.get("/peringkat/", {"tingkat": 3, "induk": "35.07", "periode": "2025-06", "urut": "capaian"})
    rows = by_attainment.context["data"]["rows"]
    assert [(row["name"], round(row["attainment"], 2)) for row in rows] == [("Kalipare", 100.0), ("Donomulyo", 83.33)]


def test_a_kecamatan_page_says_its_national_rank_out_of_how_many_kecamatan_have_data(
    client, branch_head_malang, kabupaten_malang
):
    client.login(username=branch_head_malang.username, password=PASSWORD)
    html = client.get("/wilayah/35.07.01/", {"periode": "2025-06"}).content.decode()
    assert "nasional 1 dari 2 kecamatan yang memiliki data" in html
    assert "capaian 83,33%" in html
    kabupaten = client.get("/wilayah/35.07/", {"periode": "2025-06"}).content.decode()
    assert "Peringkat kecamatan menurut capaian target" in kabupaten
