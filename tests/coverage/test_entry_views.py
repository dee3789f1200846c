"""The entry pages: the grid (Indonesian numbers, draft then submit, conflicts), the import
page (dry run, apply), verification, the tracker with close/reopen, history; and scope on
every entry URL."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from coverage.models import EntryStatus, ImportBatch, ImportStatus, ParticipantCount, ReportingPeriod
from tests.conftest import PASSWORD
from tests.factories import APRIL, MAY
from tests.factories import make_pemda_count as make_count
from tests.factories import pemda_cells as cells

pytestmark = pytest.mark.django_db

GRID = "/entri/35.73/?periode=2025-05"


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _grid_post(response, **values):
    """The grid form as the browser would post it, with some cells changed."""
    form = response.context["form"]
    data = {"periode": "2025-05"}
    for name, field in form.fields.items():
        initial = form.initial.get(name, field.initial)
        data[name] = "" if initial is None else initial
    data.update(values)
    return data


def test_the_home_page_sends_an_operator_to_their_grid(client, operator_kota_malang):
    response = _login(client, operator_kota_malang).get("/")
    assert response.url == reverse("coverage:entry_grid", kwargs={"code": "35.73"})


def test_the_grid_lists_the_region_and_its_children_with_last_month(client, operator_kota_malang, region_tree):
    make_count(region_tree["35.73.01"], "PU", 24_286, period=APRIL, status=EntryStatus.VERIFIED)
    response = _login(client, operator_kota_malang).get(GRID)
    assert response.status_code == 200
    assert [row.region.code for row in response.context["form"].rows] == ["35.73", "35.73.01", "35.73.02"]
    html = response.content.decode()
    assert '<label class="visually-hidden" for="id_35.73.01-PU-active">Blimbing PU peserta aktif</label>' in html
    assert (
        '<span class="prev" title="Bulan lalu, angka Pemda">24.286 <span class="source source-pemda">Pemda</span>'
        "</span>" in html
    )


def test_the_grid_saves_indonesian_numbers_as_draft_then_submits(client, operator_kota_malang, region_tree):
    _login(client, operator_kota_malang)
    page = client.get(GRID)
    data = _grid_post(page, **{"35.73-PU-active": "134.167", "35.73-PU-registered": "150.000", "save": "1"})
    response = client.post(GRID, data)
    assert response.status_code == 302
    assert cells() == {("35.73", "PU"): (134_167, 150_000, EntryStatus.DRAFT, 1)}

    page = client.get(GRID)
    assert page.context["form"]["35.73-PU-active"].value() == "134.167"
    response = client.post(GRID, _grid_post(page, **{"35.73.02-BPU-active": "4.754", "submit": "1"}), follow=True)
    assert cells() == {
        ("35.73", "PU"): (134_167, 150_000, EntryStatus.SUBMITTED, 2),
        ("35.73.02", "BPU"): (4_754, None, EntryStatus.SUBMITTED, 1),
    }
    assert "2 angka diajukan ke verifikator." in [str(m) for m in response.context["messages"]]


def test_the_grid_reports_bad_numbers_and_saves_nothing(client, operator_kota_malang):
    _login(client, operator_kota_malang)
    page = client.get(GRID)
    response = client.post(
        GRID, _grid_post(page, **{"35.73-PU-active": "12,5", "35.73-BPU-registered": "100", "save": "1"})
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "35.73-PU-active": ["harus bilangan bulat: 12,5"],
        "35.73-BPU-active": ["Peserta aktif wajib diisi jika kolom lain segmen ini diisi."],
    }
    assert not ParticipantCount.objects.exists()


def test_a_stale_grid_is_refused_and_keeps_the_other_save(client, operator_kota_malang, region_tree):
    make_count(region_tree["35.73"], "PU", 120_000, user=operator_kota_malang)
    _login(client, operator_kota_malang)
    page = client.get(GRID)
    other = ParticipantCount.objects.get()
    other.active, other.version = 125_000, 2
    other.save()
    response = client.post(GRID, _grid_post(page, **{"35.73-PU-active": "134.167", "save": "1"}))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Angka Kota Malang PU Mei 2025 sudah diubah oleh Sri Wahyuni (versi 2) sejak Anda membukanya. Muat "
        "ulang halaman untuk melihat angka terbaru, lalu ulangi perubahan Anda."
    ]
    assert cells()[("35.73", "PU")][0] == 125_000


def test_an_untouched_cell_changed_by_someone_else_does_not_conflict(client, operator_kota_malang, region_tree):
    make_count(region_tree["35.73"], "PU", 120_000)
    _login(client, operator_kota_malang)
    page = client.get(GRID)
    ParticipantCount.objects.filter(segment="PU").update(active=125_000, version=2)
    client.post(GRID, _grid_post(page, **{"35.73-BPU-active": "4.754", "save": "1"}))
    assert cells() == {
        ("35.73", "PU"): (125_000, None, EntryStatus.DRAFT, 2),
        ("35.73", "BPU"): (4_754, None, EntryStatus.DRAFT, 1),
    }


def test_a_tampered_form_with_cells_of_another_region_saves_nothing_and_says_why(
    client, operator_kota_malang, region_tree
):
    """Kabupaten Blitar's cells added to Kota Malang's grid: refused as a whole (the genuine change
    posted with them too), with a message, not silently dropped."""
    _login(client, operator_kota_malang)
    page = client.get(GRID)
    data = _grid_post(
        page, **{"35.05-PU-active": "999", "35.05-PU-version": "0", "35.73-PU-active": "134.167", "save": "1"}
    )
    response = client.post(GRID, data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Formulir memuat sel yang tidak ada di tabel ini (35.05 PU); tidak ada yang disimpan. Muat ulang halaman."
    ]
    assert "Formulir memuat sel yang tidak ada di tabel ini (35.05 PU)" in response.content.decode()
    assert not ParticipantCount.objects.exists()


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/entri/35.05/?periode=2025-05"),
        ("post", "/entri/35.05/?periode=2025-05"),
        ("get", "/impor/templat/?wilayah=35.05&periode=2025-05"),
    ],
)
def test_an_operator_cannot_reach_another_regions_entry_urls(client, operator_kota_malang, region_tree, method, url):
    response = getattr(_login(client, operator_kota_malang), method)(url, {"35.05-PU-active": "1"})
    assert response.status_code == 404
    assert not ParticipantCount.objects.exists()


def test_history_is_visible_to_the_region_and_its_verifier_only(
    client, operator_kota_malang, operator_kab_blitar, verifier_malang, region_tree
):
    count = make_count(region_tree["35.73"], "PU", 134_167, user=operator_kota_malang)
    url = reverse("coverage:count_history", kwargs={"pk": count.pk})
    assert _login(client, operator_kab_blitar).get(url).status_code == 404
    response = _login(client, verifier_malang).get(url)
    assert response.status_code == 200
    assert "peserta aktif: – → 134.167" in response.content.decode()


def test_the_verifier_queue_and_other_pages_refuse_operators(client, operator_kota_malang, region_tree):
    _login(client, operator_kota_malang)
    assert client.get(reverse("coverage:verification_queue")).status_code == 403
    count = make_count(region_tree["35.73"], "PU", 1, status=EntryStatus.SUBMITTED)
    client.post(
        reverse("coverage:verification_queue"), {"group": "35.73|2025-05", "count": [count.pk], "action": "verify"}
    )
    count.refresh_from_db()
    assert count.status == EntryStatus.SUBMITTED


def test_a_verifier_verifies_and_returns_from_the_queue(client, verifier_malang, region_tree):
    pu = make_count(region_tree["35.73.01"], "PU", 24_286, status=EntryStatus.SUBMITTED)
    bpu = make_count(region_tree["35.73.01"], "BPU", 4_754, status=EntryStatus.SUBMITTED)
    blitar = make_count(region_tree["35.05"], "PU", 1, status=EntryStatus.SUBMITTED)
    _login(client, verifier_malang)
    page = client.get(reverse("coverage:verification_queue"))
    assert [g.key for g in page.context["groups"]] == ["35.73|2025-05"]  # not Blitar's
    url = reverse("coverage:verification_queue")
    client.post(url, {"group": "35.73|2025-05", "count": [pu.pk], f"v-{pu.pk}": "1", "action": "verify"})
    returned = {"group": "35.73|2025-05", "count": [bpu.pk], f"v-{bpu.pk}": "1", "action": "return"}
    client.post(url, {**returned, "reason": "Cek ulang BPU"})
    client.post(url, {"group": "35.05|2025-05", "count": [blitar.pk], "action": "verify"})
    statuses = dict(ParticipantCount.objects.values_list("pk", "status"))
    assert statuses == {pu.pk: EntryStatus.VERIFIED, bpu.pk: EntryStatus.RETURNED, blitar.pk: EntryStatus.SUBMITTED}


@pytest.mark.parametrize("version", [None, "", "abc", "1.5", "99999999999999999999"])
def test_a_decision_without_a_readable_version_is_refused_with_a_message(client, verifier_malang, region_tree, version):
    """Issue #18: ``v-<pk>=abc`` was a server error and a missing version skipped the stale check."""
    count = make_count(region_tree["35.73.01"], "PU", 24_286, status=EntryStatus.SUBMITTED)
    _login(client, verifier_malang)
    data = {"group": "35.73|2025-05", "count": [count.pk], "action": "verify"}
    if version is not None:
        data[f"v-{count.pk}"] = version
    response = client.post(reverse("coverage:verification_queue"), data, follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "Versi Blimbing PU Mei 2025 tidak terbaca dari halaman; muat ulang antrean, lalu putuskan lagi."
    ]
    count.refresh_from_db()
    assert (count.status, count.version) == (EntryStatus.SUBMITTED, 1)


