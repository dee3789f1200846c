"""Demo data: 36 months of plausible counts, denominators and targets for every kab/kota.

Deterministic (seeded), idempotent (re-running replaces the demo rows only), and carrying the
real figures of DOMAIN.md at their real dates, e.g. Kota Pangkalpinang in May 2025 and Kota
Malang's 134,167 participants against 413,600 workers in June 2025. Everything else is
invented and the UI says so (DEMO_MODE banner).
"""

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from regions.models import NATIONAL_CODE, Denominator, Level, Region

from .models import (
    CategoryBand,
    EntryStatus,
    ParticipantCount,
    SeriesKind,
    Source,
    TargetSeries,
    TargetValue,
)
from .services.recompute import add_months, coverage_recompute

DEMO_SOURCE_NOTE = "demo"
FIRST_MONTH = date(2023, 11, 1)
MONTHS = 36  # 2023-11 .. 2026-10
SEGMENT_SHARES = {"PU": 0.70, "BPU": 0.25, "JAKON": 0.03, "PMI": 0.02}
KECAMATAN_OF = ["35.73", "35.07", "35.05", "13.11", "63.10"]


@dataclass(frozen=True)
class RealFigure:
    code: str
    period: date
    segments: dict
    denominators: dict  # segment group -> workers, for the period's year
    source: str


# The real figures of DOMAIN.md, entered exactly so that the product reproduces them.
REAL_FIGURES = [
    RealFigure(
        "19.71",
        date(2025, 5, 1),
        {"PU": 24_286, "BPU": 4_754, "JAKON": 0, "PMI": 0},
        {"TOTAL": 70_426, "PU": 47_010, "BPU": 23_416},
        "BPS Kota Pangkalpinang, Sakernas 2024",
    ),
    RealFigure(
        "35.73",
        date(2025, 6, 1),
        {"PU": 98_000, "BPU": 31_500, "JAKON": 3_200, "PMI": 1_467},
        {"TOTAL": 413_600},
        "Sakernas Agustus 2024 (perkiraan dari capaian 32,44%)",
    ),
    RealFigure(
        "35.07",
        date(2024, 12, 1),
        {"PU": 190_000, "BPU": 80_000, "JAKON": 5_320, "PMI": 3_000},
        {"TOTAL": 1_420_000},
        "Sakernas Agustus 2023 (perkiraan dari capaian 19,6%)",
    ),
    RealFigure(
        "35.05",
        date(2024, 10, 1),
        {"PU": 120_000, "BPU": 55_000, "JAKON": 3_470, "PMI": 3_000},
        {"TOTAL": 690_000},
        "Sakernas Agustus 2023 (perkiraan dari capaian 26,3%)",
    ),
    RealFigure(
        "13.11",
        date(2024, 9, 1),
        {"PU": 11_000, "BPU": 6_700, "JAKON": 292, "PMI": 100},
        {"TOTAL": 106_611},
        "Sakernas Agustus 2023 (perkiraan dari capaian 16,97%)",
    ),
    RealFigure(
        "51",
        date(2025, 3, 1),
        {"PU": 650_000, "BPU": 270_079, "JAKON": 10_000, "PMI": 5_000},
        {"TOTAL": 1_873_899},
        "Sakernas Februari 2025",
    ),
]

TARGET_SERIES = [
    # code, name, kind, source document, phasing, {(region code, year): (percent, participants)}
    (
        "rpjpn-2025-2045",
        "RPJPN 2025-2045",
        SeriesKind.RPJPN,
        "UU 59/2024 tentang RPJPN 2025-2045",
        "flat",
        {("ID", 2045): (Decimal("99.50"), None)},
    ),
    (
        "rpjmn-2025-2029",
        "RPJMN 2025-2029",
        SeriesKind.RPJMN,
        "Perpres RPJMN 2025-2029",
        "linear",
        {
            ("ID", 2025): (Decimal("32.15"), None),
            ("ID", 2026): (Decimal("35.09"), None),
            ("ID", 2027): (Decimal("38.03"), None),
            ("ID", 2028): (Decimal("40.98"), None),
            ("ID", 2029): (Decimal("43.92"), None),
        },
    ),
    ("rkp-2026", "RKP 2026", SeriesKind.RKP, "Perpres RKP 2026", "linear", {("ID", 2026): (Decimal("34.99"), None)}),
    (
        "kemendagri-pemda",
        "Target Kemendagri untuk Pemda",
        SeriesKind.KEMENDAGRI,
        "Kemendagri, target UCJ Pemda 2025",
        "linear",
        {("ID", 2025): (Decimal("52.15"), None)},
    ),
    (
        "rpjmd-daerah",
        "RPJMD/Perkada daerah",
        SeriesKind.RPJMD,
        "RPJMD/Perkada masing-masing daerah",
        "linear",
        {
            ("35.73", 2025): (Decimal("41.23"), 176_753),
            ("13.11", 2025): (Decimal("28.30"), None),
            ("51", 2025): (Decimal("67.28"), None),
        },
    ),
]

