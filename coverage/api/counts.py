"""``POST /api/v1/counts/``: a Pemda system submits participant counts without the UI.

The same entry service as the grid and the importer (``coverage.entry.services``): the rules, the
account's write scope, closed months, optimistic locking by ``version``, the audit trail (reason
``api:<key name>``) and the recompute on commit. A key adds its own scope on top: it must be allowed
to send data (``can_write``) and every region must lie within its region or office.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Router

from regions.models import Region
from ucj_dashboard import params

from ..entry import reasons
from ..entry.services import CellChange, participant_counts_check, participant_counts_save_many
from ..entry.validation import MEASURES
from ..models import EntryStatus, Segment
from .auth import caller_key, caller_user
from .keys import api_key_may_write, api_key_scope_codes
from .schemas import CountsIn, CountsOut, CountsRefused, Error

router = Router(tags=["entri"])

STALE = "stale"


def _problem(region, segment, rule, message):
    return {"region": region, "segment": segment, "rule": str(rule), "message": str(message)}


@router.post(
    "/counts/",
    response={200: CountsOut, 400: CountsRefused, 401: Error, 403: Error, 409: CountsRefused, 429: Error},
    url_name="api_counts",
    summary="Kirim jumlah peserta",
)
def counts_submit(request, body: CountsIn):
    """Kirim jumlah peserta satu bulan (draf, atau diajukan dengan `submit`); `dry_run` hanya memeriksa."""
    period = params.period(body.period)
    if period is None:
        return 400, {"detail": _("Periode wajib diisi (YYYY-MM)."), "errors": []}
    problems = []
    codes = {item.region for item in body.counts}
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    for item in body.counts:
        if item.region not in regions:
            problems.append(_problem(item.region, item.segment, "unknown_region",
                                     _("Kode wilayah %(code)s tidak ditemukan.") % {"code": item.region}))  # fmt: skip
        if item.segment not in Segment.values:
            problems.append(_problem(item.region, item.segment, "unknown_segment",
                                     _("Segmen %(segment)s tidak dikenal; pilih %(choices)s.")
                                     % {"segment": item.segment, "choices": ", ".join(Segment.values)}))  # fmt: skip
    if problems:
        return 400, {"detail": _("Sebagian baris tidak dapat dibaca."), "errors": problems}

    key = caller_key(request)
    if key is not None:
        scope = api_key_scope_codes(key)
        outside = sorted(
            {code for code in codes if not api_key_may_write(key=key, region=regions[code], scope_codes=scope)}
        )
        if outside:
            if not key.can_write:
                return 403, {"detail": _("Kunci API ini hanya untuk membaca.")}
            return 403, {
                "detail": _("Wilayah %(codes)s di luar lingkup kunci API ini.") % {"codes": ", ".join(outside)}
            }

    changes = [
        CellChange(
            regions[item.region], period, item.segment,
            {name: getattr(item, name) for name in MEASURES if getattr(item, name) is not None},
            expected_version=item.version, note=item.note,
        )
        for item in body.counts
    ]  # fmt: skip
    user = caller_user(request)
    reason = reasons.reason(reasons.API, key.name if key else user.get_username())
    with transaction.atomic():
        check = participant_counts_check(
            changes=changes, user=user, submit=body.submit, lock=not body.dry_run, with_impact=False
        )
        errors = [_problem(p.region.code, p.segment, v.rule, v.message) for p, v in check.errors]
        if errors:
            status = 409 if any(e["rule"] == STALE for e in errors) else 400
            return status, {"detail": _("Tidak ada yang disimpan: %(count)s masalah.") % {"count": len(errors)},
                            "errors": errors}  # fmt: skip
        warnings = [_problem(p.region.code, p.segment, v.rule, v.message) for p, v in check.warnings]
        if body.dry_run:
            rows = [(plan, plan.existing) for plan in check.plans]
            totals = {"created": check.created, "updated": check.updated, "unchanged": check.unchanged,
                      "submitted": sum(1 for p in check.plans if p.status_after == EntryStatus.SUBMITTED
                                       and p.status_before != EntryStatus.SUBMITTED)}  # fmt: skip
        else:
            result = participant_counts_save_many(
                changes=changes, user=user, reason=reason, submit=body.submit, checked=check
            )
            rows = list(zip(check.plans, result.counts, strict=True))
            totals = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged,
                      "submitted": result.submitted}  # fmt: skip
    return {
        "dry_run": body.dry_run,
        "period": f"{period:%Y-%m}",
        **totals,
        "counts": [_count_out(plan, count, dry_run=body.dry_run) for plan, count in rows],
        "warnings": warnings,
    }


def _count_out(plan, count, *, dry_run):
    values = plan.new
    return {
        "region": plan.region.code,
        "segment": plan.segment,
        "action": plan.action,
        "status": str(plan.status_after),
        "version": (count.version if count else 0),
        **{name: values.get(name) for name in ("active", "registered", "new_registrations", "lapsed")},
    }