def test_the_queue_says_how_many_counts_wait_beyond_those_it_shows(client, verifier_malang, region_tree, monkeypatch):
    from coverage.entry import selectors

    monkeypatch.setattr(selectors, "QUEUE_LIMIT", 2)
    for segment in ("PU", "BPU", "JAKON"):
        make_count(region_tree["35.73.01"], segment, 10, status=EntryStatus.SUBMITTED)
    _login(client, verifier_malang)
    page = client.get(reverse("coverage:verification_queue"))
    assert sum(len(group.items) for group in page.context["groups"]) == 2
    assert "Menampilkan 2 dari 3 angka yang menunggu verifikasi" in page.content.decode()


def test_the_import_page_dry_runs_then_applies(client, operator_kota_malang, region_tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _login(client, operator_kota_malang)
    upload = SimpleUploadedFile(
        "mei.csv", "\ufeffkode_wilayah;periode;segmen;peserta_aktif\n35.73;2025-05;PU;134.167\n".encode()
    )
    page = client.post(reverse("coverage:import_counts"), {"file": upload})
    assert page.status_code == 200
    assert not ParticipantCount.objects.exists()
    batch = page.context["batch"]
    assert "peserta aktif: – → <strong>134.167</strong>" in page.content.decode().replace("Peserta", "peserta")
    response = client.post(reverse("coverage:import_counts"), {"batch": batch.pk}, follow=True)
    assert cells() == {("35.73", "PU"): (134_167, None, EntryStatus.DRAFT, 1)}
    assert "Impor diterapkan: 1 angka baru, 0 diubah, 0 tidak berubah." in [
        str(m) for m in response.context["messages"]
    ]
    assert ImportBatch.objects.get().status == ImportStatus.APPLIED


def test_the_import_page_rejects_a_foreign_region_row_and_keeps_nothing(client, operator_kota_malang, region_tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _login(client, operator_kota_malang)
    upload = SimpleUploadedFile("x.csv", b"nama_wilayah;periode;segmen;peserta_aktif\nKab. Blitar;2025-05;PU;10\n")
    page = client.post(reverse("coverage:import_counts"), {"file": upload})
    assert [e.reason for e in page.context["report"].errors] == [
        "Wilayah 35.05 Kabupaten Blitar di luar wilayah kewenangan Anda."
    ]
    assert page.context["batch"] is None and not ImportBatch.objects.exists()


def test_the_template_download_is_an_xlsx_of_the_region(client, operator_kota_malang, region_tree):
    response = _login(client, operator_kota_malang).get(
        reverse("coverage:import_template"), {"wilayah": "35.73", "periode": "2025-05"}
    )
    assert response["Content-Disposition"] == 'attachment; filename="templat-ucj-35.73-2025-05.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content))["Data"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["35.73", "35.73.01", "35.73.02"]


def test_the_tracker_lets_an_admin_close_and_reopen_a_month(client, admin_user, operator_kota_malang, region_tree):
    make_count(region_tree["35.73"], "PU", 134_167, status=EntryStatus.SUBMITTED)
    _login(client, admin_user)
    url = reverse("coverage:submission_tracker")
    page = client.get(url, {"periode": "2025-05"})
    assert [(r.region.code, r.status_label) for r in page.context["rows"]] == [("35.73", "Diajukan")]
    client.post(url, {"periode": "2025-05", "action": "close"})
    assert ReportingPeriod.objects.get(period=MAY).status == "closed"
    grid = _login(client, operator_kota_malang).get(GRID)
    assert grid.context["closed"] is True
    _login(client, admin_user).post(url, {"periode": "2025-05", "action": "reopen", "reason": "Koreksi BPU"})
    assert ReportingPeriod.objects.get(period=MAY).status == "open"


def test_operators_cannot_close_a_month(client, operator_kota_malang):
    response = _login(client, operator_kota_malang).post(
        reverse("coverage:submission_tracker"), {"periode": "2025-05", "action": "close"}
    )
    assert response.status_code == 403
    assert not ReportingPeriod.objects.exists()


def test_the_queue_form_as_rendered_verifies_a_count_whose_id_has_thousands(client, verifier_malang, region_tree):
    """Found by the full suite: ids were rendered localized ("2.050"), so no count above 999 could be
    chosen, and its version field was named "v-2.050"."""
    import re

    count = make_count(region_tree["35.73.01"], "PU", 24_286, status=EntryStatus.SUBMITTED)
    ParticipantCount.objects.filter(pk=count.pk).update(id=123_456)
    _login(client, verifier_malang)
    html = client.get(reverse("coverage:verification_queue")).content.decode()
    form = dict(re.findall(r'<input type="(?:hidden|checkbox)" name="([^"]+)" value="([^"]*)"', html))
    assert form["count"] == "123456" and form["v-123456"] == "1"
    response = client.post(reverse("coverage:verification_queue"), {**form, "action": "verify"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["1 angka diverifikasi."]
    assert ParticipantCount.objects.get(pk=123_456).status == EntryStatus.VERIFIED
