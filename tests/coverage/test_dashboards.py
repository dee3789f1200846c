"""Region and office dashboards, chart JSON and boundaries, on snapshots the engine wrote (the ``dash`` fixture)."""

import json
import re
from datetime import date

import pytest
from django.urls import reverse

from coverage.engine import coverage_recompute
from coverage.models import ParticipantCount
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client, operator_kab_blitar):
    """Any signed-in user may read aggregate dashboards: here the Blitar operator (the outsider)."""
    client.login(username=operator_kab_blitar.username, password=PASSWORD)
    return client


def figure(html, name):
    match = re.search(rf'<script id="fig-{name}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"figure {name} missing"
    return json.loads(match.group(1))


def test_kota_malang_dashboard_shows_the_real_figures(reader, dash):
    response = reader.get(reverse("coverage:region_dashboard", kwargs={"code": "35.73"}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "32,44%" in html
    assert "134.167" in html
    assert "41,23%" in html and "176.753" in html
    assert "42.586" in html  # gap in participants, from the stated target count
    assert "7.098" in html  # ceil(42,586 / 6 months) needed per month
    assert "36,79%" in html  # projected December coverage at 3,000 a month
    assert "September 2026" in html  # month the RPJMD target would be reached
    assert "Sakernas Agustus 2024" in html  # lineage: the denominator's source
    assert "Perwali Kota Malang tentang RPJMD" in html  # lineage: the target's source
    assert "Sedang" in html  # category
    assert "▲ 1" in html  # rank 1, was 2
    assert 'class="badge provisional"' in html  # June is provisional
    assert "Data per" in html and "28 Juni 2025" in html


def test_the_dashboard_draws_from_local_scripts_only(reader, dash):
    html = reader.get(reverse("coverage:region_dashboard", kwargs={"code": "35.73"})).content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    executable = [s for s in scripts if 'type="application/json"' not in s]
    assert all("src=" in s for s in executable)  # no inline script (CSP without unsafe-inline)
    assert any("/static/vendor/plotly/plotly.min.js" in s for s in executable)
    assert 'data-topojson-url="/static/vendor/topojson/"' in html
    assert "cdn.plot.ly" not in html and "https://" not in html
    trend = figure(html, "tren")
    assert trend["layout"]["separators"] == ",."
    ranking = figure(html, "peringkat")
    assert ranking["data"][0]["y"][-1] == "▶ Kota Malang"  # best of Jawa Timur, highlighted
    children = figure(html, "bawahan")
    assert sorted(children["data"][0]["y"]) == ["Blimbing", "Klojen"]


def test_period_and_segment_filters_give_a_shareable_view(reader, dash):
    url = reverse("coverage:region_dashboard", kwargs={"code": "35.73"})
    html = reader.get(url, {"periode": "2025-05", "segmen": "PU"}).content.decode()
    assert "105.000" in html  # May's active participants
    assert "Mei 2025" in html
    assert '<option value="PU" selected>' in html
    assert "periode=2025-05&amp;segmen=PU" in html  # links keep the filters
    html = reader.get(url, {"periode": "2025-06", "segmen": "PU"}).content.decode()
    ranking = figure(html, "bawahan")
    assert ranking["data"][0]["name"] == "Cakupan PU"


def test_a_month_without_snapshots_is_a_message_not_an_error(reader, dash):
    html = reader.get(reverse("coverage:region_dashboard", kwargs={"code": "35.73"}), {"periode": "2024-01"}).content
    assert "Belum ada snapshot untuk Januari 2024" in html.decode()


def test_province_and_national_dashboards_rank_their_children(reader, dash):
    html = reader.get(reverse("coverage:region_dashboard", kwargs={"code": "35"})).content.decode()
    bars = figure(html, "bawahan")["data"][0]
    assert bars["y"] == ["Kabupaten Malang", "Kabupaten Blitar", "Kota Malang"]
    assert [round(x, 2) for x in bars["x"]] == [19.6, 26.3, 32.44]
    national = reader.get(reverse("coverage:region_dashboard", kwargs={"code": "ID"}))
    assert national.status_code == 200
    assert "Jawa Timur" in national.content.decode()


def test_dashboard_queries_are_bounded_and_cached(reader, dash, django_assert_max_num_queries):
    url = reverse("coverage:region_dashboard", kwargs={"code": "35.73"})
    # session, user, roles, region, snapshot versions; 8 snapshot reads (the children's year for the map
    # over time among them), the children expected to report; the funding panel's own 6 queries, the
    # commitments panel's 2 (regulations, allocations); the trend chart's notes, 2 (explained jumps in the
    # counts' history, funded batches starting); the inbox badge's unread count (then cached).
    with django_assert_max_num_queries(25):
        reader.get(url)
    # Then the body (and the region) come from the cache: the session, the user, the roles and the
    # snapshot versions (one small query that tells whether the cached body is still current).
    with django_assert_max_num_queries(4) as cached:
        reader.get(url)
    reads = [q["sql"] for q in cached.captured_queries if "coverage_snapshotversion" not in q["sql"]]
    assert not any("coverage_" in sql or "programs_" in sql for sql in reads)


def test_the_cached_body_is_per_language(reader, dash):
    url = reverse("coverage:region_dashboard", kwargs={"code": "35.73"})
    assert "32,44%" in reader.get(url).content.decode()
    reader.cookies["django_language"] = "en"  # what the language switcher sets
    english = reader.get(url).content.decode()
    assert "32.44%" in english and "134,167" in english


def test_a_recompute_invalidates_the_cached_reads_of_the_page(reader, dash):
    url = reverse("coverage:region_dashboard", kwargs={"code": "35.73"})
    assert "134.167" in reader.get(url).content.decode()
    june = ParticipantCount.objects.get(region__code="35.73", period=date(2025, 6, 1), segment="PU")
    june.active += 33
    june.save()
    assert "134.167" in reader.get(url).content.decode()  # nothing recomputed yet: the cached page
    coverage_recompute(periods=[date(2025, 6, 1)], regions=[june.region])
    assert "134.200" in reader.get(url).content.decode()


def test_anonymous_users_are_sent_to_login_and_unknown_codes_are_404(client, reader, dash):
    url = reverse("coverage:region_dashboard", kwargs={"code": "35.73"})
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    reader.login(username="operator.blitar", password=PASSWORD)
    assert reader.get("/wilayah/99.99/").status_code == 404
    assert reader.get("/wilayah/bukan-kode/").status_code == 404


def test_chart_json_serves_each_figure(reader, dash):
    url = reverse("coverage:chart_json", kwargs={"code": "35.73", "chart": "tren"})
    body = reader.get(url, {"periode": "2025-06"}).json()
    assert body["layout"]["separators"] == ",."
    assert body["config"]["responsive"] is True
    assert round(body["data"][0]["y"][-1], 2) == 32.44
    peta = reader.get(reverse("coverage:chart_json", kwargs={"code": "35.73", "chart": "peta"})).json()
    assert peta["boundaries_url"] == reverse("coverage:boundaries_json", kwargs={"code": "35.73"})
    assert peta["data"][0]["locations"] == ["35.73.01", "35.73.02"]
    empty = reader.get(reverse("coverage:chart_json", kwargs={"code": "35.73.01", "chart": "bawahan"})).json()
    assert empty["data"] == [] and "Belum ada data" in empty["message"]
    assert reader.get("/wilayah/35.73/grafik/tidak-ada/").status_code == 404


# --- boundaries ------------------------------------------------------------------------------


def square(x, y, size=0.1, points=40):
    """A square ring with many collinear points (which the simplification must drop)."""
    step = size / points
    ring = [[x + i * step, y] for i in range(points)]
    ring += [[x + size, y - i * step] for i in range(points)]
    ring += [[x + size - i * step, y - size] for i in range(points)]
    ring += [[x, y - size + i * step] for i in range(points)]
    return ring + [[x, y]]


def feature(code, name, x, y):
    return {
        "type": "Feature",
        "id": code,
        "properties": {"kode": code, "nama": name},
        "geometry": {"type": "Polygon", "coordinates": [square(x, y)]},
    }


@pytest.fixture
def geo_dir(tmp_path, settings):
    """A small geometry fixture written by the test (never the real ../shared/geo files)."""
    (tmp_path / "districts").mkdir()
    districts = [
        feature("35.73.01", "Blimbing", 112.63, -7.93),
        feature("35.73.02", "Klojen", 112.62, -7.97),
        feature("35.07.01", "Donomulyo", 112.42, -8.28),
    ]
    (tmp_path / "districts" / "35.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": districts}))
    regencies = [feature("35.73", "Kota Malang", 112.6, -7.9), feature("13.11", "Kab. Solok Selatan", 101.2, -1.4)]
    (tmp_path / "regencies.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": regencies}))
    settings.GEO_DIR = tmp_path
    return tmp_path


