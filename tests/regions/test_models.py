"""Rules of offices, territories, denominators and roles as admins edit them."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from regions.models import Denominator, Office, OfficeKind, Role, Territory, UserRole
from regions.selectors import can_edit_region, can_verify_region, territory_regions
from regions.services import denominator_add

pytestmark = pytest.mark.django_db


def test_a_branch_must_belong_to_a_kanwil(offices):
    orphan = Office(code="KC-X", name="X", kind=OfficeKind.BRANCH)
    with pytest.raises(ValidationError, match="kantor wilayah"):
        orphan.full_clean()


def test_overlapping_territory_periods_are_refused_and_history_is_kept(offices, region_tree):
    malang = offices["malang"]
    overlap = Territory(office=malang, region=region_tree["35.73"], valid_from=date(2024, 1, 1))
    with pytest.raises(ValidationError, match="tumpang tindih"):
        overlap.full_clean()
    # Close the old period and hand Kota Malang to Kepanjen from 2026: history stays queryable.
    Territory.objects.filter(office=malang).update(valid_to=date(2025, 12, 31))
    Territory.objects.create(office=offices["kepanjen"], region=region_tree["35.73"], valid_from=date(2026, 1, 1))
    assert list(territory_regions(office=malang, day=date(2025, 6, 1)).values_list("code", flat=True)) == ["35.73"]
    assert not territory_regions(office=malang, day=date(2026, 6, 1)).exists()
    kanwil_2026 = territory_regions(office=offices["kanwil"], day=date(2026, 6, 1)).values_list("code", flat=True)
    assert set(kanwil_2026) == {"35.73", "35.07", "35.05"}


def test_a_territory_is_a_kab_kota(offices, region_tree):
    with pytest.raises(ValidationError, match="kabupaten/kota"):
        Territory(office=offices["malang"], region=region_tree["35.73.01"], valid_from=date(2024, 1, 1)).full_clean()


def test_a_denominator_revision_adds_a_version_and_schedules_a_recompute(region_tree, admin_user):
    from coverage.models import RecomputeRequest

    kota = region_tree["35.73"]
    denominator_add(region=kota, year=2025, segment_group="TOTAL", workers=410_000, source="Sakernas Agustus 2024")
    denominator_add(region=kota, year=2025, segment_group="TOTAL", workers=413_600, source="Sakernas (revisi)",
                    user=admin_user)  # fmt: skip
    assert list(Denominator.objects.filter(region=kota).order_by("created_at").values_list("workers", flat=True)) == [
        410_000,
        413_600,
    ]
    assert RecomputeRequest.objects.filter(region=kota, period=date(2025, 6, 1)).count() == 2


def test_a_denominator_must_be_positive(region_tree):
    with pytest.raises(ValidationError):
        denominator_add(region=region_tree["35.73"], year=2025, segment_group="TOTAL", workers=0, source="x")


def test_roles_need_the_right_scope(region_tree, offices, django_user_model):
    user = django_user_model.objects.create_user("x")
    with pytest.raises(ValidationError, match="satu wilayah"):
        UserRole(user=user, role=Role.OPERATOR, office=offices["malang"]).full_clean()
    with pytest.raises(ValidationError, match="kantor cabang"):
        UserRole(user=user, role=Role.VERIFIER, office=offices["kanwil"]).full_clean()
    with pytest.raises(IntegrityError):
        UserRole.objects.create(user=user, role=Role.BRANCH_HEAD, region=region_tree["35.73"])


def test_scope_follows_the_role(personas, region_tree):
    operator, outsider = personas["operator_kota_malang"], personas["operator_kab_blitar"]
    verifier = personas["verifier_malang"]
    assert can_edit_region(operator, region_tree["35.73.01.1001"])
    assert not can_edit_region(operator, region_tree["35.05"])
    assert not can_edit_region(outsider, region_tree["35.73"])
    assert can_verify_region(verifier, region_tree["35.73.01"])
    assert not can_verify_region(verifier, region_tree["35.05"])
    assert not can_edit_region(personas["branch_head_malang"], region_tree["35.73"])
    assert can_edit_region(personas["admin"], region_tree["35.05"])
