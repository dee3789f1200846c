"""Follow-up of reported values: mark a count for follow-up (owner, note, review date), move it along
(open -> in progress -> resolved, with the resolution), list what is open.

Who: whoever may verify or write the count's region (a branch's verifiers, the region's operators)
and admins; the owner is any active user who may do the same. Both checks are ``regions.selectors``'.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from regions.selectors import (
    can_edit_region,
    can_verify_region,
    regions_filter_editable,
    regions_filter_verifiable,
    user_is_admin,
)

from ..models import FollowUp, FollowUpStatus


def can_follow_up(user, region) -> bool:
    return user_is_admin(user) or can_verify_region(user, region) or can_edit_region(user, region)


def followup_open(*, count, user, owner, note, review_date=None) -> FollowUp:
    """Mark ``count`` for follow-up by ``owner``; the note (what to follow up) is required."""
    if not can_follow_up(user, count.region):
        raise PermissionDenied(_("Angka ini di luar wilayah kewenangan Anda."))
    if not owner.is_active or not can_follow_up(owner, count.region):
        message = _("%(owner)s tidak berwenang atas %(region)s.")
        raise ValidationError(message % {"owner": owner.get_username(), "region": count.region.name})
    followup = FollowUp(count=count, owner=owner, note=(note or "").strip(), review_date=review_date, created_by=user)
    followup.full_clean()
    followup._change_reason = "followup.open"
    followup.save()
    return followup


def followup_update(*, followup, user, status, resolution="", review_date=None) -> FollowUp:
    """Move a follow-up along; resolving it needs the resolution."""
    if not can_follow_up(user, followup.count.region):
        raise PermissionDenied(_("Angka ini di luar wilayah kewenangan Anda."))
    resolution = (resolution or "").strip()
    if status == FollowUpStatus.RESOLVED and not resolution:
        raise ValidationError(_("Tuliskan penyelesaiannya sebelum menandai selesai."))
    with transaction.atomic():
        followup.status, followup.resolution = status, resolution or followup.resolution
        if review_date is not None:
            followup.review_date = review_date
        followup.full_clean()
        followup._change_reason = f"followup.{status}"
        followup.save(update_fields=["status", "resolution", "review_date", "updated_at"])
    return followup


def followups_for(*, user, status=None):
    """The follow-ups of the counts ``user`` may verify or write (all for admins), open ones first."""
    queryset = FollowUp.objects.select_related("count", "count__region", "owner")
    if status:
        queryset = queryset.filter(status=status)
    if user_is_admin(user):
        return queryset
    verifiable = regions_filter_verifiable(user, queryset, prefix="count__region__code")
    editable = regions_filter_editable(user, queryset, prefix="count__region__code")
    return (verifiable | editable).distinct()
