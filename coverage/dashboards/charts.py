"""Plotly figures of the dashboards, as plain dicts built from plain rows.

No ORM here: every function takes lists of dicts (as the dashboard selectors return them) and
returns a figure dict ``{"data": [...], "layout": {...}}`` that the page hands to plotly.js
through ``json_script`` and that the chart JSON endpoints serve as is.

Conventions, the same on every figure:
- Indonesian separators (``layout.separators = ",."``: decimal comma, thousands dot) and
  hovertemplates such as ``%{y:,.2f}%`` so 32.44 shows as 32,44% and 134167 as 134.167;
- the Okabe-Ito palette (safe for the common colour-vision deficiencies) and, for the
  choropleth, the Cividis scale, which was designed for the same purpose;
- no fixed width: ``autosize`` plus plotly's ``responsive`` config (see ``PLOT_CONFIG``).
"""

from html import escape

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ucj_dashboard.formats import format_number, format_period, format_period_short

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
COLORWAY = [OKABE_ITO[name] for name in ("blue", "orange", "bluish_green", "reddish_purple", "vermillion", "sky_blue")]
TARGET_COLORS = [OKABE_ITO[name] for name in ("vermillion", "reddish_purple", "black", "sky_blue", "orange")]
HIGHLIGHT = OKABE_ITO["vermillion"]
BASE_BAR = OKABE_ITO["sky_blue"]
CHOROPLETH_SCALE = "Cividis"

# Passed to Plotly.newPlot by static/coverage/dashboards.js; topojsonURL is set there from the page.
PLOT_CONFIG = {"responsive": True, "displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}

SEGMENT_FIELDS = {"": "coverage_total", "PU": "coverage_pu", "BPU": "coverage_bpu"}


def separators(english=False):
    """Plotly's ``separators``: decimal then thousands character."""
    return ".," if english else ",."


def segment_label(segment):
    return {"PU": _("Cakupan PU"), "BPU": _("Cakupan BPU")}.get(segment or "", _("Cakupan total"))


def coverage_field(segment):
    return SEGMENT_FIELDS.get(segment or "", "coverage_total")


def base_layout(*, title, english=False, **extra):
    layout = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        "separators": separators(english),
        "colorway": COLORWAY,
        "autosize": True,
        "margin": {"l": 56, "r": 16, "t": 48, "b": 48},
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif", "size": 13},
        "legend": {"orientation": "h", "y": -0.18},
        "hoverlabel": {"namelength": -1},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
    }
    layout.update(extra)
    return layout


def _iso(period):
    return period.isoformat() if hasattr(period, "isoformat") else str(period)


def _month_axis(periods):
    """A date axis whose tick labels are short Indonesian month names on two lines ("Nov" over "2026"),
    so they are never cut off (plotly's own names are English)."""
    step = max(1, len(periods) // 8)
    shown = periods[::step]
    return {
        "type": "date",
        "tickvals": [_iso(p) for p in shown],
        "ticktext": [format_period_short(p).replace(" ", "<br>") for p in shown],
        "showgrid": True,
        "gridcolor": "#e5e7eb",
        "automargin": True,
    }


def trend_figure(rows, *, title, english=False, annotations=()):
    """Coverage over the months (total, PU, BPU) against every target series, dashed.

    ``rows``: one dict per month, oldest first, with ``period``, ``coverage_total``, ``coverage_pu``,
    ``coverage_bpu`` and ``targets`` (dicts with ``series_name``, ``source`` and ``target_percent``).
    A target line is named after its series and its source so the legend says whose target it is.
    ``annotations``: notes of months (``coverage.dashboards.annotations``), marked on the total line
    with their text on hover (``_note_marks``).
    """
    periods = [row["period"] for row in rows]
    x = [_iso(p) for p in periods]
    labels = [format_period(p) for p in periods]
    data = []
    lines = (
        ("coverage_total", _("Cakupan total"), OKABE_ITO["blue"], 3),
        ("coverage_pu", _("Cakupan PU"), OKABE_ITO["orange"], 2),
        ("coverage_bpu", _("Cakupan BPU"), OKABE_ITO["bluish_green"], 2),
    )
    for field, name, color, width in lines:
        y = [row.get(field) for row in rows]
        if all(value is None for value in y):
            continue
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": x,
                "y": y,
                "customdata": labels,
                "line": {"color": color, "width": width},
                "hovertemplate": f"%{{customdata}}<br>{name}: %{{y:,.2f}}%<extra></extra>",
            }
        )
    series = {}
    for index, row in enumerate(rows):
        for target in row.get("targets") or []:
            key = target["series_code"]
            entry = series.setdefault(key, {"target": target, "y": [None] * len(rows)})
            entry["y"][index] = target.get("target_percent")
    for number, entry in enumerate(series.values()):
        target = entry["target"]
        source = target.get("source") or target.get("series_source") or ""
        name = _("Target %(series)s") % {"series": target["series_name"]}
        if source:
            name = f"{name} ({source})"
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "x": x,
                "y": entry["y"],
                "customdata": labels,
                "line": {
                    "color": TARGET_COLORS[number % len(TARGET_COLORS)],
                    "dash": "dash",
                    "width": 2,
                    "shape": "hv",
                },
                "hovertemplate": f"%{{customdata}}<br>{name}: %{{y:,.2f}}%<extra></extra>",
            }
        )
    layout = base_layout(
        title=title,
        english=english,
        xaxis=_month_axis(periods),
        yaxis={
            "title": {"text": _("Cakupan (%)")},
            "ticksuffix": "%",
            "rangemode": "tozero",
            "gridcolor": "#e5e7eb",
            "automargin": True,
        },
        hovermode="x unified",
    )
    marks, labels_on_chart = _note_marks(rows, annotations)
    data += marks
    if labels_on_chart:
        layout["annotations"] = labels_on_chart
    return {"data": data, "layout": layout}


