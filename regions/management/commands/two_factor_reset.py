from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from regions.two_factor import two_factor_remove


class Command(BaseCommand):
    help = (
        "Remove a user's authenticator devices and recovery codes (a lost phone). Where two-factor is "
        "required the user enrols again at the next sign-in."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        User = get_user_model()
        try:
            user = User.objects.get_by_natural_key(username)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user {username!r}.") from exc
        removed = two_factor_remove(user=user)
        self.stdout.write(f"{username}: {removed} two-factor device(s) removed.")
