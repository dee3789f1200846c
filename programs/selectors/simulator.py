"""The budget simulator: the budget forward, what the workers would do to coverage, the inverse.

Nothing here computes coverage, ranks or a target's participants by itself: the what-if is the
engine's own recompute on a planned change, rolled back (``coverage.engine.coverage_what_if``), and
a target's participants are the engine's ``SnapshotTarget`` rows or its SQL rule
(``coverage.engine.sql.writes.target_participants_sql``) evaluated by the database. One rule each.

- **Baseline**: the region's figures of the month before the simulated fiscal year starts (December
  of the year before), or the latest reported before it; never a carried figure (the region did not
  report) and never a month reached only by funded batches (the engine writes no figure for those).
- **What-if**: the simulated workers added in the baseline month, recomputed by the engine: coverage
  total and BPU, rank within the parent and nationally, exactly what the dashboards would show with
  the batch entered for that month.
- **Months already past** (before the current month) are allowed, for reconstructing a budget or
  planning a change of the current year's budget, but flagged, and the inverse counts only the months
  from the current one: coverage cannot be bought for a month gone.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import BigIntegerField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from coverage.engine import coverage_what_if, funded_workers_replace
from coverage.engine.sql.writes import target_participants_sql
from coverage.models import Snapshot, SnapshotTarget, TargetValue
from ucj_dashboard.formats import format_period
from ucj_dashboard.months import add_months, month_range, month_start, months_between

from .pricing import Budget, budget_calculate

SIMULATION_REASON = "budget simulation (rolled back)"
# What the what-if reads of a snapshot, before and after.
FIGURES = ("active_total", "active_bpu", "active_funded", "workers_total", "workers_bpu", "coverage_total",
           "coverage_bpu", "rank_in_parent", "ranked_in_parent", "rank_national", "ranked_national")  # fmt: skip


# --- legal basis ---


@dataclass(frozen=True)
class LegalBasis:
    """What a funding scheme rests on in one fiscal year: its standing basis and the year's own."""

    scheme: object  # programs.models.FundingScheme
    year: int
    standing: str
    yearly: str
    # When the scheme has yearly bases but none for ``year``: the latest recorded before it (year, text).
    latest_yearly: tuple[int, str] | None = None
    expects_yearly: bool = False

    @property
    def yearly_missing(self) -> bool:
        return self.expects_yearly and not self.yearly

    @property
    def text(self) -> str:
        return "; ".join(part for part in (self.standing, self.yearly) if part)


def scheme_legal_basis(*, scheme, year) -> LegalBasis:
    """The legal basis of ``scheme`` for fiscal ``year`` (APBD 2025: Inpres 2/2021; SE Mendagri
    842.2/5193/SJ; Permendagri 15/2024 ...). One query."""
    rows = list(scheme.year_bases.order_by("-fiscal_year").values_list("fiscal_year", "legal_basis"))
    yearly = next((text for fiscal_year, text in rows if fiscal_year == year), "")
    earlier = next(((fiscal_year, text) for fiscal_year, text in rows if fiscal_year < year), None)
    return LegalBasis(
        scheme=scheme,
        year=year,
        standing=scheme.legal_basis.strip(),
        yearly=yearly,
        latest_yearly=None if yearly else earlier,
        expects_yearly=bool(rows),
    )


# --- baseline and what-if ---


@dataclass(frozen=True)
class Baseline:
    """The snapshot a simulation of fiscal ``year`` starts from, and why that month."""

    snapshot: object  # coverage.models.Snapshot (current, reported)
    year: int
    # The December before ``year`` exists but only carries an earlier month's figure.
    december_carried: bool = False

    @property
    def period(self) -> date:
        return self.snapshot.period

    @property
    def december(self) -> date:
        return date(self.year - 1, 12, 1)

    @property
    def is_year_end(self) -> bool:
        return self.period == self.december

    def describe(self) -> str:
        """Which month and why, in the active language: "Dasar: Desember 2024, angka terakhir sebelum TA 2025."."""
        values = {"period": format_period(self.period), "year": self.year, "december": format_period(self.december)}
        if self.is_year_end:
            return gettext("Dasar: %(period)s, angka terakhir sebelum TA %(year)s.") % values
        if self.december_carried:
            return (
                gettext(
                    "Dasar: %(period)s, angka terakhir yang dilaporkan sebelum TA %(year)s "
                    "(%(december)s hanya membawa angka bulan sebelumnya)."
                )
                % values
            )
        return (
            gettext(
                "Dasar: %(period)s, angka terakhir yang dilaporkan sebelum TA %(year)s (%(december)s belum dilaporkan)."
            )
            % values
        )


