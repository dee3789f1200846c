"""Reads of the dashboards: snapshots only (never participant counts), cached per generation.

Every read that touches ``Snapshot``/``SnapshotTarget`` goes through ``cached``, whose key holds
``snapshot_generation()``: each recompute bumps it, so a recompute invalidates every cached read
at once and nothing needs to be deleted. Cached values are plain dicts and lists (codes, numbers,
dates), never translated text, so one entry serves both languages.

The derived KPIs (participants needed per month, projected year-end coverage, the month the
target would be reached) are pure functions at the top of this module.
"""

import json
import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string

from coverage.models import (
    Category,
    ReportingPeriod,
    ReportingStatus,
    SeriesKind,
    Snapshot,
    SnapshotTarget,
    SubjectLevel,
)
from coverage.selectors.periods import village_figures
from coverage.services.recompute import add_months, snapshot_generation
from regions.models import NATIONAL_CODE, Level, Office, OfficeKind, Region, Role, UserRole
from regions.selectors import territory_regions

CACHE_TIMEOUT = 6 * 60 * 60
TREND_MONTHS = 24
SEGMENTS = ("PU", "BPU")
ACTION_LIMIT = 10

# --- derived KPIs (pure) ---------------------------------------------------------------------


def months_remaining(period):
    """Months left in the year after ``period``, the current month counting as done (June -> 6)."""
    return 12 - period.month


def participants_needed_per_month(gap, period):
    """Participants to add each month to close ``gap`` by December: ceil(gap / months remaining).

    0 when the target is already reached; None when unknown or when no month is left (December).
    Kota Malang, June 2025: ceil(42,586 / 6) = 7,098.
    """
    if gap is None:
        return None
    if gap <= 0:
        return 0
    remaining = months_remaining(period)
    if remaining == 0:
        return None
    return math.ceil(gap / remaining)


def monthly_pace(points, period, window=3):
    """Average monthly change of active participants over the last ``window`` months.

    ``points``: (period, active) pairs. Uses the change from the oldest month in the window that has
    a figure (at best ``window`` months back) to ``period``; None without two figures.
    """
    by_period = {p: value for p, value in points if value is not None}
    current = by_period.get(period)
    if current is None:
        return None
    for back in range(window, 0, -1):
        earlier = by_period.get(add_months(period, -back))
        if earlier is not None:
            return (current - earlier) / back
    return None


def projected_year_end(*, active, workers, pace, period):
    """Active participants and coverage (%) in December if the pace holds."""
    if active is None or pace is None:
        return None, None
    projected = max(0, active + pace * months_remaining(period))
    coverage = projected * 100.0 / workers if workers else None
    return round(projected), coverage


def month_target_reached(*, active, target, pace, period):
    """The month in which ``active`` reaches ``target`` at ``pace``; None if it never does."""
    if active is None or target is None:
        return None
    if active >= target:
        return period
    if not pace or pace <= 0:
        return None
    return add_months(period, math.ceil((target - active) / pace))


# --- filters ---------------------------------------------------------------------------------

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(text):
    """'2025-05' -> date(2025, 5, 1); anything else -> None (the page then shows the latest month)."""
    match = _PERIOD.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


def parse_segment(text):
    text = (text or "").strip().upper()
    return text if text in SEGMENTS else ""


@dataclass(frozen=True)
class Filters:
    """The query parameters every dashboard shares (``?periode=2025-05&segmen=PU``)."""

    period: date | None = None
    segment: str = ""

    @classmethod
    def from_query(cls, params):
        return cls(period=parse_period(params.get("periode")), segment=parse_segment(params.get("segmen")))

    def query(self, **overrides):
        values = {"periode": f"{self.period:%Y-%m}" if self.period else "", "segmen": self.segment, **overrides}
        return urlencode({k: v for k, v in values.items() if v})

    @property
    def suffix(self):
        """``?periode=...&segmen=...`` to append to a link, or nothing."""
        query = self.query()
        return f"?{query}" if query else ""


# --- cache -----------------------------------------------------------------------------------


def cached(name, *parts, compute):
    """``compute()`` once per snapshot generation and ``parts``; the value must pickle."""
    key = "dash:{}:{}:{}".format(snapshot_generation(), name, ":".join(str(p) for p in parts))
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_TIMEOUT)
    return value


