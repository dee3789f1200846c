"""Region boundaries for the choropleth maps, read from settings.GEO_DIR and simplified."""

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path

from django.conf import settings

from regions.models import NATIONAL_CODE, Level

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


def _read(path):
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _simplified(region, collection):
    """The children of ``region`` in a boundary ``collection``, simplified for the level drawn."""
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
    return {"type": "FeatureCollection", "features": features, "available": True}


def built_boundaries(region):
    """The simplified boundaries of ``region``'s children as a file, built once and then served as is.

    The file lives under settings.GEO_BUILD_DIR, named after the source file's identity (path, size,
    modification time), so a new boundary release builds new files and nothing stale is served. It
    is written atomically (a temporary file, then a rename): concurrent first requests at worst build
    it twice. ``manage.py build_boundaries`` builds every file ahead of time. None when the source
    file is absent.
    """
    path = boundary_file(region)
    if path is None or not path.is_file():
        return None
    target = _target(region, path)
    if not target.is_file():
        _write(target, _simplified(region, _read(path)))
    return target


def build_all_boundaries(regions):
    """Build the files of ``regions`` ahead of time, reading each source file once. Returns how many."""
    by_source = {}
    for region in regions:
        path = boundary_file(region)
        if path is not None and path.is_file():
            by_source.setdefault(path, []).append(region)
    built = 0
    for path, group in by_source.items():
        missing = [region for region in group if not _target(region, path).is_file()]
        collection = _read(path) if missing else None
        for region in missing:
            _write(_target(region, path), _simplified(region, collection))
        built += len(group)
    return built


def _target(region, path):
    stat = path.stat()
    identity = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return Path(settings.GEO_BUILD_DIR) / identity / f"{region.code}.json"


def _write(target, collection):
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=target.parent, suffix=".tmp", delete=False, encoding="utf-8") as out:
        json.dump(collection, out, separators=(",", ":"))
    os.replace(out.name, target)
