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
    kecamatan has no figure and the list is empty. Three small queries; without an own figure of
    the kecamatan, the desa add up to its snapshot.
    """
    sums = {f"active_{s.lower()}": Sum("active", filter=Q(segment=s)) for s in SEGMENTS}
    # The desa's ids first, then the view filtered by them: a list of ids is pushed into both branches
    # of the view and probed through the cell index; a join with the region table is not (a month of
    # counts read for one kecamatan: 0,5 s at national scale).
    desa = {pk: (code, name) for pk, code, name in district.children.values_list("id", "code", "name")}
    counts = list(
        EffectiveCount.objects.filter(region_id__in=list(desa), period=period)
        .values("region_id")
        .annotate(**sums, submitted=Max("status", filter=Q(status=EntryStatus.SUBMITTED)))
    )
    if not counts:
        return []
    funded = dict(
        FundedWorkers.objects.filter(region_id__in=list(desa), period=period)
        .values("region_id")
        .annotate(workers=Sum("workers"))
        .values_list("region_id", "workers")
    )
    villages = {}
    for row in counts:
        code, name = desa[row["region_id"]]
        villages[row["region_id"]] = {
            "code": code,
            "name": name,
            **{key: row[key] for key in sums},
            "is_provisional": row["submitted"] is not None,
        }
    for region_id in set(funded) - set(villages):
        code, name = desa[region_id]
        villages[region_id] = {"code": code, "name": name, **dict.fromkeys(sums), "is_provisional": False}
    for region_id, village in villages.items():
        village["active_funded"] = funded.get(region_id)
        if village["active_funded"]:
            village["active_bpu"] = (village["active_bpu"] or 0) + village["active_funded"]
        village["active_total"] = sum(village[key] or 0 for key in sums)
    return sorted(villages.values(), key=lambda v: v["code"])
