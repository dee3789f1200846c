"""Reads of the programs app: premium pricing by date, the funding panel and the budget simulator.

Pricing rule: a month is priced with the rates in force on its first day; a batch costs
workers x the package premium of each month, summed over its months (Decimal Rupiah).
"""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, F, FloatField, Q, Sum
from django.db.models.functions import Cast, ExtractMonth, ExtractYear, NullIf
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coverage.models import Snapshot, SnapshotTarget, TargetValue
from regions.models import Level
from ucj_dashboard.formats import format_period
from ucj_dashboard.months import add_months, month_range, month_start, months_between

from .charts import funding_by_scheme_figure
from .models import (
    COUNTED_BATCH_STATUSES,
    JKM_FULL_BENEFIT_MONTHS,
    BatchStatus,
    FundedBatch,
    Package,
    PremiumRate,
)

ENDING_SOON_DAYS = 60
PANEL_YEARS = 3


class PricingError(ValidationError):
    """A month of the requested range has no rate in force for one of the package's programs."""


# --- pricing ---


@dataclass(frozen=True)
class MonthPrice:
    month: date
    premium: Decimal  # per worker
    cost: Decimal  # workers x premium


@dataclass(frozen=True)
class Budget:
    package: Package
    workers: int
    start_month: date
    end_month: date
    lines: list[MonthPrice]

    @property
    def months(self) -> int:
        return len(self.lines)

    @property
    def total(self) -> Decimal:
        return sum((line.cost for line in self.lines), Decimal(0))

    @property
    def premiums(self) -> list[Decimal]:
        return sorted({line.premium for line in self.lines})

    @property
    def has_rate_change(self) -> bool:
        return len(self.premiums) > 1


def package_premiums(*, package, start_month, end_month) -> dict[date, Decimal]:
    """Premium per worker of ``package`` for each month of [start_month, end_month]; one query."""
    months = month_range(month_start(start_month), month_start(end_month))
    if not months:
        return {}
    programs = list(package.programs.all())
    if not programs:
        raise PricingError(_("Paket %(package)s belum berisi program.") % {"package": package.name})
    program_ids = [p.pk for p in programs]
    rates = list(
        PremiumRate.objects.filter(program_id__in=program_ids, segment=package.segment)
        .filter(Q(risk_class__isnull=True) | Q(risk_class=package.risk_class))
        .overlapping(months[0], months[-1])
        .select_related("program")
        .order_by("program_id", "-valid_from")
    )
    premiums = {}
    for month in months:
        total = Decimal(0)
        for program in programs:
            in_force = [
                r
                for r in rates
                if r.program_id == program.pk and r.valid_from <= month and (r.valid_to is None or r.valid_to >= month)
            ]
            # A rate for the package's own JKK risk class wins over a class-less one.
            in_force.sort(key=lambda r: (r.risk_class is None, -r.valid_from.toordinal()))
            if not in_force:
                raise PricingError(
                    _("Tarif %(program)s %(segment)s belum tersedia untuk %(month)s.")
                    % {"program": program.code, "segment": package.segment, "month": format_period(month)}
                )
            total += in_force[0].premium_for(package.declared_base)
        premiums[month] = total
    return premiums


def budget_calculate(*, package, workers, start_month, end_month) -> Budget:
    """Cost of ``workers`` on ``package`` from ``start_month`` to ``end_month`` inclusive."""
    premiums = package_premiums(package=package, start_month=start_month, end_month=end_month)
    lines = [MonthPrice(month=m, premium=p, cost=p * workers) for m, p in premiums.items()]
    return Budget(
        package=package,
        workers=workers,
        start_month=month_start(start_month),
        end_month=month_start(end_month),
        lines=lines,
    )


# --- the funding panel of the region dashboard ---


def _months_expression():
    return (ExtractYear("end_month") - ExtractYear("start_month")) * 12 + (
        ExtractMonth("end_month") - ExtractMonth("start_month") + 1
    )


def _last_end_month_before(day: date) -> date:
    """The latest month whose last day is on or before ``day``."""
    if (day + timedelta(days=1)).day == 1:
        return month_start(day)
    return add_months(month_start(day), -1)