# Regions and offices change only with master-data loads: a short cache spares every page a query.
SUBJECT_TIMEOUT = 5 * 60


def region_by_code(code):
    """The region (with its parent) or None; cached for a few minutes (unknown codes are not)."""
    key = f"dash:subject:region:{code}"
    region = cache.get(key)
    if region is None:
        region = Region.objects.select_related("parent").filter(code=code).first()
        if region is not None:
            cache.set(key, region, SUBJECT_TIMEOUT)
    return region


def office_by_code(code):
    key = f"dash:subject:office:{code}"
    office = cache.get(key)
    if office is None:
        office = Office.objects.select_related("parent").filter(code=code).first()
        if office is not None:
            cache.set(key, office, SUBJECT_TIMEOUT)
    return office


# --- rows ------------------------------------------------------------------------------------

SNAPSHOT_FIELDS = (
    "id", "level", "period", "revision", "is_published", "is_provisional", "data_as_of", "computed_at",
    "active_pu", "active_bpu", "active_jakon", "active_pmi", "active_funded", "active_total",
    "registered_total", "new_total", "lapsed_total", "unallocated_total",
    "workers_total", "workers_pu", "workers_bpu", "denominator_source",
    "coverage_total", "coverage_pu", "coverage_bpu", "category",
    "rank_in_parent", "ranked_in_parent", "rank_national", "ranked_national",
    "prev_rank_in_parent", "prev_rank_national", "delta_mom_pp", "delta_yoy_pp",
)  # fmt: skip
TARGET_FIELDS = (
    "snapshot_id", "series__code", "series__name", "series__kind", "series__source_document",
    "target_percent", "target_participants", "gap_participants", "phased_percent", "on_track", "source",
)  # fmt: skip


def _current():
    return Snapshot.objects.filter(is_current=True)


def _rows(queryset, *, with_targets=True):
    """Snapshot rows as dicts with ``code``, ``name``, ``parent_code`` and their ``targets``: two queries."""
    rows = list(
        queryset.values(
            *SNAPSHOT_FIELDS,
            code=Coalesce(F("region__code"), F("office__code")),
            name=Coalesce(F("region__name"), F("office__name")),
            parent_code=Coalesce(F("parent_region__code"), F("parent_office__code")),
        )
    )
    for row in rows:
        row["targets"] = []
        row["is_revised"] = row["revision"] > 1
        rank, previous = row["rank_in_parent"], row["prev_rank_in_parent"]
        row["rank_change"] = previous - rank if rank and previous else None
        # Lazy labels pickle as lazy: the cached row is translated when rendered.
        row["level_label"] = SubjectLevel(row["level"]).label
        row["category_label"] = Category(row["category"]).label if row["category"] else ""
    if with_targets and rows:
        by_id = {row["id"]: row for row in rows}
        targets = SnapshotTarget.objects.filter(snapshot_id__in=list(by_id)).order_by(
            "series__display_order", "series__name"
        )
        for target in targets.values(*TARGET_FIELDS):
            by_id[target["snapshot_id"]]["targets"].append(
                {
                    "series_code": target["series__code"],
                    "series_name": target["series__name"],
                    "series_kind": target["series__kind"],
                    "series_source": target["series__source_document"],
                    "source": target["source"] or target["series__source_document"],
                    **{k: target[k] for k in TARGET_FIELDS[5:10]},
                }
            )
    for row in rows:
        row["own_target"] = own_target(row["targets"])
        row["attainment"] = attainment(row, row["own_target"])
    return rows


def own_target(targets):
    """The region's own target: a regional (RPJMD/Perkada) series if it has one, else the first series."""
    for target in targets:
        if target["series_kind"] == SeriesKind.RPJMD:
            return target
    return targets[0] if targets else None


def attainment(row, target):
    """Share of the target reached, in %: active / target participants (the count the gap uses)."""
    if not target or not target.get("target_participants") or row.get("active_total") is None:
        return None
    return row["active_total"] * 100.0 / target["target_participants"]


def _sort_rows(rows, key, *, descending=True):
    known = [row for row in rows if row.get(key) is not None]
    unknown = [row for row in rows if row.get(key) is None]
    known.sort(key=lambda row: row[key], reverse=descending)
    ordered = known + sorted(unknown, key=lambda row: row["code"])
    for position, row in enumerate(ordered, start=1):
        row["position"] = position if row.get(key) is not None else None
    return ordered


