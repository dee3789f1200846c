from django.core.management.base import BaseCommand

from programs.services import programs_demo_load, programs_seed


class Command(BaseCommand):
    help = "Isi program, tarif iuran, paket, skema pendanaan dan kategori pekerja (aman diulang); --demo: batch demo."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="Tambahkan batch demo (perlu load_regions).")

    def handle(self, *args, demo, **options):
        seeded = programs_seed()
        self.stdout.write(f"Katalog: {seeded.created} baru.")
        if demo:
            result = programs_demo_load()
            self.stdout.write(f"Batch demo: {result.created} baru, {result.existing} sudah ada.")
            if result.missing_regions:
                self.stderr.write(f"Wilayah belum dimuat: {', '.join(sorted(set(result.missing_regions)))}")
