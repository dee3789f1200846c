from django.core.management.base import BaseCommand

from programs.services import funded_batches_close_ended


class Command(BaseCommand):
    help = "Tandai batch aktif yang bulan terakhirnya sudah lewat sebagai selesai (tugas malam yang sama)."

    def handle(self, *args, **options):
        closed = funded_batches_close_ended()
        self.stdout.write(self.style.SUCCESS(f"{closed} batch ditandai selesai."))
