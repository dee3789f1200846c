"""The simulator's what-if must be what the engine computes once the batch is entered."""

from datetime import date
from decimal import Decimal

import pytest

from coverage.engine import coverage_recompute
from coverage.models import Snapshot
from programs.models import BatchStatus
from programs.selectors import budget_simulate
from programs.services import funded_batch_create
from tests.programs.conftest import PERIOD

pytestmark = pytest.mark.django_db


def _current(region):
    return Snapshot.objects.get(region=region, period=PERIOD, is_current=True)


def test_the_engine_fixture_matches_the_field_figures(snapshots):
    assert round(_current(snapshots["35.07"]).coverage_total, 2) == 19.6
    assert round(_current(snapshots["35.73"]).coverage_total, 2) == 32.44
    assert _current(snapshots["35.07"]).rank_in_parent == 3


def test_what_if_matches_a_recompute_with_the_batch_entered(snapshots, catalogue):
    kab_malang = snapshots["35.07"]
    simulation = budget_simulate(
        region=kab_malang, year=2026, package=catalogue["jkk_jkm"], workers=100_000, start_month=10, months=3
    )
    whatif = simulation.whatif
    assert (whatif.active_before, whatif.active_after) == (274_400, 374_400)
    assert whatif.rank_in_parent_before == 3
    assert simulation.budget.total == Decimal(100_000 * 3 * 16_800)

    funded_batch_create(
        region=kab_malang,
        scheme=catalogue["schemes"]["dbhcht"],
        category=catalogue["categories"]["buruh-tani-tembakau"],
        workers=100_000,
        package=catalogue["jkk_jkm"],
        start_month=date(2026, 10, 1),
        end_month=date(2026, 12, 1),
        status=BatchStatus.ACTIVE,
    )
    coverage_recompute(periods=[PERIOD])

    after = _current(kab_malang)
    assert after.active_total == whatif.active_after
    assert after.active_bpu == whatif.active_bpu_after
    assert after.active_funded == 100_000
    assert after.coverage_total == pytest.approx(whatif.coverage_after, abs=1e-9)
    assert round(after.coverage_total, 2) == 26.74
    assert after.coverage_bpu == pytest.approx(whatif.coverage_bpu_after, abs=1e-9)
    assert (after.rank_in_parent, after.ranked_in_parent) == (whatif.rank_in_parent_after, whatif.ranked_in_parent)
    assert after.rank_in_parent == 2
    assert after.rank_national == whatif.rank_national_after


def test_a_planned_batch_changes_nothing(snapshots, catalogue):
    funded_batch_create(
        region=snapshots["35.07"],
        scheme=catalogue["schemes"]["apbd"],
        category=catalogue["categories"]["nelayan"],
        workers=50_000,
        package=catalogue["jkk_jkm"],
        start_month=date(2026, 10, 1),
        end_month=date(2026, 12, 1),
        status=BatchStatus.PLANNED,
    )
    coverage_recompute(periods=[PERIOD])
    assert _current(snapshots["35.07"]).active_total == 274_400


def test_gap_to_target_and_the_inverse_by_year_end(snapshots, catalogue):
    simulation = budget_simulate(
        region=snapshots["35.07"], year=2026, package=catalogue["jkk_jkm"], workers=100_000, start_month=10, months=3
    )
    (target,) = simulation.targets
    # 30% of 1.400.000 = 420.000; 274.400 active today.
    assert target.target_participants == 420_000
    assert (target.gap_before, target.gap_after) == (145_600, 45_600)
    assert target.reached_after is False
    # Funded October to December: 145.600 workers x 3 months x Rp16.800.
    assert simulation.inverse_months == 3
    assert target.needed_workers == 145_600
    assert target.needed_cost == Decimal("7338240000")


def test_a_custom_target_percent_is_priced_too(snapshots, catalogue):
    simulation = budget_simulate(
        region=snapshots["35.73"],
        year=2026,
        package=catalogue["jkk_jkm"],
        workers=1000,
        start_month=1,
        months=12,
        target_percent=Decimal("41.23"),
    )
    custom = simulation.custom_target
    # ceil(41,23% x 413.600) = 170.528; 134.167 active.
    assert custom.target_participants == 170_528
    assert custom.needed_workers == 36_361
    assert custom.needed_cost == Decimal(36_361 * 12 * 16_800)


@pytest.mark.parametrize(
    ("code", "workers", "start", "months", "expected"),
    [
        ("35.08", 5606, 6, 7, Decimal("659265600")),
        ("33.16", 742, 10, 3, Decimal("37396800")),
        ("52.03", 12698, 4, 9, Decimal("1919937600")),
    ],
)
def test_the_simulator_reproduces_the_real_budgets(demo_regions, catalogue, code, workers, start, months, expected):
    simulation = budget_simulate(
        region=demo_regions[code],
        year=2024,
        package=catalogue["jkk_jkm"],
        workers=workers,
        start_month=start,
        months=months,
    )
    assert simulation.budget.total == expected
    assert simulation.whatif is None  # no snapshot for these regions in this test


def test_months_reached_only_by_batches_are_not_the_current_snapshot(snapshots, catalogue):
    kab_malang = snapshots["35.07"]
    funded_batch_create(
        region=kab_malang,
        scheme=catalogue["schemes"]["dbhcht"],
        category=catalogue["categories"]["buruh-tani-tembakau"],
        workers=2800,
        package=catalogue["jkk_jkm"],
        start_month=date(2026, 1, 1),
        end_month=date(2026, 12, 1),
        status=BatchStatus.ACTIVE,
    )
    coverage_recompute(periods=[date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)])
    # A month with batch workers but no reported counts is not a month of data: no snapshot.
    assert _current_or_none(kab_malang, date(2026, 11, 1)) is None

    simulation = budget_simulate(
        region=kab_malang,
        year=2026,
        package=catalogue["jkk_jkm"],
        workers=1000,
        start_month=12,
        months=1,
        today=date(2026, 12, 5),
    )
    assert simulation.whatif.snapshot.period == PERIOD
    assert simulation.whatif.active_before == 274_400 + 2800


def _current_or_none(region, period):
    return Snapshot.objects.filter(region=region, period=period, is_current=True).first()
