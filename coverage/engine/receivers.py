"""What the engine does when the apps below it announce a change."""

from datetime import date

from django.dispatch import receiver

from regions.signals import denominator_changed

from .outbox import recompute_schedule


@receiver(denominator_changed, dispatch_uid="coverage.engine.denominator_changed")
def recompute_denominator_year(sender, *, region, year, **kwargs):
    """A new denominator revision changes coverage for every month of its year."""
    recompute_schedule(region=region, periods=[date(year, month, 1) for month in range(1, 13)], reason="denominator")
