"""Demo data: 36 months of counts, denominators and targets for every kab/kota, telling the real story.

Deterministic (each kab/kota draws from its own seeded generator, so a region's figures do not
depend on which other regions are loaded) and idempotent (re-running replaces the demo rows only).
Every kab/kota has verified BPJS counts for every demo month: no gaps, so nothing is carried over
or missing.

How a region's months are made: each segment (PU, BPU, Jakon, PMI) is a series of counts that
passes exactly through the region's anchors (the figures a dashboard must show on those months)
and grows by a steady monthly rate with a little noise elsewhere. Reported BPU counts exclude the
workers of funded batches (docs/FUNDING.md); the engine adds them back, so an anchor is the figure
shown and the reported count is the anchor minus the batches of that month. Denominators grow a
little each year and a province has none of its own except where a real one exists, which its
kab/kota then add up to exactly.

The story it tells (README, "Demo tour"), with the real figures of DOMAIN.md at their real dates:
- Kota Pangkalpinang, May 2025: PU 24.286 / 47.010, BPU 4.754 / 23.416, total 29.040 / 70.426;
- Kota Malang, June 2025: 134.167 = 32,44% of 413.600, third of Jawa Timur's 38 kab/kota; with
  Kota Surabaya, Kab. Bojonegoro, Kab. Mojokerto and Kab. Jember it makes the Kanwil's "five best"
  (Kab. Gresik and Kab. Sidoarjo close behind);
- Kab. Malang, December 2024: 19,6%, with 2.647 buruh tani tembakau funded by DBHCHT in 2024;
- Kab. Blitar, October 2024: 26,3%; Solok Selatan, September 2024: 18.092 = 16,97%, with 3.360
  petani sawit funded by DBH Sawit;
- Tanah Bumbu, December 2024 against December 2023: PU +8,72%, BPU +81,73%, the BPU jump being
  the ADD batches (8.146 + 2.192 from January 2024) on top of reported BPU growing 5%;
- Bali, March 2025: 935.079 of 1.873.899 employed = 49,90%, as the sum of its kab/kota.
The other kab/kota are drawn so that the nation sits near Kemendagri's actual 35,68% of April 2025
(about 35,7% in the demo). Everything else is invented and the UI says so (DEMO_MODE banner). No coverage exceeds 100%.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum

from coverage.engine import coverage_recompute
from regions.models import NATIONAL_CODE, Denominator, Kind, Level, Region
from regions.services import DEMO_OFFICES, offices_seed
from ucj_dashboard.months import add_months

from .models import (
    CategoryBand,
    EntryStatus,
    FundedWorkers,
    ParticipantCount,
    SeriesKind,
    Source,
    TargetSeries,
    TargetValue,
)

DEMO_SOURCE_NOTE = "demo"
FIRST_MONTH = date(2023, 11, 1)
MONTHS = 36  # 2023-11 .. 2026-10
# The month the Jawa Timur ranking is pinned (Kota Malang's reported figure).
STORY_MONTH = date(2025, 6, 1)
SEGMENTS = ("PU", "BPU", "JAKON", "PMI")
KECAMATAN_OF = ["35.73", "35.07", "35.05", "13.11", "63.10"]


@dataclass(frozen=True)
class RealFigure:
    code: str
    period: date
    segments: dict  # participants shown (BPU including funded batches); the split is invented
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
    # A province figure: its kab/kota are made to add up to it exactly (no province-level count).
    RealFigure(
        "51",
        date(2025, 3, 1),
        {"PU": 610_000, "BPU": 310_079, "JAKON": 10_000, "PMI": 5_000},
        {"TOTAL": 1_873_899},
        "Sakernas Februari 2025",
    ),
]

# Tanah Bumbu's real growth, December 2024 against December 2023 (DOMAIN.md): PU +8,72% and BPU
# +81,73%, BPU including the ADD batches that start in January 2024. The levels are invented;
# 13.503 is where integer counts come closest to +81,73% (24.539 / 13.503 = 1,8172999) with
# reported BPU (without the 10.338 funded) growing a modest 5,2%.
STORY_ANCHORS = {
    "63.10": [
        (date(2023, 12, 1), {"PU": 25_000, "BPU": 13_503}),
        (date(2024, 12, 1), {"PU": 27_180, "BPU": 24_539}),
    ],
}

# Jawa Timur (demo): population in thousands (Sensus Penduduk 2020, rounded), about 54% of it
# employed, and the total coverage of June 2025; None where a real figure anchors the region.
JATIM = {
    "35.01": (587, 14.8), "35.02": (950, 17.9), "35.03": (731, 16.2), "35.04": (1090, 22.5),
    "35.05": (1223, None), "35.06": (1636, 21.4), "35.07": (2654, None), "35.08": (1120, 15.6),
    "35.09": (2536, 29.6), "35.10": (1708, 23.8), "35.11": (776, 12.9), "35.12": (686, 13.7),
    "35.13": (1153, 14.1), "35.14": (1606, 25.2), "35.15": (2083, 28.6), "35.16": (1120, 30.4),
    "35.17": (1319, 21.0), "35.18": (1103, 18.6), "35.19": (745, 17.2), "35.20": (671, 18.1),
    "35.21": (871, 15.3), "35.22": (1301, 34.1), "35.23": (1199, 22.1), "35.24": (1345, 19.4),
    "35.25": (1312, 29.1), "35.26": (1061, 10.8), "35.27": (970, 9.6), "35.28": (851, 11.4),
    "35.29": (1124, 10.2), "35.71": (287, 27.8), "35.72": (150, 26.9), "35.73": (844, None),
    "35.74": (240, 24.6), "35.75": (209, 23.2), "35.76": (132, 28.1), "35.77": (196, 27.5),
    "35.78": (2874, 36.8), "35.79": (214, 25.9),
}  # fmt: skip
# Bali (demo weights for splitting the real province figures): population in thousands, 2020.
BALI = {"51.01": 317, "51.02": 461, "51.03": 548, "51.04": 515, "51.05": 206, "51.06": 258, "51.07": 492,
        "51.08": 791, "51.71": 726}  # fmt: skip
# Employed population in 2025 (demo) of regions whose funded batches need a realistic size.
SIZED = {"52.03": 620_000, "33.16": 480_000, "63.10": 165_000}

# Monthly growth range and noise (relative) of each segment's participants.
GROWTH = {"PU": (0.002, 0.006, 0.003), "BPU": (0.003, 0.010, 0.005), "JAKON": (-0.002, 0.006, 0.02),
          "PMI": (0.0, 0.005, 0.01)}  # fmt: skip
MAX_PU_COVERAGE = 0.78  # at the story month; growth to the last month keeps it below 90%
MAX_BPU_COVERAGE = 0.45

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


def _index(month):
    return (month.year - FIRST_MONTH.year) * 12 + month.month - FIRST_MONTH.month


@dataclass
class _Plan:
    """One kab/kota: its own random generator, workforce, segment split and anchors."""

    region: Region
    rng: random.Random
    workers: float  # employed population in 2025 (rounded down per year in ``denominators``)
    growth: float  # yearly growth of the employed population
    pu_share: float
    coverage: float  # total coverage (%) at the story month when no anchor says otherwise
    split: tuple  # (Jakon + PMI share of participants, Jakon's part of it, BPU/PU coverage ratio)
    rates: dict
    factors: dict  # per segment, how this region's coverage stands against its province's (Bali)
    real: RealFigure | None = None
    anchors: dict = field(default_factory=dict)  # segment -> {month index: participants shown}

    def denominators(self, year):
        """(total, PU, BPU, source) for a year: the real one in its year, else grown from 2025."""
        real = self.real
        if real and year == real.period.year:
            total = real.denominators["TOTAL"]
            pu = real.denominators.get("PU", int(total * self.pu_share))
            return total, pu, real.denominators.get("BPU", total - pu), real.source
        total = int(self.workers * (1 + self.growth) ** (year - 2025))
        pu = int(total * self.pu_share)
        return total, pu, total - pu, f"Sakernas Agustus {year - 1} (demo)"


def _plan(region, seed, real):
    rng = random.Random(f"{seed}:{region.code}")
    # Every draw happens in the same order for every region, whatever it is used for.
    ratio, growth, drawn_size = rng.uniform(0.52, 0.56), rng.uniform(0.008, 0.016), rng.lognormvariate(12.2, 0.75)
    # Wage earners' share of the workforce: higher in a kota, and in Bali (tourism) than elsewhere.
    low, high = (0.58, 0.70) if region.kind == Kind.KOTA else (0.48, 0.58) if region.code[:3] == "51." else (0.33, 0.48)
    pu_share = low + rng.random() * (high - low)
    drawn_coverage = math.exp(rng.gauss(math.log(37), 0.35))
    split = (rng.uniform(0.03, 0.06), rng.uniform(0.4, 0.8), rng.uniform(0.22, 0.40))
    rates = {segment: rng.uniform(slowest, fastest) for segment, (slowest, fastest, _) in GROWTH.items()}
    factors = {segment: rng.uniform(0.85, 1.15) for segment in SEGMENTS}

    code = region.code
    if real:
        given = real.denominators
        workers = int(given["TOTAL"] / (1 + growth) ** (real.period.year - 2025))
        if "PU" in given:
            pu_share = given["PU"] / given["TOTAL"]
    elif code in JATIM:
        workers = int(JATIM[code][0] * 1000 * ratio)
    elif code in BALI:
        workers = BALI[code] * 1000  # a weight until the split of the real province figure
    elif code in SIZED:
        workers = SIZED[code]
    else:
        workers = max(int(drawn_size), 15_000)
    jatim_coverage = JATIM.get(code, (0, None))[1]
    coverage = jatim_coverage if jatim_coverage is not None else min(max(drawn_coverage, 8.0), 60.0)
    return _Plan(region, rng, workers, growth, pu_share, coverage, split, rates, factors, real)


def _split_exact(total, weights):
    """``total`` split in proportion to ``weights`` as integers that add up to it exactly."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _province_real_figure(real, plans):
    """A province's real figure, made the exact sum of its kab/kota: their 2025 workforces split
    the province's, and their participants of the month split each segment."""
    children = [p for p in plans if p.region.code.startswith(real.code + ".")]
    year_factor = [(1 + p.growth) ** (real.period.year - 2025) for p in children]
    shares = _split_exact(real.denominators["TOTAL"], [p.workers * p.rng.uniform(0.95, 1.05) for p in children])
    for plan, share, factor in zip(children, shares, year_factor, strict=True):
        plan.workers = share / factor  # so that the real year's total comes out as ``share``
        plan.real = RealFigure(
            plan.region.code,
            real.period,
            {},
            {"TOTAL": share},
            f"{real.source}, dibagi per kab/kota (demo)",
        )
    for segment, participants in real.segments.items():
        weights = []
        for plan in children:
            _, pu, bpu, _ = plan.denominators(real.period.year)
            workers = {"PU": pu, "BPU": bpu}.get(segment, pu + bpu)
            weights.append(workers * plan.factors[segment])
        for plan, value in zip(children, _split_exact(participants, weights), strict=True):
            plan.anchors.setdefault(segment, {})[_index(real.period)] = value


