"""Loading the demo: denominators, counts, kecamatan, targets and bands, then one recompute."""

from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum

from regions.models import Denominator, Level, Region
from regions.services import DEMO_OFFICES, offices_seed
from ucj_dashboard.postgres import tables_analyze

from ..engine import coverage_recompute
from ..models import (
    ApprovalActor,
    ApprovalLevel,
    CategoryBand,
    EntryStatus,
    FundedWorkers,
    ParticipantCount,
    SeriesKind,
    Source,
    TargetSeries,
    TargetValue,
)
from .figures import (
    DEMO_BANDS,
    DEMO_SOURCE_NOTE,
    GROWTH,
    KECAMATAN_OF,
    REAL_FIGURES,
    SEGMENTS,
    STORY_MONTH,
    TARGET_SERIES,
)
from .plans import _anchor, _months, _plan, _province_real_figure, _series


@transaction.atomic
def demo_load(*, seed=2025, recompute=True):
    """Load (or reload) the demo data set. Returns a dict of row counts."""
    months = _months()
    years = sorted({m.year for m in months})
    real_by_code = {r.code: r for r in REAL_FIGURES}
    regions = list(Region.objects.filter(level=Level.REGENCY, is_active=True).order_by("code"))
    for model in (ParticipantCount, Denominator):
        _delete_demo_rows(model)
    offices_seed(offices=DEMO_OFFICES)

    # The funded batches are loaded first (by the load_demo command, programs): the reported BPU
    # counts below exclude the workers they handed to the engine.
    funded = _funded_by_region_month()
    plans = [_plan(region, seed, real_by_code.get(region.code)) for region in regions]
    denominators = []
    for real in REAL_FIGURES:
        if "." not in real.code:
            _province_real_figure(real, plans)
            denominators.extend(_real_province_denominators(real))
    counts = []
    story = {}
    for plan in plans:
        region = plan.region
        _anchor(plan)
        for year in years:
            total, pu, bpu, source = plan.denominators(year)
            for group, workers in (("TOTAL", total), ("PU", pu), ("BPU", bpu)):
                denominators.append(
                    Denominator(
                        region=region,
                        year=year,
                        segment_group=group,
                        workers=workers,
                        source=source,
                        note=DEMO_SOURCE_NOTE,
                    )
                )
        # Anchors are the figures shown; the reported BPU count excludes the funded workers, so its
        # series runs through the anchors less the batches of their months, and the batches come on
        # top of it (a jump when a batch starts, as in Tanah Bumbu in January 2024).
        bpu = plan.anchors["BPU"]
        for index in bpu:
            bpu[index] = max(0, bpu[index] - funded.get((region.pk, months[index]), 0))
        series = {
            segment: _series(plan.anchors[segment], plan.rates[segment], GROWTH[segment][2], plan.rng)
            for segment in SEGMENTS
        }
        for index, month in enumerate(months):
            in_batches = funded.get((region.pk, month), 0)
            segments = {segment: max(0, round(series[segment][index])) for segment in SEGMENTS}
            counts.extend(_count_rows(region, month, segments, plan.rng))
            if month == STORY_MONTH:
                story[region.pk] = (sum(segments.values()) + in_batches) * 100 / plan.denominators(month.year)[0]
        if region.code in KECAMATAN_OF:
            weights = _kecamatan_weights(region, plan.rng)
            counts.extend(_kecamatan_rows(region, months, counts, weights))
            denominators.extend(_kecamatan_denominators(region, denominators, weights))

    Denominator.objects.bulk_create(denominators, batch_size=2000)
    ParticipantCount.objects.bulk_create(counts, batch_size=2000)
    _targets(plans, story)
    _bands(years)
    _approval_chain()
    # The recompute below plans against these tables: give the planner their new sizes.
    tables_analyze(ParticipantCount, Denominator, TargetValue)
    result = {"counts": len(counts), "denominators": len(denominators), "regencies": len(regions)}
    if recompute:
        result["snapshots"] = coverage_recompute(periods=months).snapshots_written
    return result


# Jawa Timur's Pemda counts go through two levels in the demo (docs/ENTRY.md, "Multi-level approval"):
# Kota Malang's Kepala Dinas (kadis.kotamalang) approves, then the branch verifier verifies. Every other
# province keeps the default single level. An admin adds the Kanwil's acceptance as a third row.
DEMO_APPROVAL_PROVINCE = "35"
DEMO_APPROVAL_CHAIN = [
    (1, "kadis", "Kepala Dinas", ApprovalActor.PEMDA_HEAD),
    (2, "cabang", "Verifikator cabang", ApprovalActor.VERIFIER),
]


def _approval_chain():
    """The demo's chain for Jawa Timur, unless an admin already configured one there."""
    province = Region.objects.filter(code=DEMO_APPROVAL_PROVINCE).first()
    if province is None or ApprovalLevel.objects.filter(province=province).exists():
        return
    for order, code, name, actor in DEMO_APPROVAL_CHAIN:
        ApprovalLevel.objects.create(province=province, order=order, code=code, name=name, actor=actor)


