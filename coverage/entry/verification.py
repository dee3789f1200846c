"""The deciders' decisions along the approval chain (``approvals``): approve a submitted count at the
level it awaits, the last level verifying it (a jump needs an explanation there), or return it to the
Pemda with a reason at any level. With no chain configured, the one level is today's branch verifier."""

from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from ..engine import closed_periods
from ..models import ApprovalDecision, CountApproval, EntryStatus, ParticipantCount
from . import notices, reasons
from .approvals import Approver, chains_load, in_scope_q, is_final, next_step
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


def _check_decision(locked, user, expected_versions, allowed, verb, chains):
    """Refuse the decision unless every count is in the user's scope, open, unchanged and in an allowed
    status, and the user acts at the level each awaits. Returns ``{pk: (chain, step)}``."""
    closed = closed_periods(c.period for c in locked)
    # Scope, set-based: the same rule (regions.selectors through approvals) as the queue's listing.
    condition = in_scope_q(user, chains)
    in_scope = set()
    if condition is not None:
        in_scope = set(
            ParticipantCount.objects.filter(condition, pk__in=[c.pk for c in locked]).values_list("pk", flat=True)
        )
    approver = Approver(user)
    errors, steps = [], {}
    for count in locked:
        if count.pk not in in_scope:
            raise PermissionDenied(
                _("Anda tidak berwenang memverifikasi data %(region)s.") % {"region": count.region.name}
            )
        chain = chains.chain_for(count.region)
        step = chain[-1] if count.status == EntryStatus.VERIFIED else next_step(chain, count)
        steps[count.pk] = (chain, step)
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
        elif not approver.may_act(step, count.region):
            errors.append(
                _("%(cell)s menunggu keputusan tingkat %(level)s, bukan keputusan Anda.")
                % {"cell": cell_label(count.region, count.segment, count.period), "level": step.name}
            )
    if errors:
        raise ValidationError(list(dict.fromkeys(errors)))
    return steps


def _record(locked, steps, user, now, decision, reason=""):
    CountApproval.objects.bulk_create(
        CountApproval(
            count=count,
            level=steps[count.pk][1].level,
            level_order=steps[count.pk][1].order,
            level_name=str(steps[count.pk][1].name),
            decision=decision(count) if callable(decision) else decision,
            reason=reason,
            user=user,
            decided_at=now,
            count_version=count.version,
        )
        for count in locked
    )


def participant_counts_verify(*, counts, user, notes=None, expected_versions=None) -> list:
    """Approve submitted counts at the level each awaits; at the chain's last level they become verified.
    A count verified with a change-rule warning needs an "explained jump" note (given here or already on
    the count); the note is stored on the count for the charts. Returns the counts, decided."""
    notes = {pk: text.strip() for pk, text in (notes or {}).items() if text and text.strip()}
    with transaction.atomic():
        locked = _lock(counts)
        if not locked:
            raise ValidationError(_("Pilih data yang akan diverifikasi."))
        chains = chains_load()
        steps = _check_decision(locked, user, expected_versions, (EntryStatus.SUBMITTED,), _("diverifikasi"), chains)
        final = [c for c in locked if is_final(*steps[c.pk])]
        final_pks = {c.pk for c in final}
        errors = []
        for pk, found in jump_warnings(final).items():
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
            step = steps[count.pk][1]
            count.approval_order = step.order
            if count.pk in final_pks:
                count.status, count.verified_by, count.verified_at = EntryStatus.VERIFIED, user, now
                why = reasons.reason(reasons.VERIFIED)
            else:
                why = reasons.reason(reasons.APPROVED, str(step.name))
            count.version += 1
            count.updated_at = now
            if notes.get(count.pk):
                count.note = notes[count.pk]
                if count.pk in final_pks:
                    why = reasons.reason(reasons.VERIFIED_JUMP, count.note)
            count._change_reason = why
        bulk_update_with_history(locked, ParticipantCount, UPDATE_FIELDS, default_user=user)
        verified = ApprovalDecision.VERIFIED
        _record(locked, steps, user, now, lambda c: verified if c.pk in final_pks else ApprovalDecision.APPROVED)
        if final:
            # An approval below the last level changes nothing the engine reads: the count stays submitted.
            _schedule_counts(final, reasons.VERIFIED)
            notices.counts_decided(counts=final, user=user, verified=True)
        approved = [c for c in locked if c.pk not in final_pks]
        if approved:
            notices.counts_approved(counts=approved, user=user, chains=chains)
    return locked


def participant_counts_return(*, counts, user, reason, expected_versions=None) -> list:
    """Send submitted (or verified) counts back to the Pemda with a reason, from any level of the chain;
    they stop counting and start again at the first level when resubmitted."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Alasan pengembalian wajib diisi."))
    with transaction.atomic():
        locked = _lock(counts)
        if not locked:
            raise ValidationError(_("Pilih data yang akan dikembalikan."))
        allowed = (EntryStatus.SUBMITTED, EntryStatus.VERIFIED)
        chains = chains_load()
        steps = _check_decision(locked, user, expected_versions, allowed, _("dikembalikan"), chains)
        now = timezone.now()
        for count in locked:
            count.status, count.return_reason = EntryStatus.RETURNED, reason
            count.verified_by, count.verified_at = None, None
            count.approval_order = 0
            count.version += 1
            count.updated_at = now
            count._change_reason = reasons.reason(reasons.RETURNED, reason)
        bulk_update_with_history(locked, ParticipantCount, UPDATE_FIELDS, default_user=user)
        _record(locked, steps, user, now, ApprovalDecision.RETURNED, reason)
        _schedule_counts(locked, reasons.RETURNED)
        notices.counts_decided(counts=locked, user=user, verified=False, reason=reason)
    return locked


def _schedule_counts(counts, reason):
    plans = [SimpleNamespace(period=c.period, region=c.region) for c in counts]
    schedule_recompute(plans, reason)
