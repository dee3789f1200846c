"""The coverage engine against the real figures of DOMAIN.md and the roll-up rules."""

from datetime import date
from decimal import Decimal

import pytest

from coverage.engine import coverage_recompute
from coverage.models import (
    CategoryBand,
    EntryStatus,
    ParticipantCount,
    Segment,
    Snapshot,
    Source,
    TargetSeries,
    TargetValue,
)
from regions.models import Denominator
from tests.factories import make_region

pytestmark = pytest.mark.django_db

MAY_2025 = date(2025, 5, 1)


def count(region, period, segment, active, *, source=Source.BPJS, status=EntryStatus.VERIFIED, **extra):
    return ParticipantCount.objects.create(
        region=region, period=period, segment=segment, source=source, status=status, active=active, **extra
    )


def denominator(region, year, total=None, pu=None, bpu=None, source="Sakernas Agustus 2024"):
    for group, workers in (("TOTAL", total), ("PU", pu), ("BPU", bpu)):
        if workers is not None:
            Denominator.objects.create(region=region, year=year, segment_group=group, workers=workers, source=source)


def snap(region, period):
    return Snapshot.objects.get(region=region, period=period, is_current=True)


def test_pangkalpinang_may_2025_matches_the_published_figures():
    kota = make_region("19.71", "Kota Pangkal Pinang")
    denominator(kota, 2025, total=70_426, pu=47_010, bpu=23_416)
    count(kota, MAY_2025, Segment.PU, 24_286)
    count(kota, MAY_2025, Segment.BPU, 4_754)

    coverage_recompute(periods=[MAY_2025])

    s = snap(kota, MAY_2025)
    assert s.active_total == 29_040
    assert round(s.coverage_pu, 2) == 51.66
    assert round(s.coverage_bpu, 2) == 20.30
    assert round(s.coverage_total, 2) == 41.23
    assert s.denominator_source == "Sakernas Agustus 2024"


def test_kota_malang_gap_uses_the_stated_target_count():
    kota = make_region("35.73", "Kota Malang")
    period = date(2025, 6, 1)
    denominator(kota, 2025, total=413_600)
    count(kota, period, Segment.PU, 100_000)
    count(kota, period, Segment.BPU, 30_000)
    count(kota, period, Segment.JAKON, 3_000)
    count(kota, period, Segment.PMI, 1_167)
    series = TargetSeries.objects.create(
        code="perkada-malang", name="Target Kota Malang", kind="rpjmd", source_document="Perwali Kota Malang"
    )
    TargetValue.objects.create(series=series, region=kota, year=2025, percent=Decimal("41.23"), participants=176_753)

    coverage_recompute(periods=[period])

    s = snap(kota, period)
    assert s.active_total == 134_167  # Jakon and PMI count in the total numerator
    assert round(s.coverage_total, 2) == 32.44
    target = s.targets.get(series=series)
    assert target.target_participants == 176_753
    assert target.gap_participants == 42_586
    assert target.target_percent == pytest.approx(41.23)


def test_solok_selatan_and_bali():
    solok = make_region("13.11", "Kabupaten Solok Selatan")
    bali = make_region("51", "Bali")
    sept_2024, march_2025 = date(2024, 9, 1), date(2025, 3, 1)
    denominator(solok, 2024, total=106_611)
    count(solok, sept_2024, Segment.BPU, 18_092)
    denominator(bali, 2025, total=1_873_899)
    count(bali, march_2025, Segment.PU, 935_079)

    coverage_recompute(periods=[sept_2024, march_2025])

    assert round(snap(solok, sept_2024).coverage_total, 2) == 16.97
    # The press quoted 50.88%; the ratio is 49.90%: the product computes, it does not copy.
    assert round(snap(bali, march_2025).coverage_total, 2) == 49.90


def test_percent_only_target_derives_the_count_from_the_denominator():
    kab = make_region("13.11", "Kabupaten Solok Selatan")
    period = date(2025, 9, 1)
    denominator(kab, 2025, total=106_611)
    count(kab, period, Segment.BPU, 18_092)
    series = TargetSeries.objects.create(code="rpjmd-solsel", name="RPJMD", kind="rpjmd", source_document="RPJMD")
    TargetValue.objects.create(series=series, region=kab, year=2025, percent=Decimal("28.30"))

    coverage_recompute(periods=[period])

    target = snap(kab, period).targets.get()
    # 28.30% of 106,611 = 30,170.9 -> 30,171 participants needed (rounded up).
    assert target.target_participants == 30_171
    assert target.gap_participants == 30_171 - 18_092


def test_roll_up_from_desa_to_national():
    desa_a = make_region("35.73.01.1001", "Jodipan")
    desa_b = make_region("35.73.01.1002", "Polehan")
    desa_c = make_region("35.07.01.2001", "Banjarejo")
    for desa, active in ((desa_a, 120), (desa_b, 80), (desa_c, 50)):
        count(desa, MAY_2025, Segment.BPU, active, source=Source.PEMDA)
    coverage_recompute(periods=[MAY_2025])

    totals = {
        code: snap(make_region(code), MAY_2025).active_total for code in ("35.73.01", "35.73", "35.07", "35", "ID")
    }
    assert totals == {"35.73.01": 200, "35.73": 200, "35.07": 50, "35": 250, "ID": 250}


