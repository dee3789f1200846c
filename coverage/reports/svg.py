"""The dashboards' Plotly figures drawn as SVG on the server, for the PDF reports.

The pages hand the figure dicts of ``coverage.dashboards.charts`` (and ``programs.charts``) to plotly.js
in the browser; a PDF has no browser. This module draws the same dicts (the same traces, names,
colours, targets and titles) as plain SVG: lines and stacked areas over months, horizontal bars and
the choropleth map. No browser, no network, a few milliseconds a chart, the same bytes every time.

Only what the product's figures use is supported: ``scatter`` (lines, markers, ``stackgroup``,
``dash``, ``shape: hv``), horizontal ``bar`` and ``choropleth`` (with the GeoJSON passed in, as
the page fetches it). Numbers are printed with ``ucj_dashboard.formats`` in the active language.
"""

import math
from xml.sax.saxutils import escape

from ucj_dashboard.formats import format_number

FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
GRID = "#e5e7eb"
INK = "#1b1f24"
MUTED = "#57606a"
DASHES = {"dash": "6,4", "dot": "2,3", "dashdot": "6,3,2,3", "longdash": "10,4"}
# Plotly's Cividis (the dashboards' choropleth scale), in nine stops.
CIVIDIS = ((0, 32, 76), (39, 63, 108), (76, 85, 107), (104, 106, 112), (131, 129, 120),
           (161, 152, 118), (192, 177, 109), (225, 204, 92), (255, 233, 69))  # fmt: skip


def _attr(value):
    return escape(str(value), {'"': "&quot;"})


def _text(x, y, text, *, size=10, anchor="start", color=INK, weight="normal"):
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{color}" '
        f'font-weight="{weight}">{escape(str(text))}</text>'
    )


def _plain(text):
    """Plotly's ``<br>`` in labels becomes a space."""
    return str(text or "").replace("<br>", " ")


def _svg(width, height, body):
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}">{"".join(body)}</svg>'
    )


def nice_ticks(low, high, count=5):
    """Round tick values covering [low, high] (0, 10, 20 ... or 0, 25.000, 50.000 ...)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _tick_label(value, axis):
    decimals = 0 if float(value).is_integer() else 1
    return f"{format_number(value, decimals)}{axis.get('ticksuffix', '')}"


def _title(layout):
    return _plain(((layout.get("title") or {}).get("text")) or "")


def _legend(entries, width, top):
    """Swatches with names, wrapped over lines; returns (svg parts, height used)."""
    parts, x, y = [], 8.0, top + 10
    for name, color, dash in entries:
        label = _plain(name)
        span = 26 + len(label) * 5.6
        if x + span > width and x > 8:
            x, y = 8.0, y + 14
        dashed = f' stroke-dasharray="{DASHES[dash]}"' if dash in DASHES else ""
        parts.append(f'<line x1="{x:.1f}" y1="{y - 3:.1f}" x2="{x + 18:.1f}" y2="{y - 3:.1f}" stroke="{color}" '
                     f'stroke-width="3"{dashed}/>')  # fmt: skip
        parts.append(_text(x + 22, y, label, size=8.5, color=MUTED))
        x += span + 10
    return parts, (y - top) + 8


def _month_positions(traces):
    dates = sorted({value for trace in traces for value in trace.get("x") or []})
    return {value: index for index, value in enumerate(dates)}


def _line_chart(figure, width, height):
    """Scatter traces over months: lines (dashed targets, step shape) and stacked areas."""
    layout, traces = figure["layout"], figure["data"]
    xaxis, yaxis = layout.get("xaxis") or {}, layout.get("yaxis") or {}
    positions = _month_positions(traces)
    stacked, base = [], {}
    for trace in traces:
        if trace.get("stackgroup"):
            ys = []
            for x, y in zip(trace["x"], trace["y"], strict=True):
                lower = base.get(x, 0)
                base[x] = lower + (y or 0)
                ys.append((lower, base[x]))
            stacked.append((trace, ys))
    values = [y for trace in traces if not trace.get("stackgroup") for y in trace["y"] if y is not None]
    values += [upper for _trace, ys in stacked for _lower, upper in ys]
    low = 0 if yaxis.get("rangemode") == "tozero" or stacked else min(values, default=0)
    ticks = nice_ticks(min(low, 0) if low >= 0 else low, max(values, default=1))
    left, right, top = 58, 28, 30
    legend_parts, legend_height = _legend(_legend_entries(traces), width, 0)
    bottom = 34 + legend_height
    plot_w, plot_h = width - left - right, height - top - bottom
    span = max(1, len(positions) - 1)

    def px(x):
        return left + (positions[x] / span if len(positions) > 1 else 0.5) * plot_w

    def py(y):
        return top + plot_h - (y - ticks[0]) / (ticks[-1] - ticks[0]) * plot_h

    body = [_text(4, 16, _title(layout), size=12, weight="bold")]
    for tick in ticks:
        y = py(tick)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 4, y + 3, _tick_label(tick, yaxis), size=8.5, anchor="end", color=MUTED))
    for value, label in zip(xaxis.get("tickvals") or [], xaxis.get("ticktext") or [], strict=False):
        if value in positions:
            body.append(_text(px(value), top + plot_h + 13, _plain(label), size=8, anchor="middle", color=MUTED))
    for trace, ys in stacked:
        upper = [(px(x), py(hi)) for x, (_lo, hi) in zip(trace["x"], ys, strict=True)]
        lower = [(px(x), py(lo)) for x, (lo, _hi) in zip(trace["x"], ys, strict=True)]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in upper + lower[::-1])
        color = trace.get("fillcolor") or (trace.get("line") or {}).get("color", MUTED)
        body.append(f'<polygon points="{points}" fill="{color}" fill-opacity="0.75" stroke="none"/>')
    for trace in traces:
        if trace.get("stackgroup"):
            continue
        body.extend(_line(trace, px, py))
    body.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{MUTED}"/>')
    body.append(f'<g transform="translate(0,{height - legend_height - 4})">{"".join(legend_parts)}</g>')
    return _svg(width, height, body)


def _color(trace):
    """A trace's colour: its area's, its line's or (a markers-only trace: the trend's notes) its markers'."""
    line, marker = trace.get("line") or {}, trace.get("marker") or {}
    return trace.get("fillcolor") or line.get("color") or marker.get("color") or INK