MAX_NOTES = 4  # per month and kind; the national chart would list every kab/kota's otherwise

NOTE_KINDS = {
    # kind: (legend name, marker symbol, colour, the short label drawn on the chart)
    "jump": (gettext_lazy("Lonjakan dijelaskan"), "triangle-up", OKABE_ITO["vermillion"], gettext_lazy("Lonjakan")),
    "funded": (gettext_lazy("Mulai batch didanai"), "diamond", OKABE_ITO["reddish_purple"], gettext_lazy("Batch")),
}


def _note_text(note):
    """A note for the hover: escaped (a person typed it, and plotly reads <a>, <b> in hover text), with
    the region's name when the note is from the subtree."""
    text = escape(note["text"])
    return text if note.get("own", True) else f"{escape(note['region_name'])}: {text}"


def _note_marks(rows, annotations):
    """One marker trace per kind of note (in the legend; its notes in the month's unified hover) and
    one short label per month on the chart whose hover lists every note of that month."""
    if not annotations:
        return [], []
    by_month = {row["period"]: row.get("coverage_total") for row in rows}
    grouped = {}
    for note in annotations:
        if note["period"] in by_month:
            grouped.setdefault(note["period"], {}).setdefault(note["kind"], []).append(note)
    traces, labels = [], []
    for kind, (name, symbol, color, _short) in NOTE_KINDS.items():
        months = [period for period in grouped if kind in grouped[period]]
        if not months:
            continue
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": str(name),
                "x": [_iso(period) for period in months],
                "y": [by_month[period] if by_month[period] is not None else 0 for period in months],
                "customdata": [
                    "<br>".join(_capped([_note_text(n) for n in grouped[period][kind]])) for period in months
                ],
                "marker": {"symbol": symbol, "size": 13, "color": color, "line": {"color": "#ffffff", "width": 1}},
                "hovertemplate": f"{escape(str(name))}: %{{customdata}}<extra></extra>",
            }
        )
    for period, kinds in grouped.items():
        lines = [f"<b>{escape(format_period(period))}</b>"]
        for kind, (name, _symbol, _color, _short) in NOTE_KINDS.items():
            lines += [f"{escape(str(name))}: {text}" for text in _capped([_note_text(n) for n in kinds.get(kind, [])])]
        y = by_month[period]
        labels.append(
            {
                "x": _iso(period),
                "y": y if y is not None else 1,
                "xref": "x",
                "yref": "y" if y is not None else "paper",
                "text": " · ".join(str(NOTE_KINDS[kind][3]) for kind in NOTE_KINDS if kind in kinds),
                "hovertext": "<br>".join(lines),
                "showarrow": True,
                "arrowhead": 0,
                "ax": 0,
                "ay": -32,
                "font": {"size": 11},
                "bgcolor": "#ffffff",
                "bordercolor": NOTE_KINDS[next(kind for kind in NOTE_KINDS if kind in kinds)][2],
            }
        )
    return traces, labels


def _capped(texts, limit=MAX_NOTES):
    """At most ``limit`` notes, then how many more ("dan 3 catatan lain")."""
    if len(texts) <= limit:
        return texts
    more = len(texts) - limit
    return [*texts[:limit], _("dan %(count)s catatan lain") % {"count": format_number(more)}]


