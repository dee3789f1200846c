"""Fixtures of the coverage tests.

The entry tests' personas and denominators (``operator_jatim``, ``pangkalpinang``,
``kota_malang_denominator``) use the real figures of DOMAIN.md.

``dash``: the dashboards' world, built from real inputs and computed by the engine (never snapshot
rows written by hand): Kota Malang, June 2025 (DOMAIN.md): 134.167 active participants of 413.600
workers = 32,44%; its own target (RPJMD) 41,23% = 176.753 participants, gap 42.586. In March it had
125.167, so the three-month pace is 3.000 participants a month.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from coverage.engine import coverage_recompute
from coverage.models import CategoryBand, ParticipantCount, SeriesKind, TargetSeries, TargetValue
from regions.models import Denominator, Role, SegmentGroup, UserRole
from tests.factories import current_snapshot, make_count, make_denominator

WIB = ZoneInfo("Asia/Jakarta")
MARCH, APRIL, MAY, JUNE = (date(2025, m, 1) for m in (3, 4, 5, 6))

# Active participants by kab/kota, month and segment (PU, BPU, Jakon, PMI).
KOTA_MALANG = {
    MARCH: (98_000, 22_500, 3_200, 1_467),  # 125.167
    APRIL: (98_000, 25_500, 3_200, 1_467),  # 128.167
    MAY: (70_000, 30_333, 3_200, 1_467),  # 105.000: below Kab. Blitar in May, so June's rank rises
    JUNE: (98_000, 31_500, 3_200, 1_467),  # 134.167 = 32,44%
}
KAB_MALANG = {MAY: (194_000, 81_000, 5_000, 4_000), JUNE: (190_000, 80_000, 5_320, 3_000)}  # 20,00% -> 19,60%
KAB_BLITAR = {MAY: (119_500, 54_810, 3_470, 3_000), JUNE: (120_000, 55_000, 3_470, 3_000)}  # 26,20% -> 26,30%
KECAMATAN = {"35.73.01": (50_000, 20_000, 200_000), "35.73.02": (48_000, 11_500, 213_600)}  # June, with workers


def _counts(region, months, *, source="bpjs", status="verified"):
    for period, values in months.items():
        for segment, active in zip(("PU", "BPU", "JAKON", "PMI"), values, strict=True):
            make_count(region, period, segment, active, source=source, status=status)


@pytest.fixture(name="dash")
def dash_fixture(region_tree, offices):
    """March-June 2025 in Jawa Timur: counts, denominators, targets and bands, then a full recompute."""
    r = region_tree
    make_denominator(r["35.73"], 2025, total=413_600, pu=290_000, bpu=123_600)
    make_denominator(r["35.07"], 2025, total=1_420_000)
    make_denominator(r["35.05"], 2025, total=690_000)
    make_denominator(r["ID"], 2025, total=2_523_600)
    for code, (pu, bpu, workers) in KECAMATAN.items():
        make_denominator(r[code], 2025, total=workers)
        make_count(r[code], JUNE, "PU", pu)
        make_count(r[code], JUNE, "BPU", bpu)
    _counts(r["35.73"], {m: v for m, v in KOTA_MALANG.items() if m != JUNE})
    # June comes from the Pemda and is not verified yet: the month is provisional.
    _counts(r["35.73"], {JUNE: KOTA_MALANG[JUNE]}, source="pemda", status="submitted")
    _counts(r["35.07"], KAB_MALANG)
    _counts(r["35.05"], KAB_BLITAR)
    ParticipantCount.objects.update(updated_at=datetime(2025, 6, 28, 9, 30, tzinfo=WIB))
    for category, low, high in (("sangat_rendah", 0, 20), ("rendah", 20, 30), ("sedang", 30, 45), ("tinggi", 45, None)):
        CategoryBand.objects.create(year=2025, category=category, min_percent=low, max_percent=high)
    rpjmd = TargetSeries.objects.create(
        code="rpjmd-kota-malang", name="RPJMD Kota Malang", kind=SeriesKind.RPJMD,
        source_document="Perwali Kota Malang tentang RPJMD", display_order=20,
    )  # fmt: skip
    rpjmn = TargetSeries.objects.create(
        code="rpjmn-2025-2029", name="RPJMN 2025-2029", kind=SeriesKind.RPJMN,
        source_document="Perpres 12/2025 RPJMN 2025-2029", display_order=10,
    )  # fmt: skip
    TargetValue.objects.create(series=rpjmd, region=r["35.73"], year=2025, percent=Decimal("41.23"),
                               participants=176_753)  # fmt: skip
    TargetValue.objects.create(series=rpjmn, region=r["35.73"], year=2025, percent=Decimal("32.15"))
    TargetValue.objects.create(series=rpjmn, region=r["35.07"], year=2025, percent=Decimal("32.15"))
    coverage_recompute()
    rows = {period: current_snapshot(r["35.73"], period) for period in KOTA_MALANG}
    rows["series"] = {"rpjmd": rpjmd, "rpjmn": rpjmn}
    return rows


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Personas are created per test; the production hasher would dominate the suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def operator_jatim(django_user_model, region_tree):
    """A provincial operator: writes every region of Jawa Timur (for name-variant imports)."""
    user = django_user_model.objects.create_user(username="operator.jatim", password="x", first_name="Rina")
    UserRole.objects.create(user=user, role=Role.OPERATOR, region=region_tree["35"])
    return user


@pytest.fixture
def pangkalpinang(region_tree, admin_user):
    """Kota Pangkalpinang, May 2025 (real): PU 24,286 of 47,010; BPU 4,754 of 23,416; total 70,426."""
    region = region_tree["19.71"]
    for group, workers in ((SegmentGroup.TOTAL, 70_426), (SegmentGroup.PU, 47_010), (SegmentGroup.BPU, 23_416)):
        Denominator.objects.create(
            region=region, year=2025, segment_group=group, workers=workers, source="Sakernas Agustus 2024"
        )
    return region


@pytest.fixture
def kota_malang_denominator(region_tree):
    """Kota Malang: 134,167 participants = 32.44% implies ~413,600 employed (DOMAIN.md)."""
    return Denominator.objects.create(
        region=region_tree["35.73"],
        year=2025,
        segment_group=SegmentGroup.TOTAL,
        workers=413_600,
        source="Sakernas Agustus 2024",
    )


@pytest.fixture
def kota_key(operator_kota_malang, region_tree):
    """The key of Kota Malang's information system (SIPD): acts as its operator, may send data for
    Kota Malang only. Returns ``(key, raw)``; ``raw`` is what the system sends."""
    from coverage.api.keys import api_key_create

    return api_key_create(
        name="SIPD Kota Malang", user=operator_kota_malang, region=region_tree["35.73"], can_write=True
    )