def _realisation(workers_field="workers"):
    """Workers of the batches that state a target population (sasaran), the sum of those targets, and
    the first as a percentage of the second (None when no batch states one)."""
    with_target = Q(target_population__isnull=False)
    workers = Sum(workers_field, filter=with_target)
    target = Sum("target_population")
    return {
        "target_workers": workers,
        "target_total": target,
        "realisation": Cast(workers, FloatField()) * 100.0 / NullIf(Cast(target, FloatField()), 0.0),
    }


def funding_panel(*, region, period) -> dict:
    """What the funding panel of a region dashboard shows for ``period``, for ``region`` and its subtree.

    - workers protected by counted batches (active or ended) in ``period``;
    - workers and spend by fiscal year, scheme and category (the last three fiscal years), with the
      realisation against the stated target populations (sasaran);
    - counted batches whose coverage lapses within 60 days of the end of ``period`` (the month shown,
      not today: a dashboard of an earlier month lists what was about to lapse then);
    - batches shorter than 3 months (JKM pays the full benefit only after 3 months).
    """
    period = month_start(period)
    period_end = add_months(period, 1) - timedelta(days=1)
    years = list(range(period.year - PANEL_YEARS + 1, period.year + 1))
    batches = FundedBatch.objects.within(region)
    counted = batches.filter(status__in=COUNTED_BATCH_STATUSES)
    in_period = Q(start_month__lte=period, end_month__gte=period)

    totals = counted.aggregate(
        active_workers=Sum("workers", filter=in_period, default=0),
        active_batches=Count("id", filter=in_period),
        year_workers=Sum("workers", filter=Q(fiscal_year=period.year), default=0),
        year_cost=Sum("cost", filter=Q(fiscal_year=period.year), default=Decimal(0)),
    )
    planned = batches.filter(status=BatchStatus.PLANNED, fiscal_year__gte=period.year).aggregate(
        workers=Sum("workers", default=0), cost=Sum("cost", default=Decimal(0)), batches=Count("id")
    )
    rows = list(
        counted.filter(fiscal_year__in=years)
        .values("fiscal_year", "scheme__name", "scheme__display_order", "category__name", "category__display_order")
        .annotate(
            batches=Count("id"),
            funded_workers=Sum("workers"),
            active_workers=Sum("workers", filter=in_period, default=0),
            spend=Sum("cost"),
            **_realisation(),
        )
        .order_by("-fiscal_year", "scheme__display_order", "scheme__name", "category__display_order", "category__name")
    )
    by_scheme = list(
        counted.filter(fiscal_year__in=years)
        .values("fiscal_year", "scheme__name", "scheme__display_order")
        .annotate(
            funded_workers=Sum("workers"),
            active_workers=Sum("workers", filter=in_period, default=0),
            spend=Sum("cost"),
            **_realisation(),
        )
        .order_by("-fiscal_year", "scheme__display_order", "scheme__name")
    )
    ending_soon = list(
        counted.filter(
            end_month__gte=period,
            end_month__lte=_last_end_month_before(period_end + timedelta(days=ENDING_SOON_DAYS)),
        )
        .select_related("region", "scheme", "category")
        .order_by("end_month", "region__code")
    )
    short = list(
        batches.filter(fiscal_year__in=years)
        .exclude(status=BatchStatus.ENDED, fiscal_year__lt=period.year)
        .annotate(month_count=_months_expression())
        .filter(month_count__lt=JKM_FULL_BENEFIT_MONTHS)
        .select_related("region", "scheme", "category")
        .order_by("start_month", "region__code")
    )
    return {
        "region": region,
        "period": period,
        "period_end": period_end,
        # Pure figure from the rows above (no query); the template draws it when plotly.js is loaded.
        "chart": funding_by_scheme_figure(by_scheme, year=period.year),
        "years": years,
        "active_workers": totals["active_workers"],
        "active_batches": totals["active_batches"],
        "year_workers": totals["year_workers"],
        "year_cost": totals["year_cost"],
        "planned": planned,
        "rows": rows,
        "by_scheme": by_scheme,
        "has_targets": any(row["target_total"] for row in rows),
        "ending_soon": ending_soon,
        "ending_soon_days": ENDING_SOON_DAYS,
        "short": short,
        "short_months": JKM_FULL_BENEFIT_MONTHS,
        "has_batches": bool(rows or ending_soon or short or planned["batches"]),
    }


