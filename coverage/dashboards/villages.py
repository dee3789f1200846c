"""The desa of a kecamatan, listed from their inputs (snapshots start at kecamatan)."""

from django.db.models import Max, Q, Sum

from ..models import EffectiveCount, EntryStatus, FundedWorkers

SEGMENTS = ("PU", "BPU", "JAKON", "PMI")


def village_figures(*, district, period):
    """The desa of a kecamatan with their active participants for one month, as the engine counts them.

    Snapshots start at kecamatan (a desa has no employed-population figure), so the drill-down to
    desa reads the same inputs the engine reads: the effective counts (the view: counted statuses,
    a BPJS figure winning over a Pemda one) and the funded workers registered at each desa, which
    add to BPU. Funded workers count only on a base of counts: without any desa count the
    kecamatan has no figure and the list is empty. Two aggregate queries; without an own figure of
    the kecamatan, the desa add up to its snapshot.
    """
    sums = {f"active_{s.lower()}": Sum("active", filter=Q(segment=s)) for s in SEGMENTS}
    counts = list(
        EffectiveCount.objects.filter(region__parent=district, period=period)
        .values("region_id", "region__code", "region__name")
        .annotate(**sums, submitted=Max("status", filter=Q(status=EntryStatus.SUBMITTED)))
    )
    if not counts:
        return []
    funded = dict(
        FundedWorkers.objects.filter(region__parent=district, period=period)
        .values("region_id")
        .annotate(workers=Sum("workers"))
        .values_list("region_id", "workers")
    )
    villages = {}
    for row in counts:
        villages[row["region_id"]] = {
            "code": row["region__code"],
            "name": row["region__name"],
            **{key: row[key] for key in sums},
            "is_provisional": row["submitted"] is not None,
        }
    if funded:
        missing = set(funded) - set(villages)
        for region_id, code, name in district.children.filter(pk__in=missing).values_list("id", "code", "name"):
            villages[region_id] = {"code": code, "name": name, **dict.fromkeys(sums), "is_provisional": False}
    for region_id, village in villages.items():
        village["active_funded"] = funded.get(region_id)
        if village["active_funded"]:
            village["active_bpu"] = (village["active_bpu"] or 0) + village["active_funded"]
        village["active_total"] = sum(village[key] or 0 for key in sums)
    return sorted(villages.values(), key=lambda v: v["code"])