def _story_anchors(plan):
    """Participants shown at the story month, from the region's total coverage and its split."""
    jp_share, jakon_part, bpu_ratio = plan.split
    _, pu_workers, bpu_workers, _ = plan.denominators(STORY_MONTH.year)
    total = plan.coverage / 100 * (pu_workers + bpu_workers)
    core = total * (1 - jp_share)
    pu_coverage = min(core / (pu_workers + bpu_ratio * bpu_workers), MAX_PU_COVERAGE)
    pu = pu_coverage * pu_workers
    bpu = min(core - pu, MAX_BPU_COVERAGE * bpu_workers)
    jakon = total * jp_share * jakon_part
    return {"PU": pu, "BPU": bpu, "JAKON": jakon, "PMI": total * jp_share - jakon}


def _anchor(plan):
    """Fill ``plan.anchors``: real figures, the story anchors, else the story month's split."""
    if plan.real and plan.real.segments:
        for segment, value in plan.real.segments.items():
            plan.anchors.setdefault(segment, {})[_index(plan.real.period)] = value
    for month, segments in STORY_ANCHORS.get(plan.region.code, []):
        for segment, value in segments.items():
            plan.anchors.setdefault(segment, {})[_index(month)] = value
    story = _story_anchors(plan)
    for segment in SEGMENTS:
        if not plan.anchors.get(segment):
            plan.anchors[segment] = {_index(STORY_MONTH): story[segment]}