def test_reported_parent_is_authoritative_and_difference_is_unallocated():
    kec = make_region("35.73.01", "Blimbing")
    desa = make_region("35.73.01.1001", "Jodipan")
    count(desa, MAY_2025, Segment.PU, 700)
    count(kec, MAY_2025, Segment.PU, 1_000)

    coverage_recompute(periods=[MAY_2025])

    s = snap(kec, MAY_2025)
    assert s.active_total == 1_000
    assert s.unallocated_total == 300
    assert snap(make_region("35.73"), MAY_2025).active_total == 1_000


def test_bpjs_count_wins_over_pemda_and_drafts_do_not_count():
    kota = make_region("35.73", "Kota Malang")
    count(kota, MAY_2025, Segment.PU, 500, source=Source.PEMDA, status=EntryStatus.SUBMITTED)
    count(kota, MAY_2025, Segment.PU, 480, source=Source.BPJS)
    count(kota, MAY_2025, Segment.BPU, 999, source=Source.PEMDA, status=EntryStatus.DRAFT)

    coverage_recompute(periods=[MAY_2025])

    s = snap(kota, MAY_2025)
    assert (s.active_pu, s.active_bpu, s.active_total) == (480, None, 480)
    assert s.is_provisional is False  # the submitted Pemda figure lost to the BPJS one


def test_submitted_figures_are_provisional_not_hidden():
    kota = make_region("35.73", "Kota Malang")
    count(kota, MAY_2025, Segment.BPU, 321, source=Source.PEMDA, status=EntryStatus.SUBMITTED)
    coverage_recompute(periods=[MAY_2025])
    s = snap(kota, MAY_2025)
    assert (s.active_total, s.is_provisional) == (321, True)
    assert snap(make_region("ID"), MAY_2025).is_provisional is True


def test_coverage_is_unknown_without_a_denominator():
    kab = make_region("35.05", "Kabupaten Blitar")
    count(kab, MAY_2025, Segment.PU, 10_000)
    denominator(kab, 2024, total=500_000)  # another year's denominator does not apply

    coverage_recompute(periods=[MAY_2025])

    s = snap(kab, MAY_2025)
    assert s.active_total == 10_000
    assert s.coverage_total is None
    assert s.category == ""
    assert s.rank_in_parent is None


def test_latest_denominator_revision_is_used():
    kab = make_region("35.05", "Kabupaten Blitar")
    count(kab, MAY_2025, Segment.PU, 26_300)
    denominator(kab, 2025, total=110_000, source="Sakernas Agustus 2024")
    denominator(kab, 2025, total=100_000, source="Sakernas Agustus 2024 (revisi)")
    coverage_recompute(periods=[MAY_2025])
    s = snap(kab, MAY_2025)
    assert round(s.coverage_total, 2) == 26.30
    assert s.denominator_source == "Sakernas Agustus 2024 (revisi)"
    assert Denominator.objects.filter(region=kab).count() == 2  # the old version is kept


def test_parent_denominator_is_the_sum_of_children_only_when_complete():
    prov = make_region("35", "Jawa Timur")
    kota = make_region("35.73", "Kota Malang")
    kab = make_region("35.07", "Kabupaten Malang")
    count(kota, MAY_2025, Segment.PU, 100)
    count(kab, MAY_2025, Segment.PU, 100)
    denominator(kota, 2025, total=1_000)
    coverage_recompute(periods=[MAY_2025])
    assert snap(prov, MAY_2025).coverage_total is None  # Kabupaten Malang has no denominator

    denominator(kab, 2025, total=3_000)
    coverage_recompute(periods=[MAY_2025])
    assert snap(prov, MAY_2025).workers_total == 4_000
    assert snap(prov, MAY_2025).coverage_total == pytest.approx(5.0)


def test_ties_share_a_rank_and_categories_follow_the_bands():
    prov = make_region("35", "Jawa Timur")
    kabs = [make_region(code, name) for code, name in (("35.07", "Kab Malang"), ("35.05", "Kab Blitar"))]
    kota = make_region("35.73", "Kota Malang")
    for region, active in ((kabs[0], 300), (kabs[1], 300), (kota, 500)):
        count(region, MAY_2025, Segment.PU, active)
        denominator(region, 2025, total=1_000)
    for category, low, high in (("sangat_rendah", 0, 20), ("rendah", 20, 35), ("sedang", 35, 50), ("tinggi", 50, None)):
        CategoryBand.objects.create(year=2024, category=category, min_percent=low, max_percent=high)

    coverage_recompute(periods=[MAY_2025])

    ranks = {r.code: (snap(r, MAY_2025).rank_in_parent, snap(r, MAY_2025).category) for r in [*kabs, kota]}
    assert ranks == {"35.73": (1, "tinggi"), "35.07": (2, "rendah"), "35.05": (2, "rendah")}
    assert snap(kota, MAY_2025).ranked_in_parent == 3
    assert snap(prov, MAY_2025).rank_national == 1


