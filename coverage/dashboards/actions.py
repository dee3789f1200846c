"""The action list followed up: a priority region taken up by the branch (owner, plan, review date,
status, result) and its outcome a month later, read from the snapshots.

Who: ``regions.selectors.can_review_office`` (admins, and the branch heads and verifiers of the office
or of its Kanwil), for acting and for being the owner. The outcome compares the region's current
snapshot of the action's month with the month after: the gap to its own target (participants) and
coverage (percentage points). Nothing of it is stored, so a revised month revises the outcome.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from regions.models import Role, UserRole
from regions.selectors import can_review_office
from ucj_dashboard.months import add_months

from ..models import FollowUpStatus, PriorityAction, PriorityReason
from .rows import current_snapshots, snapshot_rows


def priority_options(actions):
    """What the action list offers to take up: ``(value, reason, row)`` of each listed region, the value
    being ``reason:code`` (a region listed for two reasons is offered twice)."""
    options = []
    for reason, key in ((PriorityReason.GAP, "gap"), (PriorityReason.FALLING, "falling"),
                        (PriorityReason.OVERDUE, "overdue")):  # fmt: skip
        for row in actions.get(key) or []:
            options.append((f"{reason}:{row['code']}", reason, row))
    return options


def office_staff(office):
    """Who may own an office's priority action: active users who may review the office."""
    roles = UserRole.objects.filter(
        role__in=(Role.BRANCH_HEAD, Role.VERIFIER), office_id__in=[pk for pk in (office.pk, office.parent_id) if pk]
    )
    return list(
        get_user_model().objects.filter(is_active=True, pk__in=roles.values("user_id")).order_by("username").distinct()
    )


def priority_action_open(*, office, region, period, reason, user, owner, plan, review_date) -> PriorityAction:
    """Take up a priority region of ``office`` for the month ``period``: one action per region and month."""
    if not can_review_office(user, office):
        raise PermissionDenied(_("Anda tidak berwenang atas daftar prioritas kantor ini."))
    if not owner.is_active or not can_review_office(owner, office):
        message = _("%(owner)s bukan kepala kantor atau verifikator %(office)s.")
        raise ValidationError(message % {"owner": owner.get_username(), "office": office.name})
    action = PriorityAction(
        office=office, region=region, period=period, reason=reason, owner=owner, plan=(plan or "").strip(),
        review_date=review_date, created_by=user,
    )  # fmt: skip
    action.full_clean(validate_constraints=False)
    action._change_reason = "priority.open"
    try:
        with transaction.atomic():
            action.save()
    except IntegrityError:
        message = _("%(region)s sudah ditindaklanjuti untuk bulan ini.")
        raise ValidationError(message % {"region": region.name}) from None
    return action


def priority_action_update(*, action, user, status, result="", review_date=None) -> PriorityAction:
    """Move an action along; marking it done needs its result."""
    if not can_review_office(user, action.office):
        raise PermissionDenied(_("Anda tidak berwenang atas daftar prioritas kantor ini."))
    result = (result or "").strip()
    if status == FollowUpStatus.RESOLVED and not (result or action.result):
        raise ValidationError(_("Tuliskan hasilnya sebelum menandai selesai."))
    action.status, action.result = status, result or action.result
    if review_date is not None:
        action.review_date = review_date
    action.full_clean(validate_constraints=False)
    action._change_reason = f"priority.{status}"
    action.save(update_fields=["status", "result", "review_date", "updated_at"])
    return action


def _outcome(before, after):
    """The change from the action's month to the month after; None without a reported figure after."""
    if before is None or after is None or after["is_carried"] or after["active_total"] is None:
        return None
    gap_before = before["own_target"]["gap_participants"] if before["own_target"] else None
    gap_after = after["own_target"]["gap_participants"] if after["own_target"] else None
    coverage_change = None
    if before["coverage_total"] is not None and after["coverage_total"] is not None:
        coverage_change = after["coverage_total"] - before["coverage_total"]
    gap_change = gap_after - gap_before if gap_before is not None and gap_after is not None else None
    if gap_change is not None:
        improved = gap_change < 0
    elif coverage_change is not None:
        improved = coverage_change > 0
    else:
        improved = None
    return {
        "period": after["period"],
        "gap_before": gap_before,
        "gap_after": gap_after,
        "gap_change": gap_change,
        "coverage_before": before["coverage_total"],
        "coverage_after": after["coverage_total"],
        "coverage_change": coverage_change,
        "improved": improved,
    }


def priority_actions(*, office):
    """The office's actions, open ones first, each with its ``outcome`` (None until the month after
    has a reported figure): two snapshot reads for all of them."""
    actions = list(PriorityAction.objects.filter(office=office).select_related("region", "owner"))
    if not actions:
        return []
    months = {a.period for a in actions} | {add_months(a.period, 1) for a in actions}
    snapshots = current_snapshots().filter(region__in={a.region_id for a in actions}, period__in=months)
    by_key = {(row["code"], row["period"]): row for row in snapshot_rows(snapshots)}
    for action in actions:
        before = by_key.get((action.region.code, action.period))
        action.next_period = add_months(action.period, 1)
        after = by_key.get((action.region.code, action.next_period))
        action.outcome = _outcome(before, after)
    return actions
