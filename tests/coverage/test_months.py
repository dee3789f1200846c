"""Figures that hold every day of the month: carried figures, funded workers on a base of counts,
completeness, and changes by segment (docs/RULES.md, "A month in progress")."""

from datetime import date

import pytest

from coverage.engine import coverage_recompute, funded_workers_replace
from coverage.models import CoverageSettings, Snapshot
from tests.factories import current_snapshot, make_count, make_denominator, make_region

pytestmark = pytest.mark.django_db

AUG, SEP, OCT, NOV, DEC = (date(2026, m, 1) for m in (8, 9, 10, 11, 12))
JAN_2027 = date(2027, 1, 1)


@pytest.fixture
def malang_raya():
    """Jawa Timur with three kab/kota and their 2026 denominators."""
    regions = {
        "35": make_region("35", "Jawa Timur"),
        "35.07": make_region("35.07", "Kabupaten Malang"),
        "35.73": make_region("35.73", "Kota Malang"),
        "35.79": make_region("35.79", "Kota Batu"),
    }
    for code, workers in (("35.07", 1_420_000), ("35.73", 413_600), ("35.79", 120_000)):
        make_denominator(regions[code], 2026, total=workers)
        make_denominator(regions[code], 2027, total=workers)
    return regions


def test_a_region_that_did_not_report_carries_its_last_figure_for_three_months_and_is_never_ranked(malang_raya):
    kab, kota, batu = malang_raya["35.07"], malang_raya["35.73"], malang_raya["35.79"]
    make_count(kab, AUG, "PU", 278_320)  # 19,60% of 1.420.000
    for month, active in ((AUG, 120_000), (SEP, 125_000), (OCT, 130_000), (NOV, 132_000), (DEC, 134_167)):
        make_count(kota, month, "PU", active)
        make_count(batu, month, "PU", 30_000)
    coverage_recompute()

    for month in (SEP, OCT, NOV):
        carried = current_snapshot(kab, month)
        assert (carried.active_total, carried.is_carried, carried.carried_from) == (278_320, True, AUG)
        assert round(carried.coverage_total, 2) == 19.60
        assert (carried.rank_in_parent, carried.rank_national) == (None, None)
        assert (carried.delta_mom_pp, carried.growth_mom_total) == (None, None)
        assert (carried.units_expected, carried.units_reported, carried.units_carried) == (1, 0, 1)
    assert current_snapshot(kab, DEC) is None  # four months without a report: no figure

    # The province counts the carried figure, so November stays comparable with August.
    province = current_snapshot(malang_raya["35"], NOV)
    assert province.active_total == 278_320 + 132_000 + 30_000
    assert (province.units_expected, province.units_reported, province.units_carried) == (3, 2, 1)
    assert province.is_carried is False
    assert current_snapshot(kota, NOV).ranked_in_parent == 2  # Kota Malang and Kota Batu; Kab. Malang not ranked


def test_carrying_can_be_switched_off_by_the_admin_setting(malang_raya):
    CoverageSettings.objects.create(pk=1, carry_months=0)
    make_count(malang_raya["35.07"], AUG, "PU", 278_320)
    make_count(malang_raya["35.73"], SEP, "PU", 125_000)
    coverage_recompute()
    assert current_snapshot(malang_raya["35.07"], SEP) is None
    assert current_snapshot(malang_raya["35"], SEP).active_total == 125_000


def test_a_correction_of_the_last_reported_month_reaches_the_months_that_carry_it(malang_raya):
    kab, kota = malang_raya["35.07"], malang_raya["35.73"]
    august = make_count(kab, AUG, "PU", 278_320)
    for month in (AUG, SEP, OCT):
        make_count(kota, month, "PU", 120_000)
    coverage_recompute()
    assert current_snapshot(kab, OCT).active_total == 278_320

    august.active = 280_000
    august.save()
    coverage_recompute(periods=[AUG], regions=[kab])  # what the outbox runs after the correction

    assert current_snapshot(kab, OCT).active_total == 280_000
    assert current_snapshot(malang_raya["35"], OCT).active_total == 280_000 + 120_000


def test_the_first_figure_of_a_new_month_computes_every_region_so_the_province_does_not_collapse(malang_raya):
    kab, kota, batu = malang_raya["35.07"], malang_raya["35.73"], malang_raya["35.79"]
    for region, active in ((kab, 278_320), (kota, 130_000), (batu, 30_000)):
        make_count(region, OCT, "PU", active)
    coverage_recompute()
    make_count(kota, NOV, "PU", 134_167, source="pemda", status="submitted")

    coverage_recompute(periods=[NOV], regions=[kota])  # one early Pemda submission

    province = current_snapshot(malang_raya["35"], NOV)
    assert province.active_total == 278_320 + 134_167 + 30_000
    assert round(province.coverage_total, 2) == round((278_320 + 134_167 + 30_000) * 100 / 1_953_600, 2)
    assert (province.units_reported, province.units_carried) == (1, 2)


def test_funded_workers_alone_give_no_figure_but_add_to_a_reported_or_carried_base(malang_raya):
    kab, kota = malang_raya["35.07"], malang_raya["35.73"]
    make_count(kota, AUG, "PU", 120_000)
    for month in (AUG, SEP, OCT, NOV, DEC):
        make_count(malang_raya["35.79"], month, "PU", 30_000)
    # Kab. Malang: 2.647 buruh tani tembakau funded by DBHCHT from August to December, counts only in August.
    make_count(kab, AUG, "BPU", 60_000)
    funded_workers_replace(reference="test:dbhcht", region=kab, months=[AUG, SEP, OCT, NOV, DEC], workers=2_647)
    coverage_recompute()

    assert current_snapshot(kab, AUG).active_bpu == 62_647
    carried = current_snapshot(kab, OCT)
    assert (carried.is_carried, carried.active_bpu, carried.active_funded) == (True, 62_647, 2_647)
    assert current_snapshot(kab, DEC) is None  # funded workers with no base within three months: no figure
    # No month exists only because of funded workers: Kota Malang's December has no figure either.
    assert not Snapshot.objects.filter(region=kota, period=DEC, active_total__isnull=False).exists()


def test_tanah_bumbu_growth_2024_against_2023_by_segment_matches_the_reported_figures():
    """Tanah Bumbu: PU +8,72% and BPU +81,73% year on year; the BPU jump is the ADD village funding."""
    bumbu = make_region("63.10", "Kabupaten Tanah Bumbu")
    make_denominator(bumbu, 2023, total=180_000, pu=80_000, bpu=100_000)
    make_denominator(bumbu, 2024, total=182_000, pu=81_000, bpu=101_000)
    dec_2023, dec_2024 = date(2023, 12, 1), date(2024, 12, 1)
    make_count(bumbu, dec_2023, "PU", 25_000)
    make_count(bumbu, dec_2023, "BPU", 20_000)
    make_count(bumbu, dec_2024, "PU", 27_180)
    make_count(bumbu, dec_2024, "BPU", 26_008)  # reported BPU excludes the funded village workers
    funded_workers_replace(reference="test:add", region=bumbu, months=[dec_2024], workers=8_146 + 2_192)
    coverage_recompute()

    s = current_snapshot(bumbu, dec_2024)
    assert round(s.growth_yoy_pu, 2) == 8.72
    assert round(s.growth_yoy_bpu, 2) == 81.73
    assert s.active_bpu == 36_346
    assert round(s.delta_yoy_pp_bpu, 2) == round(36_346 * 100 / 101_000 - 20_000 * 100 / 100_000, 2)
