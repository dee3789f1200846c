import time

from django.core.management.base import BaseCommand

from coverage.dashboards.maps import build_all_boundaries
from regions.models import Level, Region


class Command(BaseCommand):
    help = "Simplify the region boundaries of GEO_DIR once into GEO_BUILD_DIR (the maps serve these files)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        regions = Region.objects.filter(level__lte=Level.REGENCY, is_active=True).order_by("level", "code")
        built = build_all_boundaries(regions)
        self.stdout.write(f"{built} boundary files ready in {time.perf_counter() - started:.1f} s.")
