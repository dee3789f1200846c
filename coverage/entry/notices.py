"""Who is told what in the entry workflow (``regions.notifications``: the inbox, e-mail, webhook).

- counts submitted: whoever decides at the first level of the region's approval chain (by default
  the verifiers of the branches serving the region), one message per kab/kota and month, however
  many cells; approved below the last level: whoever decides at the next level;
- counts returned (with the reason) or verified: whoever entered them and the region's operators;
- a month closed or reopened (``coverage.engine.signals``): every operator and verifier.

Called inside the transaction of the change, so a refused change tells nobody; the channels other
than the inbox send once it commits.
"""

from collections import defaultdict
from datetime import date

from django.contrib.auth import get_user_model
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from regions.models import Level, NotificationEvent, OfficeKind, Role, Territory, UserRole
from regions.notifications import notify
from regions.selectors import APPROVER_KANWIL, APPROVER_PEMDA_HEAD
from ucj_dashboard.formats import format_period

from ..engine.signals import month_closed, month_reopened
from .approvals import chains_load, next_step

LANGUAGE = "id"  # messages are stored as written: in the product's first language


def _kabkota_code(region):
    parts = region.code.split(".")
    return ".".join(parts[:2]) if region.level >= Level.REGENCY else region.code


def verifiers_of(region, day=None):
    """Verifiers of the branches whose territory holds ``region`` (or, above kab/kota, part of it)."""
    day = day or date.today()
    code = _kabkota_code(region)
    territories = Territory.objects.valid_on(day)
    if region.level >= Level.REGENCY:
        territories = territories.filter(region__code=code)
    elif region.level > Level.NATIONAL:
        territories = territories.filter(region__code__startswith=f"{code}.")
    offices = territories.values("office_id")
    roles = UserRole.objects.filter(role=Role.VERIFIER, office_id__in=offices, user__is_active=True)
    return list(get_user_model().objects.filter(pk__in=roles.values("user_id")))


def deciders_of(step, region, day=None):
    """Who decides at ``step`` (a level of the approval chain) for ``region``."""
    if step.actor == APPROVER_PEMDA_HEAD:
        codes = [*region.ancestor_codes, region.code]
        roles = UserRole.objects.filter(role=Role.PEMDA_HEAD, region__code__in=codes, user__is_active=True)
    elif step.actor == APPROVER_KANWIL:
        day = day or date.today()
        kabkota = Territory.objects.valid_on(day).filter(region__code=_kabkota_code(region))
        kanwils = kabkota.values("office__parent_id")
        roles = UserRole.objects.filter(
            role=Role.BRANCH_HEAD, office__kind=OfficeKind.KANWIL, office_id__in=kanwils, user__is_active=True
        )
    else:
        return verifiers_of(region, day)
    return list(get_user_model().objects.filter(pk__in=roles.values("user_id")))


def operators_of(counts):
    """Whoever entered ``counts`` and the operators assigned to their regions."""
    entered = {count.entered_by_id for count in counts if count.entered_by_id}
    regions = {count.region_id for count in counts}
    assigned = UserRole.objects.filter(role=Role.OPERATOR, region_id__in=regions).values("user_id")
    users = get_user_model().objects.filter(is_active=True)
    return list(users.filter(pk__in=entered) | users.filter(pk__in=assigned))


def _groups(counts):
    """Counts by (kab/kota code, month): one message per grid the verifier opens."""
    groups = defaultdict(list)
    for count in counts:
        groups[(_kabkota_code(count.region), count.period)].append(count)
    return groups


def counts_submitted(*, counts, user):
    chains = chains_load()
    with override(LANGUAGE):
        for (code, period), group in _groups(counts).items():
            params = {"region": group[0].region.name if len(group) == 1 else code, "period": format_period(period),
                      "n": len(group), "user": user.get_full_name() or user.username}  # fmt: skip
            first = chains.chain_for(group[0].region)[0]
            notify(
                users=deciders_of(first, group[0].region),
                event=NotificationEvent.SUBMITTED,
                title=_("Data %(period)s diajukan: %(region)s") % params,
                body=_(
                    "%(user)s mengajukan %(n)s angka kepesertaan %(region)s untuk %(period)s. "
                    "Periksa dan verifikasi atau kembalikan di antrean verifikasi."
                )
                % params,  # fmt: skip
                url=reverse("coverage:verification_queue"),
            )


