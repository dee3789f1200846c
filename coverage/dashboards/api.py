"""Read-only JSON API over the current snapshots (docs/API.md).

Session authentication: a signed-in user's browser session (the same cookie as the pages).
Anonymous requests get 401 with a JSON body. Scope: aggregate coverage is readable by every
signed-in user (regions.selectors), so no row is filtered by role.
"""

from django.db.models import Q
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..models import SubjectLevel
from .filters import parse_period
from .rows import cached, current_snapshots, snapshot_rows

API_MAX_LIMIT = 1000


def snapshot_page(*, level=None, parent=None, code=None, office=None, period=None, limit=500, offset=0):
    """Current snapshot rows for the read-only API, filtered and paginated (newest month first)."""
    limit = max(1, min(limit, API_MAX_LIMIT))
    offset = max(0, offset)

    def compute():
        scope = current_snapshots()
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
        return {"count": total, "rows": snapshot_rows(page)}

    result = cached("api", level, parent, code, office, period, limit, offset, compute=compute)
    rows = sorted(result["rows"], key=lambda r: (-r["period"].toordinal(), r["level"], r["code"]))
    return {"count": result["count"], "limit": limit, "offset": offset, "rows": rows}


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


def _api_row(row):
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


def _int(params, name, default=None):
    value = params.get(name, "")
    if value == "":
        return default
    if not value.isdigit():
        raise ValueError(_("Parameter %(name)s harus bilangan bulat.") % {"name": name})
    return int(value)


def _filters(params):
    level = _int(params, "tingkat")
    if level is not None and level not in SubjectLevel.values:
        raise ValueError(_("Tingkat tidak dikenal: %(level)s.") % {"level": level})
    period = parse_period(params.get("periode"))
    if params.get("periode") and period is None:
        raise ValueError(_("Periode harus berformat YYYY-MM, misalnya 2025-05."))
    return {
        "level": level,
        "parent": params.get("induk", "").strip() or None,
        "code": params.get("kode", "").strip() or None,
        "office": params.get("kantor", "").strip() or None,
        "period": period,
        "limit": _int(params, "batas", 500),
        "offset": _int(params, "mulai", 0),
    }


@require_GET
def api_snapshots(request):
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("Perlu masuk terlebih dahulu (autentikasi sesi).")}, status=401)
    try:
        filters = _filters(request.GET)
    except ValueError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    result = snapshot_page(**filters)
    body = {key: result[key] for key in ("count", "limit", "offset")}
    return JsonResponse({**body, "results": [_api_row(row) for row in result["rows"]]})
