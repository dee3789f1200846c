import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coverage.demo import demo_load
from programs.services import programs_demo_load, programs_seed
from regions.models import Region


class Command(BaseCommand):
    help = (
        "Load the demo data: programs, rates and funded batches, then 36 months of counts for every kab/kota "
        "(the real DOMAIN.md figures at their dates). It lives in programs, the app on top, because the demo "
        "spans the apps."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--no-recompute", action="store_true")

    def handle(self, *args, seed, no_recompute, **options):
        if not Region.objects.filter(level=2).exists():
            raise CommandError("Wilayah belum dimuat: jalankan `python manage.py load_regions` dahulu.")
        started = time.perf_counter()
        with transaction.atomic():
            # Batches first: the demo's reported BPU counts exclude the workers they hand to the engine.
            programs_seed()
            programs_demo_load()
            result = demo_load(seed=seed, recompute=not no_recompute)
        self.stdout.write(f"Demo data loaded in {time.perf_counter() - started:.1f} s: {result}")
