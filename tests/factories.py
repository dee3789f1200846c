"""Small builders for test data. Regions get their real kind from the code and name."""

from datetime import date

from coverage.models import EntryStatus, ParticipantCount, Source
from regions.models import NATIONAL_CODE, Kind, Level, Region

# The months of the entry tests.
MAY = date(2025, 5, 1)
APRIL = date(2025, 4, 1)


def _kind_for(code, name):
    level = code.count(".") + 1
    if level == 1:
        return Kind.PROVINCE
    if level == 2:
        return Kind.KOTA if name.lower().startswith("kota") else Kind.KABUPATEN
    if level == 3:
        return Kind.KECAMATAN
    return Kind.KELURAHAN if code.rsplit(".", 1)[1].startswith("1") else Kind.DESA


def make_region(code, name=None):
    """Get or create a region and, first, its ancestors (named after their codes if unknown)."""
    if code == NATIONAL_CODE:
        region, _ = Region.objects.get_or_create(
            code=NATIONAL_CODE, defaults={"name": "Indonesia", "level": Level.NATIONAL, "kind": Kind.NATIONAL}
        )
        return region
    parent_code = code.rsplit(".", 1)[0] if "." in code else NATIONAL_CODE
    parent = make_region(parent_code)
    name = name or f"Wilayah {code}"
    region, _ = Region.objects.get_or_create(
        code=code,
        defaults={"name": name, "level": code.count(".") + 1, "kind": _kind_for(code, name), "parent": parent},
    )
    return region


def make_count(region, period, segment, active, *, source="bpjs", status="verified", **extra):
    """A participant count as BPJS or a Pemda reported it (verified BPJS by default)."""
    from coverage.models import ParticipantCount

    return ParticipantCount.objects.create(
        region=region, period=period, segment=segment, source=source, status=status, active=active, **extra
    )


def make_denominator(region, year, total=None, pu=None, bpu=None, source="Sakernas Agustus 2024"):
    from regions.models import Denominator

    for group, workers in (("TOTAL", total), ("PU", pu), ("BPU", bpu)):
        if workers is not None:
            Denominator.objects.create(region=region, year=year, segment_group=group, workers=workers, source=source)


def current_snapshot(region, period):
    """The snapshot dashboards show for ``region`` in ``period`` (None when the engine wrote none)."""
    from coverage.models import Snapshot

    return Snapshot.objects.filter(region=region, period=period, is_current=True).first()


def make_pemda_count(region, segment, active, *, period=MAY, status=EntryStatus.DRAFT, user=None, **values):
    return ParticipantCount.objects.create(
        region=region,
        period=period,
        segment=segment,
        source=Source.PEMDA,
        active=active,
        status=status,
        entered_by=user,
        **values,
    )


def pemda_cells(region=None, period=MAY):
    """{(code, segment): (active, registered, status, version)} of the stored Pemda counts."""
    counts = ParticipantCount.objects.filter(period=period, source=Source.PEMDA).select_related("region")
    if region is not None:
        counts = counts.filter(region=region)
    return {(c.region.code, c.segment): (c.active, c.registered, c.status, c.version) for c in counts}
