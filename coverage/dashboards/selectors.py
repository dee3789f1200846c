"""Reads of the dashboards: snapshots only (never participant counts), cached per generation.

The region and office dashboards, the league table and the action list. Rows come from
``rows``; the derived KPIs are ``coverage.rules.kpis``.
"""

from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from regions.models import NATIONAL_CODE, Level, OfficeKind, Region
from regions.selectors import peer_group_codes, territory_regions
from ucj_dashboard.months import add_months

from ..models import ReportingPeriod, ReportingStatus, SubjectLevel
from .annotations import trend_annotations
from .rows import (
    cached,
    coverage_key,
    current_snapshots,
    flows_over,
    month_offer,
    month_state,
    office_scopes,
    page_status,
    period_choice,
    region_scopes,
    snapshot_rows,
    sort_rows,
    span_flow,
    trend_rows,
    with_flows,
    with_kpis,
)
from .villages import village_figures

ACTION_LIMIT = 10
MAP_MONTHS = 12  # the months of the region page's map over time

# --- region dashboard ------------------------------------------------------------------------


def _period_part(period, span, today):
    """A cache key's part for the month or span asked for (the default month is the day's)."""
    if span is not None:
        return span.key
    return period or f"default-{today}"


def region_dashboard(*, region, period=None, segment="", today=None, span=None):
    """Everything the region dashboard shows, for ``region`` in ``period`` (default: its latest settled
    month, ``rows.month_offer``) or in a quarter, semester or year (``span``: the stock of its latest
    settled month, the flows summed, ``rows.flows_over``)."""
    today = today or timezone.localdate()

    def compute():
        own = current_snapshots().filter(region=region)
        chosen, periods, months = period_choice(own, period, span, today=today)
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
            "span": span,
            "flow": span_flow(span, chosen),
            "periods": periods,
            "months": months,
            "month": month_state(months, chosen),
            "snapshot": None,
            "trend": [],
            "annotations": [],
            "children": [],
            "siblings": [],
        }
        if chosen is None:
            data["status"] = page_status([])
            return data
        trend = trend_rows(own, chosen)
        snapshot = next((row for row in trend if row["period"] == chosen), None)
        if snapshot is not None:
            snapshot = with_flows([dict(snapshot)], own, span, chosen)[0]
        below = current_snapshots().filter(parent_region=region, level=region.level + 1)
        children = with_flows(snapshot_rows(below.filter(period=chosen)), below, span, chosen)
        # The map over time: the children's coverage in the year up to the shown month (one query).
        history = below.filter(period__gt=add_months(chosen, -MAP_MONTHS), period__lte=chosen)
        children_history = list(
            history.values("period", "coverage_total", "coverage_pu", "coverage_bpu", code=F("region__code"))
        )
        siblings = []
        if region.parent_id:
            peers = current_snapshots().filter(parent_region_id=region.parent_id, period=chosen, level=region.level)
            siblings = sort_rows(snapshot_rows(peers, with_targets=False), coverage_key(segment))
        data.update(
            snapshot=with_kpis(snapshot, trend),
            trend=trend,
            annotations=trend_annotations(region=region, periods=[row["period"] for row in trend]),
            children=sort_rows(children, coverage_key(segment)),
            siblings=siblings,
            children_with_data=sum(1 for row in children if row["active_total"] is not None),
            children_history=children_history,
            children_reported=sum(1 for row in children if row["active_total"] is not None and not row["is_carried"]),
            children_expected=Region.objects.filter(parent=region, is_active=True).count(),
            status=page_status([snapshot]),
            # Snapshots stop at kecamatan; its desa are listed from their counts (same rules).
            villages=village_figures(district=region, period=chosen) if region.level == Level.DISTRICT else [],
        )
        return data

    return cached(
        "region", region.code, _period_part(period, span, today), segment, compute=compute,
        scopes=region_scopes(region),
    )  # fmt: skip


# --- office dashboard ------------------------------------------------------------------------


