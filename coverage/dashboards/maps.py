"""Region boundaries for the choropleth maps, read from settings.GEO_DIR and simplified."""

import json
import math

from django.conf import settings
from django.core.cache import cache

from regions.models import NATIONAL_CODE, Level

from .rows import CACHE_TIMEOUT

# Simplification by the level whose children are drawn: (Douglas-Peucker tolerance in degrees,
# smallest island kept in degrees, decimals). A national map is ~0.06 degrees a pixel wide, a
# province's ~0.008 and a kab/kota's ~0.0006, so what is dropped would not be visible anyway.
SIMPLIFY = {Level.NATIONAL: (0.03, 0.15, 2), Level.PROVINCE: (0.004, 0.02, 3), Level.REGENCY: (0.0004, 0.002, 4)}


def boundary_file(region):
    """The GeoJSON file with the children of ``region`` in settings.GEO_DIR, or None for desa."""
    root = settings.GEO_DIR
    if region.level == Level.NATIONAL:
        return root / "provinces.geojson"
    if region.level == Level.PROVINCE:
        return root / "regencies.geojson"
    if region.level == Level.REGENCY:
        return root / "districts" / f"{region.code.split('.')[0]}.geojson"
    return None


def boundaries_available(region):
    path = boundary_file(region)
    return path is not None and path.is_file()


def _simplify_line(points, tolerance):
    """Douglas-Peucker, iterative (long rings would overflow a recursive version)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first][:2], points[last][:2]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        worst, index = 0.0, None
        for i in range(first + 1, last):
            px, py = points[i][:2]
            distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / norm if norm else math.hypot(px - x1, py - y1)
            if distance > worst:
                worst, index = distance, i
        if index is not None and worst > tolerance:
            keep[index] = True
            stack.extend(((first, index), (index, last)))
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def simplify_geometry(geometry, tolerance, digits=4, min_size=0.0):
    """Simplify a (Multi)Polygon: Douglas-Peucker on each ring, coordinates rounded to ``digits``.

    Rings that collapse below 4 points are dropped (outer rings are then kept as they were), and so
    are islands whose extent is under ``min_size`` degrees, except a feature's largest polygon.
    """

    def ring(points, outer):
        simple = [[round(x, digits), round(y, digits)] for x, y in (p[:2] for p in _simplify_line(points, tolerance))]
        if len(simple) >= 4:
            return simple
        return [[round(p[0], digits), round(p[1], digits)] for p in points] if outer else None

    def extent(polygon):
        xs, ys = [p[0] for p in polygon[0]], [p[1] for p in polygon[0]]
        return max(max(xs) - min(xs), max(ys) - min(ys))

    def polygon(rings):
        out = [ring(r, index == 0) for index, r in enumerate(rings)]
        return [r for r in out if r]

    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": polygon(geometry["coordinates"])}
    if geometry["type"] == "MultiPolygon":
        polygons = [p for p in geometry["coordinates"] if p and p[0]]
        if not polygons:
            return geometry
        largest = max(polygons, key=extent)
        kept = [p for p in polygons if p is largest or extent(p) >= min_size]
        return {"type": "MultiPolygon", "coordinates": [polygon(p) for p in kept]}
    return geometry


def boundaries_for(*, region):
    """The children of ``region`` as a simplified FeatureCollection (feature id = dotted code).

    ``available`` is False (with no features) when the folder or file is missing. Cached per file
    version; the geometry does not change with a recompute, so the key ignores the generation.
    """
    path = boundary_file(region)
    if path is None or not path.is_file():
        return {"type": "FeatureCollection", "features": [], "available": False}
    key = f"geo:v2:{region.code}:{path.stat().st_mtime_ns}"
    value = cache.get(key)
    if value is None:
        with path.open(encoding="utf-8") as handle:
            collection = json.load(handle)
        prefix = "" if region.code == NATIONAL_CODE else f"{region.code}."
        depth = region.level + 1
        tolerance, min_size, digits = SIMPLIFY.get(region.level, SIMPLIFY[Level.REGENCY])
        features = []
        for feature in collection.get("features", []):
            code = str(feature.get("id") or (feature.get("properties") or {}).get("kode") or "")
            if code.startswith(prefix) and code.count(".") + 1 == depth and feature.get("geometry"):
                geometry = simplify_geometry(feature["geometry"], tolerance, digits, min_size)
                name = (feature.get("properties") or {}).get("nama", "")
                features.append(
                    {"type": "Feature", "id": code, "properties": {"kode": code, "nama": name}, "geometry": geometry}
                )
        value = {"type": "FeatureCollection", "features": features, "available": True}
        cache.set(key, value, CACHE_TIMEOUT)
    return value