def served_json(response):
    return json.loads(b"".join(response.streaming_content))


def test_boundaries_are_the_children_only_and_simplified_once_into_a_file(reader, dash, geo_dir, settings, tmp_path):
    settings.GEO_BUILD_DIR = tmp_path / "built"
    body = served_json(reader.get(reverse("coverage:boundaries_json", kwargs={"code": "35.73"})))
    assert body["available"] is True
    assert len(list((tmp_path / "built").rglob("35.73.json"))) == 1  # built once, then served as a file
    assert [f["id"] for f in body["features"]] == ["35.73.01", "35.73.02"]
    ring = body["features"][0]["geometry"]["coordinates"][0]
    assert len(ring) == 5  # 161 points of a square down to its corners
    province = served_json(reader.get(reverse("coverage:boundaries_json", kwargs={"code": "35"})))
    assert [f["id"] for f in province["features"]] == ["35.73"]
    page = reader.get(reverse("coverage:region_dashboard", kwargs={"code": "35.73"})).content.decode()
    assert 'data-boundaries="/wilayah/35.73/batas/"' in page


def test_missing_boundaries_show_an_indonesian_message(reader, dash, settings, tmp_path):
    settings.GEO_DIR = tmp_path / "tidak-ada"
    body = reader.get(reverse("coverage:boundaries_json", kwargs={"code": "35.73"}))
    assert body.status_code == 200
    assert body.json()["features"] == []
    assert "berkas batas wilayah belum tersedia" in body.json()["message"]
    page = reader.get(reverse("coverage:region_dashboard", kwargs={"code": "35.73"}))
    assert page.status_code == 200
    assert "Peta tidak dapat ditampilkan: berkas batas wilayah belum tersedia di server." in page.content.decode()


