"""The Paritrana / Monev UCJ dossier of Kota Malang for 2025 (programs.dossier): published figures only,
each with its revision, as a PDF (text read back with pypdf) and a DOCX (read back with python-docx)."""

import io
from datetime import date

import pytest
from django.urls import reverse
from docx import Document
from pypdf import PdfReader

from coverage.engine import coverage_recompute, period_close, period_reopen
from coverage.models import ParticipantCount, ReportJob
from programs.dossier import dossier
from programs.dossier_files import dossier_docx, dossier_pdf
from programs.models import Allocation, DossierNote, FundedBatch, FundingScheme, Package, Regulation, WorkerCategory
from programs.services import programs_seed

pytestmark = pytest.mark.django_db

MARCH, APRIL, MAY, JUNE = (date(2025, m, 1) for m in (3, 4, 5, 6))


def pdf_text(content):
    """The PDF's text with its line breaks as spaces (table cells wrap)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def docx_text(content):
    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.fixture
def published(dash, admin_user):
    """March-June 2025 closed (published), as an admin does at month end."""
    for period in (MARCH, APRIL, MAY, JUNE):
        period_close(period=period, user=admin_user)
    return dash


@pytest.fixture
def register(region_tree):
    """Kota Malang's Inpres 2/2021 commitments for 2025 and the batch they paid."""
    programs_seed()
    kota = region_tree["35.73"]
    kader = WorkerCategory.objects.get(code="kader-posyandu")
    apbd = FundingScheme.objects.get(code="apbd")
    batch = FundedBatch.objects.create(region=kota, scheme=apbd, category=kader, workers=1_250, fiscal_year=2025,
                                       package=Package.objects.get(code="bpu-jkk-jkm"), start_month=date(2025, 3, 1),
                                       end_month=date(2025, 11, 1), status="active", cost=189_000_000)  # fmt: skip
    regulation = Regulation.objects.create(region=kota, kind="perkada", number="Perwali Kota Malang 12/2024",
                                           issued_on=date(2024, 11, 4), title="Perlindungan jaminan sosial "
                                           "ketenagakerjaan bagi pekerja rentan")  # fmt: skip
    regulation.categories.add(kader)
    regulation.batches.add(batch)
    allocation = Allocation.objects.create(region=kota, fiscal_year=2025, scheme=apbd, amount=250_000_000,
                                           workers=1_250, regulation=regulation)  # fmt: skip
    allocation.batches.add(batch)
    DossierNote.objects.create(region=kota, year=2025, summary="Cakupan naik berkat kader posyandu.",
                               recommendations="Perluas ke linmas pada APBD 2026.")  # fmt: skip
    return {"batch": batch, "regulation": regulation, "allocation": allocation}


def test_the_dossier_pdf_and_docx_hold_the_published_june_2025_figures(published, register, region_tree):
    d = dossier(region=region_tree["35.73"], year=2025)
    assert [row["period"] for row in d["months"]] == [MARCH, APRIL, MAY, JUNE]
    for text in (pdf_text(dossier_pdf(d)), docx_text(dossier_docx(d))):
        assert "32,44%" in text and "134.167" in text and "42.586" in text and "176.753" in text
        assert "Juni 2025" in text and "RPJMD Kota Malang" in text and "RPJMN 2025-2029" in text
        assert "75,91%" in text  # attainment of the RPJMD count: 134.167 / 176.753
        assert "Perwali Kota Malang 12/2024" in text and "Rp250.000.000" in text and "Rp189.000.000" in text
        assert "Kader posyandu" in text and "1.250" in text
        assert "Cakupan naik berkat kader posyandu." in text and "Perluas ke linmas pada APBD 2026." in text
    text = pdf_text(dossier_pdf(d))
    assert "Angka yang dipublikasikan: 4 dari 12 bulan, terakhir Juni 2025" in text
    assert "Peringkat di provinsi 1 / 3 sebulan: ▲ 1" in text  # May: 2nd of 3; June: 1st


def test_an_unpublished_month_stays_out_of_the_dossier(dash, admin_user, region_tree):
    for period in (MARCH, APRIL, MAY):
        period_close(period=period, user=admin_user)
    d = dossier(region=region_tree["35.73"], year=2025)
    assert [row["period"] for row in d["months"]] == [MARCH, APRIL, MAY]
    text = pdf_text(dossier_pdf(d))
    assert "134.167" not in text and "32,44%" not in text  # June is not closed
    assert "terakhir Mei 2025" in text and "9 bulan belum dipublikasikan" in text


def test_a_correction_after_a_reopen_shows_as_the_published_revision(published, admin_user, region_tree):
    period_reopen(period=JUNE, user=admin_user, reason="BPU Kota Malang dikoreksi")
    ParticipantCount.objects.filter(region=region_tree["35.73"], period=JUNE, segment="BPU").update(active=35_500)
    coverage_recompute(periods=[JUNE])
    d = dossier(region=region_tree["35.73"], year=2025)
    assert (d["latest"]["active_total"], d["latest"]["revision"]) == (134_167, 1)  # not yet published
    period_close(period=JUNE, user=admin_user)
    d = dossier(region=region_tree["35.73"], year=2025)
    assert (d["latest"]["active_total"], d["latest"]["revision"]) == (138_167, 2)
    assert "Revisi 2" in pdf_text(dossier_pdf(d))


def test_the_dossier_page_makes_the_docx_in_a_job_for_the_region_and_refuses_an_outsider(
    client, published, register, operator_kota_malang, operator_kab_blitar, django_capture_on_commit_callbacks
):
    url = reverse("programs:dossier", kwargs={"code": "35.73"}) + "?tahun=2025"
    client.force_login(operator_kab_blitar)
    assert client.get(url).status_code == 404
    client.force_login(operator_kota_malang)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "docx", "tahun": "2025"})
    job = ReportJob.objects.get()
    assert response.url == reverse("coverage:report_job", kwargs={"pk": job.pk})
    status = client.get(reverse("coverage:report_job_status", kwargs={"pk": job.pk})).json()
    assert (status["status"], status["progress"]) == ("done", 100)
    download = client.get(status["download_url"])
    assert download["Content-Disposition"] == 'attachment; filename="dosir-ucj-35.73-2025.docx"'
    assert "134.167" in docx_text(download.content)
    client.force_login(operator_kab_blitar)
    assert client.get(status["download_url"]).status_code == 404  # a job is its owner's only