def funding_panel_context(*, region, period):
    """The funding panel of a kab/kota (or lower) dashboard; None above kab/kota."""
    if region.level < Level.REGENCY:
        return None
    return funding_panel(region=region, period=period)


def batches_for_region(*, region):
    return (
        FundedBatch.objects.within(region)
        .select_related("region", "scheme", "category", "package")
        .annotate(month_count=_months_expression())
        .order_by("-fiscal_year", "region__code", "-start_month", "pk")
    )


# --- the budget simulator ---


@dataclass
class TargetGap:
    series: str
    year: int
    target_percent: float | None
    target_participants: int | None
    gap_before: int | None
    gap_after: int | None
    reached_after: bool | None
    # Inverse: workers to fund from the start month to December to reach the target.
    needed_workers: int | None = None
    needed_cost: Decimal | None = None


@dataclass
class WhatIf:
    snapshot: object  # coverage.models.Snapshot
    added: int
    active_before: int
    active_after: int
    active_bpu_before: int | None
    active_bpu_after: int | None
    coverage_before: float | None
    coverage_after: float | None
    coverage_bpu_before: float | None
    coverage_bpu_after: float | None
    rank_in_parent_before: int | None
    rank_in_parent_after: int | None
    ranked_in_parent: int | None
    rank_national_before: int | None
    rank_national_after: int | None
    ranked_national: int | None


@dataclass
class Simulation:
    region: object
    year: int
    budget: Budget
    whatif: WhatIf | None
    targets: list[TargetGap] = field(default_factory=list)
    inverse_months: int = 0
    inverse_start: date | None = None
    custom_target: TargetGap | None = None


def _percent(numerator, denominator) -> float | None:
    if numerator is None or not denominator:
        return None
    return float(Decimal(numerator) * 100 / Decimal(denominator))


def current_snapshot(*, region, today=None):
    """The region's latest current snapshot with reported participants, up to this month; or None.

    The engine writes no month that nobody has reported yet, but a region without counts of its
    own can still have a row holding only its funded batch workers in a month other regions
    reported; such a row is not "the current coverage" a what-if should start from.
    """
    this_month = month_start(today or timezone.localdate())
    reported = Q(active_funded__isnull=True) | Q(active_total__gt=F("active_funded"))
    return (
        Snapshot.objects.filter(region=region, is_current=True, period__lte=this_month)
        .filter(reported)
        .select_related("parent_region")
        .order_by("-period", "-revision")
        .first()
    )


def _ranks_after(snapshot, coverage_after):
    """Rank the region would have with ``coverage_after`` against its peers' current rows."""
    if coverage_after is None:
        return None, None, None, None
    peers = Snapshot.objects.filter(
        period=snapshot.period, level=snapshot.level, is_current=True, region__isnull=False
    ).exclude(pk=snapshot.pk)
    same_parent = Q(parent_region_id=snapshot.parent_region_id)
    counts = peers.aggregate(
        above_parent=Count("id", filter=same_parent & Q(coverage_total__gt=coverage_after)),
        ranked_parent=Count("id", filter=same_parent & Q(coverage_total__isnull=False)),
        above_national=Count("id", filter=Q(coverage_total__gt=coverage_after)),
        ranked_national=Count("id", filter=Q(coverage_total__isnull=False)),
    )
    return (
        counts["above_parent"] + 1,
        counts["ranked_parent"] + 1,
        counts["above_national"] + 1,
        counts["ranked_national"] + 1,
    )


