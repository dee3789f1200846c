"""The dashboards' figures drawn as SVG for the PDFs: no database, the same figure dicts as the page."""

from datetime import date
from xml.etree import ElementTree

from coverage.dashboards.charts import choropleth_figure, ranking_figure, trend_figure
from coverage.reports.svg import figure_svg, nice_ticks

TARGET = {"series_code": "rpjmd", "series_name": "RPJMD Kota Malang", "source": "Perwali", "target_percent": 41.23}
ROWS = [
    {"period": date(2025, m, 1), "coverage_total": c, "coverage_pu": None, "coverage_bpu": None, "targets": [TARGET]}
    for m, c in ((4, 30.99), (5, 25.39), (6, 32.44))
]


def _parsed(svg):
    return ElementTree.fromstring(svg)  # noqa: S314 - our own output, parsed to check it


def test_the_trend_draws_coverage_and_each_target_dashed_with_indonesian_ticks():
    svg = figure_svg(trend_figure(ROWS, title="Tren cakupan Kota Malang"))
    root = _parsed(svg)
    lines = root.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 2 and lines[1].get("stroke-dasharray") == "6,4"  # the target, dashed as on the page
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Tren cakupan Kota Malang" in texts and "Jun 2025" in texts and "40%" in texts
    assert "Target RPJMD Kota Malang (Perwali)" in texts


def test_the_ranking_marks_the_region_and_prints_indonesian_percentages():
    rows = [{"code": "35.73", "name": "Kota Malang", "coverage_total": 32.44},
            {"code": "35.05", "name": "Kabupaten Blitar", "coverage_total": 26.3}]  # fmt: skip
    texts = [t.text for t in _parsed(figure_svg(ranking_figure(rows, title="Peringkat", highlight="35.73"))).iter(
        "{http://www.w3.org/2000/svg}text")]  # fmt: skip
    assert texts.index("▶ Kota Malang") < texts.index("Kabupaten Blitar")  # best on top
    assert "32,44%" in texts and "26,30%" in texts


def test_the_map_fills_each_region_from_the_boundaries_and_escapes_names():
    square = {"type": "Polygon", "coordinates": [[[112.6, -7.9], [112.7, -7.9], [112.7, -8.0], [112.6, -7.9]]]}
    geojson = {"features": [{"id": "35.73.01", "geometry": square}, {"id": "35.73.02", "geometry": square}]}
    rows = [{"code": "35.73.01", "name": "<Blimbing>", "coverage_total": 35.0}]
    root = _parsed(figure_svg(choropleth_figure(rows, title="Peta"), geojson=geojson))
    fills = [p.get("fill") for p in root.iter("{http://www.w3.org/2000/svg}path")]
    assert len(fills) == 2 and "#d0d7de" in fills  # a region without a figure is grey, never coloured as 0%


def test_no_figure_draws_nothing_and_ticks_are_round():
    assert figure_svg(None) == "" and figure_svg({"data": []}) == ""
    assert nice_ticks(0, 32.44) == [0, 10, 20, 30, 40]
    assert nice_ticks(0, 134_167, 4) == [0, 50_000, 100_000, 150_000]
