"""BPJS-reported participant counts: a branch's monthly extraction, loaded in bulk.

The file is the long format of the Pemda importer (``kode_wilayah``, ``periode``, ``segmen``,
``peserta_aktif``, optional ``peserta_terdaftar``, ``peserta_baru``, ``peserta_nonaktif``), one row per
desa, kecamatan or kab/kota, month and segment, up to the spreadsheet reader's 100,000 rows. The rows
are stored with source BPJS, which wins over a Pemda figure of the same cell in the effective count
(``coverage_effective_count``). Regions are named by code: a BPJS extraction carries codes, and a
branch's staff resolve no names outside the Pemda scope.

The flow is the importer's (``coverage.entry.importer``): a dry run with the cell-level diff, the rule
violations and the coverage impact (the engine's what-if); an apply that re-runs the check under row
locks, refuses if the data changed since the dry run or if warnings are not acknowledged, and writes
every row or none. The same rules as Pemda entries (``validation.evaluate`` with source BPJS: values,
active <= registered, denominators, month and year jumps); a branch user loads only its territory
(``regions.selectors.can_load_bpjs_region``); a closed month is locked.

What differs is the write, made for 100,000 rows: the changed rows go to a temporary table with one
COPY, then one ``INSERT ... ON CONFLICT DO UPDATE`` writes the counts and, in the same statement, their
history rows (django-simple-history's table, reason code ``import_bpjs:<file>``). A loaded figure is
``verified``: BPJS is the source of record and its own office loads it, so there is no one above to
verify it (multi-level approval is left for later).
"""

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from regions.models import NATIONAL_CODE, Level, Region
from regions.resolver import RegionResolveError, RegionResolver
from regions.selectors import bpjs_roots, can_load_bpjs_region, user_is_admin
from ucj_dashboard.formats import NumberFormatError, format_number
from ucj_dashboard.postgres import tables_analyze, values_in
from ucj_dashboard.spreadsheets import (
    RowError,
    SpreadsheetError,
    parse_count,
    parse_period,
    read_bytes,
    read_spreadsheet,
)

from ..engine import closed_periods, recompute_schedule
from ..models import EntryStatus, ImportKind, ImportStatus, ParticipantCount, Severity, Source
from . import reasons, validation
from .impact import coverage_impact_of
from .importer import FIELD_COLUMNS, MEASURES, ImportReport, stage_upload
from .services import RECOMPUTE_REGION_LIMIT, closed_message

REQUIRED_COLUMNS = ("kode_wilayah", "periode", "segmen", "peserta_aktif")
LEVELS = (Level.REGENCY, Level.DISTRICT, Level.VILLAGE)
_SEGMENTS = {"PU": "PU", "BPU": "BPU", "JAKON": "JAKON", "JASA KONSTRUKSI": "JAKON", "PMI": "PMI"}
_FIELDS = tuple(MEASURES.values())
# Above this many rows the apply locks the counts table rather than each stored row.
ROW_LOCK_LIMIT = 5_000  # active, registered, new_registrations, lapsed


@dataclass(slots=True)
class RegionRef:
    """What a row needs of its region (100,000 model instances would cost more than the rest)."""

    pk: int
    code: str
    name: str


@dataclass(slots=True)
class BpjsRow:
    """One row of the file: a cell (region, month, segment) and its figures after the load."""

    row: int
    region: RegionRef
    period: date
    segment: str
    values: dict
    new: dict = field(default_factory=dict)
    old: dict = field(default_factory=dict)
    existing: tuple | None = None  # (id, version, status) of the stored BPJS figure
    violations: list = field(default_factory=list)

    @property
    def action(self):
        if self.existing is None:
            return "create"
        if self.old != self.new or self.existing[2] != EntryStatus.VERIFIED:
            return "update"
        return "unchanged"

    @property
    def diff(self):
        return [
            (validation.MEASURE_LABELS[name], self.old.get(name), self.new.get(name))
            for name in _FIELDS
            if self.old.get(name) != self.new.get(name)
        ]


@dataclass
class BpjsCheck:
    """A dry run of a BPJS file: the rows with their diff and violations, and the coverage impact."""

    rows: list
    fingerprint: str = ""
    impact: list = field(default_factory=list)
    impact_note: str = ""

    def _count(self, action):
        return sum(1 for row in self.rows if row.action == action)

    created = property(lambda self: self._count("create"))
    updated = property(lambda self: self._count("update"))
    unchanged = property(lambda self: self._count("unchanged"))

    @property
    def changed(self):
        return [row for row in self.rows if row.action != "unchanged"]


