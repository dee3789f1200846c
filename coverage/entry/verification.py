"""The verifier's decisions: verify submitted counts (a jump needs an explanation) or return them."""

from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from regions.selectors import regions_filter_verifiable

from ..engine import closed_periods
from ..models import EntryStatus, ParticipantCount
from . import notices, reasons
from .selectors import jump_warnings
from .services import UPDATE_FIELDS, cell_label, closed_message, schedule_recompute, stale_message


def _lock(counts):
    pks = [c.pk for c in counts]
    return list(
        ParticipantCount.objects.select_for_update(of=("self",))
        .select_related("region", "entered_by")
        .filter(pk__in=pks)
        .order_by("region__code", "segment")
    )


def _check_decision(locked, user, expected_versions, allowed, verb):
    closed = closed_periods(c.period for c in locked)
    # The verifier's scope, set-based: the same rule (regions.selectors) as the queue's listing.
    in_scope = set(
        regions_filter_verifiable(user, ParticipantCount.objects.filter(pk__in=[c.pk for c in locked])).values_list(
            "pk", flat=True
        )
    )
    errors = []
    for count in locked:
        if count.pk not in in_scope:
            raise PermissionDenied(
                _("Anda tidak berwenang memverifikasi data %(region)s.") % {"region": count.region.name}
            )
        if count.period in closed:
            errors.append(closed_message(count.period))
        elif expected_versions and expected_versions.get(count.pk, count.version) != count.version:
            errors.append(stale_message(count.region, count.segment, count.period, count))
        elif count.status not in allowed:
            errors.append(
                _("%(cell)s berstatus %(status)s sehingga tidak dapat %(verb)s.")
                % {
                    "cell": cell_label(count.region, count.segment, count.period),
                    "status": count.get_status_display(),
                    "verb": verb,
                }
            )
    if errors:
        raise ValidationError(list(dict.fromkeys(errors)))


def participant_counts_verify(*, counts, user, notes=None, expected_versions=None) -> list:
    """Verify submitted counts. A count flagged by a change rule needs an "explained jump" note
    (given here or already on the count); the note is stored on the count for the charts."""
    notes = {pk: text.strip() for pk, text in (notes or {}).items() if text and text.strip()}
    with transaction.atomic():
        locked = _lock(counts)
        if not locked:
            raise ValidationError(_("Pilih data yang akan diverifikasi."))
        _check_decision(locked, user, expected_versions, (EntryStatus.SUBMITTED,), _("diverifikasi"))
        errors = []
        for pk, found in jump_warnings(locked).items():
            count = next(c for c in locked if c.pk == pk)
            if not notes.get(pk) and not count.note:
                errors.append(
                    _('Isi catatan "lonjakan dijelaskan" untuk %(cell)s sebelum memverifikasi: %(warning)s')
                    % {"cell": cell_label(count.region, count.segment, count.period), "warning": found[0].message}
                )
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        for count in locked:
            count.status, count.verified_by, count.verified_at = EntryStatus.VERIFIED, user, now
            count.version += 1
            count.updated_at = now
            why = reasons.reason(reasons.VERIFIED)
            if notes.get(count.pk):
                count.note = notes[count.pk]
                why = reasons.reason(reasons.VERIFIED_JUMP, count.note)
            count._change_reason = why
        bulk_update_with_history(locked, ParticipantCount, UPDATE_FIELDS, default_user=user)
        _schedule_counts(locked, reasons.VERIFIED)
        notices.counts_decided(counts=locked, user=user, verified=True)
    return locked


def participant_counts_return(*, counts, user, reason, expected_versions=None) -> list:
    """Send submitted (or verified) counts back to the Pemda with a reason; they stop counting."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Alasan pengembalian wajib diisi."))
    with transaction.atomic():
        locked = _lock(counts)
        if not locked:
            raise ValidationError(_("Pilih data yang akan dikembalikan."))
        allowed = (EntryStatus.SUBMITTED, EntryStatus.VERIFIED)
        _check_decision(locked, user, expected_versions, allowed, _("dikembalikan"))
        now = timezone.now()
        for count in locked:
            count.status, count.return_reason = EntryStatus.RETURNED, reason
            count.verified_by, count.verified_at = None, None
            count.version += 1
            count.updated_at = now
            count._change_reason = reasons.reason(reasons.RETURNED, reason)
        bulk_update_with_history(locked, ParticipantCount, UPDATE_FIELDS, default_user=user)
        _schedule_counts(locked, reasons.RETURNED)
        notices.counts_decided(counts=locked, user=user, verified=False, reason=reason)
    return locked


def _schedule_counts(counts, reason):
    plans = [SimpleNamespace(period=c.period, region=c.region) for c in counts]
    schedule_recompute(plans, reason)
