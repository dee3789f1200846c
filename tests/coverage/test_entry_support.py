"""Shared fixtures and helpers of the entry tests (imported by test_entry*, test_import*,
test_rules*, test_workflow*). Figures are the real ones of DOMAIN.md."""

from datetime import date

import pytest

from coverage.models import EntryStatus, ParticipantCount, Source
from regions.models import Denominator, Role, SegmentGroup, UserRole

MAY = date(2025, 5, 1)
APRIL = date(2025, 4, 1)


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


def make_count(region, segment, active, *, period=MAY, status=EntryStatus.DRAFT, user=None, **values):
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


def cells(region=None, period=MAY):
    """{(code, segment): (active, registered, status, version)} of the stored Pemda counts."""
    counts = ParticipantCount.objects.filter(period=period, source=Source.PEMDA).select_related("region")
    if region is not None:
        counts = counts.filter(region=region)
    return {(c.region.code, c.segment): (c.active, c.registered, c.status, c.version) for c in counts}
