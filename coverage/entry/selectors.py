"""Reads of the entry workflow: the grid, the verification queue, the submission tracker,
a cell's history and the differences between BPJS and Pemda figures of an office's territory.

"The figure that counts for a cell" is read from ``EffectiveCount`` (a database view shared with
the engine), never re-derived here.

Scope is decided in ``regions.selectors``; these functions take the regions (or the roots)
that the views have already checked.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Abs, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from regions.models import Region, Role, UserRole
from regions.selectors import (
    regions_filter_territory,
    territory_regions,
    user_has_role,
    user_is_admin,
    verifiable_roots,
)
from ucj_dashboard.months import add_months

from ..models import (
    COUNTED_STATUSES,
    CoverageSettings,
    EffectiveCount,
    EntryStatus,
    ParticipantCount,
    Segment,
    Source,
)
from ..rules import ExpectedRange, due_date, expected_range
from . import validation
from .approvals import chains_load, changes_since_last_decision, counts_awaiting, in_scope_q, next_step, reached_step
from .reasons import reason_label
from .validation import SOURCE_NAMES

SEGMENTS = [segment.value for segment in Segment]
MEASURES = validation.MEASURES


# --- the grid ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceComparison:
    """A Pemda figure beside the BPJS figure of the same cell (the BPJS one counts)."""

    bpjs: int
    pemda: int | None

    @property
    def difference(self):
        return None if self.pemda is None else self.pemda - self.bpjs

    @property
    def difference_percent(self):
        if self.pemda is None or not self.bpjs:
            return None
        return (self.pemda - self.bpjs) * 100 / self.bpjs


@dataclass
class CellSources:
    """What the grid and the queue show beside one Pemda cell, all read from ``EffectiveCount``:
    last month's effective figure (BPJS or Pemda) and this month's BPJS figure when one counts."""

    count: ParticipantCount | None  # this month's Pemda entry
    previous: EffectiveCount | None  # last month's figure that counted, whatever its source
    effective: EffectiveCount | None  # this month's figure that counts

    @property
    def bpjs(self):
        return self.effective if self.effective is not None and self.effective.source == Source.BPJS else None

    @property
    def previous_source(self):
        return SOURCE_NAMES[self.previous.source] if self.previous is not None else ""

    @property
    def comparison(self):
        if self.bpjs is None:
            return None
        return SourceComparison(bpjs=self.bpjs.active, pemda=self.count.active if self.count else None)

    @property
    def overridden(self):
        """A submitted or verified Pemda figure that does not count: BPJS reported the cell."""
        return self.count is not None and self.count.status in COUNTED_STATUSES and self.bpjs is not None


@dataclass
class GridRow:
    region: Region
    counts: dict = field(default_factory=dict)  # segment -> ParticipantCount (this month, Pemda)
    previous: dict = field(default_factory=dict)  # segment -> EffectiveCount (last month, any source)
    effective: dict = field(default_factory=dict)  # segment -> EffectiveCount (this month, any source)
    is_parent: bool = False

    def sources(self, segment):
        return CellSources(self.counts.get(segment), self.previous.get(segment), self.effective.get(segment))


def grid_regions(*, region):
    """The grid's rows: the region itself, then its children."""
    return [region, *Region.objects.filter(parent=region, is_active=True).order_by("code")]


def grid_counts(*, region, period):
    return ParticipantCount.objects.filter(
        Q(region=region) | Q(region__parent=region), period=period, source=Source.PEMDA
    ).select_related("region", "entered_by")


def entry_grid_rows(*, region, period) -> list[GridRow]:
    """Rows of the entry grid: this month's Pemda entries, and from ``EffectiveCount`` last month's
    figure and this month's figure that counts (BPJS or Pemda) of each cell (3 queries)."""
    rows = {r.pk: GridRow(region=r, is_parent=r.pk == region.pk) for r in grid_regions(region=region)}
    for count in grid_counts(region=region, period=period):
        if count.region_id in rows:
            rows[count.region_id].counts[count.segment] = count
    previous = add_months(period, -1)
    # By ids: a list is pushed into both branches of the view and probed through the cell index; a
    # join with the region table is not (two months of counts read: 0,5 s at national scale).
    for figure in EffectiveCount.objects.filter(region_id__in=list(rows), period__in=[period, previous]):
        if figure.region_id in rows:
            row = rows[figure.region_id]
            (row.effective if figure.period == period else row.previous)[figure.segment] = figure
    _mark_approval_levels([c for row in rows.values() for c in row.counts.values()])
    return list(rows.values())


