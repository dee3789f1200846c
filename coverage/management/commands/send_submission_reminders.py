from django.core.management.base import BaseCommand, CommandError

from coverage.tasks import send_submission_reminders


class Command(BaseCommand):
    help = "E-mail Pemda operators whose last month is not submitted (the daily beat task, by hand)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Pretend today is this date (YYYY-MM-DD), e.g. to test.")

    def handle(self, *args, today=None, **options):
        if today:
            from datetime import date

            try:
                date.fromisoformat(today)
            except ValueError as exc:
                raise CommandError(f"--today harus berformat YYYY-MM-DD, bukan {today!r}") from exc
        sent = send_submission_reminders.apply(kwargs={"today": today}).get()
        self.stdout.write(f"Pengingat terkirim: {sent}")
