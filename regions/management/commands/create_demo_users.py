from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from regions.models import Office, Region, Role, UserRole

DEMO_PASSWORD = "ucj-demo-2025"  # noqa: S105 - printed on purpose: demo accounts only
DEMO_USERS = [
    # username, full name, role, region code, office code
    ("admin", "Admin UCJ", Role.ADMIN, None, None),
    ("kacab.malang", "Kepala Cabang Malang", Role.BRANCH_HEAD, None, "KC-MALANG"),
    ("kacab.kepanjen", "Kepala Cabang Malang Kepanjen", Role.BRANCH_HEAD, None, "KC-KEPANJEN"),
    ("kakanwil.jatim", "Kepala Kanwil Jawa Timur", Role.BRANCH_HEAD, None, "KW-JATIM"),
    ("verifikator.malang", "Verifikator Cabang Malang", Role.VERIFIER, None, "KC-MALANG"),
    ("operator.kotamalang", "Operator Disnaker Kota Malang", Role.OPERATOR, "35.73", None),
    ("operator.kabmalang", "Operator Disnaker Kabupaten Malang", Role.OPERATOR, "35.07", None),
    ("operator.blitar", "Operator Disnaker Kabupaten Blitar", Role.OPERATOR, "35.05", None),
    ("walikota.malang", "Wali Kota Malang", Role.PEMDA_HEAD, "35.73", None),
    # The first level of Jawa Timur's demo approval chain (coverage/demo/load.py).
    ("kadis.kotamalang", "Kepala Dinas Tenaga Kerja Kota Malang", Role.PEMDA_HEAD, "35.73", None),
]


class Command(BaseCommand):
    help = "Create the demo users (one per role) and print their names and passwords."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        self.stdout.write(f"Demo users (password for all: {DEMO_PASSWORD}):")
        for username, full_name, role, region_code, office_code in DEMO_USERS:
            first, _, last = full_name.partition(" ")
            # A demo address, so the monthly PDFs and notifications show in the console e-mail backend.
            email = f"{username}@demo.ucj.invalid"
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "email": email}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
            user.is_staff = user.is_superuser = role == Role.ADMIN
            user.save()
            region = Region.objects.get(code=region_code) if region_code else None
            office = Office.objects.get(code=office_code) if office_code else None
            UserRole.objects.get_or_create(user=user, role=role, region=region, office=office)
            self.stdout.write(f"  {username:<22} {role.label:<24} {region or office or ''}")
