"""What the target and denominator load commands share: arguments, the user, the printed diff."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError


class ReferenceCommand(BaseCommand):
    load = None  # the service: targets_import or denominators_import

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="An admin's username (the change is theirs in the history).")
        parser.add_argument("--dry-run", action="store_true", help="Check and show the changes; save nothing.")

    def handle(self, *args, file, user, dry_run=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Berkas tidak ditemukan: {file}")
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"Pengguna tidak ditemukan: {user}")
        try:
            report = type(self).load(file=path.read_bytes(), filename=path.name, user=account, dry_run=dry_run)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{report.filename}: {report.rows_read} baris dibaca.")
        for label, items in (("CATATAN", report.notes), ("GALAT", report.errors)):
            for item in items[:200]:
                self.stdout.write(f"{label} {item}")
        if report.errors:
            raise CommandError(f"{len(report.errors)} galat: tidak ada yang disimpan.")
        check = report.check
        summary = f"{check.created} baru, {check.updated} diubah, {check.unchanged} tidak berubah."
        for row in check.changed[:100]:
            diff = "; ".join(f"{name}: {old} -> {new}" for name, old, new in row.diff)
            self.stdout.write(f"  {row.region.code} {row.year} {row.key}: {diff}")
        if report.applied:
            self.stdout.write(self.style.SUCCESS(f"Diterapkan: {summary}"))
        else:
            self.stdout.write(f"Uji coba: {summary} Tidak ada yang disimpan.")
