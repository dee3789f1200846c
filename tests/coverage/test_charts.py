"""Figures from plain rows: no database (no django_db mark), validated by plotly itself."""

from datetime import date

import plotly.graph_objects as go
import pytest
from django.utils import translation

from coverage.dashboards import charts

JUNE = date(2025, 6, 1)


def month_rows():
    """Kota Malang, March-June 2025, with two target series."""
    rows = []
    for month, active in ((3, 125_167), (4, 128_167), (5, 131_167), (6, 134_167)):
        rows.append(
            {
                "period": date(2025, month, 1),
                "coverage_total": active * 100 / 413_600,
                "coverage_pu": 33.79,
                "coverage_bpu": None if month == 3 else 25.49,
                "active_pu": 98_000,
                "active_bpu": active - 102_667,
                "active_jakon": 3_200,
                "active_pmi": 1_467,
                "targets": [
                    {
                        "series_code": "rpjmd-kota-malang",
                        "series_name": "RPJMD Kota Malang",
                        "source": "Perwali Kota Malang tentang RPJMD",
                        "target_percent": 41.23,
                    },
                    {"series_code": "rpjmn", "series_name": "RPJMN 2025-2029", "source": "", "target_percent": 32.15},
                ],
            }
        )
    return rows


def jatim_rows():
    return [
        {"code": "35.07", "name": "Kabupaten Malang", "coverage_total": 19.6, "coverage_pu": 13.4, "coverage_bpu": 8.0},
        {"code": "35.73", "name": "Kota Malang", "coverage_total": 32.44, "coverage_pu": 33.79, "coverage_bpu": 25.49},
        {"code": "35.05", "name": "Kabupaten Blitar", "coverage_total": 26.3, "coverage_pu": None, "coverage_bpu": 9.1},
        {
            "code": "35.99",
            "name": "Kabupaten Tanpa Data",
            "coverage_total": None,
            "coverage_pu": None,
            "coverage_bpu": None,
        },
    ]


def assert_valid(figure):
    """plotly's own validator rejects unknown properties and bad values."""
    go.Figure(figure)


def test_trend_figure_uses_indonesian_formats_and_names_each_target_source():
    with translation.override("id"):
        figure = charts.trend_figure(month_rows(), title="Tren cakupan Kota Malang")
    assert_valid(figure)
    layout = figure["layout"]
    assert layout["separators"] == ",."
    assert layout["xaxis"]["ticktext"][-1] == "Jun<br>2025"  # short, on two lines: never cut off
    assert layout["colorway"][0] == charts.OKABE_ITO["blue"]
    names = [trace["name"] for trace in figure["data"]]
    assert names[:3] == ["Cakupan total", "Cakupan PU", "Cakupan BPU"]
    target = figure["data"][3]
    assert target["name"] == "Target RPJMD Kota Malang (Perwali Kota Malang tentang RPJMD)"
    assert target["line"]["dash"] == "dash"
    assert target["y"] == [41.23] * 4
    assert figure["data"][4]["name"] == "Target RPJMN 2025-2029"  # no source recorded: no empty brackets
    total = figure["data"][0]
    assert round(total["y"][-1], 2) == 32.44
    assert "%{y:,.2f}%" in total["hovertemplate"]
    assert total["customdata"][-1] == "Juni 2025"
    assert figure["data"][2]["y"][0] is None  # unknown BPU coverage stays a gap, never 0


def test_trend_figure_uses_english_separators_in_english():
    with translation.override("en"):
        figure = charts.trend_figure(month_rows(), title="Trend", english=True)
    assert figure["layout"]["separators"] == ".,"
    assert figure["layout"]["xaxis"]["ticktext"][-1] == "Jun<br>2025"


def test_segments_figure_stacks_the_four_segments():
    figure = charts.segments_figure(month_rows(), title="Peserta aktif per segmen")
    assert_valid(figure)
    assert [t["name"] for t in figure["data"]] == ["PU", "BPU", "Jakon", "PMI"]
    assert {t["stackgroup"] for t in figure["data"]} == {"peserta"}
    june = sum(trace["y"][-1] for trace in figure["data"])
    assert june == 134_167
    assert "%{y:,.0f}" in figure["data"][0]["hovertemplate"]
    assert figure["layout"]["yaxis"]["tickformat"] == ",.0f"


def test_ranking_figure_puts_the_best_on_top_and_marks_the_highlight_without_colour_alone():
    figure = charts.ranking_figure(jatim_rows(), title="Peringkat", highlight="35.73")
    assert_valid(figure)
    bar = figure["data"][0]
    # plotly draws the last category on top: ascending order puts the best first on screen.
    assert bar["y"] == ["Kabupaten Malang", "Kabupaten Blitar", "▶ Kota Malang"]
    assert bar["x"] == [19.6, 26.3, 32.44]
    assert bar["marker"]["color"] == [charts.BASE_BAR, charts.BASE_BAR, charts.HIGHLIGHT]
    assert bar["texttemplate"] == "%{x:,.2f}%"
    assert figure["layout"]["separators"] == ",."


