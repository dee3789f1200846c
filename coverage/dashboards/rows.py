"""Snapshot rows as the dashboards use them, and the cache every read goes through.

Every read that touches ``Snapshot``/``SnapshotTarget`` goes through ``cached``, whose key holds
the snapshot generation: each recompute bumps it, so a recompute invalidates the cached reads it
affects and nothing needs to be deleted. Cached values are plain dicts and lists (codes, numbers,
dates), never translated text, so one entry serves both languages.
"""

from django.core.cache import cache
from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from regions.models import Level, Office, OfficeKind, Region
from ucj_dashboard.months import MONTH, QUARTER, SEMESTER, YEAR, Span, add_months

from ..engine.generation import (
    ALL,
    ALL_OFFICES,
    ALL_REGIONS,
    RANKS,
    office_scope,
    region_scope,
    snapshot_versions,
)
from ..models import Category, SeriesKind, Snapshot, SnapshotTarget, SubjectLevel
from ..rules import (
    month_is_settled,
    month_target_reached,
    monthly_pace,
    months_remaining,
    participants_needed_per_month,
    projected_year_end,
)

CACHE_TIMEOUT = 6 * 60 * 60
TREND_MONTHS = 24


def region_scopes(region):
    """The snapshot scopes a region's page reads: a kab/kota or kecamatan page its province's subtree
    (itself, its children, its siblings) and the national ranks; a province or the nation everything."""
    if region is None or region.level <= Level.PROVINCE:
        return (ALL,)
    return (ALL_REGIONS, region_scope(region.code), RANKS)


def office_scopes(office):
    """An office's page: its Kanwil's offices and territory, and the national ranks it shows."""
    if office is None:
        return (ALL,)
    kanwil = office if office.kind == OfficeKind.KANWIL or office.parent is None else office.parent
    return (ALL_REGIONS, ALL_OFFICES, office_scope(kanwil.code), RANKS)


def cache_version(scopes):
    """A string naming ``scopes`` and their current versions: part of every cache key."""
    return ",".join(f"{scope}={version}" for scope, version in zip(scopes, snapshot_versions(*scopes), strict=True))


def cached(name, *parts, compute, scopes=(ALL,)):
    """``compute()`` once per version of ``scopes`` (the snapshots it reads) and ``parts``; the value must
    pickle. A recompute elsewhere leaves it cached (coverage.engine.generation)."""
    key = "dash:{}:{}:{}".format(cache_version(scopes), name, ":".join(str(p) for p in parts))
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


SNAPSHOT_FIELDS = (
    "id", "level", "period", "revision", "is_published", "is_provisional", "data_as_of", "computed_at",
    "active_pu", "active_bpu", "active_jakon", "active_pmi", "active_funded", "active_total",
    "registered_total", "new_total", "lapsed_total", "unallocated_total",
    "workers_total", "workers_pu", "workers_bpu", "denominator_source",
    "coverage_total", "coverage_pu", "coverage_bpu", "category",
    "rank_in_parent", "ranked_in_parent", "rank_national", "ranked_national",
    "prev_rank_in_parent", "prev_rank_national", "delta_mom_pp", "delta_yoy_pp",
    "delta_mom_pp_pu", "delta_yoy_pp_pu", "delta_mom_pp_bpu", "delta_yoy_pp_bpu",
    "growth_mom_total", "growth_yoy_total", "growth_mom_pu", "growth_yoy_pu", "growth_mom_bpu", "growth_yoy_bpu",
    "growth_mom_jakon", "growth_yoy_jakon", "growth_mom_pmi", "growth_yoy_pmi",
    "denominator_basis", "is_carried", "carried_from", "units_expected", "units_reported", "units_carried",
)  # fmt: skip
MONTH_FIELDS = ("period", "units_expected", "units_reported", "units_carried", "is_published")
TARGET_FIELDS = (
    "snapshot_id", "series__code", "series__name", "series__kind", "series__source_document",
    "target_percent", "target_participants", "gap_participants", "phased_percent", "on_track", "source",
)  # fmt: skip


def current_snapshots():
    return Snapshot.objects.filter(is_current=True)


def snapshot_rows(queryset, *, with_targets=True):
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


def sort_rows(rows, key, *, descending=True):
    """Rows by ``key``, numbered; rows without it and carried rows (not reported this month: never
    ranked, "belum melapor") follow by code, unnumbered."""
    known = [row for row in rows if row.get(key) is not None and not row.get("is_carried")]
    unknown = [row for row in rows if row.get(key) is None or row.get("is_carried")]
    known.sort(key=lambda row: row[key], reverse=descending)
    ordered = known + sorted(unknown, key=lambda row: row["code"])
    for position, row in enumerate(ordered, start=1):
        row["position"] = position if row.get(key) is not None and not row.get("is_carried") else None
    return ordered


def coverage_key(segment):
    return {"PU": "coverage_pu", "BPU": "coverage_bpu"}.get(segment, "coverage_total")


def with_kpis(snapshot, trend):
    """Add the derived KPIs to ``snapshot`` (and per target) from the trend rows."""
    if snapshot is None:
        return None
    period = snapshot["period"]
    # The pace follows reported figures only: a carried month repeats an older figure.
    pace = monthly_pace([(row["period"], row["active_total"]) for row in trend if not row["is_carried"]], period)
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