def _delete_demo_rows(model):
    """Delete the demo rows of ``model`` (counts, denominators) in one statement. Through the ORM
    every deleted row would get a historical record (django-simple-history): 87.000 of them, three
    minutes of a reload on PostgreSQL, for generated rows whose history nobody needs. No other
    table refers to these rows."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE note = %s", [DEMO_SOURCE_NOTE])


def _real_province_denominators(real):
    region = Region.objects.get(code=real.code)
    return [
        Denominator(
            region=region,
            year=real.period.year,
            segment_group=group,
            workers=workers,
            source=real.source,
            note=DEMO_SOURCE_NOTE,
        )
        for group, workers in real.denominators.items()
    ]


def _funded_by_region_month():
    """Funded workers the engine adds to BPU, per (region id, month): what programs handed over."""
    rows = FundedWorkers.objects.values("region_id", "period").annotate(workers=Sum("workers"))
    return {(row["region_id"], row["period"]): row["workers"] for row in rows}


def _count_rows(region, month, segments, rng):
    rows = []
    for segment, active in segments.items():
        lapsed = int(active * rng.uniform(0.02, 0.06))
        rows.append(
            ParticipantCount(
                region=region,
                period=month,
                segment=segment,
                source=Source.BPJS,
                status=EntryStatus.VERIFIED,
                active=active,
                registered=active + lapsed,
                lapsed=lapsed,
                new_registrations=int(active * rng.uniform(0.005, 0.03)),
                note=DEMO_SOURCE_NOTE,
            )
        )
    return rows


def _kecamatan_weights(regency, rng):
    """Each kecamatan's share of the workforce, and of the participants within 0.75-1.3 times it,
    so camat rankings differ without a kecamatan far above its kab/kota."""
    districts = list(Region.objects.filter(parent=regency).order_by("code"))
    workers = [rng.uniform(0.5, 2.0) for _ in districts]
    participants = [w * rng.uniform(0.75, 1.3) for w in workers]
    return districts, workers, participants


def _kecamatan_denominators(regency, regency_denominators, kecamatan_weights):
    """Employed population per kecamatan (demo): the kab/kota's, split by the workforce weights."""
    districts, weights, _ = kecamatan_weights
    total_weight = sum(weights)
    rows = []
    for denominator in [d for d in regency_denominators if d.region_id == regency.pk]:
        for district, weight in zip(districts, weights, strict=True):
            rows.append(
                Denominator(
                    region=district,
                    year=denominator.year,
                    segment_group=denominator.segment_group,
                    workers=max(1, int(denominator.workers * weight / total_weight)),
                    source=f"{denominator.source}, dibagi per kecamatan (demo)"[:120],
                    note=DEMO_SOURCE_NOTE,
                )
            )
    return rows


def _kecamatan_rows(regency, months, regency_rows, kecamatan_weights):
    """Kecamatan counts that sum to ~97% of the kab/kota's PU and BPU (the rest unallocated)."""
    districts, _, weights = kecamatan_weights
    if not districts:
        return []
    total_weight = sum(weights)
    own = {(r.period, r.segment): r.active for r in regency_rows if r.region_id == regency.pk}
    rows = []
    for month in months:
        for segment in ("PU", "BPU"):
            regency_active = own.get((month, segment))
            if not regency_active:
                continue
            allocated = regency_active * 0.97
            for district, weight in zip(districts, weights, strict=True):
                active = int(allocated * weight / total_weight)
                rows.append(
                    ParticipantCount(
                        region=district,
                        period=month,
                        segment=segment,
                        source=Source.BPJS,
                        status=EntryStatus.VERIFIED,
                        active=active,
                        registered=active,
                        new_registrations=int(active * 0.01),
                        note=DEMO_SOURCE_NOTE,
                    )
                )
    return rows


def _targets(plans, story):
    series_by_code = {}
    for code, name, kind, document, phasing, values in TARGET_SERIES:
        series, _ = TargetSeries.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "source_document": document, "phasing": phasing}
        )
        series_by_code[code] = series
        for (region_code, year), (percent, participants) in values.items():
            TargetValue.objects.update_or_create(
                series=series,
                region=Region.objects.get(code=region_code),
                year=year,
                defaults={"percent": percent, "participants": participants, "source": document},
            )
    # Every other kab/kota gets a regional target (demo) a few points above its mid-2025 coverage.
    regional = series_by_code["rpjmd-daerah"]
    existing = set(TargetValue.objects.filter(series=regional).values_list("region_id", "year"))
    new_values = []
    # The kecamatan of the story's kabupaten get their head's targets (demo), around the kab/kota's,
    # so camat can be ranked by attainment as well as by level.
    camat, _ = TargetSeries.objects.update_or_create(
        code="target-kecamatan",
        defaults={
            "name": "Target kepala daerah untuk kecamatan (demo)",
            "kind": SeriesKind.RPJMD,
            "source_document": "Keputusan Bupati/Wali Kota (demo)",
        },
    )
    existing_camat = set(TargetValue.objects.filter(series=camat).values_list("region_id", "year"))
    for plan in plans:
        target = story[plan.region.pk]
        kecamatan = list(plan.region.children.order_by("code")) if plan.region.code in KECAMATAN_OF else []
        for year, uplift in ((2025, plan.rng.uniform(3, 9)), (2026, plan.rng.uniform(3, 6))):
            target = min(95.0, target + uplift)
            if (plan.region.pk, year) not in existing:
                new_values.append(
                    TargetValue(
                        series=regional,
                        region=plan.region,
                        year=year,
                        percent=Decimal(str(round(target, 2))),
                        source="RPJMD (demo)",
                    )
                )
            for district in kecamatan:
                if (district.pk, year) not in existing_camat:
                    percent = min(95.0, max(5.0, target + plan.rng.uniform(-6, 6)))
                    new_values.append(
                        TargetValue(series=camat, region=district, year=year, percent=Decimal(str(round(percent, 2))),
                                    source="Keputusan Bupati/Wali Kota (demo)")
                    )  # fmt: skip
    TargetValue.objects.bulk_create(new_values, batch_size=1000)


def _bands(years):
    for year in years:
        for category, low, high in DEMO_BANDS:
            CategoryBand.objects.get_or_create(
                year=year, category=category, defaults={"min_percent": low, "max_percent": high}
            )
