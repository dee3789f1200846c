"""Validation rules: exact messages, thresholds and severities from admin, overrides, the jump
rules against the figures that counted (whatever their source), and the data left unchanged when a
rule blocks."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from coverage.entry.services import participant_count_save
from coverage.entry.validation import rule_override_save, validation_rules_ensure_defaults
from coverage.models import EntryStatus, ParticipantCount, RuleCode, RuleOverride, Severity, Source, ValidationRule
from tests.factories import MAY, make_region
from tests.factories import make_pemda_count as make_count
from tests.factories import pemda_cells as cells

pytestmark = pytest.mark.django_db


def _save(user, region, segment, values, version=0):
    return participant_count_save(
        region=region, period=MAY, segment=segment, values=values, user=user, expected_version=version
    )


def _bpjs(region, segment, active, period):
    return ParticipantCount.objects.create(
        region=region, period=period, segment=segment, source=Source.BPJS, status=EntryStatus.VERIFIED, active=active
    )


def _refused(user, region, segment, values, version=0):
    with pytest.raises(ValidationError) as error:
        _save(user, region, segment, values, version)
    return error.value.messages


def test_counts_must_be_non_negative_integers(operator_kota_malang, region_tree):
    assert _refused(operator_kota_malang, region_tree["35.73"], "PU", {"active": -5}) == [
        "Peserta aktif harus bilangan bulat tidak negatif, bukan -5."
    ]
    assert _refused(operator_kota_malang, region_tree["35.73"], "PU", {"active": 10, "lapsed": -1}) == [
        "Peserta nonaktif harus bilangan bulat tidak negatif, bukan -1."
    ]
    assert cells() == {}


def test_active_may_not_exceed_registered(operator_kota_malang, region_tree):
    make_count(region_tree["35.73"], "PU", 130_000, registered=150_000)
    assert _refused(operator_kota_malang, region_tree["35.73"], "PU", {"active": 160_000}, version=1) == [
        "Peserta aktif (160.000) melebihi peserta terdaftar (150.000)."
    ]
    assert cells() == {("35.73", "PU"): (130_000, 150_000, EntryStatus.DRAFT, 1)}


def test_active_pu_may_not_exceed_the_pu_denominator(admin_user, pangkalpinang):  # noqa: F811
    assert _refused(admin_user, pangkalpinang, "PU", {"active": 47_011}) == [
        "Peserta aktif PU Kota Pangkal Pinang (47.011) melebihi batas 47.010 (100% penduduk bekerja PU, "
        "Sakernas Agustus 2024)."
    ]
    assert _save(admin_user, pangkalpinang, "PU", {"active": 47_010}).active == 47_010


def test_the_total_may_not_exceed_the_employed_population(admin_user, pangkalpinang):  # noqa: F811
    make_count(pangkalpinang, "PU", 24_286)
    make_count(pangkalpinang, "BPU", 4_754)
    assert _refused(admin_user, pangkalpinang, "JAKON", {"active": 41_387}) == [
        "Total peserta aktif Kota Pangkal Pinang (70.427) melebihi batas 70.426 (100% penduduk bekerja, "
        "Sakernas Agustus 2024)."
    ]
    assert set(cells()) == {("19.71", "PU"), ("19.71", "BPU")}


def test_admins_set_the_threshold_and_the_severity(admin_user, pangkalpinang):  # noqa: F811
    rule = ValidationRule.objects.create(code=RuleCode.PU_LE_DENOMINATOR, threshold=Decimal("110"))
    assert _save(admin_user, pangkalpinang, "PU", {"active": 51_711}).active == 51_711
    assert _refused(admin_user, pangkalpinang, "PU", {"active": 51_712}, version=1) == [
        "Peserta aktif PU Kota Pangkal Pinang (51.712) melebihi batas 51.711 (110% penduduk bekerja PU, "
        "Sakernas Agustus 2024)."
    ]
    rule.severity = Severity.WARNING
    rule.save()
    count = _save(admin_user, pangkalpinang, "PU", {"active": 60_000}, version=1)
    assert count.active == 60_000
    assert [w.message for w in count.rule_warnings] == [
        "Peserta aktif PU Kota Pangkal Pinang (60.000) melebihi batas 51.711 (110% penduduk bekerja PU, "
        "Sakernas Agustus 2024)."
    ]


def test_an_admin_override_with_a_reason_lifts_a_denominator_error(admin_user, operator_kota_malang, pangkalpinang):  # noqa: F811
    override = RuleOverride(region=pangkalpinang, rule=RuleCode.PU_LE_DENOMINATOR, period=date(2025, 5, 17))
    with pytest.raises(ValidationError) as error:
        rule_override_save(override=override, user=admin_user)
    assert error.value.messages == ["Alasan pengecualian wajib diisi."]
    override.reason = "Pekerja komuter dari Bangka terdaftar di kantor Pangkalpinang."
    with pytest.raises(PermissionDenied, match="Hanya admin yang dapat membuat pengecualian aturan."):
        rule_override_save(override=override, user=operator_kota_malang)
    rule_override_save(override=override, user=admin_user)
    assert (override.period, override.created_by) == (MAY, admin_user)
    assert _save(admin_user, pangkalpinang, "PU", {"active": 50_000}).active == 50_000


def test_month_on_month_and_year_on_year_jumps_are_warnings(operator_kota_malang, region_tree):
    kota = region_tree["35.73"]
    make_count(kota, "BPU", 10_000, period=date(2025, 4, 1), status=EntryStatus.VERIFIED)
    make_count(kota, "BPU", 5_000, period=date(2024, 5, 1), status=EntryStatus.VERIFIED)
    count = _save(operator_kota_malang, kota, "BPU", {"active": 13_000})
    assert count.status == EntryStatus.DRAFT and count.active == 13_000
    assert [w.message for w in count.rule_warnings] == [
        "Peserta aktif BPU Kota Malang berubah +30,0% dari bulan lalu (April 2025, Pemda: 10.000 → 13.000), "
        "melebihi batas 25%.",
        "Peserta aktif BPU Kota Malang berubah +160,0% dari tahun lalu (Mei 2024, Pemda: 5.000 → 13.000), "
        "melebihi batas 50%.",
    ]


def test_a_pemda_jump_against_last_months_bpjs_figure_warns(admin_user):
    """Badung, a month from BPJS then one from the Pemda: +94% passed unseen when only earlier Pemda
    entries were compared."""
    badung = make_region("51.03", "Kabupaten Badung")
    _bpjs(badung, "PU", 100_000, date(2025, 4, 1))
    count = _save(admin_user, badung, "PU", {"active": 194_000})
    assert [w.message for w in count.rule_warnings] == [
        "Peserta aktif PU Kabupaten Badung berubah +94,0% dari bulan lalu (April 2025, BPJS: 100.000 → 194.000), "
        "melebihi batas 25%."
    ]


def test_a_pemda_jump_against_last_years_bpjs_figure_warns(admin_user):
    badung = make_region("51.03", "Kabupaten Badung")
    _bpjs(badung, "BPU", 20_000, date(2024, 5, 1))
    count = _save(admin_user, badung, "BPU", {"active": 34_000})
    assert [w.rule for w in count.rule_warnings] == [RuleCode.YOY_CHANGE]
    assert "(Mei 2024, BPJS: 20.000 → 34.000)" in count.rule_warnings[0].message


def test_jumps_compare_with_the_figure_that_counted_not_an_overridden_pemda_entry(operator_kota_malang, region_tree):
    """April has both a BPJS figure (counted) and a Pemda one (kept beside it): May's Pemda figure is
    compared with BPJS's 100.000 (+10%, no warning), not with the Pemda 60.000 (+83%)."""
    kota = region_tree["35.73"]
    _bpjs(kota, "PU", 100_000, date(2025, 4, 1))
    make_count(kota, "PU", 60_000, period=date(2025, 4, 1), status=EntryStatus.VERIFIED)
    assert _save(operator_kota_malang, kota, "PU", {"active": 110_000}).rule_warnings == []


