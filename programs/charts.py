"""Plotly figures of the programs pages, as plain dicts built from plain rows (no ORM here).

Money arrives as Decimal and is plotted as whole Rupiah (int): a chart never carries cents
and never a float amount. Layout conventions (separators, palette) are the dashboards'.
"""

from django.utils.translation import gettext as _

from coverage.dashboards.charts import base_layout
from ucj_dashboard.formats import format_period

__all__ = ["budget_by_month_figure", "funding_by_scheme_figure"]


def _rupiah(value) -> int:
    return int(round(value or 0))


def funding_by_scheme_figure(rows, *, year, english=False) -> dict | None:
    """Workers funded in ``year`` by scheme (bars), with the premium spend in the hover.

    ``rows``: dicts with ``fiscal_year``, ``scheme__name``, ``funded_workers`` and ``spend`` (as the
    funding panel's ``by_scheme``). None when the year has no batches.
    """
    rows = [row for row in rows if row["fiscal_year"] == year]
    if not rows:
        return None
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [row["scheme__name"] for row in rows],
                "x": [row["funded_workers"] for row in rows],
                "customdata": [_rupiah(row["spend"]) for row in rows],
                "hovertemplate": "%{y}: %{x:,d} " + _("pekerja") + "<br>Rp%{customdata:,d}<extra></extra>",
                "name": _("Pekerja didanai"),
            }
        ],
        "layout": base_layout(
            title=_("Pekerja didanai per skema, %(year)s") % {"year": year},
            english=english,
            yaxis={"autorange": "reversed", "automargin": True},
            xaxis={"title": {"text": _("pekerja")}, "tickformat": ",d"},
            showlegend=False,
            height=max(220, 60 + 40 * len(rows)),
        ),
    }


def budget_by_month_figure(lines, *, english=False) -> dict | None:
    """Premium cost per month of a simulated budget; a rate change shows as a step."""
    if not lines:
        return None
    return {
        "data": [
            {
                "type": "bar",
                "x": [format_period(line.month) for line in lines],
                "y": [_rupiah(line.cost) for line in lines],
                "customdata": [_rupiah(line.premium) for line in lines],
                "hovertemplate": "%{x}: Rp%{y:,d}<br>" + _("iuran per pekerja") + " Rp%{customdata:,d}<extra></extra>",
                "name": _("Biaya iuran"),
            }
        ],
        "layout": base_layout(
            title=_("Biaya iuran per bulan"),
            english=english,
            yaxis={"tickformat": ",d", "title": {"text": "Rp"}, "automargin": True},
            showlegend=False,
            height=300,
        ),
    }
