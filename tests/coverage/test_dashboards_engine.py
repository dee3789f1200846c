"""End to end: counts, denominator and target -> the engine -> the dashboard and the API."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from coverage.engine import coverage_recompute
from coverage.models import EntryStatus, ParticipantCount, Segment, SeriesKind, Source, TargetSeries, TargetValue
from regions.models import Denominator
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

MARCH, JUNE = date(2025, 3, 1), date(2025, 6, 1)


@pytest.fixture
def kota_malang_counts(region_tree, offices):
    kota = region_tree["35.73"]
    Denominator.objects.create(
        region=kota, year=2025, segment_group="TOTAL", workers=413_600, source="Sakernas Agustus 2024"
    )
    for period, pu in ((MARCH, 89_000), (JUNE, 98_000)):
        for segment, active in ((Segment.PU, pu), (Segment.BPU, 31_500), (Segment.JAKON, 3_200), (Segment.PMI, 1_467)):
            ParticipantCount.objects.create(
                region=kota,
                period=period,
                segment=segment,
                source=Source.BPJS,
                status=EntryStatus.VERIFIED,
                active=active,
            )
    series = TargetSeries.objects.create(
        code="rpjmd-kota-malang", name="RPJMD Kota Malang", kind=SeriesKind.RPJMD, source_document="Perwali Kota Malang"
    )
    TargetValue.objects.create(series=series, region=kota, year=2025, percent=Decimal("41.23"), participants=176_753)
    coverage_recompute(periods=[MARCH, JUNE])
    return kota


def test_the_dashboard_shows_what_the_engine_computed(client, operator_kota_malang, kota_malang_counts):
    client.login(username=operator_kota_malang.username, password=PASSWORD)
    html = client.get(reverse("coverage:region_dashboard", kwargs={"code": "35.73"}), {"periode": "2025-06"})
    html = html.content.decode()
    assert "32,44%" in html
    assert "134.167" in html
    assert "41,23%" in html and "176.753" in html
    assert "42.586" in html
    assert "7.098" in html  # ceil(42,586 / 6)
    # 9,000 more participants in three months: 3,000 a month -> 152,167 in December = 36,79%.
    assert "36,79%" in html
    assert "Sakernas Agustus 2024" in html and "Perwali Kota Malang" in html
    api = client.get(reverse("coverage:api_snapshots"), {"kode": "35.73", "periode": "2025-06"}).json()
    assert api["results"][0]["targets"][0]["gap_participants"] == 42_586
    branch = client.get(reverse("coverage:office_dashboard", kwargs={"code": "KC-MALANG"})).content.decode()
    assert "32,44%" in branch and "42.586" in branch


def test_a_kecamatan_page_lists_its_desa_from_their_counts(client, personas, region_tree):
    """Snapshots stop at kecamatan; the camat still sees each desa's participants."""
    from coverage.engine import coverage_recompute
    from coverage.models import EntryStatus, ParticipantCount, Source

    period = date(2025, 6, 1)
    for code, active, source in (("35.73.01.1001", 120, Source.BPJS), ("35.73.01.1002", 75, Source.PEMDA)):
        ParticipantCount.objects.create(
            region=region_tree[code], period=period, segment="BPU", source=source,
            status=EntryStatus.VERIFIED if source == Source.BPJS else EntryStatus.SUBMITTED, active=active,
        )  # fmt: skip
    coverage_recompute(periods=[period])
    client.force_login(personas["branch_head_malang"])

    page = client.get("/wilayah/35.73.01/", {"periode": "2025-06"}).content.decode()

    assert "Jodipan" in page and "Polehan" in page
    assert "195" in page  # the kecamatan's total: 120 + 75
    assert "sementara" in page  # Polehan's Pemda figure is submitted, not yet verified
