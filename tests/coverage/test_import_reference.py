"""Loading target values and denominators in bulk (admins): the diff, per-row errors with nothing saved,
idempotence, the recompute of the year, and ``denominator_changed`` announced for every revision."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from coverage.entry.reference import denominators_import, targets_import
from coverage.models import LatestDenominator, RecomputeRequest, SeriesKind, TargetSeries, TargetValue
from regions.models import Denominator
from regions.signals import denominator_changed
from tests.factories import make_denominator

pytestmark = pytest.mark.django_db


@pytest.fixture
def rpjmn(db):
    return TargetSeries.objects.create(
        code="rpjmn-2025-2029", name="RPJMN 2025-2029", kind=SeriesKind.RPJMN, source_document="Perpres 12/2025"
    )


TARGETS = (
    "seri;kode_wilayah;tahun;target_persen;target_peserta;sumber\r\n"
    "RPJMN-2025-2029 ; 35.73 ;2025;41,23;176.753;Perwali Kota Malang RPJMD\r\n"
    "rpjmn-2025-2029;35.07;2025;32,15;;Perpres 12/2025\r\n"
)


def test_targets_load_after_a_dry_run_and_a_second_load_changes_nothing(admin_user, region_tree, rpjmn):
    preview = targets_import(file=TARGETS.encode(), filename="target.csv", user=admin_user)
    assert preview.errors == [] and (preview.check.created, preview.check.updated) == (2, 0)
    assert TargetValue.objects.count() == 0

    applied = targets_import(file=TARGETS.encode(), filename="target.csv", user=admin_user, dry_run=False)

    assert applied.applied
    values = {(v.region.code, v.year): (v.percent, v.participants, v.source) for v in TargetValue.objects.all()}
    assert values == {
        ("35.73", 2025): (Decimal("41.23"), 176_753, "Perwali Kota Malang RPJMD"),
        ("35.07", 2025): (Decimal("32.15"), None, "Perpres 12/2025"),
    }
    assert set(RecomputeRequest.objects.values_list("period", flat=True)) == {date(2025, m, 1) for m in range(1, 13)}
    again = targets_import(file=TARGETS.encode(), filename="target.csv", user=admin_user, dry_run=False)
    assert (again.check.created, again.check.updated, again.check.unchanged) == (0, 0, 2)


def test_a_refused_target_file_saves_nothing_and_explains_each_row(admin_user, region_tree, rpjmn):
    text = (
        "seri;kode_wilayah;tahun;target_persen;target_peserta\r\n"
        "rpjmn-2025-2029;35.73;2025;41,23;\r\n"
        "rkp-2026;35.73;2026;40;\r\n"
        "rpjmn-2025-2029;35.07;2025;140;\r\n"
        "rpjmn-2025-2029;35.05;1925;30;\r\n"
        "rpjmn-2025-2029;35.99;2025;30;\r\n"
        "rpjmn-2025-2029;35.05.01;2025;;\r\n"
    )

    report = targets_import(file=text.encode(), filename="t.csv", user=admin_user, dry_run=False)

    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (3, "seri", "Seri target rkp-2026 tidak dikenal."),
        (4, "target_persen", "persen harus antara 0 dan 100"),
        (5, "tahun", "tahun harus antara 2000 dan 2100"),
        (6, "kode_wilayah", "Kode wilayah 35.99 tidak dikenal."),
        (7, "target_persen", "Isi target_persen, target_peserta, atau keduanya."),
    ]
    assert TargetValue.objects.count() == 0


def test_denominators_add_revisions_and_announce_each_change(admin_user, region_tree):
    make_denominator(region_tree["35.73"], 2025, total=400_000)
    announced = []

    def listener(sender, *, region, year, **kwargs):
        announced.append((region.code, year))

    denominator_changed.connect(listener)
    try:
        text = (
            "kode_wilayah;tahun;kelompok;penduduk_bekerja;sumber\r\n"
            "35.73;2025;total;413.600;Sakernas Agustus 2024\r\n"
            "35.73;2025;PU;290.000;Sakernas Agustus 2024\r\n"
            "35.07;2025;;1.420.000;Sakernas Agustus 2024\r\n"
        )
        preview = denominators_import(file=text.encode(), filename="sakernas.csv", user=admin_user)
        assert (preview.check.created, preview.check.updated) == (2, 1) and announced == []
        applied = denominators_import(file=text.encode(), filename="sakernas.csv", user=admin_user, dry_run=False)
    finally:
        denominator_changed.disconnect(listener)

    assert applied.applied
    assert sorted(announced) == [("35.07", 2025), ("35.73", 2025), ("35.73", 2025)]
    latest = {(d.region.code, d.segment_group): d.workers for d in LatestDenominator.objects.select_related("region")}
    assert latest == {("35.73", "TOTAL"): 413_600, ("35.73", "PU"): 290_000, ("35.07", "TOTAL"): 1_420_000}
    assert Denominator.objects.filter(region=region_tree["35.73"], segment_group="TOTAL").count() == 2  # old kept
    assert RecomputeRequest.objects.filter(region=region_tree["35.07"], reason="denominator").count() == 12
    again = denominators_import(file=text.encode(), filename="sakernas.csv", user=admin_user, dry_run=False)
    assert again.check.unchanged == 3 and Denominator.objects.count() == 4


def test_denominators_are_per_kab_kota_and_admins_only(admin_user, verifier_malang, region_tree):
    text = b"kode_wilayah;tahun;penduduk_bekerja;sumber\r\n35.73.01;2025;200.000;Sakernas\r\n35.73;2025;0;Sakernas\r\n"
    report = denominators_import(file=text, filename="d.csv", user=admin_user, dry_run=False)
    assert [e.reason for e in report.errors] == [
        "Penyebut dimuat per kab/kota; 35.73.01 Blimbing bukan kab/kota.",
        "penduduk_bekerja harus lebih dari 0",
    ]
    assert Denominator.objects.count() == 0
    with pytest.raises(PermissionDenied):
        denominators_import(file=text, filename="d.csv", user=verifier_malang)


def test_the_commands_load_and_refuse(tmp_path, admin_user, verifier_malang, region_tree, rpjmn, capsys):
    path = tmp_path / "target.csv"
    path.write_bytes(TARGETS.encode())
    call_command("import_targets", str(path), "--user", admin_user.username)
    assert "Diterapkan: 2 baru, 0 diubah, 0 tidak berubah." in capsys.readouterr().out
    with pytest.raises(CommandError, match="Hanya admin"):
        call_command("import_denominators", str(path), "--user", verifier_malang.username)
