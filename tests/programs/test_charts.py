"""charts.py is pure: plain rows in, a Plotly figure dict out, no database."""

from datetime import date
from decimal import Decimal

from programs.charts import budget_by_month_figure, funding_by_scheme_figure
from programs.selectors import MonthPrice


def test_funding_by_scheme_plots_the_year_in_whole_rupiah():
    rows = [
        {"fiscal_year": 2024, "scheme__name": "DBHCHT", "funded_workers": 8253, "spend": Decimal("1192900800.00")},
        {"fiscal_year": 2023, "scheme__name": "APBD", "funded_workers": 10, "spend": Decimal("2016000")},
    ]
    figure = funding_by_scheme_figure(rows, year=2024)
    (bar,) = figure["data"]
    assert (bar["y"], bar["x"], bar["customdata"]) == (["DBHCHT"], [8253], [1192900800])
    assert isinstance(bar["customdata"][0], int)
    assert figure["layout"]["separators"] == ",."


def test_no_figure_without_batches_in_the_year():
    assert funding_by_scheme_figure([], year=2024) is None


def test_budget_by_month_shows_the_rate_step():
    lines = [
        MonthPrice(month=date(2025, 6, 1), premium=Decimal("16800"), cost=Decimal("16800000")),
        MonthPrice(month=date(2025, 7, 1), premium=Decimal("18000"), cost=Decimal("18000000")),
    ]
    (bar,) = budget_by_month_figure(lines)["data"]
    assert bar["x"] == ["Juni 2025", "Juli 2025"]
    assert bar["y"] == [16800000, 18000000]