def simulation_baseline(*, region, year) -> Baseline | None:
    """The region's current snapshot of December ``year - 1`` if reported, else its latest reported
    one before that; None when it has none (or has no snapshots: a desa, a region never reported)."""
    december = date(year - 1, 12, 1)
    rows = Snapshot.objects.filter(region=region, is_current=True, period__lte=december, active_total__isnull=False)
    snapshot = (
        rows.filter(is_carried=False).select_related("region", "parent_region").order_by("-period", "-revision").first()
    )
    if snapshot is None:
        return None
    carried = snapshot.period != december and rows.filter(period=december, is_carried=True).exists()
    return Baseline(snapshot=snapshot, year=year, december_carried=carried)


@dataclass(frozen=True)
class Figures:
    """A snapshot's figures as plain values (what survives the what-if's rollback)."""

    active_total: int | None = None
    active_bpu: int | None = None
    active_funded: int | None = None
    workers_total: int | None = None
    workers_bpu: int | None = None
    coverage_total: float | None = None
    coverage_bpu: float | None = None
    rank_in_parent: int | None = None
    ranked_in_parent: int | None = None
    rank_national: int | None = None
    ranked_national: int | None = None


@dataclass(frozen=True)
class WhatIf:
    baseline: Baseline
    added: int
    before: Figures
    after: Figures


def simulation_what_if(*, baseline, workers) -> WhatIf:
    """The baseline month recomputed by the engine with ``workers`` more funded BPU participants in
    the region, then rolled back: nothing of it is stored, no cache is invalidated."""
    snapshot = baseline.snapshot
    region = snapshot.region
    # Its own reference per run: two simulations at once never wait on each other's row.
    reference = f"programs.simulation:{uuid.uuid4().hex[:16]}"

    def change():
        funded_workers_replace(
            reference=reference, region=region, months=[snapshot.period], workers=workers, reason=SIMULATION_REASON
        )

    def read():
        row = Snapshot.objects.filter(region=region, period=snapshot.period, is_current=True).values(*FIGURES).first()
        return Figures(**row) if row else Figures()

    after = coverage_what_if(change=change, periods=[snapshot.period], regions=[region], read=read)
    before = Figures(**{name: getattr(snapshot, name) for name in FIGURES})
    return WhatIf(baseline=baseline, added=workers, before=before, after=after)


# --- targets ---


def target_participants(*, percent, workforce) -> int | None:
    """The participants ``percent`` of ``workforce`` means, by the engine's rule (rounded up, with its
    float-noise guard), evaluated by the database: the same count the snapshots' targets hold."""
    if percent is None or not workforce:
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {target_participants_sql('%s', '%s')}", [Decimal(str(percent)), int(workforce)])
        return cursor.fetchone()[0]


def _year_snapshot(*, region, year):
    """The region's latest current snapshot of ``year`` with a workforce, whose targets the engine filled."""
    return (
        Snapshot.objects.filter(region=region, year=year, is_current=True, workers_total__isnull=False)
        .order_by("-period")
        .first()
    )


def _targets(*, region, year, year_snapshot, workforce):
    """(series, percent, participants) of each target of ``year``: the engine's rows of the year's
    latest snapshot (what the dashboards show), else the stored values with the engine's rule applied
    to ``workforce`` in SQL."""
    if year_snapshot is not None:
        rows = (
            SnapshotTarget.objects.filter(snapshot=year_snapshot)
            .select_related("series")
            .order_by("series__display_order", "series__name")
        )
        found = [(str(r.series), r.target_percent, r.target_participants) for r in rows]
        if found:
            return found
    # The engine's constant expression over our own column; the workforce is a bound parameter.
    percent = f'"{TargetValue._meta.db_table}"."percent"'
    values = (
        TargetValue.objects.filter(region=region, year=year)
        .select_related("series")
        .annotate(
            target_n=Coalesce(
                "participants",
                RawSQL(target_participants_sql(percent, "%s"), [workforce]),  # noqa: S611
                output_field=BigIntegerField(),
            )
        )
        .order_by("series__display_order", "series__name")
    )
    return [(str(v.series), float(v.percent) if v.percent is not None else None, v.target_n) for v in values]


