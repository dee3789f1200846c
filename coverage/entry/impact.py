"""The coverage effect of a planned change, shown in the dry run of an import and the entry grid."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from regions.models import NATIONAL_CODE, Region

from ..models import COUNTED_STATUSES, ParticipantCount, Snapshot, Source


@dataclass
class ImpactRow:
    region: Region
    period: date
    delta: int
    active_before: int | None
    active_after: int | None
    coverage_before: float | None
    coverage_after: float | None
    coverage_pu_before: float | None = None
    coverage_pu_after: float | None = None
    coverage_bpu_before: float | None = None
    coverage_bpu_after: float | None = None

    @property
    def delta_pp(self):
        if self.coverage_before is None or self.coverage_after is None:
            return None
        return self.coverage_after - self.coverage_before


def _counted_active(values, status):
    return (values.get("active") or 0) if status in COUNTED_STATUSES else 0


def _ratio(active, workers):
    return None if active is None or not workers else active * 100 / workers


def coverage_impact(*, plans, limit=None) -> list[ImpactRow]:
    """Estimated change in coverage from planned cell changes, by region and month.

    Only submitted/verified figures count (drafts do not); a counted BPJS figure for the same
    cell wins, so such a Pemda change has no effect. Deltas roll up to the ancestors whose own
    figure is not reported (a region's own figure wins over its children's sum); the result is
    the current snapshot's figures plus the delta over the snapshot's denominators. Regions
    without a snapshot show the delta only. The engine's recompute is the exact figure.
    """
    deltas = defaultdict(lambda: defaultdict(int))
    own = set()
    for plan in plans:
        code = plan.region.code
        if plan.status_after in COUNTED_STATUSES:
            own.add((code, plan.period, plan.segment))
        delta = _counted_active(plan.new, plan.status_after) - _counted_active(plan.old, plan.status_before)
        if delta:
            deltas[(code, plan.period)][plan.segment] += delta
    if not deltas:
        return []
    periods = {period for _code, period in deltas}
    codes = {code for code, _period in deltas}
    bpjs = set(
        ParticipantCount.objects.filter(
            source=Source.BPJS, status__in=COUNTED_STATUSES, region__code__in=codes, period__in=periods
        ).values_list("region__code", "period", "segment")
    )
    ancestors = {a for code in codes for a in Region(code=code).ancestor_codes if a != NATIONAL_CODE}
    own |= set(
        ParticipantCount.objects.filter(
            status__in=COUNTED_STATUSES, region__code__in=ancestors, period__in=periods
        ).values_list("region__code", "period", "segment")
    )
    totals = defaultdict(lambda: defaultdict(int))
    for (code, period), by_segment in deltas.items():
        for segment, delta in by_segment.items():
            if (code, period, segment) not in bpjs:
                totals[(code, period)][segment] += delta
    # Bottom-up: a desa's change reaches the kecamatan unless the kecamatan reports its own figure.
    for depth in (4, 3, 2):
        for (code, period), by_segment in list(totals.items()):
            if code.count(".") + 1 != depth:
                continue
            parent = code.rsplit(".", 1)[0]
            for segment, delta in by_segment.items():
                if (parent, period, segment) not in own:
                    totals[(parent, period)][segment] += delta
    keys = [(code, period) for (code, period), by in totals.items() if sum(by.values())]
    regions = {r.code: r for r in Region.objects.filter(code__in={code for code, _p in keys})}
    snapshots = {
        (s.region.code, s.period): s
        for s in Snapshot.objects.filter(region__code__in=regions, period__in=periods, is_current=True).select_related(
            "region"
        )
    }
    out = []
    for code, period in sorted(keys, key=lambda key: (key[0].count("."), key[0], key[1])):
        by_segment = totals[(code, period)]
        delta = sum(by_segment.values())
        snap = snapshots.get((code, period))
        before = snap.active_total if snap else None
        after = None if before is None else before + delta
        row = ImpactRow(
            region=regions[code],
            period=period,
            delta=delta,
            active_before=before,
            active_after=after,
            coverage_before=_ratio(before, snap.workers_total) if snap else None,
            coverage_after=_ratio(after, snap.workers_total) if snap else None,
        )
        if snap:
            for segment, attr in (("PU", "pu"), ("BPU", "bpu")):
                seg_before = getattr(snap, f"active_{attr}")
                workers = getattr(snap, f"workers_{attr}")
                seg_after = None if seg_before is None else seg_before + by_segment.get(segment, 0)
                setattr(row, f"coverage_{attr}_before", _ratio(seg_before, workers))
                setattr(row, f"coverage_{attr}_after", _ratio(seg_after, workers))
        out.append(row)
    return out[:limit] if limit else out
