"""Premium pricing by date: a month is priced with the rates in force on its first day; a batch
costs workers x the package premium of each month, summed over its months (Decimal Rupiah)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ucj_dashboard.formats import format_period
from ucj_dashboard.months import month_range, month_start

from ..models import Package, PremiumRate


class PricingError(ValidationError):
    """A month of the requested range has no rate in force for one of the package's programs."""


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
