"""The first page of the kab/kota report and of the dossier as PNG in docs/screenshots (README), refreshed
by `make screenshots` (UCJ_SCREENSHOTS=1, with Debian's poppler-utils); otherwise the same PDFs are made
and checked and nothing is written."""

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from coverage.engine import period_close
from coverage.reports.dashboard import dashboard_pdf
from programs.dossier import dossier
from programs.dossier_files import dossier_pdf

pytestmark = pytest.mark.django_db

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
JUNE = date(2025, 6, 1)


def _first_page_png(content, name, tmp_path):
    assert content.startswith(b"%PDF-")
    if os.environ.get("UCJ_SCREENSHOTS") != "1":
        return
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "make screenshots installs poppler-utils (pdftoppm)"
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(content)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - a fixed local tool on a file this test wrote
        [pdftoppm, "-png", "-r", "90", "-f", "1", "-l", "1", "-singlefile", str(source), str(SCREENSHOTS / name)],
        check=True,
    )


def test_the_first_pages_of_the_kab_kota_report_and_the_dossier(dash, region_tree, admin_user, tmp_path, settings):
    settings.GEO_DIR = tmp_path / "no-boundaries"  # the map is drawn only from real files; here: its message
    content, _name = dashboard_pdf(region=region_tree["35.73"], period=JUNE)
    _first_page_png(content, "10-laporan-kab-kota", tmp_path)
    for month in (3, 4, 5, 6):
        period_close(period=date(2025, month, 1), user=admin_user)
    _first_page_png(dossier_pdf(dossier(region=region_tree["35.73"], year=2025)), "11-dosir-paritrana", tmp_path)
