"""Workflow notifications: the in-app inbox and the channels that deliver them (e-mail, webhook).

Users and roles live in this app, so the inbox and the channels do too: coverage's entry workflow
and publishing call ``notify`` (coverage imports regions, never the other way round).

- ``notify(users=..., event=..., title=..., body=..., url=...)`` writes one ``Notification`` per user
  (the inbox: always on, in the same transaction as the event) and one ``NotificationDelivery`` per
  other enabled channel that can reach the user; the deliveries are sent by a Celery task on commit
  (``regions.tasks.deliver_notifications``), retried by a periodic drain while the broker or the
  channel is down.
- A channel is an object with ``name``, ``accepts(user)`` and ``deliver(notification)`` (raises on
  failure). ``NOTIFICATION_CHANNELS`` (settings) picks the enabled ones; ``register_channel`` adds
  another (a WhatsApp Business gateway over HTTPS is a ``WebhookChannel`` pointed at the gateway, or a
  subclass that shapes its payload).
"""

import hashlib
import hmac
import json
import logging
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import DeliveryStatus, Notification, NotificationDelivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def absolute_url(path):
    """A link for a message read outside the app (e-mail, WhatsApp): ``SITE_URL`` + the path."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + path


class Channel:
    """A way to deliver a notification besides the inbox."""

    name = ""

    def accepts(self, user) -> bool:
        return True

    def deliver(self, notification) -> None:
        raise NotImplementedError


class EmailChannel(Channel):
    name = "email"

    def accepts(self, user):
        return bool(user.email)

    def deliver(self, notification):
        link = absolute_url(notification.url)
        body = notification.body + (f"\n\n{link}" if link else "")
        send_mail(notification.title, body, settings.DEFAULT_FROM_EMAIL, [notification.user.email])


class WebhookChannel(Channel):
    """POSTs the notification as JSON to ``NOTIFICATION_WEBHOOK_URL`` (HTTPS; plain HTTP only to this
    machine), signed with HMAC-SHA256 of the body under ``NOTIFICATION_WEBHOOK_SECRET`` in the
    ``X-UCJ-Signature`` header, so the gateway can tell the product's messages from anyone else's."""

    name = "webhook"

    def url(self):
        url = settings.NOTIFICATION_WEBHOOK_URL
        parts = urlsplit(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
            raise ImproperlyConfigured("NOTIFICATION_WEBHOOK_URL must be an https:// address (http only to localhost).")
        return url

    def payload(self, notification):
        user = notification.user
        return {
            "id": notification.pk,
            "event": notification.event,
            "title": notification.title,
            "body": notification.body,
            "url": absolute_url(notification.url),
            "created_at": notification.created_at.isoformat(),
            "user": {"username": user.username, "name": user.get_full_name(), "email": user.email},
        }

    def deliver(self, notification):
        body = json.dumps(self.payload(notification)).encode()
        signature = hmac.new(settings.NOTIFICATION_WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in url()
            self.url(),
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "X-UCJ-Signature": f"sha256={signature}"},
        )
        with urllib.request.urlopen(request, timeout=settings.NOTIFICATION_WEBHOOK_TIMEOUT) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise OSError(f"webhook answered {response.status}")


_CHANNELS: dict[str, Channel] = {}


def register_channel(channel: Channel):
    _CHANNELS[channel.name] = channel


register_channel(EmailChannel())
register_channel(WebhookChannel())


def enabled_channels():
    """The channels named in ``NOTIFICATION_CHANNELS`` (the inbox is always on and not listed)."""
    unknown = [name for name in settings.NOTIFICATION_CHANNELS if name not in _CHANNELS]
    if unknown:
        raise ImproperlyConfigured(f"NOTIFICATION_CHANNELS names unknown channels: {', '.join(unknown)}")
    return [_CHANNELS[name] for name in settings.NOTIFICATION_CHANNELS]


def notify(*, users, event, title, body="", url="") -> list[Notification]:
    """Tell ``users`` (each once; inactive users are skipped) about ``event``: inbox rows now, the other
    channels once the surrounding transaction commits."""
    recipients = list({user.pk: user for user in users if user is not None and user.is_active}.values())
    if not recipients:
        return []
    notifications = Notification.objects.bulk_create(
        [Notification(user=user, event=event, title=title[:200], body=body, url=url) for user in recipients]
    )
    deliveries = NotificationDelivery.objects.bulk_create(
        [
            NotificationDelivery(notification=notification, channel=channel.name)
            for notification in notifications
            for channel in enabled_channels()
            if channel.accepts(notification.user)
        ]
    )
    user_ids = [user.pk for user in recipients]
    _forget_unread(user_ids)
    transaction.on_commit(lambda: _forget_unread(user_ids))  # and again once the rows are visible to all
    if deliveries:
        ids = [delivery.pk for delivery in deliveries]
        transaction.on_commit(lambda: _queue(ids))
    return notifications


def _queue(ids):
    from .tasks import deliver_notifications

    try:
        deliver_notifications.delay(ids)
    except Exception:  # the broker is down: the periodic drain sends them
        logger.warning("notification deliveries %s left for the drain", ids, exc_info=True)


def notifications_deliver(*, ids=None, older_than=None) -> int:
    """Send pending deliveries (``ids``, or every pending one created before ``older_than``); returns how
    many were sent. A failure is recorded and retried up to ``MAX_ATTEMPTS`` times."""
    pending = NotificationDelivery.objects.filter(status=DeliveryStatus.PENDING)
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    if older_than is not None:
        pending = pending.filter(notification__created_at__lt=timezone.now() - older_than)
    sent = 0
    for pk in pending.values_list("pk", flat=True):
        with transaction.atomic():
            delivery = (
                NotificationDelivery.objects.select_for_update(skip_locked=True)
                .select_related("notification__user")
                .filter(pk=pk, status=DeliveryStatus.PENDING)
                .first()
            )
            if delivery is None:
                continue
            delivery.attempts += 1
            try:
                _CHANNELS[delivery.channel].deliver(delivery.notification)
            except Exception as exc:  # any channel failure is recorded, never lost
                delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if delivery.attempts >= MAX_ATTEMPTS:
                    delivery.status = DeliveryStatus.FAILED
                logger.warning("notification delivery %s via %s failed: %s", pk, delivery.channel, exc)
            else:
                delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.SENT, timezone.now(), ""
                sent += 1
            delivery.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return sent


DRAIN_AFTER = timedelta(minutes=1)


# The unread count is in every page's navigation (and in the per-session page cache's key): cached per
# user, dropped when a notification arrives or is read; the timeout bounds staleness where the cache is
# per process (the local-memory default).
UNREAD_TIMEOUT = 60


def _unread_key(user_id):
    return f"inbox-unread:{user_id}"


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    count = cache.get(_unread_key(user.pk))
    if count is None:
        count = Notification.objects.filter(user=user, read_at__isnull=True).count()
        cache.set(_unread_key(user.pk), count, UNREAD_TIMEOUT)
    return count


def _forget_unread(user_ids):
    cache.delete_many([_unread_key(pk) for pk in user_ids])


def notification_mark_read(*, user, notification=None) -> int:
    """Mark one of the user's notifications (or all of them) read; returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification is not None:
        unread = unread.filter(pk=notification.pk)
    changed = unread.update(read_at=timezone.now())
    _forget_unread([user.pk])
    return changed