def coverage_key(segment):
    return {"PU": "coverage_pu", "BPU": "coverage_bpu"}.get(segment, "coverage_total")


def _with_kpis(snapshot, trend):
    """Add the derived KPIs to ``snapshot`` (and per target) from the trend rows."""
    if snapshot is None:
        return None
    period = snapshot["period"]
    pace = monthly_pace([(row["period"], row["active_total"]) for row in trend], period)
    projected_active, projected_coverage = projected_year_end(
        active=snapshot["active_total"], workers=snapshot["workers_total"], pace=pace, period=period
    )
    snapshot["kpi"] = {
        "pace": pace,
        "months_remaining": months_remaining(period),
        "projected_active": projected_active,
        "projected_coverage": projected_coverage,
    }
    for target in snapshot["targets"]:
        target["needed_per_month"] = participants_needed_per_month(target["gap_participants"], period)
        target["reach_month"] = month_target_reached(
            active=snapshot["active_total"], target=target["target_participants"], pace=pace, period=period
        )
    return snapshot


def _pick_period(queryset, period):
    """The requested month if the subject has it, else the latest; plus the months on offer."""
    periods = list(queryset.order_by("-period").values_list("period", flat=True).distinct()[:36])
    if period in periods:
        return period, periods
    return (periods[0] if periods and period is None else period), periods


def _trend(queryset, period):
    return _rows(queryset.filter(period__gt=add_months(period, -TREND_MONTHS), period__lte=period).order_by("period"))


def _status(rows):
    """Badges and "data as of" of a page from the rows it shows."""
    rows = [row for row in rows if row]
    stamps = [row["data_as_of"] or row["computed_at"] for row in rows if row["data_as_of"] or row["computed_at"]]
    return {
        "data_as_of": max(stamps) if stamps else None,
        "provisional": any(row["is_provisional"] for row in rows),
        "revised": any(row["is_revised"] for row in rows),
        "published": bool(rows) and all(row["is_published"] for row in rows),
    }


# --- region dashboard ------------------------------------------------------------------------


def region_dashboard(*, region, period=None, segment=""):
    """Everything the region dashboard shows, for ``region`` in ``period`` (default: its latest month)."""

    def compute():
        own = _current().filter(region=region)
        chosen, periods = _pick_period(own, period)
        data = {
            "region": {
                "code": region.code,
                "name": region.name,
                "level": region.level,
                "level_label": Level(region.level).label,
            },
            "child_level_label": Level(region.level + 1).label if region.level < Level.VILLAGE else "",
            "ancestors": list(region.ancestors().values("code", "name", "level")),
            "period": chosen,
            "periods": periods,
            "snapshot": None,
            "trend": [],
            "children": [],
            "siblings": [],
        }
        if chosen is None:
            data["status"] = _status([])
            return data
        trend = _trend(own, chosen)
        snapshot = next((row for row in trend if row["period"] == chosen), None)
        children = _rows(_current().filter(parent_region=region, period=chosen, level=region.level + 1))
        siblings = []
        if region.parent_id:
            peers = _current().filter(parent_region_id=region.parent_id, period=chosen, level=region.level)
            siblings = _sort_rows(_rows(peers, with_targets=False), coverage_key(segment))
        data.update(
            snapshot=_with_kpis(snapshot, trend),
            trend=trend,
            children=_sort_rows(children, coverage_key(segment)),
            siblings=siblings,
            children_with_data=sum(1 for row in children if row["active_total"] is not None),
            status=_status([snapshot]),
            # Snapshots stop at kecamatan; its desa are listed from their counts (same rules).
            villages=village_figures(district=region, period=chosen) if region.level == Level.DISTRICT else [],
        )
        return data

    return cached("region", region.code, period, segment, compute=compute)


# --- office dashboard ------------------------------------------------------------------------


