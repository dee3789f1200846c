from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from coverage.dashboards.filters import parse_period
from coverage.models import ReportingPeriod, ReportingStatus
from coverage.reports.subscriptions import subscriptions_send_month


class Command(BaseCommand):
    help = "E-mail the PDF of a closed month to its subscribers (as the close does); each once per publication."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM, a closed month")

    def handle(self, *args, period, **options):
        month = parse_period(period)
        reporting = ReportingPeriod.objects.filter(period=month, status=ReportingStatus.CLOSED).first()
        if reporting is None:
            raise CommandError(f"{period} is not a closed month")
        sent = subscriptions_send_month(period=month, published_at=reporting.closed_at or timezone.now())
        self.stdout.write(f"{sent} e-mails sent")