@dataclass
class BpjsSaved:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


# --- reading ----------------------------------------------------------------------------------


class _Regions:
    """Codes to regions in one query, the scope decided on the code (a prefix of the roots)."""

    def __init__(self, user, codes):
        self.user = user
        self.admin = user_is_admin(user)
        self.roots = {root.code for root in bpjs_roots(user)} if not self.admin else set()
        found = Region.objects.filter(code__in=values_in(codes, sql_type="text")).values_list(
            "id", "code", "name", "level"
        )
        self.found = {code: (RegionRef(pk, code, name), level) for pk, code, name, level in found}
        self.resolver = None
        self._seen = {}

    def _in_scope(self, code):
        if self.admin or NATIONAL_CODE in self.roots:
            return True
        parts = code.split(".")
        return any(".".join(parts[:i]) in self.roots for i in range(1, len(parts) + 1))

    def get(self, code):
        """The region of ``code`` or a ``RegionResolveError`` in Indonesian (each code decided once: an
        extraction names every desa four times, once per segment)."""
        if code not in self._seen:
            try:
                self._seen[code] = (self._get(code), None)
            except RegionResolveError as exc:
                self._seen[code] = (None, exc)
        region, error = self._seen[code]
        if error is not None:
            raise error
        return region

    def _get(self, code):
        found = self.found.get(code)
        if found is None:
            # The resolver's messages: an unknown code, a BPS code without dots, an empty cell.
            self.resolver = self.resolver or RegionResolver(self.user, check=can_load_bpjs_region)
            self.resolver.resolve(code=code)
            raise RegionResolveError(_("Kode wilayah %(code)s tidak dikenal.") % {"code": code})
        ref, level = found
        if not self._in_scope(code):
            raise RegionResolveError(
                _("Wilayah %(region)s di luar wilayah kewenangan Anda.") % {"region": f"{ref.code} {ref.name}"}
            )
        if level not in LEVELS:
            raise RegionResolveError(
                _("Laporan BPJS dimuat per desa, kecamatan atau kab/kota; %(region)s bukan salah satunya.")
                % {"region": f"{ref.code} {ref.name}"}
            )
        return ref


def _memo(function):
    cache = {}

    def wrapper(text):
        if text not in cache:
            try:
                cache[text] = (function(text), None)
            except (ValueError, NumberFormatError) as exc:
                cache[text] = (None, str(exc))
        return cache[text]

    return wrapper


def rows_from_frame(frame, *, user, errors):
    """The rows of a BPJS sheet as ``BpjsRow``; problems go to ``errors`` (row, column, value, reason)."""
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        errors.append(
            RowError(None, missing[0], "", _("Kolom wajib tidak ada: %(columns)s.") % {"columns": ", ".join(missing)})
        )
        return []
    codes = ["".join(code.split()) for code in frame["kode_wilayah"].tolist()]
    regions = _Regions(user, set(codes))
    period_of, count_of = _memo(parse_period), _memo(parse_count)
    measures = {column: frame[column].tolist() for column in MEASURES if column in frame.columns}
    rows, seen = [], {}
    for index, (row_number, code, period_text, segment_text) in enumerate(
        zip(frame.index, codes, frame["periode"].tolist(), frame["segmen"].tolist(), strict=True)
    ):
        try:
            region = regions.get(code)
        except RegionResolveError as exc:
            errors.append(RowError(row_number, "kode_wilayah", code, str(exc), rule="out_of_scope"))
            continue
        period, problem = period_of(period_text)
        if problem:
            errors.append(RowError(row_number, "periode", period_text, problem))
            continue
        segment = _SEGMENTS.get(" ".join(segment_text.split()).upper())
        if segment is None:
            reason = _("segmen harus salah satu dari PU, BPU, JAKON, PMI")
            errors.append(RowError(row_number, "segmen", segment_text, reason))
            continue
        values, bad = {}, False
        for column, texts in measures.items():
            number, problem = count_of(texts[index])
            if problem:
                errors.append(RowError(row_number, column, texts[index], problem))
                bad = True
            elif number is not None:
                values[MEASURES[column]] = number
        if bad:
            continue
        if "active" not in values:
            errors.append(RowError(row_number, "peserta_aktif", "", _("peserta_aktif wajib diisi")))
            continue
        key = (region.pk, period, segment)
        if key in seen:
            reason = _("Baris duplikat: %(region)s, %(period)s, %(segment)s sudah ada di baris %(first)s.") % {
                "region": f"{region.code} {region.name}",
                "period": f"{period:%Y-%m}",
                "segment": segment,
                "first": seen[key],
            }
            errors.append(RowError(row_number, "kode_wilayah", code, reason, rule="duplicate_row"))
            continue
        seen[key] = row_number
        rows.append(BpjsRow(row_number, region, period, segment, values, {}, {}, None, []))
    return rows


