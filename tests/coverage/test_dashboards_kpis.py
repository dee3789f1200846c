"""The derived KPIs and the filters: pure functions, no database."""

from datetime import date

import pytest

from coverage.dashboards.filters import Filters, parse_period, parse_segment
from coverage.dashboards.maps import simplify_geometry
from coverage.dashboards.rows import attainment, own_target
from coverage.rules.kpis import (
    month_target_reached,
    monthly_pace,
    months_remaining,
    participants_needed_per_month,
    projected_year_end,
)

JUNE = date(2025, 6, 1)
MALANG = [(date(2025, 3, 1), 125_167), (date(2025, 4, 1), 128_167), (date(2025, 5, 1), 131_167), (JUNE, 134_167)]


def test_months_remaining_counts_the_current_month_as_done():
    assert months_remaining(JUNE) == 6
    assert months_remaining(date(2025, 12, 1)) == 0
    assert months_remaining(date(2025, 1, 1)) == 11


def test_kota_malang_needs_7098_participants_a_month_from_june():
    assert participants_needed_per_month(42_586, JUNE) == 7_098  # ceil(42,586 / 6)
    assert participants_needed_per_month(42_586, date(2025, 5, 1)) == 6_084  # ceil(42,586 / 7)


def test_needed_per_month_edges():
    assert participants_needed_per_month(-10, JUNE) == 0  # already above target
    assert participants_needed_per_month(0, JUNE) == 0
    assert participants_needed_per_month(None, JUNE) is None
    assert participants_needed_per_month(500, date(2025, 12, 1)) is None  # no month left


def test_pace_is_the_average_monthly_change_over_three_months():
    assert monthly_pace(MALANG, JUNE) == 3_000
    # Without March, the oldest figure in the window (April) over two months.
    assert monthly_pace(MALANG[1:], JUNE) == 3_000
    assert monthly_pace([(JUNE, 134_167)], JUNE) is None
    assert monthly_pace([(date(2025, 5, 1), 130_000)], JUNE) is None  # no figure for the month itself
    falling = [(date(2025, 3, 1), 140_000), (JUNE, 134_000)]
    assert monthly_pace(falling, JUNE) == -2_000


def test_projection_to_december_at_the_current_pace():
    active, coverage = projected_year_end(active=134_167, workers=413_600, pace=3_000, period=JUNE)
    assert active == 152_167
    assert round(coverage, 2) == 36.79
    assert projected_year_end(active=134_167, workers=413_600, pace=None, period=JUNE) == (None, None)
    assert projected_year_end(active=1_000, workers=None, pace=10, period=JUNE) == (1_060, None)


def test_month_the_target_is_reached():
    # (176,753 - 134,167) / 3,000 = 14.2 -> 15 months after June 2025.
    assert month_target_reached(active=134_167, target=176_753, pace=3_000, period=JUNE) == date(2026, 9, 1)
    assert month_target_reached(active=180_000, target=176_753, pace=3_000, period=JUNE) == JUNE
    assert month_target_reached(active=134_167, target=176_753, pace=-5, period=JUNE) is None
    assert month_target_reached(active=134_167, target=176_753, pace=None, period=JUNE) is None


def test_own_target_prefers_the_regional_series_and_attainment_uses_the_count():
    rpjmn = {"series_kind": "rpjmn", "target_participants": 132_974}
    rpjmd = {"series_kind": "rpjmd", "target_participants": 176_753}
    assert own_target([rpjmn, rpjmd]) is rpjmd
    assert own_target([rpjmn]) is rpjmn
    assert own_target([]) is None
    assert round(attainment({"active_total": 134_167}, rpjmd), 2) == 75.91


def test_filters_parse_and_share():
    assert parse_period("2025-05") == date(2025, 5, 1)
    for bad in ("2025-13", "25-05", "2025-5", "", None, "1999-01", "2025-05'--"):
        assert parse_period(bad) is None
    assert parse_segment("pu") == "PU"
    assert parse_segment("JAKON") == ""
    filters = Filters.from_query({"periode": "2025-05", "segmen": "BPU"})
    assert filters == Filters(period=date(2025, 5, 1), segment="BPU")
    assert filters.query() == "periode=2025-05&segmen=BPU"
    assert filters.suffix == "?periode=2025-05&segmen=BPU"
    assert Filters().query() == "" and Filters().suffix == ""


@pytest.mark.parametrize("tolerance", [0.001, 0.01])
def test_simplify_keeps_rings_closed_and_drops_collinear_points(tolerance):
    square = [[110.0, -7.0], [110.00001, -7.0], [110.1, -7.0], [110.1, -7.1], [110.0, -7.1], [110.0, -7.0]]
    simple = simplify_geometry({"type": "Polygon", "coordinates": [square]}, tolerance)
    ring = simple["coordinates"][0]
    assert ring[0] == ring[-1]
    assert [110.00001, -7.0] not in ring
    assert len(ring) == 5


def test_simplify_drops_specks_of_islands_but_keeps_the_main_land():
    land = [[110.0, -7.0], [111.0, -7.0], [111.0, -8.0], [110.0, -8.0], [110.0, -7.0]]
    speck = [[112.0, -7.0], [112.01, -7.0], [112.01, -7.01], [112.0, -7.01], [112.0, -7.0]]
    islet = [[113.0, -7.0], [113.3, -7.0], [113.3, -7.3], [113.0, -7.3], [113.0, -7.0]]
    geometry = {"type": "MultiPolygon", "coordinates": [[speck], [land], [islet]]}
    simple = simplify_geometry(geometry, 0.03, digits=2, min_size=0.15)
    assert simple["coordinates"] == [[land], [islet]]
    only_speck = simplify_geometry({"type": "MultiPolygon", "coordinates": [[speck]]}, 0.03, digits=2, min_size=0.15)
    assert len(only_speck["coordinates"]) == 1  # a feature never vanishes entirely