def test_month_and_year_changes_and_rank_change():
    kota = make_region("35.73", "Kota Malang")
    kab = make_region("35.07", "Kabupaten Malang")
    for year in (2024, 2025):
        denominator(kota, year, total=1_000)
        denominator(kab, year, total=1_000)
    for period, kota_active, kab_active in (
        (date(2024, 5, 1), 200, 100),
        (date(2025, 4, 1), 300, 350),
        (MAY_2025, 330, 320),
    ):
        count(kota, period, Segment.PU, kota_active)
        count(kab, period, Segment.PU, kab_active)

    coverage_recompute()

    s = snap(kota, MAY_2025)
    assert s.delta_mom_pp == pytest.approx(3.0)
    assert s.delta_yoy_pp == pytest.approx(13.0)
    assert (s.prev_rank_in_parent, s.rank_in_parent) == (2, 1)


def test_incremental_recompute_equals_a_full_one():
    desa = make_region("35.73.01.1001", "Jodipan")
    other = make_region("35.07.01.2001", "Banjarejo")
    kota = make_region("35.73", "Kota Malang")
    denominator(kota, 2025, total=10_000)
    cell = count(desa, MAY_2025, Segment.BPU, 100)
    count(other, MAY_2025, Segment.BPU, 40)
    coverage_recompute(periods=[MAY_2025])

    cell.active = 250
    cell.save()
    coverage_recompute(periods=[MAY_2025], regions=[desa])
    incremental = {s.region.code: (s.active_total, s.coverage_total) for s in Snapshot.objects.filter(is_current=True)}

    coverage_recompute(periods=[MAY_2025])
    full = {s.region.code: (s.active_total, s.coverage_total) for s in Snapshot.objects.filter(is_current=True)}
    assert incremental == full
    assert full["ID"] == (290, None)
    assert full["35.73"] == (250, 2.5)


def test_quarter_shows_last_month_stock_and_summed_flow():
    from coverage.dashboards.selectors import region_figures_over

    kota = make_region("35.73", "Kota Malang")
    for month, active, new in ((1, 100, 10), (2, 120, 25), (3, 115, 5)):
        count(kota, date(2025, month, 1), Segment.PU, active, new_registrations=new, registered=active + 50)
    coverage_recompute()

    figures = region_figures_over(region=kota, start=date(2025, 1, 1), end=date(2025, 3, 1))
    assert figures["active_total"] == 115  # a stock: the last month
    assert figures["new_total"] == 40  # a flow: summed


def test_recompute_is_idempotent():
    kota = make_region("35.73", "Kota Malang")
    count(kota, MAY_2025, Segment.PU, 100)
    coverage_recompute(periods=[MAY_2025])
    coverage_recompute(periods=[MAY_2025])
    assert Snapshot.objects.filter(region=kota, period=MAY_2025).count() == 1


def test_a_region_whose_counts_are_returned_loses_its_figures():
    kota = make_region("35.73", "Kota Malang")
    cell = count(kota, MAY_2025, Segment.PU, 500, source=Source.PEMDA, status=EntryStatus.SUBMITTED)
    coverage_recompute(periods=[MAY_2025])
    assert snap(kota, MAY_2025).active_total == 500

    cell.status = EntryStatus.RETURNED
    cell.save()
    coverage_recompute(periods=[MAY_2025], regions=[kota])

    assert snap(kota, MAY_2025).active_total is None
    assert snap(make_region("ID"), MAY_2025).active_total is None


def test_desa_roll_into_their_kecamatan_and_are_listed_with_the_same_rules():
    from coverage.dashboards.villages import village_figures

    kec = make_region("35.73.01", "Blimbing")
    jodipan = make_region("35.73.01.1001", "Jodipan")
    polehan = make_region("35.73.01.1002", "Polehan")
    count(jodipan, MAY_2025, Segment.PU, 120, source=Source.PEMDA, status=EntryStatus.SUBMITTED)
    count(jodipan, MAY_2025, Segment.PU, 110, source=Source.BPJS)
    count(jodipan, MAY_2025, Segment.BPU, 30, source=Source.PEMDA, status=EntryStatus.SUBMITTED)
    count(polehan, MAY_2025, Segment.BPU, 80, source=Source.PEMDA, status=EntryStatus.DRAFT)
    coverage_recompute(periods=[MAY_2025])

    assert not Snapshot.objects.filter(level=4).exists()  # snapshots start at kecamatan
    assert (snap(kec, MAY_2025).active_total, snap(kec, MAY_2025).is_provisional) == (140, True)
    assert village_figures(district=kec, period=MAY_2025) == [
        {"code": "35.73.01.1001", "name": "Jodipan", "active_total": 140, "active_pu": 110, "active_bpu": 30,
         "active_jakon": None, "active_pmi": None, "active_funded": None, "is_provisional": True},
    ]  # fmt: skip


def test_a_month_with_only_funded_batches_gets_no_snapshots():
    kota = make_region("35.73", "Kota Malang")
    count(kota, MAY_2025, Segment.PU, 100)
    result = coverage_recompute(periods=[MAY_2025, date(2026, 12, 1)])
    assert result.periods == [MAY_2025]
