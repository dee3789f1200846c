"""The Paritrana / Monev UCJ dossier of a Pemda for a calendar year.

Paritrana (BPJS Ketenagakerjaan's UCJ award for Pemda) checks documents on the coverage of PU and BPU
workers, then asks about the regulations issued and carried out; Monev UCJ meetings go through target,
achievement, recommendations and regulations. The dossier puts in one document, for one region and
year: the coverage trend (total, PU, BPU), category, rank and rank change in the province and
nationally, every target series with its attainment, the funded batches and spending by scheme and
worker category, the Inpres 2/2021 commitments (regulations, allocations) and the Pemda's own notes.

Published figures only (``coverage.reports.published``): a month that is not closed is left out and
said so; each month shows its revision.
"""

from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from coverage.dashboards.charts import trend_figure
from coverage.reports.published import published_rows
from coverage.reports.svg import figure_svg

from .models import COUNTED_BATCH_STATUSES, DossierNote, FundedBatch
from .selectors.commitments import commitments


def _attainment(active, target):
    if active is None or not target:
        return None
    return active * 100.0 / target


def _targets(row):
    return [
        {**target, "attainment": _attainment(row["active_total"], target["target_participants"])}
        for target in row["targets"]
    ]


def _funding(region, year):
    batches = FundedBatch.objects.within(region).filter(status__in=COUNTED_BATCH_STATUSES, fiscal_year=year)
    by_category = list(
        batches.values("scheme__name", "scheme__display_order", "category__name", "category__display_order")
        .annotate(batches=Count("id"), workers=Sum("workers"), spend=Sum("cost"))
        .order_by("scheme__display_order", "scheme__name", "category__display_order", "category__name")
    )
    by_scheme = list(
        batches.values("scheme__name", "scheme__display_order")
        .annotate(batches=Count("id"), workers=Sum("workers"), spend=Sum("cost"))
        .order_by("scheme__display_order", "scheme__name")
    )
    totals = batches.aggregate(batches=Count("id"), workers=Sum("workers", default=0),
                               spend=Sum("cost", default=Decimal(0)))  # fmt: skip
    listed = list(batches.select_related("region", "scheme", "category").order_by("start_month", "region__code"))
    return {"by_category": by_category, "by_scheme": by_scheme, "totals": totals, "batches": listed}


def dossier(*, region, year) -> dict:
    """Everything the dossier of ``region`` for calendar ``year`` prints (published figures only)."""
    months = published_rows(region=region, year=year)
    latest = months[-1] if months else None
    first = months[0] if months else None
    trend = trend_figure(months, title=_("Tren cakupan %(name)s %(year)s (angka yang dipublikasikan)")
                         % {"name": region.name, "year": year}) if months else None  # fmt: skip
    return {
        "region": region,
        "year": year,
        "months": months,
        "missing_months": 12 - len(months),
        "latest": latest,
        "first": first,
        "rank_change_year": (first["rank_in_parent"] - latest["rank_in_parent"])
        if first and latest and first["rank_in_parent"] and latest["rank_in_parent"]
        else None,
        "targets": _targets(latest) if latest else [],
        "trend_svg": figure_svg(trend, width=700) if trend else "",
        "funding": _funding(region, year),
        "commitments": commitments(region=region, year=year),
        "note": DossierNote.objects.filter(region=region, year=year).first(),
        "generated_at": timezone.localtime(),
    }