# --- checking ---------------------------------------------------------------------------------


def _stored(rows, lock):
    """The stored BPJS figures of the rows' cells: {(region id, period, segment): (id, version, status, values)}.

    On PostgreSQL one raw query with the ids as an array (the ORM's values_list cost three times the
    query at 100,000 rows); elsewhere (the embedded SQLite) the ORM."""
    if not rows:
        return {}
    region_ids = list({row.region.pk for row in rows})
    periods = sorted({row.period for row in rows})
    if connection.vendor != "postgresql":
        queryset = ParticipantCount.objects.filter(source=Source.BPJS, region_id__in=region_ids, period__in=periods)
        found = (queryset.select_for_update() if lock else queryset).values_list(
            "id", "region_id", "period", "segment", "version", "status", *_FIELDS
        )
    else:
        table = connection.ops.quote_name(ParticipantCount._meta.db_table)
        big = len(rows) > ROW_LOCK_LIMIT
        with connection.cursor() as cursor:
            if lock and big:
                # A whole extraction: one table lock instead of 100,000 row locks (each written to its row).
                # Readers are not blocked; other writers of counts wait for the seconds of the apply.
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(
                f"SELECT id, region_id, period, segment, version, status, {', '.join(_FIELDS)} FROM {table} "
                f"WHERE source = %s AND region_id = ANY(%s) AND period = ANY(%s)"
                + (" FOR UPDATE" if lock and not big else ""),
                [Source.BPJS.value, region_ids, periods],
            )
            found = cursor.fetchall()
    return {
        (region_id, period, segment): (pk, version, status, dict(zip(_FIELDS, figures, strict=True)))
        for pk, region_id, period, segment, version, status, *figures in found
    }


def bpjs_counts_check(*, rows, lock=False) -> BpjsCheck:
    """Plan the rows: old -> new per cell, closed months, and the entry rules on the changed cells."""
    stored = _stored(rows, lock)
    closed = closed_periods({row.period for row in rows})
    for row in rows:
        found = stored.get((row.region.pk, row.period, row.segment))
        if found is not None:
            row.existing = found[:3]
            row.old = found[3]
        else:
            row.old = dict.fromkeys(_FIELDS)
        # An empty optional measure keeps the stored value, as in the Pemda importer.
        row.new = {**row.old, **row.values}
        if row.period in closed:
            row.violations.append(validation.Violation("period_closed", Severity.ERROR, closed_message(row.period)))
    # Unchanged cells are not re-judged: loading the same extraction twice stays a no-op.
    changed = [row for row in rows if row.action != "unchanged"]
    for row, found in zip(changed, validation.evaluate(changed, source=Source.BPJS), strict=True):
        row.violations.extend(found)
    return BpjsCheck(rows=rows, fingerprint=_fingerprint(rows))


def _fingerprint(rows):
    digest = hashlib.sha256()
    for row in sorted(rows, key=lambda r: (r.region.code, r.period, r.segment)):
        version = row.existing[1] if row.existing else 0
        values = ",".join(str(row.new.get(name)) for name in _FIELDS)
        digest.update(f"{row.region.code}|{row.period}|{row.segment}|{version}|{values}\n".encode())
    return digest.hexdigest()


def _violations(check, blocking):
    out = []
    for row in check.rows:
        for violation in row.violations:
            if violation.blocking != blocking or violation.severity == "info":
                continue
            value = row.new.get(violation.field)
            out.append(
                RowError(
                    row.row,
                    FIELD_COLUMNS.get(violation.field, "peserta_aktif"),
                    format_number(value) if isinstance(value, int) else "" if value is None else str(value),
                    violation.message,
                    severity="error" if blocking else "warning",
                    rule=violation.rule,
                )
            )
    return out


# --- writing ----------------------------------------------------------------------------------

_STAGE_COLUMNS = ("region_id", "period", "segment", *_FIELDS)


