from django.core.management.base import BaseCommand, CommandError

from coverage.dashboards.filters import parse_period
from coverage.tasks import send_weekly_digest


class Command(BaseCommand):
    help = "Send the weekly digest (each branch head's action list) now, as Celery beat does on Mondays."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="Month of the figures, e.g. 2025-05 (default: the latest).")

    def handle(self, *args, period=None, **options):
        if period and parse_period(period) is None:
            raise CommandError(f"--period harus berformat YYYY-MM, bukan {period!r}")
        sent = send_weekly_digest.apply(kwargs={"period": period}).get()
        self.stdout.write(f"Weekly digest: {sent} e-mail(s) sent.")
