"""Closing a month freezes what leaders were shown; corrections become visible revisions."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from coverage.engine import coverage_recompute, period_close, period_reopen
from coverage.models import EntryStatus, ParticipantCount, ReportingPeriod, Segment, Snapshot, Source
from regions.models import Denominator
from tests.factories import make_region

pytestmark = pytest.mark.django_db

SEPT = date(2024, 9, 1)


@pytest.fixture
def two_regencies(db):
    kota = make_region("35.73", "Kota Malang")
    kab = make_region("35.07", "Kabupaten Malang")
    for region, active in ((kota, 300), (kab, 200)):
        Denominator.objects.create(region=region, year=2024, segment_group="TOTAL", workers=1_000, source="Sakernas")
        ParticipantCount.objects.create(
            region=region,
            period=SEPT,
            segment=Segment.PU,
            source=Source.BPJS,
            status=EntryStatus.VERIFIED,
            active=active,
        )
    return kota, kab


def test_closing_a_month_publishes_its_snapshots(two_regencies, admin_user):
    period_close(period=SEPT, user=admin_user)
    assert ReportingPeriod.objects.get(period=SEPT).status == "closed"
    rows = Snapshot.objects.filter(period=SEPT)
    assert rows.count() == rows.filter(is_published=True, is_current=True, revision=1).count() > 0


def test_a_correction_after_closing_adds_a_revision_and_keeps_the_published_one(two_regencies, admin_user):
    kota, kab = two_regencies
    period_close(period=SEPT, user=admin_user)
    period_reopen(period=SEPT, user=admin_user, reason="Koreksi data BPJS September")
    ParticipantCount.objects.filter(region=kab).update(active=400)  # Kab. Malang now overtakes Kota Malang

    coverage_recompute(periods=[SEPT], regions=[kab])

    published = Snapshot.objects.get(region=kab, period=SEPT, revision=1)
    revised = Snapshot.objects.get(region=kab, period=SEPT, is_current=True)
    assert (published.is_published, published.is_current, published.active_total) == (True, False, 200)
    assert (revised.revision, revised.is_published, revised.active_total, revised.rank_in_parent) == (2, False, 400, 1)
    # Kota Malang's figures did not change: its published row stays current, with the rank leaders saw.
    kota_row = Snapshot.objects.get(region=kota, period=SEPT, is_current=True)
    assert (kota_row.revision, kota_row.is_published, kota_row.rank_in_parent) == (1, True, 1)


def test_a_recompute_without_changes_creates_no_revision(two_regencies, admin_user):
    period_close(period=SEPT, user=admin_user)
    coverage_recompute(periods=[SEPT])
    assert not Snapshot.objects.filter(period=SEPT, revision__gt=1).exists()


def test_reopening_needs_a_reason(two_regencies, admin_user):
    period_close(period=SEPT, user=admin_user)
    with pytest.raises(ValidationError, match="Alasan"):
        period_reopen(period=SEPT, user=admin_user, reason="  ")
    with pytest.raises(ValidationError, match="sudah ditutup"):
        period_close(period=SEPT, user=admin_user)
