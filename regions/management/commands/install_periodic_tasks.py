from django.core.management.base import BaseCommand

from regions.jobs import periodic_tasks_install


class Command(BaseCommand):
    help = (
        "Create the missing periodic tasks of the default schedule (ucj_dashboard.celery.DEFAULT_BEAT_SCHEDULE); "
        "migrate does this too. --reset also puts tasks edited in the admin back to their default."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Overwrite the admin's edits of the default tasks.")

    def handle(self, *args, reset=False, **options):
        done = periodic_tasks_install(reset=reset)
        verb = "dikembalikan ke bawaan" if reset else "dibuat"
        self.stdout.write(f"Tugas terjadwal {verb}: {', '.join(done) if done else 'tidak ada'}")
