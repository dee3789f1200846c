"""The product in a real browser: sign-in and landing pages, the monthly cycle from the Pemda
grid through verification and the Celery worker to the branch dashboard, every chart and the
map drawn, Indonesian and English, and not one request to any host but the app's own.

Each test also writes the screenshots of the pages it visits to docs/screenshots/.
"""

import pytest
from celery.contrib.testing.worker import start_worker

from coverage.models import EntryStatus, ParticipantCount, Snapshot
from programs.models import Package
from programs.services import programs_seed
from tests.e2e.conftest import JUNE, url, visible_text, wait_until
from ucj_dashboard.celery import app

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_worker(settings):
    """A real worker thread consuming the Redis broker of the test settings (not eager)."""
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True


POINTS = ".scatterlayer .point, .scatterlayer path.js-line, .barlayer .point path, path.choroplethlocation"


def _charts_drawn(browse_context, expected):
    browse_context.wait_for_charts()
    # The map's SVG can be there before its regions are (its boundaries come by a second request and the
    # figure has a frame per month): wait for points in every chart, or the assertion races it under load.
    browse_context.page.wait_for_function(
        "selector => [...document.querySelectorAll('[data-figure]')].every(b => b.querySelector(selector))",
        arg=POINTS,
    )
    charts = browse_context.wait_for_charts()
    names = sorted(chart["name"] for chart in charts)
    assert names == sorted(f"fig-{name}" for name in expected), charts
    for chart in charts:
        assert chart["svg"] and chart["points"] > 0, chart
    return charts


def test_each_persona_signs_in_and_lands_on_their_page(browse, world):
    landings = {
        "admin": url("coverage:region_dashboard", code="ID"),
        "kacab.malang": url("coverage:office_dashboard", code="KC-MALANG"),
        "verifikator.malang": url("coverage:verification_queue"),
        "operator.kotamalang": url("coverage:entry_grid", code="35.73"),
        "operator.blitar": url("coverage:entry_grid", code="35.05"),
    }
    for number, (username, landing) in enumerate(landings.items()):
        user = browse()
        if number == 0:
            user.page.goto(url("login"))
            assert "Masuk ke Dashboard UCJ" in visible_text(user.page)
            user.screenshot("01-masuk")
        page = user.login(username)
        assert page.url == user.base_url + landing, username
        user.assert_clean()


def test_a_month_goes_from_the_pemda_grid_through_verification_to_the_branch_dashboard(browse, world, celery_worker):
    kota = world["regions"]["35.73"]
    operator = browse()
    page = operator.login("operator.kotamalang")
    page.goto(url("coverage:entry_grid", code="35.73", query="periode=2025-06"))
    text = visible_text(page)
    assert "Entri jumlah peserta Kota Malang — Juni 2025" in text
    assert "131.167 BPJS" in text  # last month's figure that counted, from BPJS, beside the input
    page.fill("#id_35\\.73-PU-active", "134167")
    page.press("#id_35\\.73-PU-active", "Tab")
    assert page.input_value("#id_35\\.73-PU-active") == "134.167"  # Indonesian thousands dot on blur
    page.fill("#id_35\\.73-BPU-active", "4754")
    operator.screenshot("06-entri-data")
    with page.expect_navigation():
        page.click("button[name=submit]")
    assert "2 angka diajukan ke verifikator." in visible_text(page)
    count = ParticipantCount.objects.get(region=kota, period=JUNE, segment="PU")
    bpu = ParticipantCount.objects.get(region=kota, period=JUNE, segment="BPU")
    assert (count.active, count.status, count.source) == (134_167, EntryStatus.SUBMITTED, "pemda")
    # Every real database has ids past 999; the test database starts them at 100,000.
    assert count.pk > 100_000 and bpu.pk > 100_000
    operator.assert_clean()

    verifier = browse()
    page = verifier.login("verifikator.malang")
    assert "Kota Malang — Juni 2025" in visible_text(page)
    assert "134.167" in visible_text(page)
    assert page.get_attribute(f"#c-{count.pk}", "value") == str(count.pk)  # never "100.023"
    verifier.screenshot("07-antrean-verifikasi")
    # Return BPU with a reason (PU unticked), then verify PU.
    page.uncheck(f"#c-{count.pk}")
    page.fill("input[name=reason]", "BPU belum termasuk pekerja rentan APBD")
    with page.expect_navigation():
        page.click("button[value=return]")
    assert "1 angka dikembalikan ke Pemda." in visible_text(page)
    bpu.refresh_from_db()
    assert (bpu.status, bpu.return_reason) == (EntryStatus.RETURNED, "BPU belum termasuk pekerja rentan APBD")
    with page.expect_navigation():
        page.click("button[value=verify]")
    assert "1 angka diverifikasi." in visible_text(page)
    count.refresh_from_db()
    assert count.status == EntryStatus.VERIFIED
    verifier.assert_clean()

    def recomputed_verified():
        snapshot = Snapshot.objects.filter(region=kota, period=JUNE, is_current=True).first()
        return snapshot is not None and snapshot.active_total == 134_167 and not snapshot.is_provisional

    assert wait_until(recomputed_verified), "the Celery worker did not recompute the verified month"

    head = browse()
    page = head.login("kacab.malang")
    assert page.url.endswith(url("coverage:office_dashboard", code="KC-MALANG"))
    text = visible_text(page)
    assert "Juni 2025" in text
    assert "32,44%" in text and "134.167" in text
    assert page.get_attribute(".status-line .badge", "title") == "Semua angka sudah diverifikasi."
    _charts_drawn(head, ["tren", "segmen", "cabang", "wilayah"])
    head.screenshot("05-dasbor-cabang")
    head.assert_clean()


