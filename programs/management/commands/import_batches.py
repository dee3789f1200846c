from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from programs.importers import batches_import
from ucj_dashboard.formats import format_number, format_rupiah


class Command(BaseCommand):
    help = (
        "Impor batch pekerja didanai dari .xlsx/.csv atas nama pengguna (dengan wilayah kewenangannya). "
        "Semua atau tidak sama sekali; --dry-run hanya memeriksa."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="Nama pengguna yang mengimpor (cakupan wilayahnya berlaku).")
        parser.add_argument("--dry-run", action="store_true", help="Periksa saja, jangan simpan.")

    def handle(self, *args, file, user, dry_run, **options):
        try:
            account = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"Pengguna {user} tidak ada.") from exc
        try:
            with open(file, "rb") as handle:
                report = batches_import(file=handle.read(), filename=file, user=account, dry_run=dry_run)
        except OSError as exc:
            raise CommandError(f"Berkas tidak dapat dibaca: {exc}") from exc
        for note in report.notes:
            self.stdout.write(str(note))
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(report.errors)} kesalahan; tidak ada yang disimpan.")
        summary = (
            f"{format_number(report.rows_read)} baris: {format_number(report.created)} baru, "
            f"{format_number(report.updated)} diubah, {format_number(report.unchanged)} tetap; "
            f"{format_number(report.total_workers)} pekerja, {format_rupiah(report.total_cost)}."
        )
        if dry_run:
            self.stdout.write(f"Uji coba (tidak disimpan). {summary}")
        else:
            self.stdout.write(self.style.SUCCESS(f"Impor selesai. {summary}"))