def _whatif(snapshot, added) -> WhatIf:
    active_before = snapshot.active_total or 0
    active_after = active_before + added
    bpu_before = snapshot.active_bpu
    bpu_after = (bpu_before or 0) + added
    coverage_after = _percent(active_after, snapshot.workers_total)
    rank_parent, ranked_parent, rank_national, ranked_national = _ranks_after(snapshot, coverage_after)
    return WhatIf(
        snapshot=snapshot,
        added=added,
        active_before=active_before,
        active_after=active_after,
        active_bpu_before=bpu_before,
        active_bpu_after=bpu_after,
        coverage_before=snapshot.coverage_total,
        coverage_after=coverage_after,
        coverage_bpu_before=snapshot.coverage_bpu,
        coverage_bpu_after=_percent(bpu_after, snapshot.workers_bpu),
        rank_in_parent_before=snapshot.rank_in_parent,
        rank_in_parent_after=rank_parent,
        ranked_in_parent=ranked_parent,
        rank_national_before=snapshot.rank_national,
        rank_national_after=rank_national,
        ranked_national=ranked_national,
    )


def _target_participants(percent, participants, workers_total):
    if participants is not None:
        return int(participants)
    if percent is None or not workers_total:
        return None
    return math.ceil(Decimal(str(percent)) * workers_total / 100)


def _targets(*, region, year, snapshot):
    """(series name, percent, participants) of each target for ``year``.

    The snapshot's own target rows when it is of that year (the same figures the dashboards
    show), otherwise the stored target values applied to the snapshot's workforce.
    """
    workers_total = snapshot.workers_total if snapshot else None
    if snapshot is not None and snapshot.year == year:
        rows = (
            SnapshotTarget.objects.filter(snapshot=snapshot)
            .select_related("series")
            .order_by("series__display_order", "series__name")
        )
        found = [(str(r.series), r.target_percent, r.target_participants) for r in rows]
        if found:
            return found
    values = TargetValue.objects.filter(region=region, year=year).select_related("series")
    values = values.order_by("series__display_order", "series__name")
    return [
        (
            str(v.series),
            float(v.percent) if v.percent is not None else None,
            _target_participants(v.percent, v.participants, workers_total),
        )
        for v in values
    ]


def _gap(*, name, year, percent, participants, whatif, package, start, end) -> TargetGap:
    before = whatif.active_before if whatif else None
    after = whatif.active_after if whatif else None
    gap = TargetGap(
        series=name,
        year=year,
        target_percent=percent,
        target_participants=participants,
        gap_before=None if participants is None or before is None else max(participants - before, 0),
        gap_after=None if participants is None or after is None else max(participants - after, 0),
        reached_after=None if participants is None or after is None else after >= participants,
    )
    if gap.gap_before is not None:
        gap.needed_workers = gap.gap_before
        if gap.needed_workers:
            inverse = budget_calculate(package=package, workers=gap.needed_workers, start_month=start, end_month=end)
            gap.needed_cost = inverse.total
        else:
            gap.needed_cost = Decimal(0)
    return gap


def budget_simulate(
    *, region, year, package, workers, start_month, months, target_percent=None, today=None
) -> Simulation:
    """Forward budget, what-if coverage against the current snapshot, and the inverse.

    - forward: ``workers`` x ``months`` from ``start_month`` (1-12) of ``year``, priced by date;
    - what-if: the region's current snapshot with ``workers`` added to its active BPU and
      total participants (what a recompute gives once the batch is entered as active);
    - inverse: for each target of ``year`` (and ``target_percent`` if given), the workers to
      fund from ``start_month`` to December to close today's gap, and what that costs.
    """
    start = date(year, start_month, 1)
    end = add_months(start, months - 1)
    budget = budget_calculate(package=package, workers=workers, start_month=start, end_month=end)
    snapshot = current_snapshot(region=region, today=today)
    whatif = _whatif(snapshot, workers) if snapshot is not None else None
    december = date(year, 12, 1)
    common = {"year": year, "whatif": whatif, "package": package, "start": start, "end": december}
    targets = [
        _gap(name=name, percent=percent, participants=participants, **common)
        for name, percent, participants in _targets(region=region, year=year, snapshot=snapshot)
    ]
    custom = None
    if target_percent is not None:
        participants = _target_participants(target_percent, None, snapshot.workers_total if snapshot else None)
        custom = _gap(name=str(_("Target pilihan")), percent=float(target_percent), participants=participants, **common)
    return Simulation(
        region=region,
        year=year,
        budget=budget,
        whatif=whatif,
        targets=targets,
        inverse_months=months_between(start, december),
        inverse_start=start,
        custom_target=custom,
    )
