"""The upload pages of target values and denominators (admins): the shared import flow of the BPJS and Pemda
pages (a dry run with the diff, per-row errors in Indonesian, an all-or-nothing apply of the kept file)."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from coverage.models import ImportBatch, ImportKind, ImportStatus, SeriesKind, TargetSeries, TargetValue
from regions.models import Denominator
from tests.factories import make_denominator

pytestmark = pytest.mark.django_db


@pytest.fixture
def rpjmn(db):
    return TargetSeries.objects.create(
        code="rpjmn-2025-2029", name="RPJMN 2025-2029", kind=SeriesKind.RPJMN, source_document="Perpres 12/2025"
    )


def _upload(name, content):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_a_messy_target_file_shows_each_row_error_in_indonesian_and_saves_nothing(
    client, admin_user, region_tree, rpjmn
):
    client.force_login(admin_user)
    text = (
        "seri;kode_wilayah;tahun;target_persen;target_peserta\r\n"
        "rpjmn-2025-2029;35.73;2025;41,23;\r\n"
        "rkp-2026;35.73;2026;40;\r\n"
        "rpjmn-2025-2029;35.07;2025;140;\r\n"
        "rpjmn-2025-2029;35.99;2025;30;\r\n"
        "rpjmn-2025-2029;35.05;2025;;\r\n"
    )

    page = client.post(reverse("coverage:import_targets"), {"file": _upload("target.csv", text.encode())})

    html = page.content.decode()
    assert page.status_code == 200
    assert "4 galat: tidak ada yang disimpan" in html
    for reason in (
        "Seri target rkp-2026 tidak dikenal.",
        "persen harus antara 0 dan 100",
        "Kode wilayah 35.99 tidak dikenal.",
        "Isi target_persen, target_peserta, atau keduanya.",
    ):
        assert reason in html
    assert "Terapkan impor" not in html
    assert TargetValue.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_a_good_target_file_is_previewed_with_its_diff_then_applied(client, admin_user, region_tree, rpjmn):
    TargetValue.objects.create(series=rpjmn, region=region_tree["35.73"], year=2025, percent=Decimal("40.00"))
    client.force_login(admin_user)
    url = reverse("coverage:import_targets")
    text = (
        "seri;kode_wilayah;tahun;target_persen;target_peserta;sumber\r\n"
        "rpjmn-2025-2029;35.73;2025;41,23;176.753;RPJMD Kota Malang\r\n"
        "rpjmn-2025-2029;35.07;2025;32,15;;Perpres 12/2025\r\n"
    )

    page = client.post(url, {"file": _upload("target.csv", text.encode())})
    html = page.content.decode()
    assert "1 angka baru, 1 diubah, 0 tidak berubah." in html
    assert "percent: 40,00% → <strong>41,23%</strong>" in html
    assert "participants: – → <strong>176.753</strong>" in html
    assert TargetValue.objects.get(region=region_tree["35.73"]).percent == Decimal("40.00")  # a dry run
    batch = ImportBatch.objects.get()
    assert batch.kind == ImportKind.TARGETS

    applied = client.post(url, {"batch": batch.pk}, follow=True)

    assert "Impor diterapkan: 1 angka baru, 1 diubah, 0 tidak berubah." in applied.content.decode()
    values = {(v.region.code, v.year): (v.percent, v.participants, v.source) for v in TargetValue.objects.all()}
    assert values == {
        ("35.73", 2025): (Decimal("41.23"), 176_753, "RPJMD Kota Malang"),
        ("35.07", 2025): (Decimal("32.15"), None, "Perpres 12/2025"),
    }
    assert ImportBatch.objects.get().status == ImportStatus.APPLIED
    again = client.post(url, {"batch": batch.pk}, follow=True)
    assert "Berkas ini sudah diterapkan; unggah lagi untuk impor baru." in again.content.decode()


def test_a_target_changed_since_the_dry_run_refuses_the_apply(client, admin_user, region_tree, rpjmn):
    client.force_login(admin_user)
    url = reverse("coverage:import_targets")
    client.post(
        url, {"file": _upload("t.csv", b"seri;kode_wilayah;tahun;target_persen\r\nrpjmn-2025-2029;35.73;2025;41\r\n")}
    )
    TargetValue.objects.create(series=rpjmn, region=region_tree["35.73"], year=2025, percent=Decimal("39.00"))

    page = client.post(url, {"batch": ImportBatch.objects.get().pk})

    assert "Data berubah sejak uji coba; jalankan uji coba lagi sebelum menerapkan." in page.content.decode()
    assert TargetValue.objects.get().percent == Decimal("39.00")


def test_a_good_denominator_file_applies_as_new_revisions(client, admin_user, region_tree):
    make_denominator(region_tree["35.73"], 2025, total=400_000)
    client.force_login(admin_user)
    url = reverse("coverage:import_denominators")
    text = "kode_wilayah;tahun;penduduk_bekerja;sumber\r\n35.73;2025;413.600;Sakernas Agustus 2024\r\n"

    page = client.post(url, {"file": _upload("sakernas.csv", text.encode())})
    assert "workers: 400.000 → <strong>413.600</strong>" in page.content.decode()
    applied = client.post(url, {"batch": ImportBatch.objects.get(kind=ImportKind.DENOMINATORS).pk}, follow=True)

    assert "Impor diterapkan: 0 angka baru, 1 diubah, 0 tidak berubah." in applied.content.decode()
    latest = Denominator.objects.filter(region=region_tree["35.73"], year=2025).order_by("-pk").first()
    assert (latest.workers, latest.source) == (413_600, "Sakernas Agustus 2024")


def test_a_messy_denominator_file_saves_nothing(client, admin_user, region_tree):
    client.force_login(admin_user)
    text = b"kode_wilayah;tahun;penduduk_bekerja;sumber\r\n35.73.01;2025;200.000;Sakernas\r\n35.73;2025;0;Sakernas\r\n"
    page = client.post(reverse("coverage:import_denominators"), {"file": _upload("d.csv", text)})
    html = page.content.decode()
    assert "Penyebut dimuat per kab/kota; 35.73.01 Blimbing bukan kab/kota." in html
    assert "penduduk_bekerja harus lebih dari 0" in html
    assert Denominator.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_a_non_admin_is_refused_the_denominators_and_their_batches(client, admin_user, verifier_malang, region_tree):
    text = b"kode_wilayah;tahun;penduduk_bekerja;sumber\r\n35.73;2025;413.600;Sakernas\r\n"
    client.force_login(admin_user)
    client.post(reverse("coverage:import_denominators"), {"file": _upload("d.csv", text)})
    batch = ImportBatch.objects.get()

    client.force_login(verifier_malang)
    assert client.get(reverse("coverage:import_denominators")).status_code == 403
    assert client.post(reverse("coverage:import_denominators"), {"file": _upload("d.csv", text)}).status_code == 403
    assert client.post(reverse("coverage:import_denominators"), {"batch": batch.pk}).status_code == 403
    assert Denominator.objects.count() == 0 and ImportBatch.objects.count() == 1


def test_the_template_has_the_columns_the_importer_reads(client, admin_user, rpjmn):
    client.force_login(admin_user)
    response = client.get(reverse("coverage:import_targets"), {"templat": "xlsx"})
    sheet = load_workbook(BytesIO(response.content))["Data"]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert header == ["seri", "kode_wilayah", "nama_wilayah", "tahun", "target_persen", "target_peserta", "sumber"]
    assert sheet.max_row == 1  # empty: uploaded as it is, it loads nothing
    assert 'filename="templat-target-ucj.xlsx"' in response["Content-Disposition"]
