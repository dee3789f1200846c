from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "programs"
    verbose_name = _("Program dan pendanaan")

    def ready(self):
        # The region dashboard (coverage) shows the funding panel; coverage does not import programs.
        from coverage.dashboards.panels import register_panel

        from .selectors import funding_panel_context

        register_panel(
            name="funding",
            template="programs/partials/funding_panel.html",
            print_template="programs/partials/funding_panel_print.html",
            context=funding_panel_context,
        )