DEMO_BANDS = [("sangat_rendah", 0, 20), ("rendah", 20, 35), ("sedang", 35, 50), ("tinggi", 50, None)]


def _months():
    return [add_months(FIRST_MONTH, i) for i in range(MONTHS)]


class _Series:
    """A region's plausible monthly coverage path, pinned to a real figure when there is one."""

    def __init__(self, rng, workers_2025, real=None):
        self.workers_2025 = workers_2025
        self.slope = rng.uniform(0.03, 0.35)  # percentage points per month
        self.noise = [rng.gauss(0, 0.25) for _ in range(MONTHS)]
        if real is not None:
            self.anchor_month = (real.period.year - FIRST_MONTH.year) * 12 + real.period.month - FIRST_MONTH.month
            workers = real.denominators["TOTAL"]
            self.anchor_coverage = sum(real.segments.values()) * 100 / workers
        else:
            self.anchor_month = 20
            self.anchor_coverage = min(max(rng.lognormvariate(3.4, 0.45), 6), 85)

    def coverage(self, index):
        noise = 0 if index == self.anchor_month else self.noise[index]
        return max(1.0, self.anchor_coverage + self.slope * (index - self.anchor_month) + noise)


def workers_for(base_2025, year):
    return int(base_2025 * (1 + 0.012 * (year - 2025)))


@transaction.atomic
def demo_load(*, seed=2025, recompute=True):
    """Load (or reload) the demo data set. Returns a dict of row counts."""
    rng = random.Random(seed)
    months = _months()
    years = sorted({m.year for m in months})
    real_by_code = {r.code: r for r in REAL_FIGURES}
    regions = list(Region.objects.filter(level=Level.REGENCY, is_active=True).order_by("code"))
    demo_denominators = Denominator.objects.filter(note=DEMO_SOURCE_NOTE)
    ParticipantCount.objects.filter(note=DEMO_SOURCE_NOTE).delete()
    demo_denominators.delete()

    _programs()  # funded batches first: the BPJS BPU counts below exclude their workers
    funded = _funded_by_region_month()
    counts, denominators = [], []
    for region in regions:
        real = real_by_code.get(region.code)
        if real:
            given = real.denominators["TOTAL"]
            base = int(given / (1 + 0.012 * (real.period.year - 2025)))
        else:
            base = max(int(rng.lognormvariate(12.2, 0.75)), 15_000)
        path = _Series(rng, base, real)
        pu_share = rng.uniform(0.38, 0.55)
        for year in years:
            total = workers_for(base, year)
            if real and year == real.period.year:
                given = real.denominators
                total = given["TOTAL"]
                pu_w = given.get("PU", int(total * pu_share))
                bpu_w = given.get("BPU", total - pu_w)
            else:
                pu_w, bpu_w = int(total * pu_share), total - int(total * pu_share)
            source = real.source if real and year == real.period.year else f"Sakernas Agustus {year - 1} (demo)"
            for group, workers in (("TOTAL", total), ("PU", pu_w), ("BPU", bpu_w)):
                if workers:
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
        for index, month in enumerate(months):
            if real and month == real.period:
                segments = real.segments
            else:
                active = int(path.coverage(index) * workers_for(base, month.year) / 100)
                segments = {seg: int(active * share) for seg, share in SEGMENT_SHARES.items()}
            if funded.get((region.pk, month)):
                # Reported BPU excludes funded batches (programs docs): keep the real total.
                segments = {**segments, "BPU": max(0, segments["BPU"] - funded[(region.pk, month)])}
            counts.extend(_count_rows(region, month, segments, rng))
        if region.code in KECAMATAN_OF:
            counts.extend(_kecamatan_rows(region, months, counts, rng))
            denominators.extend(_kecamatan_denominators(region, denominators, rng))

    _real_non_regency_rows(counts, denominators, real_by_code)
    Denominator.objects.bulk_create(denominators, batch_size=2000)
    ParticipantCount.objects.bulk_create(counts, batch_size=2000)
    _targets(regions, rng)
    _bands(years)
    result = {"counts": len(counts), "denominators": len(denominators), "regencies": len(regions)}
    if recompute:
        result["snapshots"] = coverage_recompute(periods=months).snapshots_written
    return result