def _line(trace, px, py):
    line = trace.get("line") or {}
    color, stroke = _color(trace), line.get("width", 2)
    dash = f' stroke-dasharray="{DASHES[line["dash"]]}"' if line.get("dash") in DASHES else ""
    parts, segment = [], []

    def flush():
        if len(segment) > 1:
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="{stroke}"{dash}/>')
        segment.clear()

    previous = None
    for x, y in zip(trace["x"], trace["y"], strict=True):
        if y is None:  # a gap: plotly breaks the line there too
            flush()
            previous = None
            continue
        point = (px(x), py(y))
        if line.get("shape") == "hv" and previous is not None:
            segment.append((point[0], previous[1]))
        segment.append(point)
        previous = point
    flush()
    if "markers" in (trace.get("mode") or ""):
        radius = 2.2 if "line" in trace else 4  # the trend's notes (markers only) stand out from a line's points
        for x, y in zip(trace["x"], trace["y"], strict=True):
            if y is not None:
                parts.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="{radius}" fill="{color}"/>')
    return parts


def _legend_entries(traces):
    entries = []
    for trace in traces:
        entries.append((trace.get("name", ""), _color(trace), (trace.get("line") or {}).get("dash")))
    return entries


def _bar_value(value, template):
    if "%" in (template or ""):
        return f"{format_number(value, 2)}%"
    return format_number(value)


def _bar_chart(figure, width):
    """Horizontal bars, best on top (plotly draws the last category on top)."""
    layout, trace = figure["layout"], figure["data"][0]
    names = list(trace["y"])
    values = list(trace["x"])
    if (layout.get("yaxis") or {}).get("autorange") != "reversed":
        names, values = names[::-1], values[::-1]
        colors = trace["marker"]["color"] if isinstance((trace.get("marker") or {}).get("color"), list) else None
        colors = colors[::-1] if colors else None
    else:
        colors = trace["marker"]["color"] if isinstance((trace.get("marker") or {}).get("color"), list) else None
    single = (trace.get("marker") or {}).get("color") if not colors else None
    row, top = 15, 28
    label_w = min(230, 10 + max((len(_plain(n)) for n in names), default=4) * 5.4)
    left, right = label_w + 6, 62
    height = top + row * len(names) + 26
    plot_w = width - left - right
    ticks = nice_ticks(0, max([v for v in values if v is not None], default=1), 4)
    xaxis = layout.get("xaxis") or {}
    body = [_text(4, 16, _title(layout), size=12, weight="bold")]
    for tick in ticks:
        x = left + tick / ticks[-1] * plot_w
        body.append(f'<line x1="{x:.1f}" y1="{top - 2}" x2="{x:.1f}" y2="{top + row * len(names)}" stroke="{GRID}"/>')
        body.append(_text(x, top + row * len(names) + 12, _tick_label(tick, xaxis), size=8, anchor="middle",
                          color=MUTED))  # fmt: skip
    for index, (name, value) in enumerate(zip(names, values, strict=True)):
        y = top + index * row
        label = _plain(name)
        highlighted = label.startswith("▶")
        body.append(_text(left - 6, y + 10, label, size=8.5, anchor="end", weight="bold" if highlighted else "normal"))
        if value is None:
            continue
        color = (colors[index] if colors else single) or "#56B4E9"
        length = max(0.5, value / ticks[-1] * plot_w)
        outline = f' stroke="{INK}" stroke-width="1.5"' if highlighted else ""
        body.append(f'<rect x="{left}" y="{y + 2}" width="{length:.1f}" height="{row - 4}" fill="{color}"{outline}/>')
        body.append(_text(left + length + 3, y + 10, _bar_value(value, trace.get("texttemplate")), size=8))
    return _svg(width, height, body)