def office_dashboard(*, office, period=None, segment="", today=None, span=None):
    """A branch: its roll-up, its territory's kab/kota and the branches of its Kanwil ranked.
    A Kanwil: its roll-up, its branches ranked and its kab/kota ranked (the "five best": reported
    figures only). Default month: the office's latest settled month; a ``span`` as on the region page."""
    today = today or timezone.localdate()

    def compute():
        is_kanwil = office.kind == OfficeKind.KANWIL
        kanwil = office if is_kanwil else office.parent
        own = current_snapshots().filter(office=office)
        chosen, periods, months = period_choice(own, period, span, today=today)
        data = {
            "office": {"code": office.code, "name": office.name, "kind": office.kind, "is_kanwil": is_kanwil},
            "kanwil": {"code": kanwil.code, "name": kanwil.name} if kanwil else None,
            "period": chosen,
            "span": span,
            "flow": span_flow(span, chosen),
            "periods": periods,
            "months": months,
            "month": month_state(months, chosen),
            "snapshot": None,
            "trend": [],
            "territory": [],
            "territory_gap": None,
            "branches": [],
        }
        if chosen is None:
            data["status"] = page_status([])
            return data
        trend = trend_rows(own, chosen)
        snapshot = next((row for row in trend if row["period"] == chosen), None)
        if snapshot is not None:
            snapshot = with_flows([dict(snapshot)], own, span, chosen)[0]
        regions = territory_regions(office=office, day=add_months(chosen, 1) - timedelta(days=1))
        kabkota = current_snapshots().filter(region__in=regions, level=Level.REGENCY)
        territory = with_flows(snapshot_rows(kabkota.filter(period=chosen)), kabkota, span, chosen)
        branches = []
        if kanwil:
            siblings = current_snapshots().filter(level=SubjectLevel.BRANCH, office__parent=kanwil)
            rows = with_flows(snapshot_rows(siblings.filter(period=chosen), with_targets=False), siblings, span, chosen)
            branches = sort_rows(rows, coverage_key(segment))
        data.update(
            snapshot=with_kpis(snapshot, trend),
            trend=trend,
            territory=sort_rows(territory, coverage_key(segment)),
            # The "five best": reported figures only (a carried one is not ranked).
            best_five=[row for row in sort_rows(territory, "coverage_total") if row["position"]][:5],
            # Offices carry no targets of their own: the sum of their kab/kota's gaps to their own targets.
            territory_gap=sum(
                max(0, row["own_target"]["gap_participants"] or 0) for row in territory if row["own_target"]
            ),
            branches=branches,
            status=page_status([snapshot]),
        )
        return data

    return cached(
        "office", office.code, _period_part(period, span, today), segment, compute=compute,
        scopes=office_scopes(office),
    )  # fmt: skip


# --- league table ----------------------------------------------------------------------------

LEAGUE_SORTS = {
    "cakupan": None,  # the segment's coverage
    "capaian": "attainment",
    "naik_bulan": "delta_mom_pp",  # the segment's change (``segment_key``)
    "naik_tahun": "delta_yoy_pp",
}


def segment_key(name, segment):
    """The column of ``name`` (a coverage or change column) for a segment: PU, BPU or the total."""
    suffix = {"PU": "_pu", "BPU": "_bpu"}.get(segment, "")
    if name == "coverage":
        return f"coverage{suffix or '_total'}"
    return f"{name}{suffix}"


def with_segment(row, segment):
    """The segment's own figures on a row, under fixed names: coverage, participants and changes."""
    active = {"PU": "active_pu", "BPU": "active_bpu"}.get(segment, "active_total")
    growth = {"PU": "pu", "BPU": "bpu"}.get(segment, "total")
    row["seg"] = {
        "coverage": row[segment_key("coverage", segment)],
        "active": row[active],
        "workers": row[{"PU": "workers_pu", "BPU": "workers_bpu"}.get(segment, "workers_total")],
        "delta_mom_pp": row[segment_key("delta_mom_pp", segment)],
        "delta_yoy_pp": row[segment_key("delta_yoy_pp", segment)],
        "growth_mom": row[f"growth_mom_{growth}"],
        "growth_yoy": row[f"growth_yoy_{growth}"],
    }
    return row


LEAGUE_LEVELS = (Level.PROVINCE, Level.REGENCY, Level.DISTRICT)  # snapshots stop at kecamatan
# How a level's rows relate to a Kanwil's kab/kota (provinces: the provinces of those kab/kota).
KANWIL_SCOPE = {
    Level.REGENCY: "region__in",
    Level.DISTRICT: "parent_region__in",
}


def league_scope(*, level, parent=None, kanwil=None):
    """The snapshots (every month) of the regions of one level within ``parent`` or a Kanwil's territory."""
    scope = current_snapshots().filter(level=level)
    if parent is not None:
        scope = scope.filter(region__code__startswith=f"{parent.code}.") if parent.code != NATIONAL_CODE else scope
    if kanwil is not None:
        regions = territory_regions(office=kanwil)
        if level == Level.PROVINCE:
            scope = scope.filter(region__code__in={r.code.split(".")[0] for r in regions})
        else:
            scope = scope.filter(**{KANWIL_SCOPE[level]: regions})
    return scope