# Segment names are the same in both languages (proper names of the schemes).
SEGMENT_AREAS = (
    ("active_pu", "PU", "blue"),
    ("active_bpu", "BPU", "orange"),
    ("active_jakon", "Jakon", "bluish_green"),
    ("active_pmi", "PMI", "reddish_purple"),
)


def segments_figure(rows, *, title, english=False):
    """Active participants by segment over the months, as stacked areas."""
    periods = [row["period"] for row in rows]
    x = [_iso(p) for p in periods]
    labels = [format_period(p) for p in periods]
    data = []
    for field, name, color in SEGMENT_AREAS:
        y = [row.get(field) for row in rows]
        if all(value is None for value in y):
            continue
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "stackgroup": "peserta",
                "name": name,
                "x": x,
                "y": [value or 0 for value in y],
                "customdata": labels,
                "line": {"color": OKABE_ITO[color], "width": 1},
                "fillcolor": OKABE_ITO[color],
                "hovertemplate": f"%{{customdata}}<br>{name}: %{{y:,.0f}} " + _("peserta") + "<extra></extra>",
            }
        )
    layout = base_layout(
        title=title,
        english=english,
        xaxis=_month_axis(periods),
        yaxis={"title": {"text": _("Peserta aktif")}, "tickformat": ",.0f", "gridcolor": "#e5e7eb", "automargin": True},
        hovermode="x unified",
    )
    return {"data": data, "layout": layout}


def ranking_figure(rows, *, title, highlight=None, segment="", english=False):
    """Horizontal bars of the rows' coverage, best on top, with ``highlight`` (a code) marked.

    The highlighted bar differs in colour and in its label (a leading "▶"), so it stands out
    without relying on colour alone. Rows without a coverage figure are left out.
    """
    field = coverage_field(segment)
    known = [row for row in rows if row.get(field) is not None]
    known.sort(key=lambda row: (row[field], row["name"]))  # ascending: plotly draws the last bar on top
    names = [("▶ " if row["code"] == highlight else "") + row["name"] for row in known]
    colors = [HIGHLIGHT if row["code"] == highlight else BASE_BAR for row in known]
    label = segment_label(segment)
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": label,
            "x": [row[field] for row in known],
            "y": names,
            "customdata": [row["code"] for row in known],
            "marker": {
                "color": colors,
                "line": {"color": "#1b1f24", "width": [2 if c == HIGHLIGHT else 0 for c in colors]},
            },
            "texttemplate": "%{x:,.2f}%",
            "textposition": "outside",
            "cliponaxis": False,
            "hovertemplate": f"%{{y}}<br>{label}: %{{x:,.2f}}%<extra></extra>",
        }
    ]
    layout = base_layout(
        title=title,
        english=english,
        height=max(260, 26 * len(known) + 90),
        xaxis={"title": {"text": f"{label} (%)"}, "ticksuffix": "%", "rangemode": "tozero", "gridcolor": "#e5e7eb"},
        yaxis={"automargin": True, "type": "category"},
        margin={"l": 8, "r": 56, "t": 48, "b": 48},
        showlegend=False,
    )
    return {"data": data, "layout": layout}


def choropleth_figure(rows, *, title, segment="", english=False, history=None):
    """Children coloured by coverage. The boundaries are not inlined: the page fetches them
    from the boundaries endpoint and sets ``data[0].geojson`` (feature ``id`` = dotted code).

    The geo subplot draws no base map (``visible: false``); its empty topojson is served
    locally (static/vendor/topojson/) so nothing is fetched from the internet.

    With ``history`` (rows with ``code``, ``period`` and the coverage fields, of two months or more)
    the map runs over time: a frame a month for the regions on the map, a slider that starts on the
    shown month, and one colour scale for every month so that a colour means the same coverage.
    """
    field = coverage_field(segment)
    known = [row for row in rows if row.get(field) is not None]
    label = segment_label(segment)
    data = [
        {
            "type": "choropleth",
            "locationmode": "geojson-id",
            "featureidkey": "id",
            "name": label,
            "locations": [row["code"] for row in known],
            "z": [row[field] for row in known],
            "text": [row["name"] for row in known],
            "colorscale": CHOROPLETH_SCALE,
            "marker": {"line": {"color": "#ffffff", "width": 0.5}},
            "colorbar": {"title": {"text": "%"}, "ticksuffix": "%", "tickformat": ",.0f", "thickness": 12},
            "hovertemplate": f"%{{text}}<br>{label}: %{{z:,.2f}}%<extra></extra>",
        }
    ]
    layout = base_layout(
        title=title,
        english=english,
        height=460,
        margin={"l": 0, "r": 0, "t": 48, "b": 0},
        geo={
            "visible": False,
            "fitbounds": "locations",
            "projection": {"type": "mercator"},
            "scope": "world",
            "resolution": 110,
            "bgcolor": "rgba(0,0,0,0)",
        },
    )
    figure = {"data": data, "layout": layout}
    if history:
        _map_over_time(figure, [row["code"] for row in known], history, field)
    return figure


