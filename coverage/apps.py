from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoverageConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coverage"
    verbose_name = _("Cakupan UCJ")

    def ready(self):
        # The engine listens to the regions app's signals, and the outbox queues its Celery task by name:
        # both must be registered in every process (web, worker, commands), not only in a worker.
        from . import tasks  # noqa: F401
        from .engine import receivers  # noqa: F401
        from .entry import notices  # noqa: F401 - tells operators and verifiers when a month closes or reopens
        from .reports import receivers as report_receivers  # noqa: F401 - the monthly PDFs, subscriptions
