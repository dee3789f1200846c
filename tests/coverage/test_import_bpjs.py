"""Loading a branch's BPJS extraction: a messy file loads as verified BPJS figures that win over the
Pemda's, a refused file saves nothing and says why per row, the branch's territory bounds it, the
dry run, the apply's checks, the page and the command."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from coverage.entry.bpjs import bpjs_counts_import
from coverage.entry.reasons import reason_label
from coverage.models import EffectiveCount, EntryStatus, ImportBatch, ImportKind, ParticipantCount, ReportingPeriod
from tests.factories import MAY, make_count, make_pemda_count

pytestmark = pytest.mark.django_db

# An extraction as a branch sends it: a title line, extra spaces, dotted thousands, mixed-case
# segments, codes with stray spaces, desa, kecamatan and kab/kota rows, a blank row and a total.
MESSY = (
    "Ekstraksi kepesertaan KC Malang Mei 2025;;;;;;\r\n"
    " Kode Wilayah ;Periode;Segmen;Peserta Aktif;Peserta Terdaftar;Peserta Baru;Peserta Nonaktif\r\n"
    " 35.73 ;2025-05; pu ;134.167;140.000;2.310;1.115\r\n"
    "35.73;Mei 2025;Bpu;24.500;;;\r\n"
    "35.73.01 ; 2025-05 ;PU;50.000;52.000;;\r\n"
    "35.73.01.1001;05/2025;jakon;1.234;1.300;12;3\r\n"
    ";;;;;;\r\n"
    ";Jumlah;;209.901;;;\r\n"
)


def _cells():
    return {
        (c.region.code, c.segment): (c.active, c.registered, c.new_registrations, c.lapsed, c.status, c.version)
        for c in ParticipantCount.objects.filter(source="bpjs").select_related("region")
    }


def test_a_messy_extraction_loads_as_verified_bpjs_figures_that_win_over_the_pemda_figure(verifier_malang, region_tree):
    # The Pemda reported Kota Malang PU earlier; BPJS's figure must become the one that counts.
    make_pemda_count(region_tree["35.73"], "PU", 131_000, status=EntryStatus.SUBMITTED)

    preview = bpjs_counts_import(file=MESSY.encode("cp1252"), filename="bpjs mei.csv", user=verifier_malang)
    assert preview.errors == []
    assert (preview.check.created, preview.check.updated, preview.check.unchanged) == (4, 0, 0)
    assert ParticipantCount.objects.filter(source="bpjs").count() == 0  # a dry run writes nothing
    assert [str(note) for note in preview.notes] == ['Baris 8 ("Jumlah"): Baris total diabaikan; tidak diimpor.']

    applied = bpjs_counts_import(
        file=MESSY.encode("cp1252"), filename="bpjs mei.csv", user=verifier_malang, dry_run=False
    )
    assert applied.applied and applied.errors == []
    assert _cells() == {
        ("35.73", "PU"): (134_167, 140_000, 2_310, 1_115, EntryStatus.VERIFIED, 1),
        ("35.73", "BPU"): (24_500, None, None, None, EntryStatus.VERIFIED, 1),
        ("35.73.01", "PU"): (50_000, 52_000, None, None, EntryStatus.VERIFIED, 1),
        ("35.73.01.1001", "JAKON"): (1_234, 1_300, 12, 3, EntryStatus.VERIFIED, 1),
    }
    effective = EffectiveCount.objects.get(region=region_tree["35.73"], period=MAY, segment="PU")
    assert (effective.source, effective.active) == ("bpjs", 134_167)
    count = ParticipantCount.objects.get(region=region_tree["35.73"], segment="PU", source="bpjs")
    assert (count.entered_by, count.verified_by) == (verifier_malang, verifier_malang)
    record = count.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        verifier_malang,
        "import_bpjs:bpjs mei.csv",
    )
    assert reason_label(record.history_change_reason) == "Impor laporan BPJS berkas bpjs mei.csv"

    again = bpjs_counts_import(
        file=MESSY.encode("cp1252"), filename="bpjs mei.csv", user=verifier_malang, dry_run=False
    )
    assert again.applied and (again.saved.created, again.saved.updated, again.saved.unchanged) == (0, 0, 4)
    assert count.history.count() == 1  # nothing rewritten


def test_a_correction_updates_the_figure_and_keeps_the_empty_measures(verifier_malang, region_tree):
    make_count(region_tree["35.73"], MAY, "PU", 130_000, registered=139_000, new_registrations=2_000)
    text = "kode_wilayah;periode;segmen;peserta_aktif;peserta_baru\r\n35.73;2025-05;PU;134.167;\r\n"

    report = bpjs_counts_import(file=text.encode(), filename="koreksi.csv", user=verifier_malang, dry_run=False)

    assert report.applied and report.saved.updated == 1
    assert _cells() == {("35.73", "PU"): (134_167, 139_000, 2_000, None, EntryStatus.VERIFIED, 2)}
    assert ParticipantCount.history.filter(history_type="~", active=134_167).count() == 1


def test_a_refused_extraction_saves_nothing_and_explains_every_row_in_indonesian(verifier_malang, region_tree):
    text = (
        "kode_wilayah;periode;segmen;peserta_aktif;peserta_terdaftar\r\n"
        "35.73;2025-05;PU;134.167;140.000\r\n"
        "35.05;2025-05;PU;98.765;\r\n"  # Kabupaten Blitar: another branch's territory
        "35.73.01;2025-05;PPU;1.000;\r\n"  # no such segment
        "35.73.02;2025-05;BPU;5.000;4.000\r\n"  # active above registered
        "35;2025-05;PU;1.000;\r\n"  # the province: beyond the branch's kab/kota
        "35.99;2025-05;PU;1.000;\r\n"  # no such region
        "35.73;2025-05;pu;134.000;\r\n"  # the same cell again
    )

    report = bpjs_counts_import(file=text.encode(), filename="salah.csv", user=verifier_malang, dry_run=False)

    assert not report.applied
    assert [(e.row, e.column, e.value, e.reason) for e in report.errors] == [
        (3, "kode_wilayah", "35.05", "Wilayah 35.05 Kabupaten Blitar di luar wilayah kewenangan Anda."),
        (4, "segmen", "PPU", "segmen harus salah satu dari PU, BPU, JAKON, PMI"),
        (5, "peserta_aktif", "5.000", "Peserta aktif (5.000) melebihi peserta terdaftar (4.000)."),
        (6, "kode_wilayah", "35", "Wilayah 35 Jawa Timur di luar wilayah kewenangan Anda."),
        (7, "kode_wilayah", "35.99", "Kode wilayah 35.99 tidak dikenal."),
        (8, "kode_wilayah", "35.73", "Baris duplikat: 35.73 Kota Malang, 2025-05, PU sudah ada di baris 2."),
    ]  # fmt: skip
    assert ParticipantCount.objects.count() == 0


def test_an_operator_loads_no_bpjs_figures_nor_an_admin_a_province_and_a_closed_month_is_locked(
    operator_kota_malang, admin_user, region_tree
):
    text = b"kode_wilayah;periode;segmen;peserta_aktif\r\n35.73;2025-05;PU;134.167\r\n"
    refused = bpjs_counts_import(file=text, filename="a.csv", user=operator_kota_malang, dry_run=False)
    assert [e.reason for e in refused.errors] == ["Wilayah 35.73 Kota Malang di luar wilayah kewenangan Anda."]

    province = b"kode_wilayah;periode;segmen;peserta_aktif\r\n35;2025-05;PU;134.167\r\n"
    refused = bpjs_counts_import(file=province, filename="a.csv", user=admin_user, dry_run=False)
    assert [e.reason for e in refused.errors] == [
        "Laporan BPJS dimuat per desa, kecamatan atau kab/kota; 35 Jawa Timur bukan salah satunya."
    ]

    ReportingPeriod.objects.create(period=MAY, status="closed")
    closed = bpjs_counts_import(file=text, filename="a.csv", user=admin_user, dry_run=False)
    assert [e.reason for e in closed.errors] == [
        "Periode Mei 2025 sudah ditutup: data terkunci. Admin dapat membukanya kembali dengan alasan."
    ]
    assert ParticipantCount.objects.count() == 0


def test_the_apply_refuses_data_changed_since_the_dry_run(verifier_malang, region_tree):
    text = b"kode_wilayah;periode;segmen;peserta_aktif\r\n35.73;2025-05;PU;134.167\r\n"
    preview = bpjs_counts_import(file=text, filename="a.csv", user=verifier_malang)
    make_count(region_tree["35.73"], MAY, "PU", 120_000)  # someone loaded another figure meanwhile

    report = bpjs_counts_import(
        file=text, filename="a.csv", user=verifier_malang, dry_run=False, fingerprint=preview.check.fingerprint
    )

    assert not report.applied
    assert report.errors[0].reason == "Data berubah sejak uji coba; jalankan uji coba lagi sebelum menerapkan."
    assert ParticipantCount.objects.get(source="bpjs").active == 120_000


def test_the_page_previews_then_applies_for_the_branch_verifier(client, verifier_malang, region_tree):
    client.force_login(verifier_malang)
    url = reverse("coverage:import_bpjs")
    upload = _upload("bpjs.csv", b"kode_wilayah;periode;segmen;peserta_aktif\r\n35.73;2025-05;PU;134.167\r\n")

    page = client.post(url, {"file": upload})
    assert page.status_code == 200
    assert "1 angka baru, 0 diubah, 0 tidak berubah." in page.content.decode()
    batch = ImportBatch.objects.get()
    assert batch.kind == ImportKind.BPJS_COUNTS

    applied = client.post(url, {"batch": batch.pk}, follow=True)
    assert "Impor diterapkan: 1 angka baru, 0 diubah, 0 tidak berubah." in applied.content.decode()
    assert _cells() == {("35.73", "PU"): (134_167, None, None, None, EntryStatus.VERIFIED, 1)}


def test_a_pemda_batch_cannot_be_applied_as_a_bpjs_file(client, verifier_malang, region_tree):
    batch = ImportBatch.objects.create(user=verifier_malang, filename="a.csv", sha256="", content=b"x")
    client.force_login(verifier_malang)
    assert client.post(reverse("coverage:import_bpjs"), {"batch": batch.pk}).status_code == 404


def test_operators_do_not_see_the_bpjs_page(client, operator_kota_malang):
    client.force_login(operator_kota_malang)
    assert client.get(reverse("coverage:import_bpjs")).status_code == 403


def test_the_command_loads_the_file_and_fails_with_the_errors(tmp_path, verifier_malang, region_tree, capsys):
    good = tmp_path / "bpjs.csv"
    good.write_bytes(MESSY.encode())
    call_command("import_bpjs_counts", str(good), "--user", verifier_malang.username)
    assert "Diterapkan: 4 baru, 0 diubah, 0 tidak berubah." in capsys.readouterr().out
    assert len(_cells()) == 4

    bad = tmp_path / "salah.csv"
    bad.write_bytes(b"kode_wilayah;periode;segmen;peserta_aktif\r\n35.05;2025-05;PU;1\r\n")
    with pytest.raises(CommandError, match="1 galat"):
        call_command("import_bpjs_counts", str(bad), "--user", verifier_malang.username)
    assert 'GALAT Baris 2, kolom kode_wilayah ("35.05"): Wilayah 35.05 Kabupaten Blitar di luar' in (
        capsys.readouterr().out
    )


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_a_filter_on_thousands_of_ids_sends_one_array_and_finds_the_same_rows(region_tree):
    from regions.models import Region
    from ucj_dashboard.postgres import values_in

    wanted = [region_tree["35.73"].pk, region_tree["35.05"].pk]
    many = values_in([*wanted, *range(10**9, 10**9 + 2_000)])  # 2.002 ids: past MANY_VALUES

    assert not isinstance(many, list)
    assert sorted(Region.objects.filter(pk__in=many).values_list("code", flat=True)) == ["35.05", "35.73"]
    assert values_in(wanted) == wanted  # a short list stays a list


def test_the_stated_limits_refuse_a_file_past_them_and_nothing_is_saved(verifier_malang, region_tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from coverage.entry.bpjs import bpjs_batch_preview
    from ucj_dashboard.spreadsheets import MAX_ROWS, MAX_UPLOAD_BYTES

    rows = b"kode_wilayah;periode;segmen;peserta_aktif\r\n" + b"35.73;2025-05;PU;1\r\n" * (MAX_ROWS + 1)
    report = bpjs_counts_import(file=rows, filename="besar.csv", user=verifier_malang, dry_run=False)
    assert [e.reason for e in report.errors] == ["Berkas memiliki lebih dari 100.000 baris data."]

    huge = SimpleUploadedFile("besar.csv", b"x" * (MAX_UPLOAD_BYTES + 1), content_type="text/csv")
    batch, report = bpjs_batch_preview(user=verifier_malang, file=huge, filename="besar.csv")
    assert batch is None and [e.reason for e in report.errors] == ["Berkas terlalu besar; batasnya 10 MB."]
    assert ParticipantCount.objects.count() == 0
