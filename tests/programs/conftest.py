"""Fixtures of the programs tests: the seeded catalogue and the regions of the demo batches."""

from datetime import date
from decimal import Decimal

import pytest

from coverage.engine import coverage_recompute
from coverage.models import EntryStatus, ParticipantCount, Source, TargetSeries, TargetValue
from programs.models import FundingScheme, Package, WorkerCategory
from programs.services import programs_seed
from regions.models import Denominator, SegmentGroup
from tests.factories import make_region


@pytest.fixture
def catalogue(db):
    """Programs, rates, packages, schemes and categories as seeded from DOMAIN.md."""
    programs_seed()
    return {
        "jkk_jkm": Package.objects.get(code="bpu-jkk-jkm"),
        "jkk_jkm_jht": Package.objects.get(code="bpu-jkk-jkm-jht"),
        "schemes": {s.code: s for s in FundingScheme.objects.all()},
        "categories": {c.code: c for c in WorkerCategory.objects.all()},
    }


@pytest.fixture
def demo_regions(region_tree):
    """The real kab/kota of the demo batches, on top of the shared small tree."""
    names = {
        "35.08": "Kabupaten Lumajang",
        "33.16": "Kabupaten Blora",
        "52.03": "Kabupaten Lombok Timur",
        "63.10": "Kabupaten Tanah Bumbu",
    }
    regions = {code: make_region(code, name) for code, name in names.items()}
    return region_tree | regions


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Pages under DEBUG=false use the manifest storage, which needs collectstatic; tests do not run it."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


PERIOD = date(2026, 12, 1)
# The day the simulator tests are run on: the December 2026 figures are in, fiscal year 2027 has begun.
TODAY = date(2027, 1, 15)
# kab/kota of Jawa Timur: (workers total, PU, BPU) and active (PU, BPU).
JATIM = {
    "35.73": ((413_600, 300_000, 113_600), (100_000, 34_167)),  # Kota Malang 32,44%
    "35.05": ((1_000_000, 600_000, 400_000), (200_000, 63_000)),  # Kab. Blitar 26,30%
    "35.07": ((1_400_000, 800_000, 600_000), (200_000, 74_400)),  # Kab. Malang 19,60%
}


@pytest.fixture
def snapshots(region_tree, catalogue):
    """Real snapshots of December 2026 from the engine: verified BPJS counts, denominators, and the
    30% target of Kabupaten Malang for 2026 and 2027."""
    for code, ((total, pu, bpu), (active_pu, active_bpu)) in JATIM.items():
        region = region_tree[code]
        for group, workers in ((SegmentGroup.TOTAL, total), (SegmentGroup.PU, pu), (SegmentGroup.BPU, bpu)):
            Denominator.objects.create(
                region=region, year=2026, segment_group=group, workers=workers, source="Sakernas Agustus 2025"
            )
        for segment, active in (("PU", active_pu), ("BPU", active_bpu)):
            ParticipantCount.objects.create(
                region=region,
                period=PERIOD,
                segment=segment,
                source=Source.BPJS,
                active=active,
                status=EntryStatus.VERIFIED,
            )
    series = TargetSeries.objects.create(
        code="rpjmd-uji", name="RPJMD", kind="rpjmd", source_document="Perkada uji", display_order=1
    )
    for year in (2026, 2027):
        TargetValue.objects.create(series=series, region=region_tree["35.07"], year=year, percent=Decimal("30.00"))
    coverage_recompute(periods=[PERIOD])
    return region_tree


@pytest.fixture
def on_today(monkeypatch):
    """Pages read the clock (which months are past): pin it to ``TODAY``."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY
