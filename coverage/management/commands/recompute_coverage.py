import time

from django.core.management.base import BaseCommand, CommandError

from coverage.tasks import recompute_coverage


class Command(BaseCommand):
    help = "Recompute coverage snapshots (all months with data, or one month with --period YYYY-MM)."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="One month, e.g. 2025-05.")

    def handle(self, *args, period=None, **options):
        if period:
            try:
                year, month = (int(part) for part in period.split("-"))
                if not 1 <= month <= 12:
                    raise ValueError
            except ValueError as exc:
                raise CommandError(f"--period harus berformat YYYY-MM, bukan {period!r}") from exc
        started = time.perf_counter()
        result = recompute_coverage.apply(kwargs={"period": period}).get()
        self.stdout.write(
            f"Recomputed {result['periods']} month(s), {result['written']} snapshot rows "
            f"in {time.perf_counter() - started:.2f} s."
        )
