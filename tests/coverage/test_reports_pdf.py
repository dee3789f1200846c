"""The PDF of a dashboard: the real figures of the page, in the PDF's own text (pypdf)."""

import io
import json
from datetime import date

import pytest
from pypdf import PdfReader

from coverage.reports.dashboard import dashboard_pdf
from coverage.reports.pdf import html_to_pdf

pytestmark = pytest.mark.django_db

JUNE = date(2025, 6, 1)


def square(code, name, x, y, size=0.05):
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Feature", "id": code, "properties": {"kode": code, "nama": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip


@pytest.fixture
def geo_dir(tmp_path, settings):
    """Two kecamatan of Kota Malang as squares, written by the test (never the real ../shared/geo)."""
    (tmp_path / "districts").mkdir()
    features = [square("35.73.01", "Blimbing", 112.63, -7.93), square("35.73.02", "Klojen", 112.58, -7.97)]
    (tmp_path / "districts" / "35.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    settings.GEO_DIR = tmp_path
    settings.GEO_BUILD_DIR = tmp_path / "built"
    return tmp_path


def pdf_text(content):
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_kota_malang_june_2025_pdf_holds_the_real_figures(dash, region_tree, geo_dir):
    content, filename = dashboard_pdf(region=region_tree["35.73"], period=JUNE)
    reader, text = pdf_text(content)
    assert filename == "ucj-35.73-2025-06.pdf"
    assert content.startswith(b"%PDF-")
    assert "32,44%" in text and "134.167" in text and "42.586" in text
    assert "176.753" in text and "41,23%" in text  # the RPJMD target, as a count and a percentage
    assert "Juni 2025" in text and "Data per 28 Juni 2025 09:30 WIB" in text
    assert "Sementara" in text  # June's Pemda figures are submitted, not verified
    assert f"Halaman 1 dari {len(reader.pages)}" in text
    assert "Blimbing" in text and "Klojen" in text  # the kecamatan table


def test_the_pdf_fetches_nothing_from_the_network_or_the_disk(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("RAHASIA")
    html = (
        '<html><body><p>Isi</p><img src="http://127.0.0.1:1/x.png"><img src="https://example.org/y.png">'
        f'<link rel="stylesheet" href="file://{secret}"><iframe src="file://{secret}"></iframe></body></html>'
    )
    _reader, text = pdf_text(html_to_pdf(html))
    assert "Isi" in text and "RAHASIA" not in text


def test_the_page_links_to_the_pdf_and_the_job_shows_progress_then_the_file(
    client, dash, region_tree, branch_head_malang, geo_dir, django_capture_on_commit_callbacks
):
    client.force_login(branch_head_malang)
    page = client.get("/wilayah/35.73/?periode=2025-06").content.decode()
    assert '<a href="/laporan/wilayah/35.73/?periode=2025-06">Unduh PDF</a>' in page
    start = client.get("/laporan/wilayah/35.73/?periode=2025-06").content.decode()
    assert "Buat PDF" in start and 'name="periode" value="2025-06"' in start
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/laporan/wilayah/35.73/?periode=2025-06", {"periode": "2025-06"})
    job_page = client.get(response.url).content.decode()
    assert 'src="/static/coverage/reports.js"' in job_page and "<script>" not in job_page  # CSP: no inline script
    status = client.get(response.url + "status/").json()
    assert (status["status"], status["progress"], status["stage"]) == ("done", 100, "Selesai")
    download = client.get(status["download_url"])
    assert download["Content-Type"] == "application/pdf"
    _reader, text = pdf_text(download.content)
    assert "32,44%" in text and "134.167" in text and "42.586" in text


def test_the_branch_and_kanwil_pdfs_rank_their_kab_kota(dash, offices):
    _reader, text = pdf_text(dashboard_pdf(office=offices["kanwil"], period=JUNE)[0])
    assert "Lima kab/kota terbaik Kanwil Jawa Timur" in text
    assert "Kota Malang — 32,44%" in text and "Kabupaten Blitar — 26,30%" in text
    _reader, text = pdf_text(dashboard_pdf(office=offices["malang"], period=JUNE)[0])
    assert "Kantor Cabang Malang" in text and "134.167" in text