def _copy_rows(cursor, rows):
    def text(value):
        return "\\N" if value is None else str(value)

    buffer = io.StringIO()
    for row in rows:
        buffer.write(
            f"{row.region.pk}\t{row.period.isoformat()}\t{row.segment}\t"
            + "\t".join(text(row.new[name]) for name in _FIELDS)
            + "\n"
        )
    buffer.seek(0)
    cursor.execute(
        "CREATE TEMP TABLE bpjs_stage (region_id bigint, period date, segment varchar(5), active integer, "
        "registered integer, new_registrations integer, lapsed integer) ON COMMIT DROP"
    )
    cursor.cursor.copy_expert(f"COPY bpjs_stage ({', '.join(_STAGE_COLUMNS)}) FROM STDIN", buffer)


_UPSERT = """
WITH written AS (
    INSERT INTO {counts} AS c (region_id, period, segment, source, {fields}, status, version, note, return_reason,
                              entered_by_id, updated_at, submitted_at, verified_by_id, verified_at)
    SELECT region_id, period, segment, 'bpjs', {fields}, 'verified', 1, '', '', %(user)s, %(now)s, %(now)s,
           %(user)s, %(now)s
    FROM bpjs_stage
    ON CONFLICT ON CONSTRAINT count_one_per_cell DO UPDATE SET
        {updates}, status = 'verified', version = c.version + 1, return_reason = '', entered_by_id = %(user)s,
        updated_at = %(now)s, submitted_at = %(now)s, verified_by_id = %(user)s, verified_at = %(now)s
    RETURNING c.*, (xmax = 0) AS inserted
)
INSERT INTO {history} (id, region_id, period, segment, source, {fields}, status, version, note, return_reason,
                       entered_by_id, updated_at, submitted_at, verified_by_id, verified_at, history_date,
                       history_change_reason, history_type, history_user_id)
SELECT id, region_id, period, segment, source, {fields}, status, version, note, return_reason, entered_by_id,
       updated_at, submitted_at, verified_by_id, verified_at, %(now)s, %(reason)s,
       CASE WHEN inserted THEN '+' ELSE '~' END, %(user)s
FROM written
"""


def bpjs_rows_write(*, rows, user, reason, history=True):
    """Write the changed rows (verified, source BPJS) with one COPY and one upsert; with ``history``
    their history rows in the same statement. Used by the apply and, without history, by the what-if."""
    if not rows:
        return 0
    fields = ", ".join(_FIELDS)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in _FIELDS)
    counts = connection.ops.quote_name(ParticipantCount._meta.db_table)
    sql = _UPSERT.format(
        counts=counts, history=connection.ops.quote_name(ParticipantCount.history.model._meta.db_table),
        fields=fields, updates=updates,
    )  # fmt: skip
    if not history:
        sql = sql[: sql.index("    RETURNING")] + ")\nSELECT 1"
    with connection.cursor() as cursor:
        _copy_rows(cursor, rows)
        cursor.execute(sql, {"user": user.pk, "now": timezone.now(), "reason": reason})
        cursor.execute("DROP TABLE bpjs_stage")
    if len(rows) > ROW_LOCK_LIMIT:
        # A month's extraction can double what the planner expects of that month: the engine's recompute
        # (the what-if here, the worker after the apply) would plan for a few rows and take minutes.
        tables_analyze(ParticipantCount)
    return len(rows)


def _recompute_targets(rows):
    """Per month, the changed regions (as the Pemda save does: more than 20 in a month, the whole month)."""
    by_period = {}
    for row in rows:
        by_period.setdefault(row.period, set()).add(row.region.code)
    return by_period


def _schedule_recompute(rows, reason):
    for period, codes in _recompute_targets(rows).items():
        if len(codes) > RECOMPUTE_REGION_LIMIT:
            recompute_schedule(region=None, periods=[period], reason=reason)
        else:
            for region in Region.objects.filter(code__in=codes):
                recompute_schedule(region=region, periods=[period], reason=reason)


def _impact(check, user):
    rows = [row for row in check.changed if not any(v.blocking for v in row.violations)]
    if not rows:
        return []
    targets = _recompute_targets(rows)
    periods = sorted(targets)
    codes = {code for group in targets.values() for code in group}
    ancestors = set()
    for code in codes:
        parts = code.split(".")
        ancestors.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    whole = max(len(group) for group in targets.values()) > RECOMPUTE_REGION_LIMIT
    regions = None if whole else list(Region.objects.filter(code__in=codes))
    return coverage_impact_of(
        change=lambda: bpjs_rows_write(rows=rows, user=user, reason="", history=False),
        periods=periods,
        regions=regions,
        codes=ancestors,
    )


