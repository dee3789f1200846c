from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "programs"
    verbose_name = _("Program dan pendanaan")

    def ready(self):
        # The region dashboard (coverage) shows the funding panel and the Inpres 2/2021 commitments, and the
        # report jobs make the dossier: coverage does not import programs, programs registers with it.
        from coverage.dashboards.annotations import register_annotation_source
        from coverage.dashboards.panels import register_panel
        from coverage.reports.jobs import register_report

        from .dossier_reports import DOSSIER_DOCX, DOSSIER_PDF, dossier_allowed, dossier_build_docx, dossier_build_pdf
        from .selectors import commitments_panel_context, funded_batch_starts, funding_panel_context

        register_panel(
            name="funding",
            template="programs/partials/funding_panel.html",
            print_template="programs/partials/funding_panel_print.html",
            context=funding_panel_context,
        )
        register_panel(
            name="commitments",
            template="programs/partials/commitments_panel.html",
            print_template="programs/partials/commitments_panel_print.html",
            context=commitments_panel_context,
        )
        # The trend chart marks the first month of each funded batch (issue #16).
        register_annotation_source(funded_batch_starts)
        label_pdf, label_docx = _("Dosir Paritrana / Monev UCJ (PDF)"), _("Dosir Paritrana / Monev UCJ (DOCX)")
        register_report(name=DOSSIER_PDF, label=label_pdf, build=dossier_build_pdf, allowed=dossier_allowed)
        register_report(name=DOSSIER_DOCX, label=label_docx, build=dossier_build_docx, allowed=dossier_allowed)