def test_ranking_figure_by_segment_uses_the_segment_coverage():
    figure = charts.ranking_figure(jatim_rows(), title="PU", segment="PU")
    bar = figure["data"][0]
    assert bar["y"] == ["Kabupaten Malang", "Kota Malang"]  # Blitar has no PU figure
    assert bar["x"] == [13.4, 33.79]
    assert bar["name"] == "Cakupan PU"


def test_choropleth_figure_keys_on_dotted_codes_and_hides_the_base_map():
    figure = charts.choropleth_figure(jatim_rows(), title="Peta")
    assert_valid(figure)
    trace = figure["data"][0]
    assert trace["locations"] == ["35.07", "35.73", "35.05"]
    assert trace["z"] == [19.6, 32.44, 26.3]
    assert trace["featureidkey"] == "id"
    assert trace["locationmode"] == "geojson-id"
    assert "geojson" not in trace  # boundaries come from their own endpoint, never inlined
    assert trace["colorscale"] == "Cividis"
    assert figure["layout"]["geo"]["visible"] is False
    assert figure["layout"]["geo"]["fitbounds"] == "locations"
    assert "%{z:,.2f}%" in trace["hovertemplate"]


def test_region_figures_skip_what_has_no_rows():
    data = {
        "region": {"code": "35.73", "name": "Kota Malang"},
        "trend": month_rows(),
        "siblings": jatim_rows(),
        "children": [],
    }
    figures = charts.region_figures(data)
    assert set(figures) == set(charts.REGION_CHARTS)
    assert figures["bawahan"] is None and figures["peta"] is None
    assert figures["peringkat"]["data"][0]["y"][-1] == "▶ Kota Malang"
    assert charts.region_figures(data, only="tren")["layout"]["title"]["text"] == "Tren cakupan Kota Malang"


@pytest.mark.parametrize("name", charts.OFFICE_CHARTS)
def test_office_figures_are_valid(name):
    data = {
        "office": {"code": "KC-MALANG", "name": "Malang"},
        "kanwil": {"code": "KW-JATIM", "name": "Kanwil Jawa Timur"},
        "trend": month_rows(),
        "branches": jatim_rows(),
        "territory": jatim_rows()[:1],
    }
    figure = charts.office_figures(data, only=name)
    assert_valid(figure)
    assert figure["layout"]["separators"] == ",."


def test_month_ticks_are_short_so_november_is_never_cut_off():
    from ucj_dashboard.formats import format_period_short

    assert format_period_short(date(2026, 11, 1)) == "Nov 2026"
    assert format_period_short(date(2026, 8, 1)) == "Agu 2026"
    assert format_period_short(date(2026, 12, 1)) == "Des 2026"
    with translation.override("en"):
        assert format_period_short(date(2026, 8, 1)) == "Aug 2026"


def test_choropleth_runs_over_time_with_one_colour_scale_and_a_slider_on_the_shown_month():
    may, june = date(2025, 5, 1), date(2025, 6, 1)
    history = [
        {"code": "35.07", "period": may, "coverage_total": 20.0},
        {"code": "35.73", "period": may, "coverage_total": 25.39},
        {"code": "35.05", "period": may, "coverage_total": 26.2},
        *[{"code": row["code"], "period": june, "coverage_total": row["coverage_total"]} for row in jatim_rows()],
    ]
    with translation.override("id"):
        figure = charts.choropleth_figure(jatim_rows(), title="Peta", history=history)
    assert_valid(figure)
    trace = figure["data"][0]
    assert trace["locations"] == ["35.07", "35.73", "35.05"] and trace["z"] == [19.6, 32.44, 26.3]  # June shown
    assert [frame["name"] for frame in figure["frames"]] == ["2025-05", "2025-06"]
    assert figure["frames"][0]["data"][0]["z"] == [20.0, 25.39, 26.2]
    assert (trace["zmin"], trace["zmax"]) == (19.6, 32.44)  # one scale over both months
    slider = figure["layout"]["sliders"][0]
    assert slider["active"] == 1
    assert [step["label"] for step in slider["steps"]] == ["Mei 2025", "Jun 2025"]
    assert slider["steps"][0]["args"][0] == ["2025-05"]
    # One month of history is no animation.
    single = charts.choropleth_figure(jatim_rows(), title="Peta", history=history[3:])
    assert "frames" not in single and "sliders" not in single["layout"]