# --- the entry point --------------------------------------------------------------------------


def bpjs_counts_import(
    *, file, filename, user, dry_run=True, acknowledge_warnings=False, fingerprint=None, with_impact=True
):
    """Read, check and (unless ``dry_run``) apply a BPJS extraction, all-or-nothing.

    ``fingerprint`` (from the dry run) makes the apply refuse when the data changed since the user saw
    the diff; warnings block the apply until ``acknowledge_warnings``.
    """
    data = read_bytes(file)
    report = ImportReport(filename=str(filename), sha256=hashlib.sha256(data).hexdigest())
    try:
        frame = read_spreadsheet(data, filename, expected_columns=["kode_wilayah"])
    except SpreadsheetError as exc:
        report.errors.append(RowError(None, "", "", str(exc)))
        return report
    report.rows_read = len(frame)
    report.notes.extend(frame.attrs["skipped"])
    rows = rows_from_frame(frame, user=user, errors=report.errors)
    if report.errors:
        # The rule problems of the readable rows too, so one round of fixes is enough.
        check = bpjs_counts_check(rows=rows)
        report.errors.extend(_violations(check, blocking=True))
        report.warnings.extend(_violations(check, blocking=False))
        report.errors.sort(key=lambda error: error.row or 0)
        return report

    with transaction.atomic():
        check = bpjs_counts_check(rows=rows, lock=not dry_run)
        report.check = check
        report.errors.extend(_violations(check, blocking=True))
        report.warnings.extend(_violations(check, blocking=False))
        if report.errors:
            return report
        if dry_run:
            if with_impact:
                check.impact = _impact(check, user)
            return report
        if fingerprint and fingerprint != check.fingerprint:
            report.errors.append(
                RowError(None, "", "", _("Data berubah sejak uji coba; jalankan uji coba lagi sebelum menerapkan."))
            )
            return report
        if report.warnings and not acknowledge_warnings:
            reason = _("Ada peringatan yang belum dikonfirmasi; centang konfirmasi untuk menerapkan.")
            report.errors.append(RowError(None, "", "", reason))
            return report
        why = reasons.reason(reasons.IMPORT_BPJS, Path(str(filename)).name)
        changed = check.changed
        bpjs_rows_write(rows=changed, user=user, reason=why)
        _schedule_recompute(changed, why)
        report.saved = BpjsSaved(created=check.created, updated=check.updated, unchanged=check.unchanged)
        report.applied = True
    return report


def bpjs_batch_preview(*, user, file, filename):
    """Dry run of an uploaded BPJS file; without errors the file is kept for the apply.
    Returns ``(batch or None, report)``."""
    return stage_upload(
        kind=ImportKind.BPJS_COUNTS, user=user, file=file, filename=filename,
        run=lambda data: bpjs_counts_import(file=data, filename=filename, user=user, dry_run=True),
        summary=_summary,
    )  # fmt: skip


def bpjs_batch_apply(*, batch, user, acknowledge_warnings=False):
    """Apply a previewed BPJS file, all-or-nothing; refused if the data changed since the dry run."""
    if batch.user_id != user.pk or batch.kind != ImportKind.BPJS_COUNTS:
        raise PermissionDenied(_("Berkas ini diunggah oleh pengguna lain."))
    if batch.status != ImportStatus.PREVIEWED:
        raise ValidationError(_("Berkas ini sudah diterapkan; unggah lagi untuk impor baru."))
    with transaction.atomic():
        report = bpjs_counts_import(
            file=bytes(batch.content),
            filename=batch.filename,
            user=user,
            dry_run=False,
            acknowledge_warnings=acknowledge_warnings,
            fingerprint=batch.fingerprint,
        )
        if report.applied:
            batch.status, batch.applied_at = ImportStatus.APPLIED, timezone.now()
            batch.summary = _summary(report)
            batch.save(update_fields=["status", "applied_at", "summary"])
    return report


def _summary(report):
    check = report.check
    summary = {"rows": report.rows_read, "errors": len(report.errors), "warnings": len(report.warnings)}
    if check is not None:
        summary |= {"created": check.created, "updated": check.updated, "unchanged": check.unchanged}
    return summary


def may_load_bpjs(user) -> bool:
    """Who sees the BPJS import page: admins and the staff of an office (its territory decides the rows)."""
    return user_is_admin(user) or bool(bpjs_roots(user))