def _mark_approval_levels(counts):
    """Set ``approval_step`` on submitted counts that passed a level of their chain (the grid's badge
    shows the highest level reached). Reads the chain only when such a count is there."""
    passed = {c.pk for c in counts if c.status == EntryStatus.SUBMITTED and c.approval_order}
    chains = chains_load() if passed else None
    for count in counts:
        count.approval_step = reached_step(chains.chain_for(count.region), count) if count.pk in passed else None


# --- verification -----------------------------------------------------------------------------


def jump_warnings(counts) -> dict:
    """The change warnings (month-on-month, year-on-year) of stored counts, by count pk."""
    counts = list(counts)
    cells = [
        SimpleNamespace(region=c.region, period=c.period, segment=c.segment, new={n: getattr(c, n) for n in MEASURES})
        for c in counts
    ]
    return {
        count.pk: [v for v in found if v.is_jump]
        for count, found in zip(counts, validation.evaluate(cells), strict=True)
        if any(v.is_jump for v in found)
    }


def expected_ranges(counts) -> dict:
    """The range each count's own effective series leads to expect (``coverage.rules.expected_range``:
    median and MAD, seasonal), by count pk; counts with too short a series are left out. One query."""
    counts = list(counts)
    if not counts:
        return {}
    series = defaultdict(dict)
    for region_id, period, segment, active in EffectiveCount.objects.filter(
        region_id__in={c.region_id for c in counts},
        segment__in={c.segment for c in counts},
        period__gte=add_months(min(c.period for c in counts), -24),
        period__lt=max(c.period for c in counts),
    ).values_list("region_id", "period", "segment", "active"):
        series[(region_id, segment)][period] = active
    out = {}
    for count in counts:
        history = {p: v for p, v in series[(count.region_id, count.segment)].items() if p < count.period}
        found = expected_range(history, count.period)
        if found is not None:
            out[count.pk] = found
    return out


@dataclass
class QueueItem:
    count: ParticipantCount
    sources: CellSources
    warnings: list
    expected: ExpectedRange | None = None
    step: object = None  # the approval level the count awaits (``approvals.Step``)
    reached: object = None  # the highest level it reached, None before the first approval
    changes: list = field(default_factory=list)  # (label, old, new) since the last decision

    @property
    def previous(self):
        return self.sources.previous

    @property
    def is_outlier(self):
        return self.expected is not None and not self.expected.contains(self.count.active)


@dataclass
class QueueGroup:
    region: Region  # the kab/kota (or the reporting region itself above that level)
    period: date
    items: list

    @property
    def changed(self):
        """Values that differ from what the last decision saw, over the group's items."""
        return sum(len(item.changes) for item in self.items)

    @property
    def multi_level(self):
        return any(item.step.level is not None for item in self.items)

    @property
    def key(self):
        return f"{self.region.code}|{self.period:%Y-%m}"


def _group_code(code):
    parts = code.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else code


# Counts shown at once in the verification queue, oldest month first; the page says how many wait.
QUEUE_LIMIT = 2000


def _waiting(user, period, chains=None):
    """Submitted Pemda counts awaiting a level of the approval chain the user acts at, in the user's
    scope there (``approvals``; with no chain configured: the verifier's territory, as
    ``regions_filter_verifiable``)."""
    counts = ParticipantCount.objects.filter(source=Source.PEMDA, status=EntryStatus.SUBMITTED)
    if period:
        counts = counts.filter(period=period)
    return counts_awaiting(user, counts, chains)


def verification_queue_size(*, user, period=None) -> int:
    """How many submitted Pemda counts wait for the user (the queue shows ``QUEUE_LIMIT`` of them)."""
    return _waiting(user, period).count()


def verification_groups(*, user, period=None) -> list[QueueGroup]:
    """Submitted Pemda counts awaiting the user's decision (the oldest ``QUEUE_LIMIT``), grouped by kab/kota
    and month, each with last month's effective figure and this month's BPJS figure (``EffectiveCount``),
    the approval level it awaits and what changed since the last decision on it."""
    chains = chains_load()
    counts = _waiting(user, period, chains).select_related("region", "entered_by")
    counts = counts.order_by("period", "region__code", "pk")
    counts = list(counts[:QUEUE_LIMIT])
    figures = {
        (f.region_id, f.period, f.segment): f
        for f in EffectiveCount.objects.filter(
            region_id__in={c.region_id for c in counts},
            period__in={c.period for c in counts} | {add_months(c.period, -1) for c in counts},
        )
    }
    warnings = jump_warnings(counts)
    ranges = expected_ranges(counts)
    changes = changes_since_last_decision(counts)
    groups = {}
    order = {segment: i for i, segment in enumerate(SEGMENTS)}
    heads = {r.code: r for r in Region.objects.filter(code__in={_group_code(c.region.code) for c in counts})}
    for count in sorted(counts, key=lambda c: (c.period, c.region.code, order[c.segment])):
        key = (_group_code(count.region.code), count.period)
        group = groups.setdefault(key, QueueGroup(region=heads[key[0]], period=count.period, items=[]))
        sources = CellSources(
            count,
            figures.get((count.region_id, add_months(count.period, -1), count.segment)),
            figures.get((count.region_id, count.period, count.segment)),
        )
        chain = chains.chain_for(count.region)
        group.items.append(
            QueueItem(
                count=count,
                sources=sources,
                warnings=warnings.get(count.pk, []),
                expected=ranges.get(count.pk),
                step=next_step(chain, count),
                reached=reached_step(chain, count),
                changes=changes.get(count.pk, []),
            )
        )
    return sorted(groups.values(), key=lambda g: (g.period, g.region.code))


