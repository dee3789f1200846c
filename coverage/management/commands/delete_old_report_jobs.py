from django.core.management.base import BaseCommand

from coverage.reports.jobs import report_jobs_delete_old


class Command(BaseCommand):
    help = "Delete report jobs (and their files) older than REPORT_JOB_DAYS (the nightly task's work)."

    def handle(self, *args, **options):
        self.stdout.write(f"{report_jobs_delete_old()} report jobs deleted")