def _map_over_time(figure, codes, history, field):
    """Frames (one a month: the coverage of ``codes``) and a slider on a choropleth ``figure``."""
    by_month = {}
    for row in history:
        by_month.setdefault(row["period"], {})[row["code"]] = row.get(field)
    months = sorted(by_month)
    if len(months) < 2 or not codes:
        return
    frames = [
        {
            "name": f"{period:%Y-%m}",
            "data": [{"type": "choropleth", "z": [by_month[period].get(code) for code in codes]}],
        }
        for period in months
    ]
    values = [value for frame in frames for value in frame["data"][0]["z"] if value is not None]
    figure["data"][0].update(zmin=min(values), zmax=max(values), zauto=False)
    shown = len(months) - 1
    figure["frames"] = frames
    figure["layout"]["height"] = 520
    figure["layout"]["sliders"] = [
        {
            "active": shown,
            "currentvalue": {"prefix": _("Bulan") + ": ", "font": {"size": 13}},
            "pad": {"t": 8, "b": 4},
            "steps": [
                {
                    "label": format_period_short(period),
                    "method": "animate",
                    "args": [[f"{period:%Y-%m}"], {"mode": "immediate", "frame": {"duration": 0, "redraw": True}}],
                }
                for period in months
            ],
        }
    ]


# --- the figures of each page, by chart name (also the names of the chart JSON endpoints) ---

REGION_CHARTS = ("tren", "segmen", "peringkat", "bawahan", "peta")
OFFICE_CHARTS = ("tren", "segmen", "cabang", "wilayah")


def _english():
    from django.utils.translation import get_language

    return (get_language() or "id").startswith("en")


def _build(specs, only):
    """``specs``: name -> (rows, builder). A figure is None when its rows are empty."""
    names = [only] if only else list(specs)
    figures = {name: (specs[name][1](specs[name][0]) if specs[name][0] else None) for name in names}
    return figures[only] if only else figures


def _trend_specs(data, name, english):
    """The trend and segment charts every dashboard (region or office) starts with."""
    return {
        "tren": (
            data["trend"],
            lambda rows: trend_figure(
                rows, title=_("Tren cakupan %(name)s") % name, english=english, annotations=data.get("annotations")
            ),
        ),
        "segmen": (
            data["trend"],
            lambda rows: segments_figure(rows, title=_("Peserta aktif per segmen"), english=english),
        ),
    }


def region_figures(data, *, segment="", only=None):
    """The region dashboard's figures from ``coverage.selectors.dashboards.region_dashboard`` data.

    ``peringkat`` ranks the region among its peers (itself highlighted: a kab/kota in its province,
    a kecamatan in its kabupaten for the camat); ``bawahan`` and ``peta`` show its children.
    """
    english = _english()
    name = {"name": data["region"]["name"]}
    options = {"segment": segment, "english": english}
    specs = {
        **_trend_specs(data, name, english),
        "peringkat": (
            data["siblings"],
            lambda rows: ranking_figure(
                rows,
                title=_("Peringkat %(name)s di antara wilayah setingkat") % name,
                highlight=data["region"]["code"],
                **options,
            ),
        ),
        "bawahan": (
            data["children"],
            lambda rows: ranking_figure(rows, title=_("Peringkat wilayah di bawah %(name)s") % name, **options),
        ),
        "peta": (
            data["children"],
            lambda rows: choropleth_figure(
                rows,
                title=_("Peta cakupan wilayah di bawah %(name)s") % name,
                history=data.get("children_history"),
                **options,
            ),
        ),
    }
    return _build(specs, only)


def office_figures(data, *, segment="", only=None):
    """The office dashboard's figures: trend and segments of the roll-up, branches and kab/kota ranked."""
    english = _english()
    name = {"name": data["office"]["name"], "kanwil": (data.get("kanwil") or {}).get("name", "")}
    options = {"segment": segment, "english": english}
    specs = {
        **_trend_specs(data, name, english),
        "cabang": (
            data["branches"],
            lambda rows: ranking_figure(
                rows, title=_("Peringkat kantor cabang %(kanwil)s") % name, highlight=data["office"]["code"], **options
            ),
        ),
        "wilayah": (
            data["territory"],
            lambda rows: ranking_figure(rows, title=_("Kabupaten/kota wilayah kerja %(name)s") % name, **options),
        ),
    }
    return _build(specs, only)
