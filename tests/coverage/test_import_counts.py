"""Importing participant counts: the messy real-world .csv, dry run, apply, idempotence, rules,
scope per row, the .xlsx template round trip and the management command."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from coverage.entry.importer import counts_import, counts_template
from coverage.entry.reasons import reason_label
from coverage.models import EntryStatus, ParticipantCount, RecomputeRequest
from tests.factories import APRIL, MAY
from tests.factories import make_pemda_count as make_count
from tests.factories import pemda_cells as cells

pytestmark = pytest.mark.django_db

# What Pemda staff really send: a title line, ';', dotted thousands, name variants instead of
# codes, an empty optional column, a blank row and a "Jumlah" row at the end.
MESSY_CSV = (
    "Data Kepesertaan BPJS Ketenagakerjaan Mei 2025;;;;;;\r\n"
    "kode_wilayah;nama_wilayah;periode;segmen;peserta_aktif;peserta_terdaftar;catatan\r\n"
    ";Kab. Malang;2025-05;PU;187.412;201.000;\r\n"
    ";KABUPATEN MALANG;2025-05;BPU;45.120;;Pendaftaran massal APBD – Mei\r\n"
    ";Kota Malang;2025-05;PU;120.500;130.000;\r\n"
    "35.73;KOTA MALANG;2025-05;BPU;13.667;;\r\n"
    ";;;;;;\r\n"
    ";KAB BLITAR;2025-05;pu;98.765;;\r\n"
    ";Jumlah;;;465.464;;\r\n"
)
EXPECTED = {
    ("35.07", "PU"): (187_412, 201_000, EntryStatus.DRAFT, 1),
    ("35.07", "BPU"): (45_120, None, EntryStatus.DRAFT, 1),
    ("35.73", "PU"): (120_500, 130_000, EntryStatus.DRAFT, 1),
    ("35.73", "BPU"): (13_667, None, EntryStatus.DRAFT, 1),
    ("35.05", "PU"): (98_765, None, EntryStatus.DRAFT, 1),
}


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-8"])
def test_the_messy_csv_imports_after_a_dry_run_and_reimporting_changes_nothing(operator_jatim, encoding):  # noqa: F811
    data = MESSY_CSV.encode(encoding)

    preview = counts_import(file=data, filename="kepesertaan mei.csv", user=operator_jatim, dry_run=True)
    assert preview.errors == []
    assert [str(note) for note in preview.notes] == ['Baris 9 ("Jumlah"): Baris total diabaikan; tidak diimpor.']
    assert preview.rows_read == 5
    assert (preview.check.created, preview.check.updated, preview.check.unchanged) == (5, 0, 0)
    assert ParticipantCount.objects.count() == 0  # a dry run writes nothing

    applied = counts_import(file=data, filename="kepesertaan mei.csv", user=operator_jatim, dry_run=False)
    assert applied.applied and applied.errors == []
    assert cells() == EXPECTED
    count = ParticipantCount.objects.get(region__code="35.07", segment="BPU")
    assert count.note == "Pendaftaran massal APBD – Mei"
    assert count.entered_by == operator_jatim
    record = count.history.get()
    assert (record.history_user, record.history_change_reason) == (operator_jatim, "import:kepesertaan mei.csv")
    assert reason_label(record.history_change_reason) == "Impor berkas kepesertaan mei.csv"
    assert not RecomputeRequest.objects.exists()  # drafts do not count in coverage

    again = counts_import(file=data, filename="kepesertaan mei.csv", user=operator_jatim, dry_run=False)
    assert (again.saved.created, again.saved.updated, again.saved.unchanged) == (0, 0, 5)
    assert cells() == EXPECTED
    assert count.history.count() == 1


def test_errors_name_row_column_value_and_reason_and_nothing_is_saved(operator_kota_malang, region_tree):
    make_count(region_tree["35.73"], "PU", 100_000, registered=110_000)
    data = (
        b"kode_wilayah;periode;segmen;peserta_aktif;peserta_terdaftar\n"
        b"35.73;2025-05;PU;134.167;150.000\n"  # fine alone, but the whole file is refused
        b"35.73.01;2025-05;BPU;12,5;\n"
        b"35.73.02;2025-13;PU;10;\n"
        b"35.73.02;2025-05;XX;10;\n"
        b"35.05;2025-05;PU;10;\n"
        b"35.73.01;2025-05;PU;500;400\n"
        b"35.73.01;2025-05;PU;500;600\n"
        b"35.73.01;2025-05;PU;500;600\n"
        b"35.73.02;2025-05;BPU;;\n"
    )
    report = counts_import(file=data, filename="salah.csv", user=operator_kota_malang, dry_run=False)
    assert [str(error) for error in report.errors] == [
        'Baris 3, kolom peserta_aktif ("12,5"): harus bilangan bulat: 12,5',
        'Baris 4, kolom periode ("2025-13"): periode harus berformat YYYY-MM, misalnya 2025-05',
        'Baris 5, kolom segmen ("XX"): segmen harus salah satu dari PU, BPU, JAKON, PMI',
        'Baris 6, kolom kode_wilayah ("35.05"): Wilayah 35.05 Kabupaten Blitar di luar wilayah kewenangan Anda.',
        'Baris 7, kolom peserta_aktif ("500"): Peserta aktif (500) melebihi peserta terdaftar (400).',
        'Baris 8, kolom kode_wilayah ("35.73.01"): Baris duplikat: 35.73.01 Blimbing, 2025-05, PU sudah ada di '
        "baris 7.",
        'Baris 9, kolom kode_wilayah ("35.73.01"): Baris duplikat: 35.73.01 Blimbing, 2025-05, PU sudah ada di '
        "baris 7.",
        "Baris 10, kolom peserta_aktif: peserta_aktif wajib diisi",
    ]
    assert not report.applied
    assert cells() == {("35.73", "PU"): (100_000, 110_000, EntryStatus.DRAFT, 1)}


def test_rule_errors_block_the_whole_file(operator_kota_malang, region_tree, kota_malang_denominator):  # noqa: F811
    data = (
        b"kode_wilayah;periode;segmen;peserta_aktif;peserta_terdaftar\n"
        b"35.73.01;2025-05;PU;1.000;1.200\n"
        b"35.73.02;2025-05;PU;500;400\n"
        b"35.73;2025-05;PU;400.000;\n"
        b"35.73;2025-05;BPU;20.000;\n"
    )
    report = counts_import(file=data, filename="aturan.csv", user=operator_kota_malang, dry_run=False)
    assert [str(error) for error in report.errors] == [
        'Baris 3, kolom peserta_aktif ("500"): Peserta aktif (500) melebihi peserta terdaftar (400).',
        'Baris 4, kolom peserta_aktif ("400.000"): Total peserta aktif Kota Malang (420.000) melebihi batas 413.600 '
        "(100% penduduk bekerja, Sakernas Agustus 2024).",
    ]
    assert ParticipantCount.objects.count() == 0


def test_warnings_need_acknowledgement_before_apply(operator_kota_malang, region_tree):
    make_count(region_tree["35.73"], "PU", 100_000, period=APRIL, status=EntryStatus.VERIFIED)
    data = b"kode_wilayah;periode;segmen;peserta_aktif\n35.73;2025-05;PU;145.000\n"
    report = counts_import(file=data, filename="lonjak.csv", user=operator_kota_malang, dry_run=False)
    message = (
        "Peserta aktif PU Kota Malang berubah +45,0% dari bulan lalu (April 2025, Pemda: 100.000 → 145.000), "
        "melebihi batas 25%."
    )
    assert [str(w) for w in report.warnings] == [f'Baris 2, kolom peserta_aktif ("145.000"): {message}']
    assert [e.reason for e in report.errors] == [
        "Ada peringatan yang belum dikonfirmasi; centang konfirmasi untuk menerapkan."
    ]
    assert cells() == {}
    report = counts_import(
        file=data, filename="lonjak.csv", user=operator_kota_malang, dry_run=False, acknowledge_warnings=True
    )
    assert report.applied
    assert cells() == {("35.73", "PU"): (145_000, None, EntryStatus.DRAFT, 1)}


def test_a_changed_database_since_the_dry_run_refuses_the_apply(operator_kota_malang, region_tree):
    data = b"kode_wilayah;periode;segmen;peserta_aktif\n35.73;2025-05;PU;134.167\n"
    preview = counts_import(file=data, filename="a.csv", user=operator_kota_malang)
    make_count(region_tree["35.73"], "PU", 120_000)  # someone saved in between
    report = counts_import(
        file=data, filename="a.csv", user=operator_kota_malang, dry_run=False, fingerprint=preview.check.fingerprint
    )
    assert [e.reason for e in report.errors] == [
        "Data berubah sejak uji coba; jalankan uji coba lagi sebelum menerapkan."
    ]
    assert cells() == {("35.73", "PU"): (120_000, None, EntryStatus.DRAFT, 1)}


def test_submitting_on_import_schedules_a_recompute_and_shows_the_coverage_change(admin_user, pangkalpinang):  # noqa: F811
    from coverage.engine import coverage_recompute

    make_count(pangkalpinang, "PU", 24_286, status=EntryStatus.SUBMITTED)
    make_count(pangkalpinang, "BPU", 4_754, status=EntryStatus.SUBMITTED)
    coverage_recompute(periods=[MAY])
    data = b"kode_wilayah;periode;segmen;peserta_aktif\n19.71;2025-05;BPU;5.458\n"
    report = counts_import(file=data, filename="bpu.csv", user=admin_user, submit=True)
    row = next(r for r in report.check.impact if r.region.code == "19.71")
    assert (row.delta, row.active_before, row.active_after) == (704, 29_040, 29_744)
    assert round(row.coverage_before, 2) == 41.23
    assert round(row.coverage_after, 2) == 42.23
    assert round(row.coverage_bpu_before, 2) == 20.30 and round(row.coverage_bpu_after, 2) == 23.31
    report = counts_import(file=data, filename="bpu.csv", user=admin_user, dry_run=False, submit=True)
    assert report.applied
    assert cells(pangkalpinang)[("19.71", "BPU")] == (5_458, None, EntryStatus.SUBMITTED, 2)
    assert RecomputeRequest.objects.filter(region=pangkalpinang, period=MAY).count() == 1


def test_the_template_round_trips(operator_kota_malang, region_tree):
    make_count(region_tree["35.73"], "PU", 134_167, registered=150_000)
    make_count(region_tree["35.73.02"], "BPU", 4_754, status=EntryStatus.SUBMITTED)
    content = counts_template(region=region_tree["35.73"], period=MAY, user=operator_kota_malang)
    sheet = load_workbook(io.BytesIO(content))["Data"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("kode_wilayah", "nama_wilayah", "periode", "peserta_aktif_pu", "peserta_terdaftar_pu")
    assert [r[:5] for r in rows[1:]] == [
        ("35.73", "Kota Malang", "2025-05", 134_167, 150_000),
        ("35.73.01", "Blimbing", "2025-05", None, None),
        ("35.73.02", "Klojen", "2025-05", None, None),
    ]
    before = cells()
    report = counts_import(file=content, filename="templat.xlsx", user=operator_kota_malang, dry_run=False)
    assert report.errors == [] and report.saved.unchanged == 2 and report.saved.created == 0
    assert cells() == before

    # Filled in by the operator: Blimbing PU typed as text with dots.
    workbook = load_workbook(io.BytesIO(content))
    workbook["Data"]["D3"] = "12.345"
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = counts_import(file=buffer.getvalue(), filename="templat.xlsx", user=operator_kota_malang, dry_run=False)
    assert report.applied
    assert cells()[("35.73.01", "PU")] == (12_345, None, EntryStatus.DRAFT, 1)


def test_the_command_dry_runs_applies_and_refuses(operator_jatim, tmp_path, capsys):  # noqa: F811
    path = tmp_path / "mei.csv"
    path.write_bytes(MESSY_CSV.encode("cp1252"))
    call_command("import_counts", str(path), "--user", "operator.jatim", "--dry-run")
    out = capsys.readouterr().out
    assert "Rencana: 5 baru, 0 diubah, 0 tidak berubah." in out
    assert "Uji coba: tidak ada yang disimpan." in out
    assert ParticipantCount.objects.count() == 0
    call_command("import_counts", str(path), "--user", "operator.jatim")
    assert cells() == EXPECTED
    bad = tmp_path / "luar.csv"
    bad.write_bytes(b"kode_wilayah;periode;segmen;peserta_aktif\n13.11;2025-05;PU;18.092\n")
    with pytest.raises(CommandError, match="1 galat: tidak ada yang disimpan."):
        call_command("import_counts", str(bad), "--user", "operator.jatim")
    assert "Wilayah 13.11 Kabupaten Solok Selatan di luar wilayah kewenangan Anda." in capsys.readouterr().out


def test_a_kabupaten_named_by_the_kota_operator_is_refused_and_nothing_is_saved(operator_kota_malang, region_tree):
    """Issue #18: the name matched only outside the scope, yet the row was written to Kota Malang."""
    data = b"nama_wilayah;periode;segmen;peserta_aktif\nKabupaten Malang;2025-06;PU;187.412\n"
    report = counts_import(file=data, filename="x.csv", user=operator_kota_malang, dry_run=False)
    assert [(e.row, e.column, e.value, e.reason) for e in report.errors] == [
        (2, "nama_wilayah", "Kabupaten Malang", "Wilayah 35.07 Kabupaten Malang di luar wilayah kewenangan Anda.")
    ]
    assert not report.applied
    assert not ParticipantCount.objects.exists()
