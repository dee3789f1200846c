from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from coverage.entry.bpjs import bpjs_counts_import
from ucj_dashboard.formats import format_number, format_percent


class Command(BaseCommand):
    help = (
        "Load a BPJS extraction (.xlsx/.csv: kode_wilayah, periode, segmen, peserta_aktif, optional "
        "peserta_terdaftar, peserta_baru, peserta_nonaktif) as USERNAME, within their office's territory. "
        "Applies all-or-nothing; --dry-run shows the diff and the coverage impact only."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="The username the figures are loaded as.")
        parser.add_argument("--dry-run", action="store_true", help="Check and show the changes; save nothing.")
        parser.add_argument("--yes", action="store_true", help="Acknowledge rule warnings (needed to apply them).")

    def handle(self, *args, file, user, dry_run=False, yes=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Berkas tidak ditemukan: {file}")
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"Pengguna tidak ditemukan: {user}")
        report = bpjs_counts_import(
            file=path.read_bytes(), filename=path.name, user=account, dry_run=dry_run, acknowledge_warnings=yes
        )
        self._print(report)
        if report.errors:
            raise CommandError(f"{len(report.errors)} galat: tidak ada yang disimpan.")
        if report.applied:
            saved = report.saved
            self.stdout.write(
                self.style.SUCCESS(
                    f"Diterapkan: {saved.created} baru, {saved.updated} diubah, {saved.unchanged} tidak berubah."
                )
            )
        else:
            self.stdout.write("Uji coba: tidak ada yang disimpan.")

    def _print(self, report):
        self.stdout.write(f"{report.filename}: {report.rows_read} baris dibaca.")
        for label, items in (("CATATAN", report.notes), ("PERINGATAN", report.warnings), ("GALAT", report.errors)):
            for item in items[:200]:
                self.stdout.write(f"{label} {item}")
            if len(items) > 200:
                self.stdout.write(f"{label} ... dan {len(items) - 200} lainnya")
        check = report.check
        if check is None:
            return
        self.stdout.write(f"Rencana: {check.created} baru, {check.updated} diubah, {check.unchanged} tidak berubah.")
        for row in check.changed[:50]:
            diff = "; ".join(f"{name}: {format_number(old)} -> {format_number(new)}" for name, old, new in row.diff)
            self.stdout.write(f"  {row.region.code} {row.period:%Y-%m} {row.segment}: {diff or 'angka sama'}")
        for row in check.impact[:20]:
            self.stdout.write(
                f"  cakupan {row.region.code} {row.region.name}: {format_percent(row.coverage_before)} -> "
                f"{format_percent(row.coverage_after)} (selisih {format_number(row.delta)} peserta)"
            )
