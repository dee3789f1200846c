"""The desa of a kecamatan, listed from their counts (snapshots start at kecamatan)."""

from ..models import COUNTED_STATUSES, ParticipantCount, Source


def village_figures(*, district, period):
    """The desa of a kecamatan with their effective active participants for one month.

    Snapshots start at kecamatan (a desa has no employed-population figure), so the drill-down
    to desa reads the inputs with the engine's rules: counted statuses only, a BPJS figure wins
    over a Pemda one for the same cell. At most a few hundred rows (desa x segment x source).
    """
    rows = ParticipantCount.objects.filter(
        region__parent=district, period=period, status__in=COUNTED_STATUSES
    ).values_list("region_id", "region__code", "region__name", "segment", "source", "active", "status")
    cells = {}
    for region_id, code, name, segment, source, active, status in rows:
        key = (region_id, segment)
        if key not in cells or source == Source.BPJS:
            cells[key] = (code, name, active, status)
    villages = {}
    for (region_id, segment), (code, name, active, status) in cells.items():
        village = villages.setdefault(region_id, {"code": code, "name": name, "active_total": 0,
                                                  "is_provisional": False})  # fmt: skip
        village[f"active_{segment.lower()}"] = active
        village["active_total"] += active
        village["is_provisional"] |= status == "submitted"
    return sorted(villages.values(), key=lambda v: v["code"])
