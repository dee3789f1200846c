"""The PDF of a region, branch or Kanwil dashboard for a month.

Built from what the page is built from: ``dashboards.selectors`` (the same cached data), ``dashboards.
charts`` (the same figures, drawn as SVG by ``svg``) and the registered panels (the funding panel's
print template). A4, Indonesian formats, the "data per" time, provisional / verified / revised /
published marks and page numbers (templates/coverage/reports/).
"""

import json

from django.conf import settings
from django.utils import timezone

from regions.models import Level

from ..dashboards import charts, maps, selectors
from ..dashboards.panels import panels_for
from .pdf import render_pdf
from .svg import figure_svg

REGION_CHARTS = ("tren", "segmen", "peringkat", "bawahan")
OFFICE_CHARTS = ("tren", "segmen", "cabang", "wilayah")
WIDTH = 700


def _noop(percent, stage):
    return None


def _svgs(figures, names):
    return {name: figure_svg(figures.get(name), width=WIDTH) for name in names if figures.get(name)}


def _geojson(region):
    built = maps.built_boundaries(region)
    if built is None:
        return None
    with built.open(encoding="utf-8") as handle:
        return json.load(handle)


def region_report_context(*, region, period=None, progress=_noop):
    """What the region report shows: the page's data, its charts as SVG, the map and the panels."""
    progress(10, "data")
    data = selectors.region_dashboard(region=region, period=period)
    progress(35, "charts")
    figures = charts.region_figures(data)
    svgs = _svgs(figures, REGION_CHARTS)
    if figures.get("peta") and data["children"]:
        geojson = _geojson(region)
        if geojson is not None:
            svgs["peta"] = figure_svg(figures["peta"], width=WIDTH, geojson=geojson)
    progress(55, "panels")
    return {
        "kind": "region",
        "data": data,
        "svgs": svgs,
        "map_missing": bool(data["children"]) and "peta" not in svgs,
        "is_district": region.level >= Level.DISTRICT,
        "panels": panels_for(region=region, period=data["period"], printed=True),
        "generated_at": timezone.localtime(),
        "title": data["region"]["name"],
        "demo_mode": settings.DEMO_MODE,
    }


def office_report_context(*, office, period=None, progress=_noop):
    progress(10, "data")
    data = selectors.office_dashboard(office=office, period=period)
    progress(35, "charts")
    svgs = _svgs(charts.office_figures(data), OFFICE_CHARTS)
    progress(55, "panels")
    return {
        "kind": "office",
        "data": data,
        "svgs": svgs,
        "panels": [],
        "generated_at": timezone.localtime(),
        "title": data["office"]["name"],
        "demo_mode": settings.DEMO_MODE,
    }


def dashboard_pdf(*, region=None, office=None, period=None, progress=_noop):
    """(PDF bytes, file name) of the dashboard of ``region`` or ``office`` for ``period`` (default: the
    month the page opens on)."""
    if region is not None:
        context = region_report_context(region=region, period=period, progress=progress)
        code, template = region.code, "coverage/reports/region.html"
    else:
        context = office_report_context(office=office, period=period, progress=progress)
        code, template = office.code, "coverage/reports/office.html"
    progress(65, "layout")
    pdf = render_pdf(template, context)
    progress(95, "done")
    month = context["data"]["period"]
    return pdf, f"ucj-{code}-{month:%Y-%m}.pdf" if month else f"ucj-{code}.pdf"