def _funded_by_region_month():
    from .services.engine import batch_model

    model = batch_model()
    if model is None:
        return {}
    funded = {}
    for region_id, workers, start, end in model.objects.exclude(status="planned").values_list(
        "region_id", "workers", "start_month", "end_month"
    ):
        month = start
        while month <= end:
            funded[(region_id, month)] = funded.get((region_id, month), 0) + workers
            month = add_months(month, 1)
    return funded


def _count_rows(region, month, segments, rng):
    rows = []
    for segment, active in segments.items():
        if active is None:
            continue
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


def _kecamatan_denominators(regency, regency_denominators, rng):
    """Employed population per kecamatan (demo): the regency's split with weights that differ from
    the participants', so kecamatan coverage differs and camat can be ranked."""
    districts = list(Region.objects.filter(parent=regency).order_by("code"))
    weights = [rng.uniform(0.5, 2.0) for _ in districts]
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
                    source=f"{denominator.source}, dibagi per kecamatan (demo)",
                    note=DEMO_SOURCE_NOTE,
                )
            )
    return rows


def _kecamatan_rows(regency, months, regency_rows, rng):
    """Kecamatan counts that sum to ~97% of the regency's BPU and PU (the rest unallocated)."""
    districts = list(Region.objects.filter(parent=regency).order_by("code"))
    if not districts:
        return []
    weights = [rng.uniform(0.5, 2.0) for _ in districts]
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


def _real_non_regency_rows(counts, denominators, real_by_code):
    """Real figures reported above kab/kota level (Bali, March 2025: a province-level report).

    The invented kab/kota counts of that province and month are scaled to 97% of the real
    total, so the province's own report stays authoritative with a small unallocated rest.
    """
    for code, real in real_by_code.items():
        if code.count(".") != 0:
            continue
        region = Region.objects.get(code=code)
        children = {r.pk for r in Region.objects.filter(parent=region)}
        rows = [c for c in counts if c.region_id in children and c.period == real.period]
        factor = sum(real.segments.values()) * 0.97 / max(1, sum(c.active for c in rows))
        for row in rows:
            row.active = int(row.active * factor)
            row.registered = row.active + (row.lapsed or 0)
        counts.extend(
            ParticipantCount(
                region=region,
                period=real.period,
                segment=segment,
                source=Source.BPJS,
                status=EntryStatus.VERIFIED,
                active=active,
                note=DEMO_SOURCE_NOTE,
            )
            for segment, active in real.segments.items()
        )
        denominators.extend(
            Denominator(
                region=region,
                year=real.period.year,
                segment_group=group,
                workers=workers,
                source=real.source,
                note=DEMO_SOURCE_NOTE,
            )
            for group, workers in real.denominators.items()
        )


def _targets(regions, rng):
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
    # Every other kab/kota gets a plausible regional target (demo), so gaps show everywhere.
    regional = series_by_code["rpjmd-daerah"]
    existing = set(TargetValue.objects.filter(series=regional).values_list("region_id", "year"))
    new_values = []
    for region in regions:
        for year, uplift in ((2025, rng.uniform(3, 9)), (2026, rng.uniform(6, 14))):
            if (region.pk, year) not in existing:
                percent = Decimal(str(round(min(95.0, 20 + uplift + rng.uniform(0, 25)), 2)))
                new_values.append(
                    TargetValue(series=regional, region=region, year=year, percent=percent, source="RPJMD (demo)")
                )
    TargetValue.objects.bulk_create(new_values, batch_size=1000)


def _bands(years):
    for year in years:
        for category, low, high in DEMO_BANDS:
            CategoryBand.objects.get_or_create(
                year=year, category=category, defaults={"min_percent": low, "max_percent": high}
            )


def _programs():
    """Programs, rates and funded batches, when the programs app provides its seed."""
    try:
        from programs import services as program_services
    except ImportError:  # pragma: no cover - the programs app is part of the product
        return
    for name in ("programs_seed", "programs_demo_load"):
        loader = getattr(program_services, name, None)
        if loader is not None:
            loader()


__all__ = ["NATIONAL_CODE", "REAL_FIGURES", "demo_load"]
