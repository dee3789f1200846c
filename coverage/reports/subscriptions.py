"""The monthly PDF by e-mail: who may subscribe to what, the mailing when a month is published, and the
one-click unsubscribe.

- A user may subscribe to the regions of their region roles (Pemda operator, Pemda head) and the offices
  of their office roles (branch head, verifier): each recipient gets only their scope. The subscription
  is checked again when sending, so a role taken away stops the mail.
- Branch heads (their office) and Pemda heads (their region) are subscribed when the role is given
  (``receivers``); an unsubscribed row stays inactive, so the default never switches itself on again.
- When a month is closed (published) each active subscription gets the PDF of its subject for that
  month (one PDF per subject, however many subscribers), once per publication (``ReportDelivery``).
- Unsubscribing: a signed link in every mail (no sign-in needed) and the ``List-Unsubscribe`` /
  ``List-Unsubscribe-Post`` headers (RFC 8058), so a mail program unsubscribes with one click.
"""

import logging

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from regions.models import Region, Role
from regions.notifications import absolute_url
from regions.selectors import user_roles

from ..models import ReportDelivery, ReportSubscription
from .dashboard import dashboard_pdf

logger = logging.getLogger(__name__)

SALT = "coverage.reports.unsubscribe"
REGION_ROLES = (Role.OPERATOR, Role.PEMDA_HEAD)
OFFICE_ROLES = (Role.BRANCH_HEAD, Role.VERIFIER)
DEFAULT_ROLES = (Role.BRANCH_HEAD, Role.PEMDA_HEAD)


def subscribable(user):
    """(regions, offices) the user may receive the monthly PDF of: those of their own roles."""
    regions, offices = {}, {}
    for assignment in user_roles(user):
        if assignment.role in REGION_ROLES and assignment.region_id:
            regions[assignment.region_id] = assignment.region
        elif assignment.role in OFFICE_ROLES and assignment.office_id:
            offices[assignment.office_id] = assignment.office
    return list(regions.values()), list(offices.values())


def may_subscribe(user, *, region=None, office=None):
    regions, offices = subscribable(user)
    if region is not None:
        return any(r.pk == region.pk for r in regions)
    return any(o.pk == office.pk for o in offices)


def subscription_set(*, user, region=None, office=None, active=True) -> ReportSubscription:
    """Subscribe or unsubscribe ``user`` to the monthly PDF of ``region`` or ``office`` (in their scope)."""
    if not may_subscribe(user, region=region, office=office):
        raise PermissionError("outside the user's scope")
    subject = {"region": region} if region is not None else {"office": office}
    subscription, _created = ReportSubscription.objects.update_or_create(
        user=user, **subject, defaults={"is_active": active}
    )
    return subscription


def subscription_default(*, user, role, region=None, office=None):
    """The default subscription of a branch head or Pemda head; an earlier choice is kept as it is."""
    if role not in DEFAULT_ROLES:
        return None
    subject = {"office": office} if role == Role.BRANCH_HEAD else {"region": region}
    if None in subject.values():
        return None
    subscription, _created = ReportSubscription.objects.get_or_create(user=user, **subject)
    return subscription


def unsubscribe_token(subscription) -> str:
    return signing.dumps(subscription.pk, salt=SALT)


def subscription_from_token(token) -> ReportSubscription | None:
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return ReportSubscription.objects.select_related("user", "region", "office").filter(pk=pk).first()


def unsubscribe_url(subscription) -> str:
    return absolute_url(reverse("coverage:report_unsubscribe", kwargs={"token": unsubscribe_token(subscription)}))


def _pdf_for(subject, period):
    kind = {"region": subject} if isinstance(subject, Region) else {"office": subject}
    with translation.override("id"):
        return dashboard_pdf(**kind, period=period)


def _message(subscription, period, content, filename):
    context = {
        "subscription": subscription,
        "subject": subscription.subject,
        "period": period,
        "unsubscribe_url": unsubscribe_url(subscription),
        "settings_url": absolute_url(reverse("coverage:report_subscriptions")),
    }
    with translation.override("id"):
        title = render_to_string("coverage/email/monthly_report_subject.txt", context).strip()
        body = render_to_string("coverage/email/monthly_report.txt", context)
    message = EmailMessage(
        title,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [subscription.user.email],
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach(filename, content, "application/pdf")
    return message


def subscriptions_send_month(*, period, published_at) -> int:
    """E-mail the PDF of ``period`` to every active subscriber still in scope; once per publication.
    Returns the number of e-mails sent."""
    subscriptions = (
        ReportSubscription.objects.filter(is_active=True, user__is_active=True)
        .exclude(user__email="")
        .exclude(deliveries__period=period, deliveries__published_at=published_at)
        .select_related("user", "region", "office")
        .order_by("region__code", "office__code", "user_id")
    )
    pdfs, sent = {}, 0
    for subscription in subscriptions:
        subject = subscription.subject
        if not may_subscribe(subscription.user, region=subscription.region, office=subscription.office):
            continue  # the role that gave this scope is gone
        key = (type(subject).__name__, subject.pk)
        if key not in pdfs:
            pdfs[key] = _pdf_for(subject, period)
        content, filename = pdfs[key]
        try:
            with transaction.atomic():
                ReportDelivery.objects.create(subscription=subscription, period=period, published_at=published_at)
                _message(subscription, period, content, filename).send()
        except IntegrityError:
            continue  # another worker sent this one
        sent += 1
    return sent
