"""Every dashboard readable on a phone (390 px wide): no page-wide horizontal scroll (wide tables
scroll inside their own box), KPI cards in one column, charts no wider than the screen; and click to
drill: a bar of a chart opens that region's page with the same period and segment.
"""

import pytest

from tests.e2e.conftest import url, visible_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

LAYOUT = """() => {
  const width = document.documentElement.clientWidth;
  const boxes = sel => [...document.querySelectorAll(sel)].map(e => e.getBoundingClientRect());
  const kpis = boxes('.kpis .kpi');
  return {
    width,
    scrollWidth: document.documentElement.scrollWidth,
    kpiColumns: new Set(kpis.map(b => Math.round(b.left))).size,
    widestChart: Math.max(0, ...boxes('.chart-box').map(b => b.right)),
    widestTableBox: Math.max(0, ...boxes('.table-wrap').map(b => b.right)),
    tables: document.querySelectorAll('table.data').length,
    // What sticks out, for the failure message (inside a scrolling .table-wrap is fine).
    overflowing: [...document.querySelectorAll('body *')]
      .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-wrap, .js-plotly-plot'))
      .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)),
  };
}"""


@pytest.mark.parametrize(
    "page_url",
    [
        url("coverage:region_dashboard", code="ID"),
        url("coverage:region_dashboard", code="35", query="periode=2025-Q2"),
        url("coverage:region_dashboard", code="35.73", query="segmen=PU"),
        url("coverage:office_dashboard", code="KC-MALANG", query="periode=2025-S1"),
        url("coverage:league_table", query="induk=35&periode=2025-Q2"),
        url("coverage:scorecard", query="tahun=2025"),
    ],
)
def test_every_dashboard_fits_a_390_px_phone(browse, world, page_url):
    phone = browse(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.login("admin")
    page.goto(page_url)
    if page.query_selector("[data-figure]"):
        phone.wait_for_charts()
    layout = page.evaluate(LAYOUT)
    assert layout["width"] == 390
    assert layout["scrollWidth"] <= 390, layout["overflowing"]  # wide tables scroll inside .table-wrap, not the page
    assert layout["widestChart"] <= 390 and layout["widestTableBox"] <= 390, layout
    assert layout["kpiColumns"] <= 1, layout  # the cards stack
    assert layout["tables"] >= 1 or "wilayah" in page_url
    if "35.73" in page_url:
        phone.screenshot("12-ponsel-kab-kota")
    elif "kartu-skor" in page_url:
        phone.screenshot("13-ponsel-kartu-skor")
    phone.assert_clean()


def test_a_bar_opens_its_region_with_the_same_period_and_segment(browse, world):
    user = browse()
    page = user.login("admin")
    page.goto(url("coverage:region_dashboard", code="35", query="periode=2025-Q2&segmen=BPU"))
    user.wait_for_charts()
    page.wait_for_selector("[data-figure=fig-bawahan].drillable")
    bar = page.locator("[data-figure=fig-bawahan] .barlayer .point path").first
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)  # Plotly clicks the point it hovers: let it find it first
    page.wait_for_selector("[data-figure=fig-bawahan] .hoverlayer .hovertext")
    with page.expect_navigation():
        page.mouse.click(x, y)
    assert page.url.split("/wilayah/")[1] in {
        f"{code}/?periode=2025-Q2&segmen=BPU" for code in ("35.73", "35.07", "35.05")
    }
    assert "Triwulan II 2025" in page.inner_text(".status-line")
    user.assert_clean()


def test_the_map_runs_over_the_months_with_a_slider(browse, world):
    user = browse()
    page = user.login("admin")
    page.goto(url("coverage:region_dashboard", code="35", query="periode=2025-06"))
    user.wait_for_charts()
    slider = page.locator("[data-figure=fig-peta] .slider-container").text_content()
    assert all(month in slider for month in ("Mar 2025", "Apr 2025", "Mei 2025", "Jun 2025")), slider
    frames = page.evaluate("() => document.querySelector('[data-figure=fig-peta]')._transitionData._frames.length")
    assert frames == 4
    user.assert_clean()


def _click_map_region(user, code):
    """Click the region ``code`` on the page's map, as a person does: hover its middle, then click."""
    page = user.page
    user.wait_for_charts()
    page.wait_for_selector("[data-figure=fig-peta].drillable path.choroplethlocation")
    index = page.evaluate(
        "code => document.querySelector('[data-figure=fig-peta]').data[0].locations.indexOf(code)", code
    )
    assert index >= 0, (code, page.url)
    shape = page.locator("[data-figure=fig-peta] path.choroplethlocation").nth(index)
    shape.scroll_into_view_if_needed()
    box = shape.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.wait_for_selector("[data-figure=fig-peta] .hoverlayer .hovertext")
    with page.expect_navigation():
        page.mouse.click(x, y)


def test_the_map_drills_from_the_nation_to_a_province_a_kab_kota_and_a_kecamatan_with_the_same_month_and_segment(
    browse, world
):
    user = browse()
    page = user.login("admin")
    page.goto(url("coverage:region_dashboard", code="ID", query="periode=2025-06&segmen=PU"))
    for code in ("35", "35.73", "35.73.01"):
        _click_map_region(user, code)
        assert page.url.split("/wilayah/")[1] == f"{code}/?periode=2025-06&segmen=PU"
    assert "Juni 2025" in page.inner_text(".status-line")
    crumbs = [a.strip() for a in page.locator(".breadcrumb li").all_inner_texts()][-3:]
    assert crumbs == ["Jawa Timur", "Kota Malang", "Blimbing"]
    assert "63.000" in visible_text(page)  # Blimbing's June PU, drawn from the fixture's kecamatan counts
    user.assert_clean()