def queue_counts(*, user, group_key):
    """The counts of one queue group ("35.73|2025-05") in the user's scope (a level of their chain the
    user acts at); the decision checks their status and level."""
    code, _sep, month = group_key.partition("|")
    try:
        year, month = (int(part) for part in month.split("-"))
        period = date(year, month, 1)
    except ValueError:  # a tampered form: nothing to decide on, never a server error
        return []
    counts = ParticipantCount.objects.filter(
        Q(region__code=code) | Q(region__code__startswith=f"{code}."),
        source=Source.PEMDA,
        period=period,
    )
    condition = in_scope_q(user, chains_load())
    return [] if condition is None else list(counts.filter(condition).select_related("region"))


# --- submission tracker -----------------------------------------------------------------------


@dataclass
class TrackerRow:
    region: Region
    operators: list
    draft: int = 0
    returned: int = 0
    submitted_count: int = 0
    verified: int = 0
    last_submitted_at: object = None
    overdue: bool = False

    @property
    def counted(self):
        return self.submitted_count + self.verified

    @property
    def submitted(self):
        return self.counted > 0 and not self.draft and not self.returned

    @property
    def status_label(self):
        if not (self.counted or self.draft or self.returned):
            return _("Belum mengisi")
        if self.returned:
            return _("Dikembalikan")
        if self.draft:
            return _("Sebagian diajukan") if self.counted else _("Draf")
        return _("Terverifikasi") if not self.submitted_count else _("Diajukan")

    @property
    def status_code(self):
        if self.submitted:
            return "verified" if not self.submitted_count else "submitted"
        return "overdue" if self.overdue else ("returned" if self.returned else "pending")


def tracker_regions_for(user):
    """Regions with a Pemda operator that ``user`` follows (all for admins)."""
    roles = UserRole.objects.filter(role=Role.OPERATOR, user__is_active=True).select_related("region", "user")
    by_region = defaultdict(list)
    regions = {}
    for role in roles:
        regions[role.region.pk] = role.region
        by_region[role.region.pk].append(role.user)
    selected = list(regions.values())
    if user is not None and not user_is_admin(user):
        roots = [r.region for r in UserRole.objects.filter(user=user, role=Role.OPERATOR).select_related("region")]
        roots += verifiable_roots(user)
        for assignment in UserRole.objects.filter(user=user, role=Role.BRANCH_HEAD).select_related("office"):
            roots += list(territory_regions(office=assignment.office))
        selected = [r for r in selected if any(r.is_within(root) for root in roots)]
    return sorted(selected, key=lambda r: r.code), by_region


def submission_tracker_rows(*, period, user=None, today=None) -> list[TrackerRow]:
    """Which operator regions have (and have not) submitted ``period``; one query per region level."""
    today = today or timezone.localdate()
    regions, operators = tracker_regions_for(user)
    rows = {r.code: TrackerRow(region=r, operators=operators[r.pk]) for r in regions}
    by_length = defaultdict(list)
    for code in rows:
        by_length[len(code)].append(code)
    for length, codes in by_length.items():
        aggregates = (
            ParticipantCount.objects.filter(period=period, source=Source.PEMDA)
            .annotate(prefix=Substr("region__code", 1, length))
            .filter(prefix__in=codes)
            .values("prefix")
            .annotate(
                draft=Count("id", filter=Q(status=EntryStatus.DRAFT)),
                returned=Count("id", filter=Q(status=EntryStatus.RETURNED)),
                submitted_count=Count("id", filter=Q(status=EntryStatus.SUBMITTED)),
                verified=Count("id", filter=Q(status=EntryStatus.VERIFIED)),
                last_submitted_at=Max("submitted_at"),
            )
        )
        for aggregate in aggregates:
            row = rows[aggregate.pop("prefix")]
            for name, value in aggregate.items():
                setattr(row, name, value)
    overdue = today > due_date(period)
    for row in rows.values():
        row.overdue = overdue and not row.submitted
    return list(rows.values())