def counts_approved(*, counts, user, chains):
    """Tell whoever decides at the next level that approved counts await them."""
    with override(LANGUAGE):
        for (code, period), group in _groups(counts).items():
            step = next_step(chains.chain_for(group[0].region), group[0])
            params = {"region": group[0].region.name if len(group) == 1 else code, "period": format_period(period),
                      "n": len(group), "user": user.get_full_name() or user.username, "level": step.name}  # fmt: skip
            notify(
                users=deciders_of(step, group[0].region),
                event=NotificationEvent.SUBMITTED,
                title=_("Data %(period)s menunggu persetujuan %(level)s: %(region)s") % params,
                body=_(
                    "%(user)s menyetujui %(n)s angka kepesertaan %(region)s untuk %(period)s. "
                    "Periksa dan setujui atau kembalikan di antrean verifikasi."
                )
                % params,  # fmt: skip
                url=reverse("coverage:verification_queue"),
            )


def counts_decided(*, counts, user, verified, reason=""):
    """Tell the operators the verifier's decision: verified, or returned with ``reason``."""
    with override(LANGUAGE):
        for (code, period), group in _groups(counts).items():
            params = {"region": group[0].region.name if len(group) == 1 else code, "period": format_period(period),
                      "n": len(group), "user": user.get_full_name() or user.username, "reason": reason}  # fmt: skip
            grid = reverse("coverage:entry_grid", kwargs={"code": code}) + f"?periode={period:%Y-%m}"
            if verified:
                title = _("Data %(period)s diverifikasi: %(region)s") % params
                body = _("%(user)s memverifikasi %(n)s angka kepesertaan %(region)s untuk %(period)s.") % params
            else:
                title = _("Data %(period)s dikembalikan: %(region)s") % params
                body = _("%(user)s mengembalikan %(n)s angka kepesertaan %(region)s untuk %(period)s.\n"
                         "Alasan: %(reason)s\nPerbaiki lalu ajukan kembali.") % params  # fmt: skip
            notify(
                users=operators_of(group),
                event=NotificationEvent.VERIFIED if verified else NotificationEvent.RETURNED,
                title=title,
                body=body,
                url=grid,
            )


def _workflow_users():
    roles = UserRole.objects.filter(role__in=[Role.OPERATOR, Role.VERIFIER], user__is_active=True)
    return list(get_user_model().objects.filter(pk__in=roles.values("user_id")))


@receiver(month_closed, dispatch_uid="coverage.entry.notices.month_closed")
def tell_month_closed(sender, *, period, user, **kwargs):
    with override(LANGUAGE):
        params = {"period": format_period(period)}
        notify(
            users=_workflow_users(),
            event=NotificationEvent.MONTH_CLOSED,
            title=_("Periode %(period)s ditutup") % params,
            body=_(
                "Periode %(period)s ditutup dan angkanya dipublikasikan. Entri dan verifikasi bulan ini "
                "terkunci sampai admin membukanya kembali."
            )
            % params,  # fmt: skip
            url=reverse("coverage:submission_tracker") + f"?periode={period:%Y-%m}",
        )


@receiver(month_reopened, dispatch_uid="coverage.entry.notices.month_reopened")
def tell_month_reopened(sender, *, period, user, reason, **kwargs):
    with override(LANGUAGE):
        params = {"period": format_period(period), "reason": reason}
        notify(
            users=_workflow_users(),
            event=NotificationEvent.MONTH_REOPENED,
            title=_("Periode %(period)s dibuka kembali") % params,
            body=_(
                "Periode %(period)s dibuka kembali untuk koreksi. Alasan: %(reason)s\n"
                "Koreksi yang diverifikasi menjadi revisi angka yang sudah dipublikasikan."
            )
            % params,  # fmt: skip
            url=reverse("coverage:submission_tracker") + f"?periode={period:%Y-%m}",
        )
