from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from coverage.models import RecomputeRequest
from programs.importers import batches_import, batches_template
from programs.models import BatchStatus, FundedBatch
from tests.factories import make_region

pytestmark = pytest.mark.django_db

HEADER = "kode_wilayah;nama_wilayah;skema;kategori;jumlah_pekerja;paket;bulan_mulai;bulan_akhir;status;referensi\n"


def _csv(*rows, encoding="utf-8-sig"):
    return (HEADER + "".join(row + "\n" for row in rows)).encode(encoding)


def test_it_imports_a_semicolon_csv_with_indonesian_numbers_and_name_variants(operator_kota_malang, catalogue):
    data = _csv(
        "35.73;;APBD;Kader posyandu;1.250;bpu-jkk-jkm;2026-03;2026-11;aktif;SK 1",
        ";KEC KLOJEN;apbd;linmas;300;JKK + JKM (BPU);Maret 2026;05/2026;direncanakan;",
        ";;;;;;;;;",
        "Jumlah;;;;1.550;;;;;",
    )
    report = batches_import(file=data, filename="batch.csv", user=operator_kota_malang, dry_run=False)

    assert report.errors == []
    assert report.applied and (report.created, report.rows_read) == (2, 2)
    assert [str(n.value) for n in report.notes] == ["Jumlah"]  # the total row is not imported
    first, second = FundedBatch.objects.order_by("workers").values_list("region__name", "workers", "status", "cost")
    assert first == ("Klojen", 300, BatchStatus.PLANNED, Decimal(300 * 3 * 16800))
    assert second == ("Kota Malang", 1250, BatchStatus.ACTIVE, Decimal(1250 * 9 * 16800))
    assert RecomputeRequest.objects.filter(region__code="35.73").count() == 9


def test_it_imports_the_target_population_and_refuses_one_below_the_workers(operator_kota_malang, catalogue):
    header = "kode_wilayah;skema;kategori;jumlah_pekerja;sasaran;paket;bulan_mulai;bulan_akhir\n"
    good = header + "35.73;apbd;kader-posyandu;1.250;3.400;bpu-jkk-jkm;2026-03;2026-11\n"
    report = batches_import(file=good.encode(), filename="batch.csv", user=operator_kota_malang, dry_run=False)
    assert report.errors == []
    assert FundedBatch.objects.values_list("workers", "target_population").get() == (1250, 3400)

    # A re-import with a corrected sasaran updates the batch; an empty one clears it.
    fixed = header + "35.73;apbd;kader-posyandu;1.250;;bpu-jkk-jkm;2026-03;2026-11\n"
    report = batches_import(file=fixed.encode(), filename="batch.csv", user=operator_kota_malang, dry_run=False)
    assert report.updated == 1
    assert FundedBatch.objects.get().target_population is None

    bad = header + "35.73;apbd;kader-posyandu;1.250;1.000;bpu-jkk-jkm;2026-03;2026-11\n"
    report = batches_import(file=bad.encode(), filename="batch.csv", user=operator_kota_malang, dry_run=False)
    assert [(e.row, e.column) for e in report.errors] == [(2, "sasaran")]
    assert "lebih kecil dari jumlah pekerja" in report.errors[0].reason


def test_it_reads_windows_1252_files(operator_kota_malang, catalogue):
    data = _csv(
        "35.73;;apbd;pekerja-seni;25;bpu-jkk-jkm;2026-01;2026-12;aktif;Seniman jalanan – café", encoding="cp1252"
    )
    report = batches_import(file=data, filename="batch.csv", user=operator_kota_malang, dry_run=False)
    assert report.errors == []
    assert FundedBatch.objects.get().reference == "Seniman jalanan – café"


def test_one_bad_row_and_nothing_is_saved(operator_kota_malang, catalogue):
    data = _csv(
        "35.73;;apbd;kader-posyandu;1.250;bpu-jkk-jkm;2026-03;2026-11;aktif;",
        "35.73;;arisan;kader-posyandu;12,5;bpu-jkk-jkm;2026-03;2026-01;aktif;",
    )
    report = batches_import(file=data, filename="batch.csv", user=operator_kota_malang, dry_run=False)

    assert not FundedBatch.objects.exists() and not report.applied
    problems = {(e.row, e.column) for e in report.errors}
    assert problems == {(3, "skema"), (3, "jumlah_pekerja")}