def office_dashboard(*, office, period=None, segment=""):
    """A branch: its roll-up, its territory's kab/kota and the branches of its Kanwil ranked.
    A Kanwil: its roll-up, its branches ranked and its kab/kota ranked (the "five best")."""

    def compute():
        is_kanwil = office.kind == OfficeKind.KANWIL
        kanwil = office if is_kanwil else office.parent
        own = _current().filter(office=office)
        chosen, periods = _pick_period(own, period)
        data = {
            "office": {"code": office.code, "name": office.name, "kind": office.kind, "is_kanwil": is_kanwil},
            "kanwil": {"code": kanwil.code, "name": kanwil.name} if kanwil else None,
            "period": chosen,
            "periods": periods,
            "snapshot": None,
            "trend": [],
            "territory": [],
            "territory_gap": None,
            "branches": [],
        }
        if chosen is None:
            data["status"] = _status([])
            return data
        trend = _trend(own, chosen)
        snapshot = next((row for row in trend if row["period"] == chosen), None)
        regions = territory_regions(office=office, day=add_months(chosen, 1) - timedelta(days=1))
        territory = _rows(_current().filter(region__in=regions, period=chosen, level=Level.REGENCY))
        branches = []
        if kanwil:
            siblings = _current().filter(level=SubjectLevel.BRANCH, office__parent=kanwil, period=chosen)
            branches = _sort_rows(_rows(siblings, with_targets=False), coverage_key(segment))
        data.update(
            snapshot=_with_kpis(snapshot, trend),
            trend=trend,
            territory=_sort_rows(territory, coverage_key(segment)),
            # Offices carry no targets of their own: the sum of their kab/kota's gaps to their own targets.
            territory_gap=sum(
                max(0, row["own_target"]["gap_participants"] or 0) for row in territory if row["own_target"]
            ),
            branches=branches,
            status=_status([snapshot]),
        )
        return data

    return cached("office", office.code, period, segment, compute=compute)


# --- league table ----------------------------------------------------------------------------

LEAGUE_SORTS = {
    "cakupan": None,  # the segment's coverage
    "capaian": "attainment",
    "naik_bulan": "delta_mom_pp",
    "naik_tahun": "delta_yoy_pp",
}
LEAGUE_LEVELS = (Level.PROVINCE, Level.REGENCY, Level.DISTRICT)  # snapshots stop at kecamatan
# How a level's rows relate to a Kanwil's kab/kota (provinces: the provinces of those kab/kota).
KANWIL_SCOPE = {
    Level.REGENCY: "region__in",
    Level.DISTRICT: "parent_region__in",
}


def league_table(*, level=Level.REGENCY, parent=None, kanwil=None, period=None, segment="", sort="cakupan"):
    """Regions of one level (within ``parent`` or a Kanwil's territory), sorted by ``sort``.

    Kecamatan and desa need a parent (a national table of 83,762 desa helps nobody). Rank-change
    arrows compare with last month's rank in the parent (``rank_in_parent``), the stored ranking.
    """
    sort = sort if sort in LEAGUE_SORTS else "cakupan"

    def compute():
        if level >= Level.DISTRICT and parent is None:
            return {"rows": [], "period": None, "periods": [], "needs_parent": True, "status": _status([])}
        scope = _current().filter(level=level)
        if parent is not None:
            scope = scope.filter(region__code__startswith=f"{parent.code}.") if parent.code != NATIONAL_CODE else scope
        if kanwil is not None:
            regions = territory_regions(office=kanwil)
            if level == Level.PROVINCE:
                scope = scope.filter(region__code__in={r.code.split(".")[0] for r in regions})
            else:
                scope = scope.filter(**{KANWIL_SCOPE[level]: regions})
        latest = scope.aggregate(latest=Max("period"))["latest"]
        chosen = period or latest
        periods = list(scope.order_by("-period").values_list("period", flat=True).distinct()[:36])
        rows = _rows(scope.filter(period=chosen)) if chosen else []
        key = LEAGUE_SORTS[sort] or coverage_key(segment)
        return {
            "rows": _sort_rows(rows, key),
            "period": chosen,
            "periods": periods,
            "needs_parent": False,
            "status": _status(rows),
        }

    parts = (level, parent.code if parent else "", kanwil.code if kanwil else "", period, segment, sort)
    return cached("league", *parts, compute=compute)


# --- action list -----------------------------------------------------------------------------