def month_offer(queryset, period, *, today=None):
    """The month to show for one subject's snapshots (``queryset``), the months on offer, and the state
    of the months: ``(chosen, periods, months)``.

    The requested month if the subject has it; without a request, the latest settled month
    (``coverage.rules.month_is_settled``: published, every unit reported, or past its due date), else
    the latest. ``months`` maps each offered month to its completeness and whether it is partial.
    """
    today = today or timezone.localdate()
    rows = list(queryset.order_by("-period").values(*MONTH_FIELDS)[:36])
    months = {}
    for row in rows:
        if row["period"] in months:  # one current row per month; keep the first
            continue
        settled = month_is_settled(
            period=row["period"],
            units_expected=row["units_expected"],
            units_reported=row["units_reported"],
            is_published=row["is_published"],
            today=today,
        )
        months[row["period"]] = {**row, "partial": not settled}
    periods = list(months)
    if period is not None:
        return period, periods, months
    settled = [p for p in periods if not months[p]["partial"]]
    return (settled[0] if settled else (periods[0] if periods else None)), periods, months


def month_state(months, chosen):
    """What the page says about its month: its completeness, a newer partial month on offer, and the
    months of the period picker with their state, then the quarters, semesters and years that hold them."""
    newer = [p for p, state in months.items() if chosen is not None and p > chosen and state["partial"]]
    spans = {}
    for kind in (QUARTER, SEMESTER, YEAR):
        for p in months:
            spans.setdefault(Span.containing(kind, p), None)
    return {
        "current": months.get(chosen),
        "newer_partial": months[max(newer)] if newer else None,
        "options": [{"period": p, "partial": state["partial"]} for p, state in months.items()],
        "spans": list(spans),
    }


def span_month(months, span):
    """The month whose stock figures a quarter, semester or year shows: its latest settled month on
    offer (``month_offer``'s ``months``), else its latest; None when the subject has none in it."""
    inside = [p for p in months if p in span]
    settled = [p for p in inside if not months[p]["partial"]]
    return max(settled or inside, default=None)


def period_choice(queryset, period, span, *, today=None):
    """``month_offer`` for a month (``period``) or a span: ``(chosen, periods, months)``, where a span's
    chosen month is ``span_month``."""
    if span is None or span.kind == MONTH:
        return month_offer(queryset, span.start if span else period, today=today)
    _chosen, periods, months = month_offer(queryset, None, today=today)
    return span_month(months, span), periods, months


# --- quarters, semesters and years ----------------------------------------------------------------
# Over a run of months, active participants (and so coverage, ranks and categories) are a stock:
# the run shows the last month's snapshot. New registrations and nonaktif are flows: summed
# (docs/RULES.md, "Formula and roll-up"). ``flows_over`` is the one sum.

FLOW_FIELDS = ("new_total", "lapsed_total")


def flows_over(queryset, start, end):
    """The flows of each subject of ``queryset`` (snapshots) summed over the months ``start``..``end``:
    ``{code: {"new_total", "lapsed_total", "flow_months"}}``, one grouped query. A sum is None when no
    month had the figure (flows are never carried, so a carried month adds nothing)."""
    sums = (
        queryset.filter(period__gte=start, period__lte=end)
        .order_by()
        .values(subject=Coalesce(F("region__code"), F("office__code")))
        .annotate(flow_months=Count("id"), **{f"sum_{name}": Sum(name) for name in FLOW_FIELDS})
    )
    return {
        row["subject"]: {"flow_months": row["flow_months"], **{name: row[f"sum_{name}"] for name in FLOW_FIELDS}}
        for row in sums
    }


def with_flows(rows, queryset, span, chosen):
    """Rows of a span's month with the span's flows (from its first month to ``chosen``) in place of
    the month's own; a month's rows are returned as they are."""
    if span is None or span.kind == MONTH or chosen is None:
        return rows
    sums = flows_over(queryset, span.start, chosen)
    for row in rows:
        if row is None:
            continue
        own = sums.get(row["code"], {})
        for name in FLOW_FIELDS:
            row[name] = own.get(name)
    return rows


def span_flow(span, chosen):
    """The months a span's flows are summed over, for the page to say so; None for a month."""
    if span is None or span.kind == MONTH or chosen is None:
        return None
    return (span.start, chosen)


def trend_rows(queryset, period):
    return snapshot_rows(
        queryset.filter(period__gt=add_months(period, -TREND_MONTHS), period__lte=period).order_by("period")
    )


def page_status(rows):
    """Badges and "data as of" of a page from the rows it shows."""
    rows = [row for row in rows if row]
    stamps = [row["data_as_of"] or row["computed_at"] for row in rows if row["data_as_of"] or row["computed_at"]]
    return {
        "data_as_of": max(stamps) if stamps else None,
        "provisional": any(row["is_provisional"] for row in rows),
        "revised": any(row["is_revised"] for row in rows),
        "published": bool(rows) and all(row["is_published"] for row in rows),
    }
