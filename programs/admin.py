"""Admin of programs, rates, packages, schemes, categories and batches. Saves call the services."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ucj_dashboard.admin_columns import figure
from ucj_dashboard.formats import format_number, format_percent, format_rupiah

from . import services
from .models import (
    Allocation,
    DossierNote,
    FundedBatch,
    FundingScheme,
    Package,
    PremiumRate,
    Program,
    Regulation,
    SchemeYearBasis,
    WorkerCategory,
)


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "for_pu", "for_bpu", "display_order"]
    list_editable = ["display_order"]
    search_fields = ["code", "name"]


@admin.register(PremiumRate)
class PremiumRateAdmin(SimpleHistoryAdmin):
    list_display = [
        "program",
        "segment",
        "risk_class",
        "basis",
        "amount",
        "percent",
        "min_base",
        "max_base",
        "valid_from",
        "valid_to",
        "legal_basis",
    ]
    list_filter = ["program", "segment", "basis", "risk_class"]
    search_fields = ["program__code", "legal_basis"]
    list_select_related = ["program"]
    date_hierarchy = "valid_from"

    def save_model(self, request, obj, form, change):
        # A new rate closes the one it replaces; any change reprices the batches it touches.
        if change:
            services.premium_rate_save(rate=obj, user=request.user)
        else:
            services.premium_rate_add(rate=obj, user=request.user)


@admin.register(Package)
class PackageAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "segment", "declared_base", "risk_class", "is_active", "display_order"]
    list_filter = ["segment", "is_active", "programs"]
    list_editable = ["is_active", "display_order"]
    search_fields = ["name", "code"]
    filter_horizontal = ["programs"]
    prepopulated_fields = {"code": ["name"]}

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            try:
                repriced = services.package_reprice(package=form.instance)
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.WARNING)
                return
            if repriced:
                self.message_user(request, _("Biaya %(n)s batch dihitung ulang.") % {"n": format_number(repriced)})


class SchemeYearBasisInline(admin.TabularInline):
    model = SchemeYearBasis
    extra = 1
    ordering = ["-fiscal_year"]


@admin.register(FundingScheme)
class FundingSchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "legal_basis", "display_order"]
    list_editable = ["display_order"]
    search_fields = ["name", "code", "legal_basis", "year_bases__legal_basis"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [SchemeYearBasisInline]


@admin.register(SchemeYearBasis)
class SchemeYearBasisAdmin(admin.ModelAdmin):
    """Every scheme's yearly bases in one list: which fiscal years still lack their Permendagri."""

    list_display = ["scheme", "fiscal_year", "legal_basis"]
    list_filter = ["scheme", "fiscal_year"]
    search_fields = ["legal_basis", "scheme__name"]
    list_select_related = ["scheme"]


@admin.register(WorkerCategory)
class WorkerCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "display_order"]
    list_editable = ["display_order"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(FundedBatch)
class FundedBatchAdmin(SimpleHistoryAdmin):
    list_display = [
        "region",
        "scheme",
        "category",
        figure(FundedBatch, "workers"),
        "realisation_display",
        "package",
        "start_month",
        "end_month",
        "fiscal_year",
        "status",
        "cost_display",
        "reference",
    ]
    list_filter = ["status", "fiscal_year", "scheme", "category", "package"]
    search_fields = ["region__name", "^region__code", "reference", "category__name", "scheme__name"]
    list_select_related = ["region", "scheme", "category", "package"]
    autocomplete_fields = ["region"]
    readonly_fields = ["cost", "created_by", "created_at", "updated_at"]
    date_hierarchy = "start_month"

    @admin.display(description=_("realisasi dari sasaran"))
    def realisation_display(self, obj):
        if obj.target_population is None:
            return "–"
        return _("%(workers)s dari %(target)s (%(percent)s)") % {
            "workers": format_number(obj.workers),
            "target": format_number(obj.target_population),
            "percent": format_percent(obj.realisation_percent),
        }

    @admin.display(description=_("biaya iuran"), ordering="cost")
    def cost_display(self, obj):
        return format_rupiah(obj.cost)

    def save_model(self, request, obj, form, change):
        services.funded_batch_save(batch=obj, user=request.user)

    def delete_model(self, request, obj):
        services.funded_batch_delete(batch=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        # Used by the "delete selected" action too: each deletion schedules its recompute.
        for batch in queryset:
            services.funded_batch_delete(batch=batch, user=request.user)


# --- the Inpres 2/2021 commitment register and the dossier notes ----------------------------


@admin.register(Regulation)
class RegulationAdmin(SimpleHistoryAdmin):
    list_display = ["number", "kind", "region", "issued_on", "title"]
    list_filter = ["kind"]
    search_fields = ["number", "title", "region__name", "region__code"]
    autocomplete_fields = ["region"]
    filter_horizontal = ["categories", "batches"]
    list_select_related = ["region"]
    date_hierarchy = "issued_on"


@admin.register(Allocation)
class AllocationAdmin(SimpleHistoryAdmin):
    list_display = ["region", "fiscal_year", "scheme", "amount_label", "workers", "regulation"]
    list_filter = ["fiscal_year", "scheme"]
    search_fields = ["region__name", "region__code", "reference"]
    autocomplete_fields = ["region", "regulation"]
    filter_horizontal = ["categories", "batches"]
    list_select_related = ["region", "scheme", "regulation"]

    @admin.display(description=_("alokasi"), ordering="amount")
    def amount_label(self, obj):
        return format_rupiah(obj.amount)


@admin.register(DossierNote)
class DossierNoteAdmin(SimpleHistoryAdmin):
    list_display = ["region", "year", "updated_by", "updated_at"]
    list_filter = ["year"]
    search_fields = ["region__name", "region__code"]
    autocomplete_fields = ["region"]
    list_select_related = ["region", "updated_by"]