def last_closed_month(period):
    """The latest closed reporting month up to ``period``; without any, the month before ``period``."""
    closed = (
        ReportingPeriod.objects.filter(status=ReportingStatus.CLOSED, period__lte=period)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    return closed or add_months(period, -1)


def action_list(*, office, period=None):
    """Priority regions of a branch (or a Kanwil): its kab/kota and their kecamatan.

    - largest gap: the biggest gaps in participants to the region's own target;
    - falling coverage: coverage lower than the month before;
    - overdue: kab/kota whose snapshot for the last closed month has no active participants, i.e.
      no submitted or verified count in the kab/kota or below (read from the snapshots, which
      count only submitted and verified entries).
    """

    def compute():
        regions = list(territory_regions(office=office))
        scope = _current().filter(Q(region__in=regions) | Q(parent_region__in=regions, level=Level.DISTRICT))
        chosen = period or scope.aggregate(latest=Max("period"))["latest"]
        if chosen is None:
            return {"period": None, "gap": [], "falling": [], "overdue": [], "closed_month": None, "regions": 0}
        rows = _rows(scope.filter(period=chosen))
        for row in rows:
            target = row["own_target"]
            row["gap"] = target["gap_participants"] if target else None
        gap = [row for row in rows if row["gap"] and row["gap"] > 0]
        gap.sort(key=lambda row: -row["gap"])
        falling = [row for row in rows if row["delta_mom_pp"] is not None and row["delta_mom_pp"] < 0]
        falling.sort(key=lambda row: row["delta_mom_pp"])
        closed = last_closed_month(chosen)
        reported = set(
            _current()
            .filter(region__in=regions, period=closed, active_total__isnull=False)
            .values_list("region__code", flat=True)
        )
        overdue = [{"code": r.code, "name": r.name} for r in regions if r.code not in reported]
        return {
            "period": chosen,
            "closed_month": closed,
            "gap": gap[:ACTION_LIMIT],
            "falling": falling[:ACTION_LIMIT],
            "overdue": overdue,
            "regions": len(regions),
            "status": _status(rows),
        }

    return cached("actions", office.code, period, compute=compute)


def weekly_digest_messages(*, period=None):
    """One e-mail per branch head with an address: the action list of their office."""
    from django.core.mail import EmailMultiAlternatives

    messages = []
    roles = UserRole.objects.filter(role=Role.BRANCH_HEAD).select_related("user", "office").order_by("user_id")
    for assignment in roles:
        if not assignment.user.email or not assignment.user.is_active:
            continue
        context = {
            "user": assignment.user,
            "office": assignment.office,
            "actions": action_list(office=assignment.office, period=period),
        }
        subject = render_to_string("coverage/email/weekly_digest_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject, render_to_string("coverage/email/weekly_digest.txt", context), to=[assignment.user.email]
        )
        message.attach_alternative(render_to_string("coverage/email/weekly_digest.html", context), "text/html")
        messages.append(message)
    return messages


# --- API -------------------------------------------------------------------------------------

API_MAX_LIMIT = 1000


def api_snapshots(*, level=None, parent=None, code=None, office=None, period=None, limit=500, offset=0):
    """Current snapshot rows for the read-only API, filtered and paginated (newest month first)."""
    limit = max(1, min(limit, API_MAX_LIMIT))
    offset = max(0, offset)

    def compute():
        scope = _current()
        if level is not None:
            scope = scope.filter(level=level)
        if parent:
            scope = scope.filter(Q(parent_region__code=parent) | Q(parent_office__code=parent))
        if code:
            scope = scope.filter(region__code=code)
        if office:
            scope = scope.filter(office__code=office)
        if period:
            scope = scope.filter(period=period)
        total = scope.count()
        page = scope.order_by("-period", "level", "region__code", "office__code")[offset : offset + limit]
        return {"count": total, "rows": _rows(page)}

    result = cached("api", level, parent, code, office, period, limit, offset, compute=compute)
    rows = sorted(result["rows"], key=lambda r: (-r["period"].toordinal(), r["level"], r["code"]))
    return {"count": result["count"], "limit": limit, "offset": offset, "rows": rows}


# --- boundaries ------------------------------------------------------------------------------

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


# --- programs panel --------------------------------------------------------------------------


FUNDING_TEMPLATE = "programs/partials/funding_panel.html"


def funding_panel_for(*, region, period):
    """The programs app's funding panel for kab/kota and below; None where it does not apply."""
    if region.level < Level.REGENCY or period is None:
        return None
    try:
        from programs.selectors import funding_panel

        get_template(FUNDING_TEMPLATE)
    except (ImportError, TemplateDoesNotExist):
        return None
    return funding_panel(region=region, period=period)
