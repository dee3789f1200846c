"""The Inpres 2/2021 commitment register: a region's regulations and allocations (its page's panel and
the dossier), and the semester summary of a province for the Kanwil and the Pemda provinsi."""

from datetime import date, timedelta

from django.db.models import Count, Q, Sum

from regions.models import Level, Region
from ucj_dashboard.months import add_months

from ..models import COUNTED_BATCH_STATUSES, Allocation, FundedBatch, Regulation

VILLAGE_SCHEMES = ("add", "dana-desa")


def _subtree(region, prefix="region__code"):
    return Q(**{prefix: region.code}) | Q(**{f"{prefix}__startswith": f"{region.code}."})


def commitments(*, region, year=None):
    """The region's Inpres 2/2021 register: its regulations (issued by the end of ``year``) and its
    allocations (of ``year``), each with the funded batches linked and their spend."""
    subtree = Q(region__code=region.code) | Q(region__code__startswith=f"{region.code}.")
    regulations = Regulation.objects.filter(subtree).select_related("region").prefetch_related("categories")
    allocations = Allocation.objects.filter(subtree).select_related("region", "scheme", "regulation")
    if year is not None:
        regulations = regulations.filter(issued_on__year__lte=year)
        allocations = allocations.filter(fiscal_year=year)
    allocations = allocations.prefetch_related("categories").annotate(
        linked_batches=Count("batches", distinct=True), linked_spend=Sum("batches__cost")
    )
    regulations = regulations.annotate(linked_batches=Count("batches", distinct=True))
    rows = list(allocations.order_by("-fiscal_year", "scheme__display_order", "region__code"))
    for row in rows:
        row.realisation = float(row.linked_spend) * 100 / float(row.amount) if row.linked_spend else None
    return {"regulations": list(regulations.order_by("-issued_on", "number")), "allocations": rows}


def commitments_panel_context(*, region, period):
    """The register on the dashboard of a province or kab/kota (its regulations to the month shown)."""
    if region.level not in (Level.PROVINCE, Level.REGENCY):
        return None
    return {"region": region, "period": period, "c": commitments(region=region, year=period.year)}


def semester_bounds(year, semester):
    first = date(year, 1 if semester == 1 else 7, 1)
    last = add_months(first, 6) - timedelta(days=1)
    return first, last


def semester_summary(*, province, year, semester):
    """Per kab/kota of ``province`` (and the province itself): regulations in force at the end of the
    semester and issued within it, the year's allocations (APBD and the villages' APBDes apart),
    the workers of counted batches active in the semester's last month and the year's premium spend."""
    first, last = semester_bounds(year, semester)
    last_month = date(last.year, last.month, 1)
    regions = [province, *Region.objects.filter(parent=province, level=Level.REGENCY, is_active=True).order_by("code")]
    rows = []
    for region in regions:
        own = Q(region=region) if region.level == Level.PROVINCE else _subtree(region)
        regulations = Regulation.objects.filter(own, issued_on__lte=last)
        allocations = Allocation.objects.filter(own, fiscal_year=year).aggregate(
            apbd=Sum("amount", filter=~Q(scheme__code__in=VILLAGE_SCHEMES)),
            village=Sum("amount", filter=Q(scheme__code__in=VILLAGE_SCHEMES)),
            count=Count("id"),
        )
        batches = FundedBatch.objects.filter(own, status__in=COUNTED_BATCH_STATUSES)
        rows.append(
            {
                "region": region,
                "regulations": regulations.count(),
                "regulations_new": regulations.filter(issued_on__gte=first).count(),
                "latest_regulation": regulations.order_by("-issued_on").first(),
                "allocation_apbd": allocations["apbd"],
                "allocation_village": allocations["village"],
                "allocations": allocations["count"],
                "active_workers": batches.active_in(last_month).aggregate(n=Sum("workers", default=0))["n"],
                "spend": batches.filter(fiscal_year=year).aggregate(s=Sum("cost"))["s"],
            }
        )
    kabkota = rows[1:]
    return {
        "province": province,
        "year": year,
        "semester": semester,
        "first": first,
        "last": last,
        "rows": rows,
        "with_regulation": sum(1 for row in kabkota if row["regulations"]),
        "with_allocation": sum(1 for row in kabkota if row["allocations"]),
        "kabkota": len(kabkota),
        "active_workers": sum(row["active_workers"] for row in rows),
        "allocation_apbd": sum(row["allocation_apbd"] or 0 for row in rows),
        "allocation_village": sum(row["allocation_village"] or 0 for row in rows),
    }
