"""Robust outlier checks (median and MAD, seasonal) beside the jump rules, and in the verifier's queue.

The series: Kota Malang BPU from June 2023, growing 1% a month, every June half of the trend (a
seasonal dip that comes every year). June 2025 should be about 6.349; a Pemda figure of 12.698 (no dip)
changes only +1,0% from May's 12.572, so the month-on-month rule is silent, but it is twice what the season
leads to expect: an outlier. A figure with the dip (6.349) is expected, though the jump rule flags -49,5%.
"""

from datetime import date

import pytest
from django.urls import reverse

from coverage.entry.selectors import verification_groups
from coverage.models import EntryStatus
from coverage.rules import expected_range
from coverage.rules.outliers import MONTHLY, SEASONAL, ExpectedRange
from tests.factories import make_count, make_pemda_count
from ucj_dashboard.months import add_months

JUNE_2025 = date(2025, 6, 1)


def seasonal_series(start=date(2023, 6, 1), months=24):
    series = {}
    for t in range(months):
        month = add_months(start, t)
        series[month] = round(10_000 * 1.01**t * (0.5 if month.month == 6 else 1))
    return series


def test_the_same_month_a_year_earlier_sets_the_expected_range_of_a_seasonal_series():
    found = expected_range(seasonal_series(), JUNE_2025)

    assert found == ExpectedRange(low=6_221, high=6_476, expected=6_349, method=SEASONAL, points=12)
    assert found.contains(6_349) and not found.contains(12_698)


def test_a_short_series_falls_back_to_last_month_and_the_median_ignores_last_junes_dip():
    one_year = {month: value for month, value in seasonal_series().items() if month >= date(2024, 6, 1)}

    found = expected_range(one_year, JUNE_2025)

    assert found == ExpectedRange(low=12_443, high=12_952, expected=12_698, method=MONTHLY, points=11)
    assert expected_range({date(2025, 5, 1): 100}, JUNE_2025) is None  # too short to expect anything


@pytest.mark.django_db
def test_the_queue_flags_an_outlier_of_a_seasonal_series_with_its_expected_range(
    client, region_tree, verifier_malang, operator_kota_malang
):
    kota = region_tree["35.73"]
    for month, active in seasonal_series().items():
        make_count(kota, month, "BPU", active)  # BPJS, verified: the effective series
    flat = make_pemda_count(kota, "BPU", 12_698, period=JUNE_2025, status=EntryStatus.SUBMITTED)
    make_pemda_count(kota, "PU", 50_000, period=JUNE_2025, status=EntryStatus.SUBMITTED)  # no series: no range

    items = {item.count.segment: item for group in verification_groups(user=verifier_malang) for item in group.items}

    assert items["BPU"].count == flat
    # +1,0% from May: the month-on-month rule is silent (only the year-on-year one speaks, +125,4%).
    assert [warning.rule for warning in items["BPU"].warnings] == ["yoy_change"]
    assert items["BPU"].is_outlier and (items["BPU"].expected.low, items["BPU"].expected.high) == (6_221, 6_476)
    assert items["PU"].expected is None and not items["PU"].is_outlier
    client.force_login(verifier_malang)
    page = client.get(reverse("coverage:verification_queue")).content.decode()
    assert "Pencilan: rentang wajar 6.221–6.476 (perkiraan 6.349, dari bulan yang sama tahun lalu" in page
