"""Resource limits of uploads (docs/SECURITY.md "Resource limits").

The amplification files of issue #18, and the file that costs the most memory within every limit,
are uploaded to a fresh Django process (``tests/trust/probe.py``, serving the request as a
gunicorn worker does, production settings) whose resident-set growth and time are measured
against the stated limits. Before the streaming reader, the first file grew a worker by 1,8 GB.
"""

import io
import itertools
import json
import os
import string
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from openpyxl import Workbook

from coverage.entry.importer import TEMPLATE_COLUMNS
from tests.trust.conftest import PERIOD
from ucj_dashboard.spreadsheets import MAX_CELLS, MAX_COLUMNS, MAX_ROWS, MAX_UPLOAD_BYTES

pytestmark = pytest.mark.django_db(transaction=True)

# The stated limits (docs/SECURITY.md): what one upload may add to a web worker, and how long it may
# take (gunicorn's default --timeout, Procfile).
UPLOAD_MEMORY_MB = 256
UPLOAD_SECONDS = 30

HEADER = "kode_wilayah;nama_wilayah;periode;segmen;peserta_aktif;jumlah_pekerja\r\n"


def short_rows_and_one_wide_row(rows):
    """Short rows plus one row of 20.000 ';' (the old reader padded every row to the widest)."""
    body = "".join(f"35.73;;2025-06;PU;{i}\r\n" for i in range(rows))
    return (HEADER + body + ";" * 20_000 + "\r\n").encode()


def xlsx_with_a_cell_in_column_xfd(rows=2_000):
    """About 35 KB; the old reader made every row 16.384 cells wide."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(HEADER.strip().split(";"))
    for i in range(rows):
        sheet.append(["35.73", "", "2025-06", "PU", i, 1])
    sheet.cell(row=rows + 2, column=16_384, value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def distinct_cells_up_to_the_limits():
    """The most memory a file within every limit can cost: 10 MB of distinct 4-character cells in rows
    of the template's width (no two cells share a string), each row an unknown region (an error)."""
    tokens = ("".join(t) for t in itertools.product(string.ascii_letters + string.digits, repeat=4))
    width = len(TEMPLATE_COLUMNS)
    lines, size = [";".join(TEMPLATE_COLUMNS)], 0
    while size < MAX_UPLOAD_BYTES - 200 and len(lines) <= MAX_ROWS and len(lines) * width < MAX_CELLS:
        lines.append(";".join(next(tokens) for _ in range(width)))
        size += len(lines[-1]) + 2
    return ("\r\n".join(lines[:-1]) + "\r\n").encode()


COUNTS, BATCHES = "/impor/", "/program/wilayah/35.73/batch/impor/"
UPLOADS = [
    # (file name, content, URL)
    ("4000-rows-one-wide.csv", lambda: short_rows_and_one_wide_row(4_000), COUNTS),
    ("4000-rows-one-wide.csv", lambda: short_rows_and_one_wide_row(4_000), BATCHES),
    ("8000-rows-one-wide.csv", lambda: short_rows_and_one_wide_row(8_000), COUNTS),
    ("cell-in-xfd.xlsx", xlsx_with_a_cell_in_column_xfd, COUNTS),
    ("cell-in-xfd.xlsx", xlsx_with_a_cell_in_column_xfd, BATCHES),
    ("distinct-cells.csv", distinct_cells_up_to_the_limits, COUNTS),
]


def _probe(username, url, path):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{db['NAME']}",
        "TEST_DB_NAME": "",
        "REDIS_URL": settings.REDIS_URL,
    }
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "tests.trust.probe", username, url, str(path)],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_uploads_grow_a_worker_by_less_than_the_stated_limit(world, tmp_path):
    username = world["personas"]["operator_kota_malang"].username
    jobs = []
    for name, make, url in UPLOADS:
        path = tmp_path / name
        if not path.exists():
            path.write_bytes(make())
        jobs.append((f"{name} -> {url}", url, path))
    with ThreadPoolExecutor(max_workers=2) as pool:  # one fresh process per upload, two at a time
        results = dict(pool.map(lambda job: (job[0], _probe(username, job[1], job[2])), jobs))
    print(json.dumps({what: {k: v for k, v in r.items() if k != "errors"} for what, r in results.items()}, indent=1))

    for what, result in results.items():
        assert result["status"] == 200, what
        assert result["grown_mb"] < UPLOAD_MEMORY_MB, (what, result)
        assert result["seconds"] < UPLOAD_SECONDS, (what, result)
    # The amplifiers cost next to nothing now: a row of empty cells is blank, a far column refused.
    amplifiers = [r for what, r in results.items() if not what.startswith("distinct")]
    assert max(r["grown_mb"] for r in amplifiers) < 32
    refusal = f"Lembar Data memakai kolom sampai XFD; batasnya {MAX_COLUMNS} kolom."
    assert refusal in results[f"cell-in-xfd.xlsx -> {COUNTS}"]["errors"][0]
    assert refusal in results[f"cell-in-xfd.xlsx -> {BATCHES}"]["errors"][0]
    # The wide row was blank: the rows themselves were read and checked (duplicates of one cell).
    assert results[f"4000-rows-one-wide.csv -> {COUNTS}"]["errors"][0].startswith("Baris duplikat")
    assert results[f"distinct-cells.csv -> {COUNTS}"]["errors"][0] == "Kode wilayah aaaa tidak dikenal."