@dataclass
class TargetGap:
    series: str
    year: int
    target_percent: float | None
    target_participants: int | None
    gap_before: int | None
    gap_after: int | None
    reached_after: bool | None
    # Inverse: workers to fund from ``Simulation.inverse_start`` to December to close the gap.
    needed_workers: int | None = None
    needed_cost: Decimal | None = None


def _gap(*, name, year, percent, participants, whatif, inverse) -> TargetGap:
    before = whatif.before.active_total if whatif else None
    after = whatif.after.active_total if whatif else None
    known = participants is not None
    gap = TargetGap(
        series=name,
        year=year,
        target_percent=percent,
        target_participants=participants,
        gap_before=max(participants - before, 0) if known and before is not None else None,
        gap_after=max(participants - after, 0) if known and after is not None else None,
        reached_after=after >= participants if known and after is not None else None,
    )
    if gap.gap_before is not None and inverse is not None:
        package, start, end = inverse
        gap.needed_workers = gap.gap_before
        gap.needed_cost = (
            budget_calculate(package=package, workers=gap.needed_workers, start_month=start, end_month=end).total
            if gap.needed_workers
            else Decimal(0)
        )
    return gap


# --- the simulation ---


@dataclass
class Simulation:
    region: object
    year: int
    budget: Budget
    baseline: Baseline | None
    whatif: WhatIf | None
    targets: list[TargetGap] = field(default_factory=list)
    custom_target: TargetGap | None = None
    # The employed population the targets without an engine row are applied to.
    workforce: int | None = None
    # Months of the budget before the current month: shown, flagged, left out of the inverse.
    past_months: list[date] = field(default_factory=list)
    # The inverse funds from here to December (None: the fiscal year is over).
    inverse_start: date | None = None
    inverse_months: int = 0
    legal_basis: LegalBasis | None = None

    @property
    def december(self) -> date:
        return date(self.year, 12, 1)


def budget_simulate(
    *, region, year, package, workers, start_month, months, scheme=None, target_percent=None, today=None
) -> Simulation:
    """Forward budget, what-if on the baseline, gaps to the year's targets and the inverse.

    - forward: ``workers`` x ``months`` from ``start_month`` (1-12) of ``year``, priced by date;
    - what-if: the baseline (``simulation_baseline``) recomputed by the engine with ``workers`` added;
    - targets: each target of ``year`` (and ``target_percent`` if given): the gap at the baseline and
      with the workers, and the inverse: the workers to fund from the start month (or the current
      month, when the start is past) to December to close the gap at the baseline, and their cost;
    - the legal basis of ``scheme`` for ``year`` when a scheme is chosen.
    """
    start = date(year, start_month, 1)
    end = add_months(start, months - 1)
    current = month_start(today or timezone.localdate())
    budget = budget_calculate(package=package, workers=workers, start_month=start, end_month=end)
    december = date(year, 12, 1)
    inverse_start = max(start, current)
    inverse = (package, inverse_start, december) if inverse_start <= december else None

    baseline = simulation_baseline(region=region, year=year)
    whatif = simulation_what_if(baseline=baseline, workers=workers) if baseline is not None else None
    year_snapshot = _year_snapshot(region=region, year=year)
    if year_snapshot is not None:
        workforce = year_snapshot.workers_total
    else:
        workforce = baseline.snapshot.workers_total if baseline is not None else None
    common = {"year": year, "whatif": whatif, "inverse": inverse}
    targets = [
        _gap(name=name, percent=percent, participants=participants, **common)
        for name, percent, participants in _targets(
            region=region, year=year, year_snapshot=year_snapshot, workforce=workforce
        )
    ]
    custom = None
    if target_percent is not None:
        custom = _gap(
            name=gettext("Target pilihan"),
            percent=float(target_percent),
            participants=target_participants(percent=target_percent, workforce=workforce),
            **common,
        )
    return Simulation(
        region=region,
        year=year,
        budget=budget,
        baseline=baseline,
        whatif=whatif,
        targets=targets,
        custom_target=custom,
        workforce=workforce,
        past_months=[m for m in month_range(start, end) if m < current],
        inverse_start=inverse_start if inverse else None,
        inverse_months=months_between(inverse_start, december) if inverse else 0,
        legal_basis=scheme_legal_basis(scheme=scheme, year=year) if scheme is not None else None,
    )
