"""The budget simulator: its baseline, the engine's what-if, the targets, the inverse and the legal basis."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coverage.engine import coverage_recompute, period_close
from coverage.models import (
    EntryStatus,
    FundedWorkers,
    ParticipantCount,
    RecomputeRequest,
    Snapshot,
    SnapshotTarget,
    SnapshotVersion,
    Source,
    TargetSeries,
    TargetValue,
)
from programs.models import BatchStatus, FundingScheme
from programs.selectors import Figures, budget_simulate, scheme_legal_basis, target_participants
from programs.selectors.simulator import FIGURES
from programs.services import funded_batch_create
from regions.models import Denominator, SegmentGroup
from tests.programs.conftest import PERIOD, TODAY

pytestmark = pytest.mark.django_db


def _current(region, period=PERIOD):
    return Snapshot.objects.get(region=region, period=period, is_current=True)


def _figures(region, period=PERIOD):
    return Figures(**{name: getattr(_current(region, period), name) for name in FIGURES})


def _simulate(region, catalogue, *, year=2027, workers=100_000, start_month=10, months=3, today=TODAY, **extra):
    return budget_simulate(
        region=region,
        year=year,
        package=catalogue["jkk_jkm"],
        workers=workers,
        start_month=start_month,
        months=months,
        today=today,
        **extra,
    )


def _batch(region, catalogue, *, workers, start, end, status=BatchStatus.ACTIVE):
    return funded_batch_create(
        region=region,
        scheme=catalogue["schemes"]["dbhcht"],
        category=catalogue["categories"]["buruh-tani-tembakau"],
        workers=workers,
        package=catalogue["jkk_jkm"],
        start_month=start,
        end_month=end,
        status=status,
    )


def test_the_engine_fixture_matches_the_field_figures(snapshots):
    assert round(_current(snapshots["35.07"]).coverage_total, 2) == 19.6
    assert round(_current(snapshots["35.73"]).coverage_total, 2) == 32.44
    assert _current(snapshots["35.07"]).rank_in_parent == 3


# --- baseline ---


def test_the_baseline_is_the_december_before_the_fiscal_year(snapshots, catalogue):
    simulation = _simulate(snapshots["35.07"], catalogue)
    assert simulation.baseline.period == date(2026, 12, 1)
    assert simulation.baseline.describe() == "Dasar: Desember 2026, angka terakhir sebelum TA 2027."
    assert simulation.whatif.before.active_total == 274_400


def test_without_that_december_the_baseline_is_the_latest_reported_before_it(snapshots, catalogue):
    simulation = _simulate(snapshots["35.07"], catalogue, year=2028, start_month=1, months=12)
    assert simulation.baseline.period == date(2026, 12, 1)
    assert simulation.baseline.describe() == (
        "Dasar: Desember 2026, angka terakhir yang dilaporkan sebelum TA 2028 (Desember 2027 belum dilaporkan)."
    )


def test_a_carried_december_is_not_the_baseline(snapshots, catalogue):
    november = date(2026, 11, 1)
    for count in ParticipantCount.objects.filter(period=PERIOD):
        ParticipantCount.objects.create(
            region=count.region, period=november, segment=count.segment, source=count.source,
            active=count.active - 1000, status=EntryStatus.VERIFIED,
        )  # fmt: skip
    # Kota Malang does not report December: its December carries November's figure.
    ParticipantCount.objects.filter(region=snapshots["35.73"], period=PERIOD).delete()
    coverage_recompute(periods=[november, PERIOD])
    assert _current(snapshots["35.73"]).is_carried

    simulation = _simulate(snapshots["35.73"], catalogue)
    assert simulation.baseline.period == november
    assert simulation.whatif.before.active_total == 134_167 - 2000
    assert simulation.baseline.describe() == (
        "Dasar: November 2026, angka terakhir yang dilaporkan sebelum TA 2027 "
        "(Desember 2026 hanya membawa angka bulan sebelumnya)."
    )


def test_months_reached_only_by_batches_are_not_the_baseline(snapshots, catalogue):
    kab_malang = snapshots["35.07"]
    _batch(kab_malang, catalogue, workers=2800, start=date(2027, 1, 1), end=date(2027, 12, 1))
    coverage_recompute(periods=[date(2027, 1, 1), date(2027, 12, 1)])
    # A month with batch workers but no reported counts is not a month of data: no snapshot.
    assert not Snapshot.objects.filter(region=kab_malang, period__year=2027).exists()

    simulation = _simulate(kab_malang, catalogue, year=2028, workers=1000, start_month=1, months=12)
    assert simulation.baseline.period == PERIOD
    assert simulation.whatif.before.active_total == 274_400


def test_without_reported_figures_before_the_year_there_is_no_what_if(snapshots, catalogue):
    simulation = _simulate(snapshots["35.07"], catalogue, year=2026, today=date(2026, 1, 5))
    assert simulation.baseline is None and simulation.whatif is None
    assert simulation.budget.total == Decimal(100_000 * 3 * 16_800)


# --- the what-if is the engine's ---


def test_what_if_matches_a_recompute_with_the_batch_entered(snapshots, catalogue):
    kab_malang = snapshots["35.07"]
    versions = sorted(SnapshotVersion.objects.values_list("scope", "version"))
    simulation = _simulate(kab_malang, catalogue)
    whatif = simulation.whatif
    assert (whatif.before.active_total, whatif.after.active_total) == (274_400, 374_400)
    assert (whatif.before.rank_in_parent, whatif.after.rank_in_parent) == (3, 2)  # past Kab. Blitar (26,30%)
    assert round(whatif.after.coverage_total, 2) == 26.74
    assert simulation.budget.total == Decimal(100_000 * 3 * 16_800)

    # Nothing of the what-if survives: the snapshot, its versions, the engine's inputs and outbox.
    assert _current(kab_malang).active_total == 274_400
    assert sorted(SnapshotVersion.objects.values_list("scope", "version")) == versions
    assert not FundedWorkers.objects.exists() and not RecomputeRequest.objects.exists()

    # The same workers entered as a real batch counting in the baseline month, and a full recompute.
    _batch(kab_malang, catalogue, workers=100_000, start=date(2026, 10, 1), end=date(2026, 12, 1))
    coverage_recompute(periods=[PERIOD])
    assert _figures(kab_malang) == whatif.after
    assert _current(kab_malang).active_funded == 100_000


def test_a_closed_baseline_month_is_simulated_and_stays_as_published(snapshots, catalogue, admin_user):
    """December is usually closed by the time a budget is planned: the engine adds a revision beside
    the published row inside the what-if, and the rollback leaves the published row as it was."""
    kab_malang = snapshots["35.07"]
    period_close(period=PERIOD, user=admin_user)
    published = _current(kab_malang)
    assert published.is_published

    whatif = _simulate(kab_malang, catalogue).whatif
    assert (whatif.after.active_total, whatif.after.rank_in_parent) == (374_400, 2)
    assert list(Snapshot.objects.filter(region=kab_malang, period=PERIOD).values_list("pk", "is_current")) == [
        (published.pk, True)
    ]


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # nothing written into the work tree (.hypothesis/)
)
@given(code=st.sampled_from(["35.73", "35.05", "35.07"]), workers=st.integers(min_value=1, max_value=1_000_000))
def test_property_the_what_if_equals_a_recompute_with_the_batch_entered(snapshots, catalogue, code, workers):
    region = snapshots[code]
    whatif = _simulate(region, catalogue, workers=workers, start_month=1, months=12).whatif
    with transaction.atomic():
        _batch(region, catalogue, workers=workers, start=PERIOD, end=PERIOD)
        coverage_recompute(periods=[PERIOD])
        entered = {c: _figures(snapshots[c]) for c in ("35.73", "35.05", "35.07")}
        transaction.set_rollback(True)
    assert entered[code] == whatif.after
    assert whatif.before == _figures(region)


def test_a_planned_batch_changes_nothing(snapshots, catalogue):
    _batch(snapshots["35.07"], catalogue, workers=50_000, start=PERIOD, end=PERIOD, status=BatchStatus.PLANNED)
    coverage_recompute(periods=[PERIOD])
    assert _current(snapshots["35.07"]).active_total == 274_400


# --- targets and the inverse ---


def test_gap_to_target_and_the_inverse_by_year_end(snapshots, catalogue):
    simulation = _simulate(snapshots["35.07"], catalogue)
    (target,) = simulation.targets
    # 30% of 1.400.000 = 420.000; 274.400 active at the baseline.
    assert target.target_participants == 420_000
    assert (target.gap_before, target.gap_after) == (145_600, 45_600)
    assert target.reached_after is False
    # Funded October to December 2027: 145.600 workers x 3 months x Rp16.800.
    assert (simulation.inverse_start, simulation.inverse_months) == (date(2027, 10, 1), 3)
    assert target.needed_workers == 145_600
    assert target.needed_cost == Decimal("7338240000")


def test_a_custom_target_percent_is_priced_too(snapshots, catalogue):
    simulation = _simulate(
        snapshots["35.73"], catalogue, workers=1000, start_month=1, months=12, target_percent=Decimal("41.23")
    )
    custom = simulation.custom_target
    # ceil(41,23% x 413.600) = 170.528; 134.167 active.
    assert custom.target_participants == 170_528
    assert custom.needed_workers == 36_361
    assert custom.needed_cost == Decimal(36_361 * 12 * 16_800)


def test_a_target_percent_gives_the_engines_count_in_the_simulator_and_the_snapshot(region_tree, catalogue):
    """Kota Malang's 41,23% of a workforce of 428.700 (DOMAIN.md): 176.753,01 rounds up to 176.754,
    the same in the snapshot's target, the simulator's target of that year, its target of a year
    without snapshots yet and a chosen target percentage."""
    kota_malang = region_tree["35.73"]
    for group, workers in ((SegmentGroup.TOTAL, 428_700), (SegmentGroup.PU, 300_000), (SegmentGroup.BPU, 128_700)):
        Denominator.objects.create(region=kota_malang, year=2025, segment_group=group, workers=workers, source="uji")
    ParticipantCount.objects.create(
        region=kota_malang, period=date(2025, 6, 1), segment="PU", source=Source.BPJS, active=134_167,
        status=EntryStatus.VERIFIED,
    )  # fmt: skip
    series = TargetSeries.objects.create(code="rpjmd-malang", name="RPJMD Kota Malang", kind="rpjmd")
    for year in (2025, 2026):
        TargetValue.objects.create(series=series, region=kota_malang, year=year, percent=Decimal("41.23"))
    coverage_recompute(periods=[date(2025, 6, 1)])
    engine = SnapshotTarget.objects.get(snapshot=_current(kota_malang, date(2025, 6, 1))).target_participants
    assert engine == 176_754

    this_year = _simulate(kota_malang, catalogue, year=2025, start_month=7, months=6, today=date(2025, 7, 1),
                          target_percent=Decimal("41.23"))  # fmt: skip
    next_year = _simulate(kota_malang, catalogue, year=2026, start_month=1, months=12, today=date(2025, 7, 1),
                          target_percent=Decimal("41.23"))  # fmt: skip
    assert this_year.targets[0].target_participants == engine  # the engine's row of that year
    assert next_year.targets[0].target_participants == engine  # the engine's SQL on the stored value
    assert this_year.custom_target.target_participants == engine  # the engine's SQL on a chosen percent
    assert next_year.custom_target.target_participants == engine
    assert target_participants(percent=Decimal("41.23"), workforce=428_700) == engine
    # The float-noise guard: 41,23% of 1.000.000 is exactly 412.300, not 412.301.
    assert target_participants(percent=41.23, workforce=1_000_000) == 412_300


def test_months_already_past_are_flagged_and_left_out_of_the_inverse(snapshots, catalogue):
    simulation = _simulate(snapshots["35.07"], catalogue, start_month=1, months=12, today=date(2027, 3, 15))
    assert simulation.past_months == [date(2027, 1, 1), date(2027, 2, 1)]
    assert simulation.budget.months == 12  # still priced: a plan of the current budget
    assert (simulation.inverse_start, simulation.inverse_months) == (date(2027, 3, 1), 10)
    (target,) = simulation.targets
    assert target.needed_cost == Decimal(145_600 * 10 * 16_800)


def test_a_fiscal_year_already_over_has_no_inverse(snapshots, catalogue):
    simulation = _simulate(snapshots["35.07"], catalogue, year=2026, today=TODAY)
    assert len(simulation.past_months) == 3
    assert (simulation.inverse_start, simulation.inverse_months) == (None, 0)
    (target,) = simulation.targets  # the engine's row of the December 2026 snapshot
    assert target.target_participants == 420_000
    assert target.needed_workers is None and target.needed_cost is None


@pytest.mark.parametrize(
    ("code", "workers", "start", "months", "expected"),
    [
        ("35.08", 5606, 6, 7, Decimal("659265600")),
        ("33.16", 742, 10, 3, Decimal("37396800")),
        ("52.03", 12698, 4, 9, Decimal("1919937600")),
    ],
)
def test_the_simulator_reproduces_the_real_budgets(demo_regions, catalogue, code, workers, start, months, expected):
    simulation = _simulate(demo_regions[code], catalogue, year=2024, workers=workers, start_month=start, months=months)
    assert simulation.budget.total == expected
    assert simulation.whatif is None  # no snapshot for these regions in this test


# --- legal basis ---


def test_the_simulation_cites_the_schemes_legal_basis_for_its_year(demo_regions, catalogue):
    apbd = catalogue["schemes"]["apbd"]
    simulation = _simulate(demo_regions["35.08"], catalogue, year=2025, scheme=apbd)
    assert simulation.legal_basis.text == (
        "Inpres 2/2021; SE Mendagri 842.2/5193/SJ; "
        "Permendagri 15/2024 tentang Pedoman Penyusunan APBD Tahun Anggaran 2025"
    )
    assert scheme_legal_basis(scheme=apbd, year=2026).yearly.startswith("Permendagri 14/2025")

    later = scheme_legal_basis(scheme=apbd, year=2027)
    assert later.yearly_missing and later.text == "Inpres 2/2021; SE Mendagri 842.2/5193/SJ"
    assert later.latest_yearly[0] == 2026

    dbhcht = scheme_legal_basis(scheme=catalogue["schemes"]["dbhcht"], year=2025)
    assert dbhcht.text.startswith("PMK 72/2024") and not dbhcht.yearly_missing
    assert _simulate(demo_regions["35.08"], catalogue, year=2025).legal_basis is None


def test_the_migration_moves_the_yearly_permendagri_out_of_the_seeded_apbd_text(catalogue):
    migration = importlib.import_module("programs.migrations.0004_scheme_legal_basis_per_fiscal_year")
    apbd = FundingScheme.objects.get(code="apbd")
    apbd.year_bases.all().delete()
    apbd.legal_basis = migration.SEEDED_APBD
    apbd.save()
    edited = FundingScheme.objects.get(code="dbhcht")  # another scheme's text is never touched

    migration.split_seeded_apbd_basis(apps, None)
    apbd.refresh_from_db()
    assert apbd.legal_basis == "Inpres 2/2021; SE Mendagri 842.2/5193/SJ"
    assert list(apbd.year_bases.values_list("fiscal_year", "legal_basis")) == [(2025, migration.APBD_2025)]
    assert FundingScheme.objects.get(code="dbhcht").legal_basis == edited.legal_basis
