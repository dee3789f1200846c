"""The funding panel of the region dashboard and the batch list."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, FloatField, Q, Sum
from django.db.models.functions import Cast, ExtractMonth, ExtractYear, NullIf
from django.utils.translation import gettext as _

from regions.models import Level
from ucj_dashboard.formats import format_number, format_period
from ucj_dashboard.months import add_months, month_start

from ..charts import funding_by_scheme_figure
from ..models import COUNTED_BATCH_STATUSES, JKM_FULL_BENEFIT_MONTHS, BatchStatus, FundedBatch

ENDING_SOON_DAYS = 60
PANEL_YEARS = 3


def _months_expression():
    return (ExtractYear("end_month") - ExtractYear("start_month")) * 12 + (
        ExtractMonth("end_month") - ExtractMonth("start_month") + 1
    )


def _last_end_month_before(day: date) -> date:
    """The latest month whose last day is on or before ``day``."""
    if (day + timedelta(days=1)).day == 1:
        return month_start(day)
    return add_months(month_start(day), -1)


def _realisation():
    """Workers of the batches that state a target population (sasaran), the sum of those targets, and
    the first as a percentage of the second (None when no batch states one)."""
    with_target = Q(target_population__isnull=False)
    workers = Sum("workers", filter=with_target)
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


def funded_batch_starts(*, region, start, end):
    """The trend chart's notes of funded batches (``coverage.dashboards.annotations``): each counted
    batch of ``region`` and its subtree whose first month lies between ``start`` and ``end``."""
    batches = (
        FundedBatch.objects.counted()
        .within(region)
        .filter(start_month__gte=start, start_month__lte=end)
        .select_related("region", "scheme", "category")
        .order_by("start_month", "region__code", "pk")
    )
    notes = []
    for batch in batches:
        text = _("%(scheme)s, %(category)s: %(workers)s pekerja, %(start)s sampai %(end)s") % {
            "scheme": batch.scheme.name,
            "category": batch.category.name,
            "workers": format_number(batch.workers),
            "start": format_period(batch.start_month),
            "end": format_period(batch.end_month),
        }
        if batch.note:
            text = f"{text} ({batch.note})"
        notes.append({"period": batch.start_month, "kind": "funded", "region_code": batch.region.code,
                      "region_name": batch.region.name, "text": text})  # fmt: skip
    return notes
