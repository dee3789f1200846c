"""What reports do when the engine publishes a month or regions give a role."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from regions.models import UserRole

from ..engine.signals import month_closed
from .subscriptions import subscription_default


@receiver(month_closed, dispatch_uid="coverage.reports.month_closed")
def mail_monthly_reports(sender, *, period, published_at, **kwargs):
    """A published month goes to its subscribers once the close has committed."""
    from .tasks import send_monthly_reports

    transaction.on_commit(lambda: send_monthly_reports.delay(period.isoformat(), published_at.isoformat()))


@receiver(post_save, sender=UserRole, dispatch_uid="coverage.reports.default_subscription")
def subscribe_by_default(sender, instance, created, **kwargs):
    """Branch heads and Pemda heads receive their office's or region's monthly PDF unless they opt out."""
    if created:
        subscription_default(user=instance.user, role=instance.role, region=instance.region, office=instance.office)
