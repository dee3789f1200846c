"""Completeness and timeliness of Pemda reporting: a 12-month matrix for the submission tracker.

The reporting units are the tracker's: regions with a Pemda operator that the viewer follows
(``selectors.tracker_regions_for``). A unit has **reported** a month when it (or a region below it) has
a counted Pemda figure (submitted or verified) for that month; it reported **on time** when the first
of those figures was submitted on or before the month's due date (``coverage.rules.due_date``, in
the local time zone). Rates are of the units expected: reported / expected, on time / expected, for
all the units and per BPJS branch (the units within the kab/kota it serves today).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Min
from django.db.models.functions import Substr
from django.utils import timezone

from regions.models import OfficeKind, Territory
from ucj_dashboard.months import add_months

from ..models import COUNTED_STATUSES, ParticipantCount, Source
from ..rules import due_date
from .selectors import tracker_regions_for

ON_TIME, LATE, MISSING = "on_time", "late", "missing"


@dataclass
class MonthRate:
    period: date
    expected: int = 0
    reported: int = 0
    on_time: int = 0

    @property
    def reported_percent(self):
        return self.reported * 100 / self.expected if self.expected else None

    @property
    def on_time_percent(self):
        return self.on_time * 100 / self.expected if self.expected else None


@dataclass
class CompletenessRow:
    region: object
    cells: list = field(default_factory=list)  # ON_TIME / LATE / MISSING, one per month


@dataclass
class BranchRates:
    office: object
    rates: list  # MonthRate per month, over the branch's units


@dataclass
class CompletenessMatrix:
    months: list
    rows: list
    totals: list  # MonthRate per month
    branches: list = field(default_factory=list)  # BranchRates of the branches serving the units


def _branch_rates(rows, periods):
    """The rates per BPJS branch: the units within the kab/kota each branch serves today."""
    served = list(
        Territory.objects.valid_on(timezone.localdate())
        .filter(office__kind=OfficeKind.BRANCH)
        .select_related("office", "region")
        .order_by("office__name")
    )
    branches = {}
    for row in rows:
        for territory in served:
            if row.region.is_within(territory.region):
                rates = branches.setdefault(
                    territory.office.pk, BranchRates(territory.office, [MonthRate(p) for p in periods])
                )
                for rate, cell in zip(rates.rates, row.cells, strict=True):
                    rate.expected += 1
                    rate.reported += cell != MISSING
                    rate.on_time += cell == ON_TIME
                break
    return sorted(branches.values(), key=lambda b: b.office.name)


def completeness_matrix(*, end, user=None, months=12) -> CompletenessMatrix:
    """The ``months`` months up to ``end`` for the units ``user`` follows (all for admins); one query
    per length of region code, whatever the number of units."""
    periods = [add_months(end, -offset) for offset in range(months - 1, -1, -1)]
    regions, _operators = tracker_regions_for(user)
    first = {}
    by_length = defaultdict(list)
    for region in regions:
        by_length[len(region.code)].append(region.code)
    for length, codes in by_length.items():
        found = (
            ParticipantCount.objects.filter(
                source=Source.PEMDA, status__in=COUNTED_STATUSES, period__gte=periods[0], period__lte=periods[-1]
            )
            .annotate(prefix=Substr("region__code", 1, length))
            .filter(prefix__in=codes)
            .values("prefix", "period")
            .annotate(first=Min("submitted_at"))
        )
        for item in found:
            first[(item["prefix"], item["period"])] = item["first"]
    totals = [MonthRate(period) for period in periods]
    rows = []
    for region in regions:
        row = CompletenessRow(region)
        for total in totals:
            total.expected += 1
            key = (region.code, total.period)
            if key not in first:
                row.cells.append(MISSING)
                continue
            total.reported += 1
            submitted = first[key]
            # A counted figure without a submission time (entered by admin) counts as reported, not on time.
            if submitted is not None and timezone.localdate(submitted) <= due_date(total.period):
                total.on_time += 1
                row.cells.append(ON_TIME)
            else:
                row.cells.append(LATE)
        rows.append(row)
    return CompletenessMatrix(months=periods, rows=rows, totals=totals, branches=_branch_rates(rows, periods))