def league_table(
    *,
    level=Level.REGENCY,
    parent=None,
    kanwil=None,
    period=None,
    segment="",
    sort="cakupan",
    today=None,
    span=None,
    group=None,
):
    """Regions of one level (within ``parent`` or a Kanwil's territory), sorted by ``sort``.

    Kecamatan and desa need a parent (a national table of 83,762 desa helps nobody). Rank-change
    arrows compare with last month's rank in the parent (``rank_in_parent``), the stored ranking.
    With a segment, each row carries that segment's coverage, participants and changes (``seg``)
    and the changes sort by the segment's. The default month is the scope's latest settled month
    (the Kanwil's, the parent's or the nation's snapshot says how complete a month is). A ``span``
    (quarter, semester, year) ranks its month's stock and sums its flows (``rows.flows_over``).

    A peer ``group`` (``(code, name)``: kota, kabupaten or an admin's ``PeerGroup``) keeps its members
    and numbers them within the group. Membership is read on every call, outside the cache: the
    cached table follows the snapshots, a group edited in the admin shows at once.
    """
    sort = sort if sort in LEAGUE_SORTS else "cakupan"
    today = today or timezone.localdate()

    def compute():
        if level >= Level.DISTRICT and parent is None:
            return {
                "rows": [], "period": None, "span": span, "flow": None, "periods": [], "months": {},
                "month": month_state({}, None), "needs_parent": True, "status": page_status([]),
            }  # fmt: skip
        scope = league_scope(level=level, parent=parent, kanwil=kanwil)
        if kanwil is not None:
            subject = current_snapshots().filter(office=kanwil)
        else:
            subject = current_snapshots().filter(region__code=parent.code if parent else NATIONAL_CODE)
        chosen, periods, months = period_choice(subject, period, span, today=today)
        rows = [with_segment(row, segment) for row in snapshot_rows(scope.filter(period=chosen))] if chosen else []
        rows = with_flows(rows, scope, span, chosen)
        key = (
            segment_key(LEAGUE_SORTS[sort], segment)
            if LEAGUE_SORTS[sort] in ("delta_mom_pp", "delta_yoy_pp")
            else (LEAGUE_SORTS[sort] or coverage_key(segment))
        )
        return {
            "rows": sort_rows(rows, key),
            "sort_key": key,
            "period": chosen,
            "span": span,
            "flow": span_flow(span, chosen),
            "periods": periods,
            "months": months,
            "month": month_state(months, chosen),
            "needs_parent": False,
            "status": page_status(rows),
        }

    parts = (level, parent.code if parent else "", kanwil.code if kanwil else "", _period_part(period, span, today),
             segment, sort)  # fmt: skip
    data = cached("league", *parts, compute=compute)
    if group is None or data["needs_parent"]:
        return data
    members = peer_group_codes(code=group[0])
    rows = [dict(row) for row in data["rows"] if row["code"] in members]
    return {**data, "rows": sort_rows(rows, data["sort_key"]), "status": page_status(rows)}


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


def action_list(*, office, period=None, today=None):
    """Priority regions of a branch (or a Kanwil): its kab/kota and their kecamatan.

    - largest gap: the biggest gaps in participants to the region's own target;
    - falling coverage: coverage lower than the month before;
    - overdue: kab/kota that did not report the last closed month: no snapshot figure, or only a
      carried one (read from the snapshots, which count only submitted and verified entries).
    """

    today = today or timezone.localdate()

    def compute():
        regions = list(territory_regions(office=office))
        scope = current_snapshots().filter(Q(region__in=regions) | Q(parent_region__in=regions, level=Level.DISTRICT))
        chosen, _periods, _months = month_offer(current_snapshots().filter(office=office), period, today=today)
        if chosen is None:
            return {"period": None, "gap": [], "falling": [], "overdue": [], "closed_month": None, "regions": 0}
        rows = snapshot_rows(scope.filter(period=chosen))
        for row in rows:
            target = row["own_target"]
            row["gap"] = target["gap_participants"] if target else None
        gap = [row for row in rows if row["gap"] and row["gap"] > 0]
        gap.sort(key=lambda row: -row["gap"])
        falling = [row for row in rows if row["delta_mom_pp"] is not None and row["delta_mom_pp"] < 0]
        falling.sort(key=lambda row: row["delta_mom_pp"])
        closed = last_closed_month(chosen)
        reported = set(
            current_snapshots()
            .filter(region__in=regions, period=closed, active_total__isnull=False, is_carried=False)
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
            "status": page_status(rows),
        }

    return cached("actions", office.code, period or f"default-{today}", compute=compute, scopes=office_scopes(office))


def region_figures_over(*, region, start, end):
    """A quarter or a year of one region: the last month's stock and the months' summed flow
    (``rows.flows_over``, the sum the dashboards' spans use)."""
    own = current_snapshots().filter(region=region)
    rows = own.filter(period__gte=start, period__lte=end)
    last = rows.order_by("-period").values("period", "active_total", "coverage_total", "workers_total").first()
    flows = flows_over(own, start, end).get(region.code, {"new_total": None, "lapsed_total": None})
    return {
        **(last or {"period": None, "active_total": None, "coverage_total": None, "workers_total": None}),
        "new_total": flows["new_total"],
        "lapsed_total": flows["lapsed_total"],
    }