def test_the_months_are_checked_once_the_values_read(operator_kota_malang, catalogue):
    data = _csv("35.73;;apbd;kader-posyandu;10;bpu-jkk-jkm;2026-03;2026-01;aktif;")
    report = batches_import(file=data, filename="batch.csv", user=operator_kota_malang, dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [(2, "bulan_akhir")]


def test_rows_outside_the_users_scope_are_refused(operator_kab_blitar, catalogue):
    data = _csv("35.73;;apbd;kader-posyandu;10;bpu-jkk-jkm;2026-03;2026-05;aktif;")
    report = batches_import(file=data, filename="batch.csv", user=operator_kab_blitar, dry_run=False)
    assert [e.column for e in report.errors] == ["kode_wilayah"]
    assert "di luar wilayah kewenangan" in report.errors[0].reason
    assert not FundedBatch.objects.exists()


def test_a_dry_run_saves_nothing_and_a_reimport_changes_nothing(operator_kota_malang, catalogue):
    data = _csv("35.73;;apbd;kader-posyandu;1.250;bpu-jkk-jkm;2026-03;2026-11;aktif;SK 1")
    dry = batches_import(file=data, filename="batch.csv", user=operator_kota_malang, dry_run=True)
    assert dry.ok and dry.created == 1 and dry.total_cost == Decimal(1250 * 9 * 16800)
    assert not FundedBatch.objects.exists()

    batches_import(file=data, filename="batch.csv", user=operator_kota_malang, dry_run=False)
    again = batches_import(file=data, filename="batch.csv", user=operator_kota_malang, dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert FundedBatch.objects.count() == 1

    changed = _csv("35.73;;apbd;kader-posyandu;1.300;bpu-jkk-jkm;2026-03;2026-11;aktif;SK 1")
    report = batches_import(file=changed, filename="batch.csv", user=operator_kota_malang, dry_run=False)
    assert report.updated == 1
    assert FundedBatch.objects.get().workers == 1300


def test_the_template_imports_as_the_lumajang_batch(admin_user, catalogue, demo_regions):
    report = batches_import(file=batches_template(), filename="templat.xlsx", user=admin_user, dry_run=True)
    assert report.errors == []
    ((_row, batch, action),) = report.planned
    assert (batch.region.code, batch.workers, action, batch.cost) == ("35.08", 5606, "create", Decimal("659265600"))


def test_the_import_page_limits_rows_to_its_region(client, operator_kota_malang, catalogue):
    client.force_login(operator_kota_malang)
    upload = _csv("35.73.01;;apbd;linmas;40;bpu-jkk-jkm;2026-01;2026-06;aktif;")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("programs:batch_import", kwargs={"code": "35.73.02"}),
        {"file": SimpleUploadedFile("batch.csv", upload), "apply": "on"},
    )
    assert response.status_code == 200
    assert response.context["report"].errors  # Blimbing is not under Klojen
    response = client.post(
        reverse("programs:batch_import", kwargs={"code": "35.73"}),
        {"file": SimpleUploadedFile("batch.csv", upload), "apply": "on"},
    )
    assert response.context["report"].applied
    assert FundedBatch.objects.get().start_month == date(2026, 1, 1)


def test_the_command_imports_and_reports(tmp_path, operator_kota_malang, catalogue, capsys):
    path = tmp_path / "batch.csv"
    path.write_bytes(_csv("35.73;;apbd;kader-posyandu;1.250;bpu-jkk-jkm;2026-03;2026-11;aktif;"))

    call_command("import_batches", str(path), "--user", "operator.kotamalang", "--dry-run")
    assert not FundedBatch.objects.exists()
    assert "Rp189.000.000" in capsys.readouterr().out

    call_command("import_batches", str(path), "--user", "operator.kotamalang")
    assert FundedBatch.objects.get().workers == 1250


def test_the_command_fails_loudly_on_errors(tmp_path, operator_kab_blitar, catalogue):
    path = tmp_path / "batch.csv"
    path.write_bytes(_csv("35.73;;apbd;kader-posyandu;1.250;bpu-jkk-jkm;2026-03;2026-11;aktif;"))
    with pytest.raises(CommandError):
        call_command("import_batches", str(path), "--user", "operator.blitar")


def test_a_kota_named_by_the_kabupaten_operator_is_refused_and_nothing_is_saved(operator_kab_blitar, catalogue):
    """Issue #18: "Kota Blitar" from Kabupaten Blitar's operator landed on Kabupaten Blitar."""
    make_region("35.72", "Kota Blitar")
    data = _csv(";Kota Blitar;APBD;Kader posyandu;100;bpu-jkk-jkm;2026-03;2026-05;aktif;")
    report = batches_import(file=data, filename="batch.csv", user=operator_kab_blitar, dry_run=False)
    assert [str(error) for error in report.errors] == [
        'Baris 2, kolom nama_wilayah ("Kota Blitar"): Wilayah 35.72 Kota Blitar di luar wilayah kewenangan Anda.'
    ]
    assert not FundedBatch.objects.exists()
