"""Snapshot rows for the dashboard tests, written directly (no engine), with DOMAIN.md's figures.

Kota Malang, June 2025: 134,167 active participants of 413,600 workers = 32,44%; its own target
(RPJMD series) 41,23% = 176,753 participants, gap 42,586. Three months earlier (March) it had
125,167, so the 3-month pace is 3,000 participants a month. No tests live here: the other
dashboard test modules import the ``dash`` fixture (as ``dash_fixture``).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from coverage.models import Category, SeriesKind, Snapshot, SnapshotTarget, SubjectLevel, TargetSeries

JUNE = date(2025, 6, 1)
MAY = date(2025, 5, 1)
WIB = ZoneInfo("Asia/Jakarta")
KOTA_MALANG_ACTIVE = {3: 125_167, 4: 128_167, 5: 131_167, 6: 134_167}


def _coverage(active, workers):
    return active * 100.0 / workers if active is not None and workers else None


def make_snapshot(*, region=None, office=None, period=JUNE, level=None, parent=None, **values):
    """A current snapshot row; coverage is computed from the given active/workers like the engine does."""
    segments = values.pop("segments", None)
    if segments:
        values.update({f"active_{k}": v for k, v in segments.items()})
        values.setdefault("active_total", sum(segments.values()))
    for segment in ("total", "pu", "bpu"):
        active, workers = values.get(f"active_{segment}"), values.get(f"workers_{segment}")
        values.setdefault(f"coverage_{segment}", _coverage(active, workers))
    subject = {"region": region} if region is not None else {"office": office}
    parent_key = "parent_region" if region is not None else "parent_office"
    return Snapshot.objects.create(
        **subject,
        level=level if level is not None else region.level,
        **({parent_key: parent} if parent is not None else {}),
        period=period,
        year=period.year,
        month=period.month,
        data_as_of=datetime(period.year, period.month, 28, 9, 30, tzinfo=WIB),
        computed_at=datetime(period.year, period.month, 28, 10, 0, tzinfo=WIB),
        **values,
    )


def add_target(snapshot, series, percent, participants):
    gap = participants - snapshot.active_total if participants is not None else None
    return SnapshotTarget.objects.create(
        snapshot=snapshot,
        series=series,
        target_percent=percent,
        target_participants=participants,
        gap_participants=gap,
        phased_percent=percent,
        on_track=snapshot.coverage_total >= percent,
        source="",
    )


@pytest.fixture(name="dash")
def dash_fixture(region_tree, offices):
    """June 2025 (and March-May for Kota Malang) across the tree, the branches and the Kanwil."""
    r = region_tree
    rpjmd = TargetSeries.objects.create(
        code="rpjmd-kota-malang",
        name="RPJMD Kota Malang",
        kind=SeriesKind.RPJMD,
        source_document="Perwali Kota Malang tentang RPJMD",
        display_order=20,
    )
    rpjmn = TargetSeries.objects.create(
        code="rpjmn-2025-2029",
        name="RPJMN 2025-2029",
        kind=SeriesKind.RPJMN,
        source_document="Perpres 12/2025 RPJMN 2025-2029",
        display_order=10,
    )
    rows = {}
    for month, active in KOTA_MALANG_ACTIVE.items():
        period = date(2025, month, 1)
        bpu = 31_500 - (134_167 - active)
        row = make_snapshot(
            region=r["35.73"],
            parent=r["35"],
            period=period,
            segments={"pu": 98_000, "bpu": bpu, "jakon": 3_200, "pmi": 1_467},
            workers_total=413_600,
            workers_pu=290_000,
            workers_bpu=123_600,
            denominator_source="Sakernas Agustus 2024",
            category=Category.SEDANG,
            rank_in_parent=1,
            ranked_in_parent=3,
            prev_rank_in_parent=2 if month == 6 else 1,
            rank_national=1,
            ranked_national=5,
            delta_mom_pp=0.73 if month > 3 else None,
            is_provisional=month == 6,
        )
        add_target(row, rpjmd, 41.23, 176_753)
        add_target(row, rpjmn, 32.15, 132_974)
        rows[period] = row
    rows["kab_malang"] = make_snapshot(
        region=r["35.07"],
        parent=r["35"],
        segments={"pu": 190_000, "bpu": 80_000, "jakon": 5_320, "pmi": 3_000},
        workers_total=1_420_000,
        rank_in_parent=3,
        ranked_in_parent=3,
        prev_rank_in_parent=3,
        delta_mom_pp=-0.40,
    )
    add_target(rows["kab_malang"], rpjmn, 32.15, 456_530)
    rows["blitar"] = make_snapshot(
        region=r["35.05"],
        parent=r["35"],
        segments={"pu": 120_000, "bpu": 55_000, "jakon": 3_470, "pmi": 3_000},
        workers_total=690_000,
        rank_in_parent=2,
        ranked_in_parent=3,
        prev_rank_in_parent=1,
        delta_mom_pp=0.10,
    )
    rows["blimbing"] = make_snapshot(
        region=r["35.73.01"], parent=r["35.73"], segments={"pu": 50_000, "bpu": 20_000}, workers_total=200_000
    )
    rows["klojen"] = make_snapshot(
        region=r["35.73.02"], parent=r["35.73"], segments={"pu": 48_000, "bpu": 11_500}, workers_total=213_600
    )
    jatim_segments = {"pu": 408_000, "bpu": 166_500, "jakon": 11_990, "pmi": 7_467}
    rows["jatim"] = make_snapshot(region=r["35"], parent=r["ID"], segments=jatim_segments, workers_total=2_523_600)
    rows["id"] = make_snapshot(region=r["ID"], segments=jatim_segments, workers_total=2_523_600)
    o = offices
    rows["kc_malang"] = make_snapshot(
        office=o["malang"],
        parent=o["kanwil"],
        level=SubjectLevel.BRANCH,
        segments={"pu": 98_000, "bpu": 31_500, "jakon": 3_200, "pmi": 1_467},
        workers_total=413_600,
        denominator_source="Jumlah wilayah kerja",
        rank_in_parent=1,
        ranked_in_parent=3,
    )
    rows["kc_kepanjen"] = make_snapshot(
        office=o["kepanjen"],
        parent=o["kanwil"],
        level=SubjectLevel.BRANCH,
        segments={"pu": 190_000, "bpu": 80_000, "jakon": 5_320, "pmi": 3_000},
        workers_total=1_420_000,
    )
    rows["kc_blitar"] = make_snapshot(
        office=o["blitar"],
        parent=o["kanwil"],
        level=SubjectLevel.BRANCH,
        segments={"pu": 120_000, "bpu": 55_000, "jakon": 3_470, "pmi": 3_000},
        workers_total=690_000,
    )
    rows["kanwil"] = make_snapshot(
        office=o["kanwil"], level=SubjectLevel.KANWIL, segments=jatim_segments, workers_total=2_523_600
    )
    rows["series"] = {"rpjmd": rpjmd, "rpjmn": rpjmn}
    return rows
