"""A kab/kota's demo months: segment series that pass exactly through its anchors."""

import math
import random
from dataclasses import dataclass, field

from regions.models import Kind, Region
from ucj_dashboard.months import add_months

from .figures import (
    BALI,
    FIRST_MONTH,
    GROWTH,
    JATIM,
    MAX_BPU_COVERAGE,
    MAX_PU_COVERAGE,
    MONTHS,
    SEGMENTS,
    SIZED,
    STORY_ANCHORS,
    STORY_MONTH,
    RealFigure,
)


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