# --- offices ---------------------------------------------------------------------------------


def test_a_branch_head_lands_on_the_branch_dashboard(client, branch_head_malang, dash):
    client.login(username=branch_head_malang.username, password=PASSWORD)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("coverage:office_dashboard", kwargs={"code": "KC-MALANG"})
    html = response.content.decode()
    assert "Kantor Cabang Malang" in html
    assert "32,44%" in html and "134.167" in html
    assert "42.586" in html  # the territory's gap to Kota Malang's own target
    branches = figure(html, "cabang")["data"][0]
    assert branches["y"] == ["Malang Kepanjen", "Blitar", "▶ Malang"]
    territory = figure(html, "wilayah")["data"][0]
    assert territory["y"] == ["Kota Malang"]


def test_the_kanwil_dashboard_ranks_its_branches_and_best_kab_kota(reader, dash, django_assert_max_num_queries):
    url = reverse("coverage:office_dashboard", kwargs={"code": "KW-JATIM"})
    with django_assert_max_num_queries(16):
        html = reader.get(url).content.decode()
    best = re.search(r'<ol class="best-five">(.*?)</ol>', html, re.S).group(1)
    assert best.index("Kota Malang") < best.index("Kabupaten Blitar") < best.index("Kabupaten Malang")
    assert figure(html, "cabang")["data"][0]["y"] == ["Malang Kepanjen", "Blitar", "Malang"]
    assert reader.get(reverse("coverage:office_chart_json", kwargs={"code": "KW-JATIM", "chart": "cabang"})).json()[
        "data"
    ][0]["x"][-1] == pytest.approx(32.4388, abs=1e-3)


def test_unknown_office_is_404(reader, dash):
    assert reader.get(reverse("coverage:office_dashboard", kwargs={"code": "KC-TIDAK-ADA"})).status_code == 404


def test_funding_panel_or_its_fallback_appears_from_kab_kota_down(reader, dash):
    html = reader.get(reverse("coverage:region_dashboard", kwargs={"code": "35.73"})).content.decode()
    assert 'class="card funding"' in html
    assert "Panel pendanaan program belum tersedia." not in html  # programs.selectors.funding_panel is there
    province = reader.get(reverse("coverage:region_dashboard", kwargs={"code": "35"})).content.decode()
    assert 'class="card funding"' not in province


def test_health_is_trivial(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("coverage:health"))
    assert response.content == b"ok"


def test_a_repeated_dashboard_view_is_served_per_session_and_never_across_users(
    client, personas, dash, django_assert_max_num_queries
):
    """The per-session page cache: same user and session -> cached; another user -> their own page;
    a recompute -> the new figure on the next view."""
    from django.test import Client

    client.force_login(personas["branch_head_malang"])
    client.get("/wilayah/ID/")  # the first page with a form sets the CSRF cookie the cache key needs
    first = client.get("/wilayah/35.73/")
    assert "134.167" in first.content.decode()
    with django_assert_max_num_queries(3):  # session, user and the snapshot version
        again = client.get("/wilayah/35.73/")
    assert again.content == first.content

    other = Client()
    other.force_login(personas["operator_kota_malang"])
    other.get("/wilayah/ID/")
    theirs = other.get("/wilayah/35.73/")
    assert b"Budi" in first.content and b"Budi" not in theirs.content  # each sees their own name

    june = ParticipantCount.objects.get(region__code="35.73", period=date(2025, 6, 1), segment="PU")
    june.active += 33
    june.save()
    coverage_recompute(periods=[date(2025, 6, 1)], regions=[june.region])  # bumps the snapshot versions
    with django_assert_max_num_queries(40):
        fresh = client.get("/wilayah/35.73/")
    assert "134.200" in fresh.content.decode() and "134.167" not in fresh.content.decode()
