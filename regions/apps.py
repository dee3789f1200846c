from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "regions"
    verbose_name = _("Wilayah dan kantor")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import jobs, two_factor  # noqa: F401 - connect the sign-in and the task-run receivers

        post_migrate.connect(jobs.install_on_migrate, sender=self, dispatch_uid="regions.jobs.install")
