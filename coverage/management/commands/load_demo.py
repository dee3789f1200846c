import time

from django.core.management.base import BaseCommand, CommandError

from coverage.demo import demo_load
from regions.models import Region


class Command(BaseCommand):
    help = "Load the demo data (36 months for every kab/kota; real DOMAIN.md figures at their dates)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--no-recompute", action="store_true")

    def handle(self, *args, seed, no_recompute, **options):
        if not Region.objects.filter(level=2).exists():
            raise CommandError("Wilayah belum dimuat: jalankan `python manage.py load_regions` dahulu.")
        started = time.perf_counter()
        result = demo_load(seed=seed, recompute=not no_recompute)
        self.stdout.write(f"Demo data loaded in {time.perf_counter() - started:.1f} s: {result}")
