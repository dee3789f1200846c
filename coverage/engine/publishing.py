"""Closing a month publishes its snapshots; a later correction adds a revision beside them."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ucj_dashboard.months import month_start

from ..models import ReportingPeriod, ReportingStatus, Snapshot
from .generation import bump_versions
from .recompute import coverage_recompute
from .signals import month_closed, month_reopened


@transaction.atomic
def period_close(*, period, user) -> ReportingPeriod:
    """Close a month: its entries lock and its current snapshots are published (frozen)."""
    period = month_start(period)
    reporting, _created = ReportingPeriod.objects.select_for_update().get_or_create(period=period)
    if reporting.status == ReportingStatus.CLOSED:
        raise ValidationError(_("Periode %(periode)s sudah ditutup.") % {"periode": f"{period:%Y-%m}"})
    coverage_recompute(periods=[period])  # publish what the inputs say now, not a stale state
    now = timezone.now()
    Snapshot.objects.filter(period=period, is_current=True, is_published=False).update(
        is_published=True, published_at=now
    )
    bump_versions(periods=[period], region_codes=None)
    reporting.status = ReportingStatus.CLOSED
    reporting.closed_at = now
    reporting.closed_by = user
    reporting._change_reason = "tutup periode"
    reporting.save(update_fields=["status", "closed_at", "closed_by"])
    month_closed.send(sender=ReportingPeriod, period=period, user=user, published_at=now)
    return reporting


@transaction.atomic
def period_reopen(*, period, user, reason) -> ReportingPeriod:
    """Reopen a closed month for corrections (admins only, with a reason).

    Published snapshots stay as reported; corrections recompute into new revisions.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Alasan membuka kembali periode wajib diisi."))
    period = month_start(period)
    try:
        reporting = ReportingPeriod.objects.select_for_update().get(period=period)
    except ReportingPeriod.DoesNotExist as exc:
        raise ValidationError(_("Periode %(periode)s belum pernah ditutup.") % {"periode": f"{period:%Y-%m}"}) from exc
    if reporting.status != ReportingStatus.CLOSED:
        raise ValidationError(_("Periode %(periode)s tidak sedang ditutup.") % {"periode": f"{period:%Y-%m}"})
    reporting.status = ReportingStatus.OPEN
    reporting.reopen_reason = reason
    reporting._change_reason = reason
    reporting.history_user = user
    reporting.save(update_fields=["status", "reopen_reason"])
    month_reopened.send(sender=ReportingPeriod, period=period, user=user, reason=reason)
    return reporting


def period_is_closed(period) -> bool:
    """True once the month has been closed (its entries are locked, its snapshots published)."""
    return ReportingPeriod.objects.filter(period=month_start(period), status=ReportingStatus.CLOSED).exists()


def closed_periods(periods) -> set:
    """The months among ``periods`` that are closed."""
    return set(
        ReportingPeriod.objects.filter(period__in=set(periods), status=ReportingStatus.CLOSED).values_list(
            "period", flat=True
        )
    )
