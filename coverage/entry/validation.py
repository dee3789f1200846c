"""Validation rules of Pemda entries, evaluated in bulk (a handful of queries for any number of cells).

Severity decides what a violation does: an error blocks the save; a warning is shown and must
be acknowledged (the importer asks for a confirmation, the verifier writes an "explained jump"
note). Thresholds and severities come from ``ValidationRule`` rows (admin), else ``DEFAULTS``:

- non-negative integers; active <= registered (always errors);
- active PU <= ``threshold``% of the PU denominator, total active <= ``threshold``% of the
  employed population (errors by default; an admin can override one region with a reason);
- month-on-month / year-on-year change of active participants beyond ``threshold``% and at
  least ``min_difference`` participants (warnings by default), against the effective figure of the
  previous month and of the same month a year before, whatever its source (``EffectiveCount``:
  a Pemda figure of +94% against last month's BPJS figure is flagged);
- a Pemda figure for a cell that BPJS already reported (submitted or verified) is accepted and kept
  as a comparison, with a warning that the BPJS figure is the one that counts (``BPJS_REPORTED``);
- duplicate rows in a file and regions outside the user's scope are reported by the importer.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from regions.models import SegmentGroup
from regions.selectors import user_is_admin
from ucj_dashboard.formats import format_growth, format_number, format_period, format_signed
from ucj_dashboard.months import add_months
from ucj_dashboard.postgres import values_in

from ..models import (
    EffectiveCount,
    LatestDenominator,
    ParticipantCount,
    RuleCode,
    RuleOverride,
    Severity,
    Source,
    ValidationRule,
)

MEASURE_LABELS = {
    "active": gettext_lazy("Peserta aktif"),
    "registered": gettext_lazy("Peserta terdaftar"),
    "new_registrations": gettext_lazy("Peserta baru"),
    "lapsed": gettext_lazy("Peserta nonaktif"),
}
MEASURES = tuple(MEASURE_LABELS)


@dataclass(frozen=True)
class RuleConfig:
    code: str
    severity: str
    threshold: Decimal | None
    min_difference: int = 0
    is_active: bool = True


DEFAULTS = {
    RuleCode.NON_NEGATIVE: RuleConfig(RuleCode.NON_NEGATIVE, Severity.ERROR, None),
    RuleCode.ACTIVE_LE_REGISTERED: RuleConfig(RuleCode.ACTIVE_LE_REGISTERED, Severity.ERROR, None),
    RuleCode.PU_LE_DENOMINATOR: RuleConfig(RuleCode.PU_LE_DENOMINATOR, Severity.ERROR, Decimal(100)),
    RuleCode.TOTAL_LE_WORKERS: RuleConfig(RuleCode.TOTAL_LE_WORKERS, Severity.ERROR, Decimal(100)),
    RuleCode.MOM_CHANGE: RuleConfig(RuleCode.MOM_CHANGE, Severity.WARNING, Decimal(25)),
    RuleCode.YOY_CHANGE: RuleConfig(RuleCode.YOY_CHANGE, Severity.WARNING, Decimal(50)),
    RuleCode.DUPLICATE_ROW: RuleConfig(RuleCode.DUPLICATE_ROW, Severity.ERROR, None),
    RuleCode.OUT_OF_SCOPE: RuleConfig(RuleCode.OUT_OF_SCOPE, Severity.ERROR, None),
}
JUMP_RULES = (RuleCode.MOM_CHANGE, RuleCode.YOY_CHANGE)
# Not an admin-tuned rule: a fixed warning, like the lock and version checks of the services.
BPJS_REPORTED = "bpjs_reported"
# Short names of the sources inside messages (proper names, the same in every language).
SOURCE_NAMES = {Source.BPJS: "BPJS", Source.PEMDA: "Pemda"}


@dataclass
class Violation:
    """One rule broken by one cell. ``blocking`` is what stops a save."""

    rule: str
    severity: str
    message: str
    field: str = "active"
    overridden: bool = False
    override_reason: str = ""

    @property
    def blocking(self):
        return self.severity == Severity.ERROR and not self.overridden

    @property
    def is_jump(self):
        return self.rule in JUMP_RULES


def rules_config() -> dict:
    config = dict(DEFAULTS)
    for rule in ValidationRule.objects.all():
        config[rule.code] = RuleConfig(rule.code, rule.severity, rule.threshold, rule.min_difference, rule.is_active)
    return config


def _pct(value) -> str:
    value = Decimal(value)
    return format_number(value, 0 if value == value.to_integral_value() else 2) + "%"


def evaluate(cells, *, source=Source.PEMDA):
    """Check proposed cell values; returns one list of ``Violation`` per cell, in order.

    ``cells`` are objects with ``region``, ``period``, ``segment`` and ``new`` (a dict of the
    four measures after the change). Everything needed is loaded in a few set-based queries.
    """
    cells = list(cells)
    results = [[] for _ in cells]
    if not cells:
        return results
    config = rules_config()
    region_ids = {cell.region.pk for cell in cells}
    periods = {cell.period for cell in cells}
    context = _load_context(region_ids, periods, source)

    for cell, found in zip(cells, results, strict=True):
        found.extend(_value_rules(cell, config))
        if any(v.rule == RuleCode.NON_NEGATIVE for v in found):
            continue
        found.extend(_jump_rules(cell, config, context))
        if source == Source.PEMDA:
            found.extend(_bpjs_reported(cell, context))

    # Totals per region and month: the proposed cells over what is already stored.
    totals = defaultdict(int)
    for (region_id, period, segment), active in context["stored"].items():
        totals[(region_id, period, segment)] = active
    for cell in cells:
        totals[(cell.region.pk, cell.period, cell.segment)] = cell.new.get("active") or 0
    month_totals = defaultdict(int)
    for (region_id, period, _segment), active in totals.items():
        month_totals[(region_id, period)] += active

    totals_checked = set()
    for cell, found in zip(cells, results, strict=True):
        if any(v.rule == RuleCode.NON_NEGATIVE for v in found):
            continue
        # The total of a region-month is reported once, on its first cell.
        check_total = (cell.region.pk, cell.period) not in totals_checked
        totals_checked.add((cell.region.pk, cell.period))
        found.extend(_denominator_rules(cell, config, context, month_totals, check_total))
    return results


def _load_context(region_ids, periods, source):
    compare = {add_months(p, -1) for p in periods} | {add_months(p, -12) for p in periods}
    # The figures that counted before, whatever their source: the jump rules compare with these.
    effective = {}
    bpjs = {}
    ids = values_in(region_ids)
    for region_id, period, segment, active, found_source in EffectiveCount.objects.filter(
        region_id__in=ids, period__in=compare | periods
    ).values_list("region_id", "period", "segment", "active", "source"):
        if period in compare:
            effective[(region_id, period, segment)] = (active, found_source)
        if period in periods and found_source == Source.BPJS:
            bpjs[(region_id, period, segment)] = active
    stored = {
        (region_id, period, segment): active
        for region_id, period, segment, active in ParticipantCount.objects.filter(
            region_id__in=ids, period__in=periods, source=source
        ).values_list("region_id", "period", "segment", "active")
    }
    # The revision in force (the view every reader shares).
    denominators = {
        (region_id, year, group): (workers, source_name)
        for region_id, year, group, workers, source_name in LatestDenominator.objects.filter(
            region_id__in=ids,
            year__in={p.year for p in periods},
            segment_group__in=[SegmentGroup.TOTAL, SegmentGroup.PU],
        ).values_list("region_id", "year", "segment_group", "workers", "source")
    }
    overrides = {
        (region_id, rule, period): reason
        for region_id, rule, period, reason in RuleOverride.objects.filter(region_id__in=ids).values_list(
            "region_id", "rule", "period", "reason"
        )
    }
    return {
        "effective": effective,
        "bpjs": bpjs,
        "stored": stored,
        "denominators": denominators,
        "overrides": overrides,
    }


def _value_rules(cell, config):
    found = []
    for field_name in MEASURES:
        value = cell.new.get(field_name)
        if value is not None and (not isinstance(value, int) or value < 0):
            found.append(
                Violation(
                    RuleCode.NON_NEGATIVE,
                    Severity.ERROR,
                    _("%(label)s harus bilangan bulat tidak negatif, bukan %(value)s.")
                    % {"label": MEASURE_LABELS[field_name], "value": value},
                    field=field_name,
                )
            )
    if found:
        return found
    active, registered = cell.new.get("active"), cell.new.get("registered")
    if active is not None and registered is not None and active > registered:
        found.append(
            Violation(
                RuleCode.ACTIVE_LE_REGISTERED,
                Severity.ERROR,
                _("Peserta aktif (%(active)s) melebihi peserta terdaftar (%(registered)s).")
                % {"active": format_number(active), "registered": format_number(registered)},
            )
        )
    return found


# Lazy: translated only for a flagged cell (gettext for each of 100,000 cells cost seconds).
_FROM_LAST_MONTH = gettext_lazy("dari bulan lalu")
_FROM_LAST_YEAR = gettext_lazy("dari tahun lalu")


def _jump_rules(cell, config, context):
    found = []
    new = cell.new.get("active")
    if new is None:
        return found
    for code, months, what in (
        (RuleCode.MOM_CHANGE, -1, _FROM_LAST_MONTH),
        (RuleCode.YOY_CHANGE, -12, _FROM_LAST_YEAR),
    ):
        rule = config[code]
        if not rule.is_active or rule.threshold is None:
            continue
        before_period = add_months(cell.period, months)
        old, old_source = context["effective"].get((cell.region.pk, before_period, cell.segment), (None, None))
        if not old:
            continue
        change = (new - old) * 100 / old
        if abs(change) <= float(rule.threshold) or abs(new - old) < rule.min_difference:
            continue
        found.append(
            Violation(
                code,
                rule.severity,
                _(
                    "Peserta aktif %(segment)s %(region)s berubah %(change)s %(what)s (%(before)s, %(source)s: "
                    "%(old)s → %(new)s), melebihi batas %(threshold)s."
                )
                % {
                    "segment": cell.segment,
                    "region": cell.region.name,
                    "change": format_growth(change, 1),
                    "what": str(what),
                    "before": format_period(before_period),
                    "source": SOURCE_NAMES[old_source],
                    "old": format_number(old),
                    "new": format_number(new),
                    "threshold": _pct(rule.threshold),
                },
            )
        )
    return found


def bpjs_reported_message(*, region, segment, period, bpjs, pemda):
    """The BPJS figure counts; the Pemda one is kept beside it. Also shown by the grid and the queue."""
    params = {
        "bpjs": format_number(bpjs),
        "cell": f"{region.name} {segment} {format_period(period)}",
        "pemda": format_number(pemda),
        "diff": format_signed(pemda - bpjs),
    }
    return (
        _(
            "Angka BPJS %(bpjs)s sudah ada untuk %(cell)s dan angka itulah yang dihitung; angka Pemda %(pemda)s "
            "(selisih %(diff)s) disimpan sebagai pembanding."
        )
        % params
    )


def _bpjs_reported(cell, context):
    bpjs = context["bpjs"].get((cell.region.pk, cell.period, cell.segment))
    pemda = cell.new.get("active")
    if bpjs is None or pemda is None:
        return []
    message = bpjs_reported_message(
        region=cell.region, segment=cell.segment, period=cell.period, bpjs=bpjs, pemda=pemda
    )
    return [Violation(BPJS_REPORTED, Severity.WARNING, message)]


def _override(context, cell, code):
    overrides = context["overrides"]
    return overrides.get((cell.region.pk, code, cell.period)) or overrides.get((cell.region.pk, code, None))


def _denominator_rules(cell, config, context, month_totals, check_total):
    found = []
    checks = []
    if cell.segment == "PU" and cell.new.get("active") is not None:
        checks.append((RuleCode.PU_LE_DENOMINATOR, SegmentGroup.PU, cell.new["active"]))
    if check_total:
        checks.append((RuleCode.TOTAL_LE_WORKERS, SegmentGroup.TOTAL, month_totals[(cell.region.pk, cell.period)]))
    for code, group, value in checks:
        rule = config[code]
        denominator = context["denominators"].get((cell.region.pk, cell.period.year, group))
        if not rule.is_active or rule.threshold is None or denominator is None:
            continue
        workers, source_name = denominator
        limit = int(workers * rule.threshold / 100)
        if value <= limit:
            continue
        params = {
            "segment": cell.segment,
            "region": cell.region.name,
            "value": format_number(value),
            "limit": format_number(limit),
            "share": _pct(rule.threshold),
            "source": source_name,
        }
        if code == RuleCode.PU_LE_DENOMINATOR:
            message = _(
                "Peserta aktif PU %(region)s (%(value)s) melebihi batas %(limit)s (%(share)s penduduk bekerja PU, "
                "%(source)s)."
            )
        else:
            message = _(
                "Total peserta aktif %(region)s (%(value)s) melebihi batas %(limit)s (%(share)s penduduk bekerja, "
                "%(source)s)."
            )
        reason = _override(context, cell, code)
        violation = Violation(code, rule.severity, message % params, overridden=reason is not None)
        violation.override_reason = reason or ""
        found.append(violation)
    return found


def validation_rules_ensure_defaults() -> int:
    """Create the rule rows admins edit, with the defaults of ``coverage.rules``; idempotent."""
    existing = set(ValidationRule.objects.values_list("code", flat=True))
    missing = [
        ValidationRule(code=code, severity=config.severity, threshold=config.threshold)
        for code, config in DEFAULTS.items()
        if code not in existing
    ]
    ValidationRule.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def rule_override_save(*, override: RuleOverride, user) -> RuleOverride:
    """An admin's exception to a denominator rule for a region; the reason is mandatory."""
    if not user_is_admin(user):
        raise PermissionDenied(_("Hanya admin yang dapat membuat pengecualian aturan."))
    if not (override.reason or "").strip():
        raise ValidationError({"reason": _("Alasan pengecualian wajib diisi.")})
    if override.period:
        override.period = override.period.replace(day=1)
    if override.pk is None:
        override.created_by = user
    override.full_clean()
    override._change_reason = override.reason[:100]
    override.save()
    return override