def can_see_tracker(user):
    return user_is_admin(user) or any(
        user_has_role(user, role) for role in (Role.OPERATOR, Role.VERIFIER, Role.BRANCH_HEAD)
    )


# --- history ----------------------------------------------------------------------------------

HISTORY_FIELDS = {
    "active": gettext_lazy("peserta aktif"),
    "registered": gettext_lazy("peserta terdaftar"),
    "new_registrations": gettext_lazy("peserta baru"),
    "lapsed": gettext_lazy("peserta nonaktif"),
    "status": gettext_lazy("status"),
    "note": gettext_lazy("catatan"),
    "return_reason": gettext_lazy("alasan dikembalikan"),
}


def count_history_rows(*, count) -> list[dict]:
    """A cell's audit trail, newest first: who, when, old -> new, why."""
    records = list(count.history.select_related("history_user").order_by("history_date", "history_id"))
    status_labels = dict(EntryStatus.choices)
    rows, previous = [], None
    for record in records:
        changes = []
        for name, label in HISTORY_FIELDS.items():
            old = getattr(previous, name) if previous else None
            new = getattr(record, name)
            if previous is None and new in (None, ""):
                continue
            if previous is None or old != new:
                if name == "status":
                    old, new = status_labels.get(old, old), status_labels.get(new, new)
                changes.append({"field": label, "old": old, "new": new, "numeric": name in MEASURES})
        rows.append(
            {
                "when": record.history_date,
                "user": record.history_user,
                "reason": reason_label(record.history_change_reason),
                "type": record.get_history_type_display(),
                "version": record.version,
                "changes": changes,
            }
        )
        previous = record
    return list(reversed(rows))


def explained_jumps(*, region, start=None, end=None):
    """Counts of a region that carry a note (e.g. "bulk APBD enrolment"), for chart annotations."""
    counts = ParticipantCount.objects.filter(region=region).exclude(note="")
    if start:
        counts = counts.filter(period__gte=start)
    if end:
        counts = counts.filter(period__lte=end)
    return list(counts.order_by("period", "segment").values("period", "segment", "source", "note"))


# --- source discrepancies ---------------------------------------------------------------------

DISCREPANCY_MONTHS = 12
DISCREPANCY_LIMIT = 1000


@dataclass
class DiscrepancyPage:
    office: object
    start: date
    end: date
    threshold: Decimal
    rows: list  # ParticipantCount (Pemda) annotated with ``bpjs_active`` and ``difference``
    more: bool

    @property
    def count(self):
        return len(self.rows)

    @property
    def threshold_decimals(self):
        return 0 if self.threshold == self.threshold.to_integral_value() else 2


def source_discrepancies(*, office, end, months=DISCREPANCY_MONTHS) -> DiscrepancyPage:
    """Cells of an office's territory (kab/kota and below) where the counted Pemda figure and the
    BPJS figure (which counts) differ by more than ``CoverageSettings.discrepancy_percent`` of the
    BPJS figure, in the ``months`` months up to ``end``. One query for any number of rows."""
    threshold = Decimal(CoverageSettings.current().discrepancy_percent)
    start = add_months(end, -(months - 1))
    bpjs = EffectiveCount.objects.filter(
        region=OuterRef("region"), period=OuterRef("period"), segment=OuterRef("segment"), source=Source.BPJS
    ).values("active")[:1]
    rows = (
        ParticipantCount.objects.filter(
            source=Source.PEMDA, status__in=COUNTED_STATUSES, period__gte=start, period__lte=end
        )
        .annotate(bpjs_active=Subquery(bpjs))
        .filter(bpjs_active__isnull=False)
        .annotate(difference=F("active") - F("bpjs_active"))
        .alias(gap_percent_of_bpjs=ExpressionWrapper(Abs(F("difference")) * 100, output_field=DecimalField()))
        .filter(
            gap_percent_of_bpjs__gt=ExpressionWrapper(
                F("bpjs_active") * Value(threshold, output_field=DecimalField()), output_field=DecimalField()
            )
        )
        .select_related("region")
        .order_by("-period", "region__code", "segment")
    )
    rows = list(regions_filter_territory(office, rows)[: DISCREPANCY_LIMIT + 1])
    for row in rows:
        row.difference_percent = row.difference * 100 / row.bpjs_active if row.bpjs_active else None
    return DiscrepancyPage(
        office=office,
        start=start,
        end=end,
        threshold=threshold,
        rows=rows[:DISCREPANCY_LIMIT],
        more=len(rows) > DISCREPANCY_LIMIT,
    )