def test_bpjs_uploads_grow_a_worker_by_less_than_the_stated_limit(world, tmp_path):
    """The BPJS extraction page reads through the same reader: the same limits, as a branch's verifier."""
    username = world["personas"]["verifier_malang"].username
    jobs = []
    for name, make in (
        ("cell-in-xfd.xlsx", xlsx_with_a_cell_in_column_xfd),
        ("distinct-cells.csv", distinct_cells_up_to_the_limits),
    ):
        path = tmp_path / name
        path.write_bytes(make())
        jobs.append((name, path))
    results = {name: _probe(username, "/impor/bpjs/", path) for name, path in jobs}

    for what, result in results.items():
        assert result["status"] == 200, what
        assert result["grown_mb"] < UPLOAD_MEMORY_MB, (what, result)
        assert result["seconds"] < UPLOAD_SECONDS, (what, result)
    refusal = f"Lembar Data memakai kolom sampai XFD; batasnya {MAX_COLUMNS} kolom."
    assert refusal in results["cell-in-xfd.xlsx"]["errors"][0]
    assert results["distinct-cells.csv"]["errors"]  # refused row by row, never a server error


# --- API pages and exports ----------------------------------------------------------------------

# The stated limits (docs/SECURITY.md): an API page (at most 1.000 rows) and a league-table export
# (one level of one province, or the 514 kab/kota of the country) measured with 1.000 kecamatan.
READ_MEMORY_MB = 64
READ_SECONDS = 10


@pytest.fixture
def a_thousand_kecamatan(world):
    """1.000 kecamatan of Jawa Timur (20 kab/kota of 50) with a current snapshot each, June 2025."""
    from django.utils import timezone

    from coverage.models import Snapshot
    from regions.models import Kind, Level, Region

    province = Region.objects.get(code="35")
    kabs = Region.objects.bulk_create(
        Region(code=f"35.{k}", name=f"Kabupaten Uji {k}", level=Level.REGENCY, kind=Kind.KABUPATEN, parent=province)
        for k in range(10, 30)
    )
    kecamatan = Region.objects.bulk_create(
        Region(code=f"{kab.code}.{d:02d}", name=f"Kecamatan {kab.code}.{d:02d}", level=Level.DISTRICT,
               kind=Kind.KECAMATAN, parent=kab)
        for kab in kabs for d in range(1, 51)
    )  # fmt: skip
    now = timezone.now()
    Snapshot.objects.bulk_create(
        Snapshot(region=region, level=Level.DISTRICT, parent_region=region.parent, period=PERIOD, year=PERIOD.year,
                 month=PERIOD.month, active_total=1_000 + i, workers_total=4_000, coverage_total=25 + i / 100,
                 category="rendah", rank_in_parent=i % 50 + 1, ranked_in_parent=50, computed_at=now, data_as_of=now)
        for i, region in enumerate(kecamatan)
    )  # fmt: skip
    return kecamatan


def test_an_api_page_and_the_exports_at_their_largest_stay_within_the_stated_limits(world, a_thousand_kecamatan):
    username = world["personas"]["operator_kab_blitar"].username
    urls = [
        "/api/v1/snapshot/?tingkat=3&batas=1000",
        "/peringkat/?tingkat=3&induk=35",
        "/peringkat/unduh/csv/?tingkat=3&induk=35",
        "/peringkat/unduh/xlsx/?tingkat=3&induk=35",
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(pool.map(lambda url: (url, _probe(username, url, "-")), urls))
    print(json.dumps({url: {k: v for k, v in r.items() if k != "errors"} for url, r in results.items()}, indent=1))
    for url, result in results.items():
        assert result["status"] == 200, url
        assert result["grown_mb"] < READ_MEMORY_MB, (url, result)
        assert result["seconds"] < READ_SECONDS, (url, result)
    assert results[urls[0]]["bytes"] > 1_000 * 500  # a full page of 1.000 rows was served
