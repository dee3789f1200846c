"""The API's snapshot rows (``GET /api/v1/snapshot/``, served by ``coverage.api``; docs/API.md):
the parameters parsed, the rows read through the dashboards' cache and shaped as JSON.

Scope: aggregate coverage is readable by every signed-in user and every valid API key
(regions.selectors), so no row is filtered by role.
"""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from regions.models import Office, Region
from ucj_dashboard import params
from ucj_dashboard.params import ParamError

from ..models import SubjectLevel
from .rows import cached, current_snapshots, snapshot_rows

API_MAX_LIMIT = 1000
API_MAX_OFFSET = 10_000_000
# Rows are cached in blocks of this many, whatever the page size and offset asked for: the cache
# holds each filtered list at most once (never one entry per offset), and a page is cut from at
# most two blocks.
API_BLOCK = 1000


def snapshot_page(*, level=None, parent=None, code=None, office=None, period=None, limit=500, offset=0):
    """Current snapshot rows for the read-only API, filtered and paginated (newest month first).

    The filters must be validated values (codes that exist): they are part of the cache keys.
    """
    limit = max(1, min(limit, API_MAX_LIMIT))
    offset = max(0, offset)
    filters = (level, parent, code, office, period)

    def scope():
        rows = current_snapshots()
        if level is not None:
            rows = rows.filter(level=level)
        if parent:
            rows = rows.filter(Q(parent_region__code=parent) | Q(parent_office__code=parent))
        if code:
            rows = rows.filter(region__code=code)
        if office:
            rows = rows.filter(office__code=office)
        if period:
            rows = rows.filter(period=period)
        return rows.order_by("-period", "level", "region__code", "office__code")

    def block(number):
        return snapshot_rows(scope()[number * API_BLOCK : (number + 1) * API_BLOCK])

    total = cached("api-count", *filters, compute=lambda: scope().count())
    rows = []
    if offset < total:
        first, last = offset // API_BLOCK, (min(offset + limit, total) - 1) // API_BLOCK
        for number in range(first, last + 1):
            rows += cached("api-rows", *filters, number, compute=lambda number=number: block(number))
        start = offset - first * API_BLOCK
        rows = rows[start : start + limit]
    rows = sorted(rows, key=lambda r: (-r["period"].toordinal(), r["level"], r["code"]))
    return {"count": total, "limit": limit, "offset": offset, "rows": rows}


ROW_FIELDS = (
    "code", "name", "level", "parent_code", "revision", "is_provisional", "is_published",
    "active_total", "active_pu", "active_bpu", "active_jakon", "active_pmi", "active_funded",
    "registered_total", "new_total", "lapsed_total", "workers_total", "workers_pu", "workers_bpu",
    "denominator_source", "coverage_total", "coverage_pu", "coverage_bpu", "category",
    "rank_in_parent", "ranked_in_parent", "rank_national", "ranked_national",
    "prev_rank_in_parent", "delta_mom_pp", "delta_yoy_pp",
    "delta_mom_pp_pu", "delta_yoy_pp_pu", "delta_mom_pp_bpu", "delta_yoy_pp_bpu",
    "growth_mom_total", "growth_yoy_total", "growth_mom_pu", "growth_yoy_pu", "growth_mom_bpu", "growth_yoy_bpu",
    "growth_mom_jakon", "growth_yoy_jakon", "growth_mom_pmi", "growth_yoy_pmi",
    "denominator_basis", "is_carried", "units_expected", "units_reported", "units_carried",
)  # fmt: skip
TARGET_FIELDS = ("target_percent", "target_participants", "gap_participants", "phased_percent", "on_track", "source")


def api_row(row):
    """One snapshot row in the API's JSON shape (v1)."""
    out = {field: row[field] for field in ROW_FIELDS}
    out["period"] = f"{row['period']:%Y-%m}"
    out["carried_from"] = f"{row['carried_from']:%Y-%m}" if row["carried_from"] else None
    out["level_name"] = str(row["level_label"])
    out["data_as_of"] = timezone.localtime(row["data_as_of"]).isoformat() if row["data_as_of"] else None
    out["targets"] = [
        {"series": t["series_code"], "series_name": t["series_name"], **{f: t[f] for f in TARGET_FIELDS}}
        for t in row["targets"]
    ]
    return out


def snapshot_filters(query):
    """The API's parameters, parsed (``ucj_dashboard.params``); a code must name a region or office
    that exists, so that only real codes become cache keys. Raises ``ParamError`` (a 400)."""
    limit = params.integer(query.get("batas"), name="batas", minimum=1, maximum=API_MAX_LIMIT, default=500, cap=True)
    return {
        "level": params.level(query.get("tingkat"), choices=SubjectLevel.values),
        "parent": _parent(query.get("induk")),
        "code": _existing(Region, params.region_code(query.get("kode"), name="kode"), "kode"),
        "office": _existing(Office, params.office_code(query.get("kantor"), name="kantor"), "kantor"),
        "period": params.period(query.get("periode")),
        "limit": limit,
        "offset": params.integer(query.get("mulai"), name="mulai", minimum=0, maximum=API_MAX_OFFSET, default=0),
    }


def _parent(value):
    """``induk``: a region code (that region's children) or an office code (a Kanwil's branches)."""
    code = params.text(value, name="induk", max_length=30)
    if not code:
        return None
    if params.is_region_code(code):
        return _existing(Region, code, "induk")
    return _existing(Office, params.office_code(code, name="induk"), "induk")


def _existing(model, code, name):
    if code and not model.objects.filter(code=code).exists():
        raise ParamError(_("Parameter %(name)s: %(code)s tidak ditemukan.") % {"name": name, "code": code})
    return code
