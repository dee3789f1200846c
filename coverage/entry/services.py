"""Pemda entry: saving counts with optimistic locking, and submitting them.

Every writer (the entry grid, the importer, admin, the commands) goes through these functions,
so the same rules apply everywhere:

- scope: ``regions.selectors.can_edit_region`` (writes) and ``can_verify_region`` (approvals);
- a closed month (``ReportingPeriod.status == closed``) is locked: every write is refused;
- a save names the ``version`` it read; a different current version means someone else saved
  in between and the save is refused (never a silent overwrite);
- rule errors block (``coverage.entry.validation``); warnings are returned to the caller;
- the audit trail is django-simple-history, with the "why" in ``history_change_reason`` as a code
  (``coverage.entry.reasons``), translated when shown;
- a change that affects coverage (anything submitted or verified, before or after) schedules
  ``recompute_schedule`` in the same transaction. Drafts never count.

The verifier's decisions are ``verification``; the submission reminders ``reminders``.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from regions.selectors import can_edit_region
from ucj_dashboard.formats import format_period

from ..engine import closed_periods, recompute_schedule
from ..models import (
    COUNTED_STATUSES,
    EntryStatus,
    ParticipantCount,
    RuleCode,
    Severity,
    Source,
)
from . import notices, reasons, validation
from .impact import coverage_impact
from .selectors import grid_counts

MEASURES = validation.MEASURES
# Above this many changed regions in one month, one full recompute of the month is cheaper
# than one incremental run per region.
RECOMPUTE_REGION_LIMIT = 20
_CLEAN_EXCLUDE = ["region", "entered_by", "verified_by"]
UPDATE_FIELDS = [
    *MEASURES,
    "status",
    "version",
    "note",
    "return_reason",
    "entered_by",
    "updated_at",
    "submitted_at",
    "verified_by",
    "verified_at",
    "approval_order",
]


@dataclass
class CellChange:
    """New values for one cell (region, month, segment) of the Pemda source.

    ``values`` holds only the measures being set; the others keep their stored value.
    ``expected_version`` is the version the user read (0 = the cell did not exist); None skips
    the check (the importer reads and writes in one locked transaction). ``row`` and
    ``column_suffix`` locate the cell in a spreadsheet.
    """

    region: object
    period: date
    segment: str
    values: dict
    expected_version: int | None = None
    row: int | None = None
    column_suffix: str | None = None
    note: str | None = None


@dataclass
class CellPlan:
    change: CellChange
    existing: ParticipantCount | None
    old: dict
    new: dict
    status_after: str
    violations: list = field(default_factory=list)
    # Captured when planned: saving mutates ``existing``.
    status_before: str | None = None
    note_before: str = ""

    def __post_init__(self):
        if self.existing is not None:
            self.status_before, self.note_before = self.existing.status, self.existing.note

    region = property(lambda self: self.change.region)
    period = property(lambda self: self.change.period)
    segment = property(lambda self: self.change.segment)

    @property
    def values_changed(self):
        return self.existing is None or self.old != self.new

    @property
    def note_changed(self):
        return self.change.note is not None and self.change.note != self.note_before

    @property
    def action(self):
        if self.existing is None:
            return "create"
        if self.values_changed or self.note_changed or self.status_after != self.status_before:
            return "update"
        return "unchanged"

    @property
    def diff(self):
        """(label, old, new) of the measures that change."""
        return [
            (validation.MEASURE_LABELS[name], self.old.get(name), self.new.get(name))
            for name in MEASURES
            if self.old.get(name) != self.new.get(name)
        ]

    @property
    def status_after_label(self):
        return EntryStatus(self.status_after).label

    @property
    def affects_coverage(self):
        counted = self.status_before in COUNTED_STATUSES or self.status_after in COUNTED_STATUSES
        return counted and self.action != "unchanged"

    @property
    def label(self):
        return cell_label(self.region, self.segment, self.period)


@dataclass
class CheckResult:
    """A dry run: what would change, which rules are broken, and the effect on coverage."""

    plans: list
    impact: list = field(default_factory=list)
    fingerprint: str = ""

    def _count(self, action):
        return sum(1 for plan in self.plans if plan.action == action)

    created = property(lambda self: self._count("create"))
    updated = property(lambda self: self._count("update"))
    unchanged = property(lambda self: self._count("unchanged"))

    @property
    def errors(self):
        return [(plan, v) for plan in self.plans for v in plan.violations if v.blocking]

    @property
    def warnings(self):
        return [(plan, v) for plan in self.plans for v in plan.violations if not v.blocking]


@dataclass
class SaveResult:
    counts: list
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    submitted: int = 0
    warnings: list = field(default_factory=list)


def cell_label(region, segment, period):
    return f"{region.name} {segment} {format_period(period)}"


def _user_label(user):
    if user is None:
        return _("pengguna lain")
    return user.get_full_name() or user.username


def stale_message(region, segment, period, existing):
    return _(
        "Angka %(cell)s sudah diubah oleh %(user)s (versi %(version)s) sejak Anda membukanya. Muat ulang "
        "halaman untuk melihat angka terbaru, lalu ulangi perubahan Anda."
    ) % {
        "cell": cell_label(region, segment, period),
        "user": _user_label(existing.entered_by if existing else None),
        "version": existing.version if existing else 0,
    }


def closed_message(period):
    return _("Periode %(period)s sudah ditutup: data terkunci. Admin dapat membukanya kembali dengan alasan.") % {
        "period": format_period(period)
    }


def _status_after(existing, values_changed, submit):
    if existing is None:
        return EntryStatus.SUBMITTED if submit else EntryStatus.DRAFT
    status = existing.status
    if values_changed:
        # A correction of a submitted or verified figure goes back to the verifier.
        status = {
            EntryStatus.DRAFT: EntryStatus.DRAFT,
            EntryStatus.RETURNED: EntryStatus.DRAFT,
            EntryStatus.SUBMITTED: EntryStatus.SUBMITTED,
            EntryStatus.VERIFIED: EntryStatus.SUBMITTED,
        }[status]
    if submit and status in (EntryStatus.DRAFT, EntryStatus.RETURNED):
        status = EntryStatus.SUBMITTED
    return status


def _existing_counts(changes, lock):
    queryset = ParticipantCount.objects.filter(
        source=Source.PEMDA,
        period__in={c.period for c in changes},
        region_id__in={c.region.pk for c in changes},
        segment__in={c.segment for c in changes},
    ).select_related("entered_by")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return {(c.region_id, c.period, c.segment): c for c in queryset}


def participant_counts_check(*, changes, user, submit=False, lock=False, with_impact=True) -> CheckResult:
    """Plan ``changes`` without writing: old -> new per cell, rule violations, and with
    ``with_impact`` the coverage impact (the engine's what-if: written, recomputed, rolled back).

    With ``lock`` the stored rows are locked (``SELECT ... FOR UPDATE``) until the caller's
    transaction ends, so a save right after sees exactly what was checked.
    """
    changes = list(changes)
    existing = _existing_counts(changes, lock) if changes else {}
    closed = closed_periods(c.period for c in changes)
    scope = {}
    plans, seen = [], set()
    for change in changes:
        key = (change.region.pk, change.period, change.segment)
        stored = existing.get(key)
        old = {name: getattr(stored, name) if stored else None for name in MEASURES}
        new = {**old, **{name: value for name, value in change.values.items() if name in MEASURES}}
        plan = CellPlan(change, stored, old, new, EntryStatus.DRAFT)
        plan.status_after = _status_after(stored, plan.values_changed, submit)
        if change.region.pk not in scope:
            scope[change.region.pk] = can_edit_region(user, change.region)
        if not scope[change.region.pk]:
            plan.violations.append(_error(RuleCode.OUT_OF_SCOPE, _out_of_scope_message(change.region)))
        if change.period in closed:
            plan.violations.append(_error("period_closed", closed_message(change.period)))
        if key in seen:
            plan.violations.append(
                _error(RuleCode.DUPLICATE_ROW, _("Sel %(cell)s muncul lebih dari sekali.") % {"cell": plan.label})
            )
        seen.add(key)
        if change.expected_version is not None and change.expected_version != (stored.version if stored else 0):
            plan.violations.append(_error("stale", stale_message(change.region, change.segment, change.period, stored)))
        plans.append(plan)

    # Unchanged cells are not re-judged: re-importing the same file must stay a no-op.
    to_check = [plan for plan in plans if plan.action != "unchanged"]
    for plan, found in zip(to_check, validation.evaluate(to_check), strict=True):
        plan.violations.extend(found)

    result = CheckResult(plans=plans, fingerprint=_fingerprint(plans))
    if with_impact:
        result.impact = coverage_impact(plans=plans, full_month_above=RECOMPUTE_REGION_LIMIT)
    return result


def _error(rule, message):
    return validation.Violation(rule, Severity.ERROR, message)


def _out_of_scope_message(region):
    return _("Wilayah %(region)s di luar wilayah kewenangan Anda.") % {"region": f"{region.code} {region.name}"}


def _fingerprint(plans):
    digest = hashlib.sha256()
    for plan in sorted(plans, key=lambda p: (p.region.code, p.period, p.segment)):
        values = ",".join(str(plan.new.get(name)) for name in MEASURES)
        version = plan.existing.version if plan.existing else 0
        digest.update(
            f"{plan.region.code}|{plan.period}|{plan.segment}|{version}|{values}|{plan.status_after}\n".encode()
        )
    return digest.hexdigest()


def _raise_blocking(check):
    messages = []
    for plan, violation in check.errors:
        where = _("baris %(row)s: ") % {"row": plan.change.row} if plan.change.row else ""
        messages.append(where + violation.message)
    if messages:
        raise ValidationError(list(dict.fromkeys(messages)))


def participant_counts_save_many(*, changes, user, reason, submit=False, checked=None) -> SaveResult:
    """Save many cells all-or-nothing (bulk inserts and updates, history in bulk too).

    ``reason`` is stored in the history as a code of ``coverage.entry.reasons`` (``entry.grid``,
    ``import:mei.csv``...), never as translated text; a cell submitted by this save gets the
    code's submitting variant (``entry.grid_submit``).

    Refuses the whole set with a ``ValidationError`` (one message per problem) when any cell is
    out of scope, in a closed month, stale, or breaks an error rule. ``checked`` is a
    ``participant_counts_check(..., lock=True)`` result made in the same transaction.
    """
    with transaction.atomic():
        check = checked or participant_counts_check(
            changes=changes, user=user, submit=submit, lock=True, with_impact=False
        )
        _raise_blocking(check)
        now = timezone.now()
        creates, updates, counts = [], [], []
        result = SaveResult(counts=counts, unchanged=check.unchanged)
        for plan in check.plans:
            if plan.action == "unchanged":
                counts.append(plan.existing)
                continue
            count = plan.existing or ParticipantCount(
                region=plan.region, period=plan.period, segment=plan.segment, source=Source.PEMDA, version=0
            )
            _apply_plan(count, plan, user, now)
            why = reason
            if plan.status_after == EntryStatus.SUBMITTED and plan.status_before != EntryStatus.SUBMITTED:
                why = reasons.with_submission(reason)
                result.submitted += 1
            count._change_reason = why
            count.full_clean(exclude=_CLEAN_EXCLUDE, validate_unique=False, validate_constraints=False)
            (creates if plan.existing is None else updates).append(count)
            counts.append(count)
        try:
            with transaction.atomic():
                if creates:
                    bulk_create_with_history(creates, ParticipantCount, batch_size=2000, default_user=user)
                if updates:
                    bulk_update_with_history(
                        updates, ParticipantCount, UPDATE_FIELDS, batch_size=2000, default_user=user
                    )
        except IntegrityError as exc:
            raise ValidationError(
                _("Sebagian angka baru saja diisi oleh pengguna lain. Muat ulang halaman, lalu ulangi perubahan Anda.")
            ) from exc
        result.created, result.updated = len(creates), len(updates)
        result.warnings = check.warnings
        schedule_recompute([p for p in check.plans if p.affects_coverage], reason)
        submitted = [
            count
            for count, plan in zip(counts, check.plans, strict=True)
            if plan.status_after == EntryStatus.SUBMITTED and plan.status_before != EntryStatus.SUBMITTED
        ]
        if submitted:
            notices.counts_submitted(counts=submitted, user=user)
    return result


def _apply_plan(count, plan, user, now):
    if plan.values_changed:
        for name in MEASURES:
            setattr(count, name, plan.new[name])
        count.entered_by = user
    if plan.change.note is not None:
        count.note = plan.change.note
    if plan.status_after == EntryStatus.SUBMITTED and plan.status_before != EntryStatus.SUBMITTED:
        count.submitted_at = now
        count.return_reason = ""
    if plan.status_before == EntryStatus.VERIFIED and plan.status_after != EntryStatus.VERIFIED:
        count.verified_by, count.verified_at = None, None
    if plan.values_changed or plan.status_after != plan.status_before:
        # A new submission, or a correction of one, goes through the approval chain from its first level.
        count.approval_order = 0
    count.status = plan.status_after
    count.version += 1
    count.updated_at = now


def schedule_recompute(plans, reason):
    regions_by_period = defaultdict(dict)
    for plan in plans:
        regions_by_period[plan.period][plan.region.pk] = plan.region
    for period, regions in regions_by_period.items():
        if len(regions) > RECOMPUTE_REGION_LIMIT:
            recompute_schedule(region=None, periods=[period], reason=reason)
        else:
            for region in regions.values():
                recompute_schedule(region=region, periods=[period], reason=reason)


def participant_count_save(
    *, region, period, segment, values, user, expected_version, note=None, reason=""
) -> ParticipantCount:
    """Save one cell (creating it as a draft if new). ``expected_version`` 0 = it did not exist.
    ``reason`` is a code of ``coverage.entry.reasons`` (default: a manual entry)."""
    change = CellChange(region, period, segment, dict(values), expected_version=expected_version, note=note)
    result = participant_counts_save_many(changes=[change], user=user, reason=reason or reasons.MANUAL)
    count = result.counts[0]
    count.rule_warnings = [v for _plan, v in result.warnings]
    return count


def entry_grid_save(*, region, period, user, changes, submit=False) -> SaveResult:
    """The entry grid's save: the changed cells, and with ``submit`` every draft of the grid
    (``region`` and its children) is submitted in the same transaction."""
    changes = list(changes)
    if submit:
        changed = {(c.region.pk, c.segment) for c in changes}
        for count in grid_counts(region=region, period=period).filter(
            status__in=[EntryStatus.DRAFT, EntryStatus.RETURNED]
        ):
            if (count.region_id, count.segment) not in changed:
                changes.append(CellChange(count.region, period, count.segment, {}, expected_version=count.version))
    reason = reasons.with_submission(reasons.GRID) if submit else reasons.GRID
    return participant_counts_save_many(changes=changes, user=user, reason=reason, submit=submit)


def participant_counts_submit(*, counts, user) -> SaveResult:
    """Submit draft or returned counts (values unchanged); rule errors still block."""
    changes = [
        CellChange(c.region, c.period, c.segment, {}, expected_version=c.version)
        for c in counts
        if c.status in (EntryStatus.DRAFT, EntryStatus.RETURNED)
    ]
    if not changes:
        raise ValidationError(_("Tidak ada data draf untuk diajukan."))
    return participant_counts_save_many(changes=changes, user=user, reason=reasons.SUBMITTED, submit=True)
