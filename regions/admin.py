from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ucj_dashboard.admin_columns import figure
from ucj_dashboard.formats import format_number

from .models import (
    Denominator,
    JobRun,
    Notification,
    NotificationDelivery,
    Office,
    PeerGroup,
    Region,
    Territory,
    UserRole,
)

admin.site.site_header = _("Administrasi Dashboard UCJ")
admin.site.site_title = _("Dashboard UCJ")
admin.site.index_title = _("Data master dan konfigurasi")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "parent", "is_active"]
    list_filter = ["level", "kind", "is_active"]
    # "malang" finds Kabupaten Malang and Kota Malang; "35.07" finds the subtree by code prefix.
    search_fields = ["name", "=code", "^code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["decree"]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # Autocomplete: shallow levels first, so "malang" shows the kab/kota before desa.
        return queryset.order_by("level", "code"), may_have_duplicates


@admin.register(PeerGroup)
class PeerGroupAdmin(admin.ModelAdmin):
    """Peer groups of the league table (``?kelompok=<kode>``): ranks are counted within the group."""

    list_display = ["name", "code", "region_count", "display_order"]
    list_editable = ["display_order"]
    search_fields = ["name", "code", "regions__name", "^regions__code"]
    prepopulated_fields = {"code": ["name"]}
    autocomplete_fields = ["regions"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(region_total=models.Count("regions"))

    @admin.display(description=_("jumlah wilayah"), ordering="region_total")
    def region_count(self, obj):
        return format_number(obj.region_total)


class TerritoryInline(admin.TabularInline):
    model = Territory
    extra = 1
    autocomplete_fields = ["region"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind", "parent"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    inlines = [TerritoryInline]


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["office", "region", "valid_from", "valid_to"]
    list_filter = ["office__parent", "office"]
    search_fields = ["region__name", "region__code", "office__name"]
    list_select_related = ["office", "region"]
    autocomplete_fields = ["office", "region"]


@admin.register(Denominator)
class DenominatorAdmin(SimpleHistoryAdmin):
    list_display = [
        "region",
        "year",
        "segment_group",
        figure(Denominator, "workers"),
        "source",
        "created_at",
        "created_by",
    ]
    list_filter = ["year", "segment_group"]
    search_fields = ["region__name", "^region__code", "source"]
    list_select_related = ["region", "created_by"]
    autocomplete_fields = ["region"]
    readonly_fields = ["created_at", "created_by"]

    HISTORY_FIELDS = ["region", "year", "segment_group", "workers_shown", "source", "note", "created_at", "created_by"]

    def get_fields(self, request, obj=None):
        if obj is not None:
            return self.HISTORY_FIELDS
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # A revision adds a new row; an existing row is history and stays as it was.
        if obj is not None:
            return self.HISTORY_FIELDS
        return self.readonly_fields

    @admin.display(description=_("penduduk bekerja"))
    def workers_shown(self, obj):
        return format_number(obj.workers)

    def save_model(self, request, obj, form, change):
        from .services import denominator_add

        if change:
            return
        saved = denominator_add(
            region=obj.region,
            year=obj.year,
            segment_group=obj.segment_group,
            workers=obj.workers,
            source=obj.source,
            note=obj.note,
            user=request.user,
        )
        obj.pk = saved.pk


@admin.register(UserRole)
class UserRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region", "office"]
    list_filter = ["role", "office"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "region__name"]
    list_select_related = ["user", "region", "office"]
    autocomplete_fields = ["user", "region", "office"]


class NotificationDeliveryInline(admin.TabularInline):
    model = NotificationDelivery
    extra = 0
    can_delete = False
    readonly_fields = ["channel", "status", "attempts", "last_error", "sent_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: what was sent to whom, and whether each channel delivered it."""

    list_display = ["created_at", "user", "event", "title", "read_at"]
    list_filter = ["event", "deliveries__status", "deliveries__channel"]
    search_fields = ["user__username", "title"]
    list_select_related = ["user"]
    readonly_fields = ["user", "event", "title", "body", "url", "created_at", "read_at"]
    inlines = [NotificationDeliveryInline]

    def has_add_permission(self, request):
        return False


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(admin.ModelAdmin):
    """Each delivery of a notification by e-mail or webhook: failures and their errors at a glance."""

    list_display = ["notification", "channel", "status", "attempts", "sent_at"]
    list_filter = ["channel", "status"]
    list_select_related = ["notification__user"]
    readonly_fields = ["notification", "channel", "status", "attempts", "last_error", "sent_at"]

    def has_add_permission(self, request):
        return False


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """Runs of the periodic and recompute tasks, written by regions.jobs; read-only (the job page,
    /tugas-terjadwal/, sums them up per task)."""

    list_display = ["started_at", "task", "periodic_task", "status", "duration_ms", "worker"]
    list_filter = ["status", "task"]
    search_fields = ["task", "periodic_task", "error", "=task_id"]
    date_hierarchy = "started_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