def _series(anchors, rate, noise, rng):
    """Monthly values through ``anchors`` (exact there): geometric between two anchors, growing at
    ``rate`` a month before the first and after the last, with relative noise elsewhere."""
    points = sorted(anchors.items())
    values = []
    for index in range(MONTHS):
        jitter = rng.gauss(0, noise)
        before = [p for p in points if p[0] <= index]
        after = [p for p in points if p[0] >= index]
        if before and after:
            (i0, v0), (i1, v1) = before[-1], after[0]
            base = v0 if i0 == i1 else v0 * (v1 / v0) ** ((index - i0) / (i1 - i0))
        else:
            i0, v0 = (before or after)[-1 if before else 0]
            base = v0 * (1 + rate) ** (index - i0)
        values.append(base if index in anchors else base * (1 + jitter))
    return values


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
    result = {"counts": len(counts), "denominators": len(denominators), "regencies": len(regions)}
    if recompute:
        result["snapshots"] = coverage_recompute(periods=months).snapshots_written
    return result


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
    for plan in plans:
        target = story[plan.region.pk]
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
    TargetValue.objects.bulk_create(new_values, batch_size=1000)


def _bands(years):
    for year in years:
        for category, low, high in DEMO_BANDS:
            CategoryBand.objects.get_or_create(
                year=year, category=category, defaults={"min_percent": low, "max_percent": high}
            )


__all__ = ["NATIONAL_CODE", "REAL_FIGURES", "demo_load"]
