"""The coverage impact of a dry run is the engine's own figure, not an estimate beside it.

For random plans over a small tree (Kota Malang, two kecamatan, two desa; BPJS and Pemda figures,
drafts and counted ones, a kecamatan that reports its own figure) the impact's "after" of every
region equals what the real save followed by a full recompute of the month produces, and every
region whose snapshot changes is listed.
"""

from datetime import date

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coverage.engine import coverage_recompute
from coverage.entry.services import CellChange, participant_counts_check, participant_counts_save_many
from coverage.models import EntryStatus, ParticipantCount, Snapshot, Source
from regions.models import Denominator, SegmentGroup
from tests.factories import APRIL, MAY

pytestmark = pytest.mark.django_db

CODES = ("35.73", "35.73.01", "35.73.02", "35.73.01.1001", "35.73.01.1002")
SEGMENTS = ("PU", "BPU")
WORKERS = {
    "35.73": (413_600, 290_000, 123_600),
    "35.73.01": (90_000, 60_000, 30_000),
    "35.73.02": (80_000, 50_000, 30_000),
}


@pytest.fixture
def tree(region_tree):
    """Denominators, April and May counts of every kind, and the month's snapshots."""
    regions = {code: region_tree[code] for code in CODES}
    for code, (total, pu, bpu) in WORKERS.items():
        for group, workers in ((SegmentGroup.TOTAL, total), (SegmentGroup.PU, pu), (SegmentGroup.BPU, bpu)):
            Denominator.objects.create(
                region=regions[code], year=2025, segment_group=group, workers=workers, source="S"
            )
    existing = [
        ("35.73.02", APRIL, "PU", Source.BPJS, EntryStatus.VERIFIED, 20_000),  # Klojen reports May: not carried
        ("35.73.02", MAY, "BPU", Source.BPJS, EntryStatus.VERIFIED, 3_000),  # wins over a Pemda BPU entry
        ("35.73.02", MAY, "BPU", Source.PEMDA, EntryStatus.SUBMITTED, 2_500),
        ("35.73.01", MAY, "PU", Source.PEMDA, EntryStatus.SUBMITTED, 24_286),  # the kecamatan's own figure
        ("35.73.01.1001", MAY, "PU", Source.PEMDA, EntryStatus.VERIFIED, 10_000),
        ("35.73.01.1002", MAY, "BPU", Source.PEMDA, EntryStatus.DRAFT, 700),
        ("35.73", MAY, "PU", Source.PEMDA, EntryStatus.RETURNED, 130_000),
    ]
    for code, period, segment, source, status, active in existing:
        ParticipantCount.objects.create(
            region=regions[code], period=period, segment=segment, source=source, status=status, active=active
        )
    coverage_recompute(periods=[APRIL, MAY])
    return regions


def _snapshots():
    return {
        (code, period): (active, coverage, pu, bpu)
        for code, period, active, coverage, pu, bpu in Snapshot.objects.filter(
            region__code__in=["35", *CODES], is_current=True
        ).values_list("region__code", "period", "active_total", "coverage_total", "coverage_pu", "coverage_bpu")
    }


plans = st.lists(
    st.tuples(st.sampled_from(CODES), st.sampled_from(SEGMENTS), st.integers(min_value=0, max_value=40_000)),
    min_size=1,
    max_size=6,
    unique_by=lambda cell: cell[:2],
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=plans, submit=st.booleans())
def test_the_impact_after_figures_are_what_the_save_and_a_recompute_produce(tree, admin_user, cells, submit):
    with transaction.atomic():
        changes = [CellChange(tree[code], MAY, segment, {"active": active}) for code, segment, active in cells]
        check = participant_counts_check(changes=changes, user=admin_user, submit=submit)
        impact = {(row.region.code, row.period): row for row in check.impact}
        before = _snapshots()
        assert (
            ParticipantCount.objects.filter(period=MAY, source=Source.PEMDA).count() == 5
        )  # the dry run wrote nothing

        participant_counts_save_many(changes=changes, user=admin_user, reason="entry.grid", submit=submit)
        coverage_recompute(periods=[MAY])
        after = _snapshots()

        changed = {key for key in after if after[key] != before.get(key)}
        assert changed == set(impact)
        for key, row in impact.items():
            assert (row.active_after, row.coverage_after, row.coverage_pu_after, row.coverage_bpu_after) == after[key]
            assert (row.active_before, row.coverage_before) == before.get(key, (None, None))[:2]
        transaction.set_rollback(True)


def test_drafts_have_no_impact_and_the_dry_run_leaves_the_snapshots_alone(tree, admin_user):
    before = _snapshots()
    check = participant_counts_check(
        changes=[CellChange(tree["35.73.02"], MAY, "PU", {"active": 30_000})], user=admin_user, submit=False
    )
    assert check.impact == []
    check = participant_counts_check(
        changes=[CellChange(tree["35.73.02"], MAY, "PU", {"active": 30_000})], user=admin_user, submit=True
    )
    klojen = next(row for row in check.impact if row.region.code == "35.73.02")
    assert (klojen.active_before, klojen.active_after) == (3_000, 33_000)  # BPJS's BPU 3.000, now with PU 30.000
    assert _snapshots() == before
    assert not ParticipantCount.objects.filter(region=tree["35.73.02"], period=MAY, segment="PU").exists()


def test_a_pemda_change_where_bpjs_reported_has_no_impact(tree, admin_user):
    check = participant_counts_check(
        changes=[CellChange(tree["35.73.02"], MAY, "BPU", {"active": 9_000})], user=admin_user, submit=True
    )
    assert check.impact == []


def test_a_month_recomputed_by_the_dry_run_is_the_month_the_page_shows(tree, admin_user):
    """Kota Malang June 2025 has no snapshot yet: the impact shows the figures the first recompute makes,
    here the PU entered plus Klojen's BPU carried from May (no kecamatan reported June)."""
    june = date(2025, 6, 1)
    check = participant_counts_check(
        changes=[CellChange(tree["35.73"], june, "PU", {"active": 134_167})], user=admin_user, submit=True
    )
    kota = next(row for row in check.impact if row.region.code == "35.73")
    assert (kota.active_before, kota.active_after, round(kota.coverage_after, 2)) == (None, 137_167, 33.16)