def test_drafts_and_returned_entries_are_not_compared(operator_kota_malang, region_tree):
    kota = region_tree["35.73"]
    make_count(kota, "BPU", 4_000, period=date(2025, 4, 1), status=EntryStatus.DRAFT)
    make_count(kota, "BPU", 4_000, period=date(2024, 5, 1), status=EntryStatus.RETURNED)
    assert _save(operator_kota_malang, kota, "BPU", {"active": 9_000}).rule_warnings == []


def test_small_changes_below_the_minimum_difference_are_not_flagged(operator_kota_malang, region_tree):
    ValidationRule.objects.create(
        code=RuleCode.MOM_CHANGE, severity=Severity.WARNING, threshold=Decimal(25), min_difference=50
    )
    desa = region_tree["35.73.01.1001"]
    make_count(desa, "PU", 100, period=date(2025, 4, 1), status=EntryStatus.SUBMITTED)
    assert _save(operator_kota_malang, desa, "PU", {"active": 140}).rule_warnings == []
    assert len(_save(operator_kota_malang, desa, "PU", {"active": 151}, version=1).rule_warnings) == 1


def test_fixed_rules_cannot_be_loosened_and_threshold_rules_need_a_threshold():
    with pytest.raises(ValidationError) as error:
        ValidationRule(code=RuleCode.NON_NEGATIVE, severity=Severity.WARNING).full_clean()
    assert error.value.messages == ["Aturan ini selalu berupa galat aktif dan tidak dapat dilonggarkan."]
    with pytest.raises(ValidationError) as error:
        ValidationRule(code=RuleCode.MOM_CHANGE, severity=Severity.WARNING, threshold=None).full_clean()
    assert error.value.message_dict == {"threshold": ["Aturan ini membutuhkan ambang lebih dari 0%."]}


def test_the_default_rules_are_created_for_the_admin_once():
    assert validation_rules_ensure_defaults() == 8
    assert validation_rules_ensure_defaults() == 0
    rule = ValidationRule.objects.get(code=RuleCode.YOY_CHANGE)
    assert (rule.severity, rule.threshold) == (Severity.WARNING, Decimal("50.00"))


def test_the_admin_lists_every_rule_and_saves_overrides_through_the_service(client, admin_user, pangkalpinang):  # noqa: F811
    client.force_login(admin_user)
    response = client.get("/admin/coverage/validationrule/")
    assert response.status_code == 200
    assert ValidationRule.objects.count() == 8
    response = client.post(
        "/admin/coverage/ruleoverride/add/",
        {"region": pangkalpinang.pk, "rule": RuleCode.TOTAL_LE_WORKERS, "period": "2025-05-20", "reason": "Komuter"},
    )
    assert response.status_code == 302
    override = RuleOverride.objects.get()
    assert (override.period, override.created_by, override.reason) == (MAY, admin_user, "Komuter")
