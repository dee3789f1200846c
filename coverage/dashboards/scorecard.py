"""The scorecard: the regions of a league table × the twelve months of a year, each month's coverage
coloured by its category band, with the rank and the attainment of the year's stock month.

The rows, their rank (within the peer group, if one is chosen) and attainment are the league table's
of the year (``selectors.league_table`` with the year as its span); the months are one query of the
same scope, cached under the snapshot versions like every dashboard read.
"""

from django.utils import timezone

from regions.models import Level
from ucj_dashboard.months import YEAR, Span, month_range

from ..models import Category
from .rows import cached, coverage_key
from .selectors import league_scope, league_table


def scorecard(*, level=Level.REGENCY, parent=None, kanwil=None, group=None, year=None, segment="", today=None):
    """``{"year", "months", "rows", "league"}``: each row the league row of the year's stock month and
    ``cells``, twelve ``{"period", "coverage", "category", "is_carried"}`` (None for a month without a
    figure). Without ``year``: the year of the scope's default month."""
    today = today or timezone.localdate()
    query = {"level": level, "parent": parent, "kanwil": kanwil, "group": group, "segment": segment, "today": today}
    if year is None:
        default = league_table(**query)
        year = default["period"].year if default["period"] else today.year
    span = Span.of(YEAR, year)
    league = league_table(span=span, **query)
    months = month_range(span.start, span.end)
    if league["needs_parent"]:
        return {"year": year, "months": months, "rows": [], "league": league}
    column = coverage_key(segment)

    def compute():
        cells = {}
        scope = league_scope(level=level, parent=parent, kanwil=kanwil).filter(
            period__gte=span.start, period__lte=span.end
        )
        for cell in scope.values("region__code", "period", column, "category", "is_carried"):
            cells.setdefault(cell["region__code"], {})[cell["period"]] = {
                "period": cell["period"],
                "coverage": cell[column],
                "category": cell["category"] or "",
                "category_label": Category(cell["category"]).label if cell["category"] else "",
                "is_carried": cell["is_carried"],
            }
        return cells

    parts = (level, parent.code if parent else "", kanwil.code if kanwil else "", year, segment)
    cells = cached("scorecard", *parts, compute=compute)
    rows = []
    for row in league["rows"]:
        own = cells.get(row["code"], {})
        rows.append({**row, "cells": [own.get(month) for month in months]})
    return {"year": year, "months": months, "rows": rows, "league": league, "categories": Category.choices}


# Background colours of the category bands (light, so the dark figures on them keep their contrast):
# the page's CSS (``static/coverage/dashboards.css``, ``.band-*``) and the XLSX export use the same.
BAND_COLOURS = {
    Category.SANGAT_RENDAH: "F8C9C4",
    Category.RENDAH: "FCE3A9",
    Category.SEDANG: "D3EBC0",
    Category.TINGGI: "9FD6A6",
}