def _scale_color(fraction):
    fraction = min(1.0, max(0.0, fraction))
    position = fraction * (len(CIVIDIS) - 1)
    low = int(math.floor(position))
    high = min(low + 1, len(CIVIDIS) - 1)
    weight = position - low
    rgb = [round(a + (b - a) * weight) for a, b in zip(CIVIDIS[low], CIVIDIS[high], strict=True)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _rings(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


def _mercator(lon, lat):
    lat = max(-85.0, min(85.0, lat))
    return lon, math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def _map_chart(figure, width, geojson):
    """The choropleth: each child region filled by its coverage on the Cividis scale, with a scale bar."""
    layout, trace = figure["layout"], figure["data"][0]
    values = dict(zip(trace["locations"], trace["z"], strict=True))
    features = [f for f in (geojson or {}).get("features", []) if f.get("geometry")]
    points = [
        _mercator(*point[:2])
        for feature in features
        for polygon in _rings(feature["geometry"])
        for ring in polygon
        for point in ring
    ]
    height = 260
    body = [_text(4, 16, _title(layout), size=12, weight="bold")]
    if not points:
        return _svg(width, height, body)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    top, bottom, legend_w = 26, 8, 70
    box_w, box_h = width - legend_w - 8, height - top - bottom
    scale = min(box_w / max(max(xs) - min(xs), 1e-9), box_h / max(max(ys) - min(ys), 1e-9))
    offset_x = 4 + (box_w - (max(xs) - min(xs)) * scale) / 2
    offset_y = top + (box_h - (max(ys) - min(ys)) * scale) / 2
    low, high = min(values.values(), default=0), max(values.values(), default=1)
    for feature in features:
        code = str(feature.get("id") or (feature.get("properties") or {}).get("kode"))
        value = values.get(code)
        fill = _scale_color((value - low) / (high - low) if high > low else 0.5) if value is not None else "#d0d7de"
        path = []
        for polygon in _rings(feature["geometry"]):
            for ring in polygon:
                coords = [_mercator(*point[:2]) for point in ring]
                path.append(
                    "M" + " L".join(
                        f"{offset_x + (x - min(xs)) * scale:.1f},{offset_y + (max(ys) - y) * scale:.1f}"
                        for x, y in coords
                    ) + " Z"
                )  # fmt: skip
        body.append(f'<path d="{" ".join(path)}" fill="{fill}" stroke="#ffffff" stroke-width="0.6" '
                    f'fill-rule="evenodd"><title>{_attr(code)}</title></path>')  # fmt: skip
    bar_x, bar_top, bar_h = width - legend_w + 14, top + 10, box_h - 40
    for step in range(20):
        y = bar_top + bar_h * step / 20
        body.append(f'<rect x="{bar_x}" y="{y:.1f}" width="12" height="{bar_h / 20 + 0.5:.1f}" '
                    f'fill="{_scale_color(1 - step / 19)}"/>')  # fmt: skip
    body.append(_text(bar_x + 16, bar_top + 8, f"{format_number(high, 2)}%", size=8))
    body.append(_text(bar_x + 16, bar_top + bar_h, f"{format_number(low, 2)}%", size=8))
    return _svg(width, height, body)


def figure_svg(figure, *, width=720, height=300, geojson=None):
    """One figure dict as an SVG string, or "" for a missing figure or an unsupported trace."""
    if not figure or not figure.get("data"):
        return ""
    kind = figure["data"][0].get("type")
    if kind == "scatter":
        return _line_chart(figure, width, height)
    if kind == "bar" and figure["data"][0].get("orientation") == "h":
        return _bar_chart(figure, width)
    if kind == "choropleth":
        return _map_chart(figure, width, geojson)
    return ""