def test_typing_in_a_cell_bpjs_already_reported_says_at_once_which_figure_counts(browse, world):
    """Kabupaten Malang's June PU came from BPJS (186.000): the grid shows it beside the input and,
    while the admin types a Pemda figure, says that the BPJS figure counts and the difference."""
    admin = browse()
    page = admin.login("admin")
    page.goto(url("coverage:entry_grid", code="35.07", query="periode=2025-06"))
    assert "BPJS 186.000 (dihitung)" in visible_text(page)
    page.fill("#id_35\\.07-PU-active", "190000")
    assert page.inner_text(".bpjs-live") == (
        "Kabupaten Malang PU peserta aktif: Angka BPJS 186.000 sudah ada untuk sel ini dan angka itulah yang "
        "dihitung; angka Pemda disimpan sebagai pembanding (selisih +4.000)."
    )
    assert page.inner_text("#id_35\\.07-PU-active-bpjs .bpjs-diff") == "selisih +4.000 (+2,2%)"
    admin.assert_clean()


def test_the_dashboards_draw_every_chart_and_the_map(browse, world):
    admin = browse()
    admin.login("admin")

    admin.page.goto(url("coverage:region_dashboard", code="ID", query="periode=2025-05"))
    _charts_drawn(admin, ["tren", "segmen", "bawahan", "peta"])
    admin.screenshot("02-dasbor-nasional")

    admin.page.goto(url("coverage:region_dashboard", code="35", query="periode=2025-05"))
    charts = _charts_drawn(admin, ["tren", "segmen", "peringkat", "bawahan", "peta"])
    mapped = next(chart for chart in charts if chart["name"] == "fig-peta")
    assert mapped["points"] == 3  # Kota Malang, Kabupaten Malang and Kabupaten Blitar drawn from the boundaries
    admin.screenshot("03-dasbor-provinsi")

    page = admin.page
    page.goto(url("coverage:region_dashboard", code="35.73", query="periode=2025-05"))
    text = visible_text(page)
    assert "Kota Malang" in text and "Mei 2025" in text and "31,71%" in text and "131.167" in text
    # Its two kecamatan (Blimbing, Klojen) ranked and on the map.
    charts = _charts_drawn(admin, ["tren", "segmen", "peringkat", "bawahan", "peta"])
    assert next(chart for chart in charts if chart["name"] == "fig-peta")["points"] == 2
    # plotly's date axis speaks Indonesian ("Mei", not "May") and the hover uses a decimal comma
    ticks = page.eval_on_selector_all("[data-figure=fig-tren] .xtick text", "nodes => nodes.map(n => n.textContent)")
    assert any("Mei" in tick for tick in ticks), ticks
    assert not any("May" in tick for tick in ticks), ticks
    admin.screenshot("04-dasbor-kab-kota")

    page.goto(url("coverage:league_table", query="periode=2025-05"))
    assert "Kota Malang" in visible_text(page)
    admin.screenshot("08-tabel-peringkat")
    admin.assert_clean()


def test_the_budget_simulator_draws_its_chart(browse, world):
    programs_seed()
    package = Package.objects.get(code="bpu-jkk-jkm")
    user = browse()
    user.login("operator.kotamalang")
    query = f"region=35.73&year=2025&start_month=7&months=6&workers=5000&package={package.pk}"
    user.page.goto(url("programs:simulator", query=query))
    text = visible_text(user.page)
    assert "Kota Malang" in text and "Rp" in text
    charts = user.wait_for_charts()
    assert charts and all(chart["svg"] and chart["points"] > 0 for chart in charts), charts
    user.screenshot("09-simulasi-anggaran")
    user.assert_clean()


def test_english_changes_the_visible_text_and_indonesian_keeps_its_formats(browse, world):
    visitor = browse()
    page = visitor.page
    page.goto(url("login"))
    assert "Masuk ke Dashboard UCJ" in visible_text(page)
    page.select_option("#language-select", "en")
    with page.expect_navigation():
        page.click("form.lang-switch button[type=submit]")
    assert "Sign in to the UCJ Dashboard" in visible_text(page)
    assert page.get_attribute("html", "lang") == "en"
    page.fill("#id_username", "admin")
    page.fill("#id_password", "Rahasia-Uji-2025")
    with page.expect_navigation():
        page.click("form[action='/masuk/'] button[type=submit]")
    page.goto(url("coverage:region_dashboard", code="35.73", query="periode=2025-05"))
    text = visible_text(page)
    assert "Total coverage" in text and "Active participants" in text
    assert "Cakupan total" not in text
    _charts_drawn(visitor, ["tren", "segmen", "peringkat", "bawahan", "peta"])

    page.select_option("#language-select", "id")
    with page.expect_navigation():
        page.click("form.lang-switch button[type=submit]")
    text = visible_text(page)
    assert "Cakupan total" in text and "Total coverage" not in text
    assert "Mei 2025" in text and "31,71%" in text and "131.167" in text
    visitor.assert_clean()
