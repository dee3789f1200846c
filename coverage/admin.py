"""Admin of the coverage inputs. Saves go through the services so no rule is skipped."""

import secrets
from datetime import date

from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ucj_dashboard.admin_columns import figure

from .api.keys import api_key_create, api_key_revoke
from .engine import period_close, period_is_closed, period_reopen, recompute_schedule
from .entry import reasons
from .entry.services import MEASURES, closed_message, participant_count_save
from .entry.validation import rule_override_save, validation_rules_ensure_defaults
from .models import (
    APIKey,
    ApprovalLevel,
    CategoryBand,
    CountApproval,
    CoverageSettings,
    EffectiveCount,
    FollowUp,
    FundedWorkers,
    ImportBatch,
    LatestDenominator,
    ParticipantCount,
    PriorityAction,
    RecomputeRequest,
    ReportDelivery,
    ReportingPeriod,
    ReportJob,
    ReportSubscription,
    RuleOverride,
    Snapshot,
    SnapshotVersion,
    Source,
    SubmissionReminder,
    TargetSeries,
    TargetValue,
    ValidationRule,
)

# --- engine ---


def _year_months(year):
    return [date(year, month, 1) for month in range(1, 13)]


class ParticipantCountAdminForm(forms.ModelForm):
    """Carries the version the admin read, so a concurrent edit is refused, not overwritten."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ParticipantCount
        fields = ["region", "period", "segment", "source", "registered", "active", "new_registrations", "lapsed",
                  "status", "note", "return_reason"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            current = ParticipantCount.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if cleaned.get("expected_version") != current:
                raise ValidationError(
                    _("Data ini telah diubah oleh pengguna lain sejak Anda membukanya. Muat ulang halaman lalu ulangi.")
                )
        period = cleaned.get("period")
        if period and period_is_closed(period):
            raise ValidationError(closed_message(period))
        return cleaned


@admin.register(ParticipantCount)
class ParticipantCountAdmin(SimpleHistoryAdmin):
    """BPJS reports are entered here; Pemda entries are corrected through the entry service so the
    validation rules, the closed-month lock and the verification workflow apply to admins too."""

    form = ParticipantCountAdminForm
    list_display = [
        "region", "period", "segment", "source", figure(ParticipantCount, "active"),
        figure(ParticipantCount, "registered"), "status", "updated_at",
    ]  # fmt: skip
    list_filter = ["status", "source", "segment", "period"]
    search_fields = ["region__name", "^region__code"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    readonly_fields = ["version", "entered_by", "verified_by", "verified_at", "submitted_at", "updated_at"]
    date_hierarchy = "period"
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.source == Source.PEMDA:
            # Status moves through the verification queue; the cell's identity does not change.
            return [*self.readonly_fields, "region", "period", "segment", "source", "status", "return_reason"]
        return self.readonly_fields

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        if obj.source == Source.PEMDA:
            values = {name: form.cleaned_data.get(name) for name in MEASURES}
            saved = participant_count_save(
                region=obj.region,
                period=obj.period,
                segment=obj.segment,
                values=values,
                user=request.user,
                expected_version=form.cleaned_data.get("expected_version") or 0,
                note=obj.note,
                reason=reasons.ADMIN,
            )
            obj.pk, obj.version = saved.pk, saved.version
            return
        if change:
            obj.version += 1
        obj.entered_by = obj.entered_by or request.user
        super().save_model(request, obj, form, change)
        recompute_schedule(region=obj.region, periods=[obj.period], reason="admin: laporan BPJS")

    @transaction.atomic
    def delete_model(self, request, obj):
        if period_is_closed(obj.period):
            self.message_user(request, closed_message(obj.period), level=messages.ERROR)
            return
        region, period = obj.region, obj.period
        super().delete_model(request, obj)
        recompute_schedule(region=region, periods=[period], reason="admin: hapus jumlah peserta")


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(SimpleHistoryAdmin):
    list_display = ["period", "status", "closed_at", "closed_by", "reopen_reason"]
    list_filter = ["status"]
    readonly_fields = ["status", "closed_at", "closed_by", "reopen_reason"]
    actions = ["close_periods", "reopen_periods"]

    @admin.action(description=_("Tutup periode terpilih (publikasikan snapshot)"))
    def close_periods(self, request, queryset):
        for reporting in queryset:
            try:
                period_close(period=reporting.period, user=request.user)
                self.message_user(request, _("Periode %s ditutup.") % f"{reporting.period:%Y-%m}")
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), level=messages.ERROR)

    @admin.action(description=_("Buka kembali periode terpilih"))
    def reopen_periods(self, request, queryset):
        reason = request.POST.get("reason") or _("Dibuka kembali oleh admin melalui halaman admin")
        for reporting in queryset:
            try:
                period_reopen(period=reporting.period, user=request.user, reason=reason)
                self.message_user(request, _("Periode %s dibuka kembali.") % f"{reporting.period:%Y-%m}")
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), level=messages.ERROR)


class TargetValueInline(admin.TabularInline):
    model = TargetValue
    extra = 1
    autocomplete_fields = ["region"]


@admin.register(TargetSeries)
class TargetSeriesAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "kind", "source_document", "phasing", "display_order"]
    list_editable = ["display_order", "phasing"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "source_document"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [TargetValueInline]

    def save_formset(self, request, form, formset, change):
        with transaction.atomic():
            super().save_formset(request, form, formset, change)
            for value in formset.queryset.model.objects.filter(series=form.instance):
                recompute_schedule(region=value.region, periods=_year_months(value.year), reason="admin: target")


@admin.register(TargetValue)
class TargetValueAdmin(SimpleHistoryAdmin):
    list_display = ["series", "region", "year", "percent", "participants", "source"]
    list_editable = ["percent", "participants"]
    list_filter = ["series", "year"]
    search_fields = ["region__name", "^region__code", "series__name"]
    list_select_related = ["series", "region"]
    autocomplete_fields = ["region"]

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        recompute_schedule(region=obj.region, periods=_year_months(obj.year), reason="admin: target")


@admin.register(CategoryBand)
class CategoryBandAdmin(SimpleHistoryAdmin):
    list_display = ["year", "category", "min_percent", "max_percent"]
    list_editable = ["min_percent", "max_percent"]
    list_filter = ["year"]

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Bands affect every region of the year: a full recompute of its months.
        recompute_schedule(region=None, periods=_year_months(obj.year), reason="admin: pita kategori")


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    """Read-only: snapshots are computed, never typed in."""

    list_display = ["__str__", "level", "period", figure(Snapshot, "active_total"), "coverage_total", "category",
                    "rank_in_parent", "revision", "is_current", "is_published", "is_provisional"]  # fmt: skip
    list_filter = ["level", "is_current", "is_published", "is_provisional", "category"]
    search_fields = ["region__name", "^region__code", "office__name"]
    list_select_related = ["region", "office"]
    date_hierarchy = "period"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the engine or the database derives: shown, never typed in."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RecomputeRequest)
class RecomputeRequestAdmin(ReadOnlyAdmin):
    list_display = ["period", "region", "reason", "created_at", "processed_at"]
    list_filter = ["processed_at"]
    list_select_related = ["region"]


@admin.register(FundedWorkers)
class FundedWorkersAdmin(ReadOnlyAdmin):
    """Funded workers as the engine counts them, handed over by the programs app's batches."""

    list_display = ["reference", "region", "period", figure(FundedWorkers, "workers")]
    search_fields = ["reference", "region__name", "^region__code"]
    list_select_related = ["region"]
    date_hierarchy = "period"


@admin.register(SnapshotVersion)
class SnapshotVersionAdmin(ReadOnlyAdmin):
    list_display = ["scope", "version"]
    search_fields = ["scope"]


@admin.register(EffectiveCount)
class EffectiveCountAdmin(ReadOnlyAdmin):
    """The figure that counts for each cell (a database view): which source won, at a glance."""

    list_display = ["region", "period", "segment", "source", "status", figure(EffectiveCount, "active")]
    list_filter = ["source", "segment", "status"]
    search_fields = ["region__name", "^region__code"]
    list_select_related = ["region"]
    date_hierarchy = "period"
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LatestDenominator)
class LatestDenominatorAdmin(ReadOnlyAdmin):
    """The denominator in force for each region, year and group (a database view)."""

    list_display = ["region", "year", "segment_group", figure(LatestDenominator, "workers"), "source"]
    list_filter = ["year", "segment_group"]
    search_fields = ["region__name", "^region__code"]
    list_select_related = ["region"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CoverageSettings)
class CoverageSettingsAdmin(SimpleHistoryAdmin):
    """One row of settings; saving it recomputes every computed month (the rules changed)."""

    list_display = ["__str__", "carry_months", "discrepancy_percent"]

    def has_add_permission(self, request):
        return not CoverageSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        obj.pk = 1
        super().save_model(request, obj, form, change)
        months = Snapshot.objects.filter(level=0, is_current=True).values_list("period", flat=True).distinct()
        if months:
            recompute_schedule(region=None, periods=list(months), reason="admin: pengaturan cakupan")


# --- entry ---


@admin.register(ValidationRule)
class ValidationRuleAdmin(SimpleHistoryAdmin):
    list_display = ["code", "severity", "threshold", "min_difference", "is_active"]
    list_editable = ["severity", "threshold", "min_difference", "is_active"]
    list_filter = ["severity", "is_active"]

    def changelist_view(self, request, extra_context=None):
        # Show every rule with its default, so admins edit rather than guess the codes.
        validation_rules_ensure_defaults()
        return super().changelist_view(request, extra_context)


@admin.register(RuleOverride)
class RuleOverrideAdmin(SimpleHistoryAdmin):
    list_display = ["region", "rule", "period", "reason", "created_by", "created_at"]
    list_filter = ["rule"]
    search_fields = ["region__name", "^region__code", "reason"]
    autocomplete_fields = ["region"]
    list_select_related = ["region", "created_by"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        try:
            rule_override_save(override=obj, user=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
            raise


@admin.register(FollowUp)
class FollowUpAdmin(SimpleHistoryAdmin):
    list_display = ["count", "owner", "status", "review_date", "created_by", "created_at"]
    list_filter = ["status"]
    search_fields = ["count__region__name", "^count__region__code", "owner__username", "note"]
    list_select_related = ["count__region", "owner", "created_by"]
    raw_id_fields = ["count", "owner", "created_by"]


@admin.register(PriorityAction)
class PriorityActionAdmin(SimpleHistoryAdmin):
    list_display = ["region", "office", "period", "reason", "owner", "status", "review_date"]
    list_filter = ["status", "reason"]
    search_fields = ["region__name", "^region__code", "office__code", "owner__username", "plan"]
    list_select_related = ["region", "office", "owner"]
    raw_id_fields = ["region", "owner", "created_by"]


@admin.register(ApprovalLevel)
class ApprovalLevelAdmin(SimpleHistoryAdmin):
    """The approval chain: no row = today's single level (the branch verifier verifies). The levels of a
    province replace the chain without a province there; the last level of a chain verifies."""

    list_display = ["name", "province", "order", "code", "actor", "is_active"]
    list_editable = ["order", "actor", "is_active"]
    list_filter = ["is_active", "actor", "province"]
    list_select_related = ["province"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["province"]
    ordering = ["province__code", "order"]


@admin.register(CountApproval)
class CountApprovalAdmin(ReadOnlyAdmin):
    """Decisions taken along the chain: a record, written only by the verification queue."""

    list_display = ["count", "level_name", "decision", "user", "decided_at", "reason"]
    list_filter = ["decision", "level_name"]
    search_fields = ["count__region__name", "^count__region__code", "user__username", "reason"]
    list_select_related = ["count__region", "user"]
    date_hierarchy = "decided_at"
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["filename", "kind", "user", "status", "rows_read", "summary", "created_at", "applied_at"]
    list_filter = ["kind", "status"]
    search_fields = ["filename", "user__username", "sha256"]
    list_select_related = ["user"]
    exclude = ["content"]
    readonly_fields = [
        "kind", "user", "filename", "sha256", "status", "submit", "fingerprint", "rows_read", "summary", "created_at",
        "applied_at",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False


@admin.register(SubmissionReminder)
class SubmissionReminderAdmin(admin.ModelAdmin):
    list_display = ["user", "region", "period", "kind", "sent_at"]
    list_filter = ["kind", "period"]
    list_select_related = ["user", "region"]
    search_fields = ["user__username", "region__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- reports ---


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(admin.ModelAdmin):
    """Who receives which monthly PDF; unsubscribing keeps the row, inactive."""

    list_display = ["user", "region", "office", "is_active", "updated_at"]
    list_filter = ["is_active"]
    list_editable = ["is_active"]
    search_fields = ["user__username", "region__name", "office__name"]
    autocomplete_fields = ["user", "region", "office"]
    list_select_related = ["user", "region", "office"]


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(admin.ModelAdmin):
    list_display = ["subscription", "period", "published_at", "sent_at"]
    list_filter = ["period"]
    list_select_related = ["subscription__user", "subscription__region", "subscription__office"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    """Reports made on demand (deleted after REPORT_JOB_DAYS); the error of a failed one."""

    list_display = ["created_at", "user", "kind", "status", "progress", "filename"]
    list_filter = ["kind", "status"]
    list_select_related = ["user"]
    readonly_fields = ["user", "kind", "params", "status", "progress", "stage", "filename", "error", "created_at",
                       "finished_at"]  # fmt: skip
    exclude = ["content", "content_type"]

    def has_add_permission(self, request):
        return False


# --- API keys ---

# How long a used add form stays recognised (a day: longer than anyone keeps the page open).
FORM_TOKEN_SECONDS = 24 * 60 * 60


def _new_form_token():
    return secrets.token_urlsafe(16)


class APIKeyForm(forms.ModelForm):
    # One token per rendered add form: the POST that makes a key uses it up, so the same form posted
    # again (a refresh of the "key created" page, back then forward) makes no second key.
    form_token = forms.CharField(widget=forms.HiddenInput, initial=_new_form_token, max_length=40, required=False)

    class Meta:
        model = APIKey
        fields = ["name", "user", "region", "office", "can_write", "expires_at"]


def _form_token_key(token):
    return f"apikey-form:{token}"


@admin.register(APIKey)
class APIKeyAdmin(admin.ModelAdmin):
    """Keys for other systems (docs/API.md). Made and revoked through ``coverage.api.keys``; the key
    itself is shown once, on the page right after it is made, and never stored (only its SHA-256).

    The add form carries a one-time token: posting the same form again (a refresh of the page that
    shows the key) leads to the key already made, without its plaintext and without a second key."""

    form = APIKeyForm

    list_display = ["name", "prefix", "user", "region", "office", "can_write", "expires_at", "revoked_at",
                    "last_used_at"]  # fmt: skip
    list_filter = ["can_write", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    autocomplete_fields = ["user", "region", "office"]
    list_select_related = ["user", "region", "office"]
    readonly_fields = ["prefix", "revoked_at", "last_used_at", "created_at", "created_by"]
    actions = ["revoke_keys"]

    def get_readonly_fields(self, request, obj=None):
        # A key's identity and scope are fixed once made: a changed scope is a new key.
        if obj is not None:
            return [*self.readonly_fields, "user", "region", "office"]
        return self.readonly_fields

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj is None else [name for name in fields if name != "form_token"]

    def add_view(self, request, form_url="", extra_context=None):
        token = request.POST.get("form_token", "") if request.method == "POST" else ""
        made = cache.get(_form_token_key(token)) if token else None
        if made is not None:
            self.message_user(
                request,
                _("Formulir ini sudah membuat kunci API %(prefix)s; kunci hanya ditampilkan sekali. Bila belum "
                  "tersalin, cabut kunci itu dan buat yang baru.") % {"prefix": made["prefix"]},
                messages.WARNING,
            )  # fmt: skip
            if APIKey.objects.filter(pk=made["pk"]).exists():
                return redirect("admin:coverage_apikey_change", made["pk"])
            return redirect("admin:coverage_apikey_changelist")
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name", "can_write", "expires_at"])
            return
        key, raw = api_key_create(
            name=obj.name, user=obj.user, region=obj.region, office=obj.office, can_write=obj.can_write,
            expires_at=obj.expires_at, created_by=request.user,
        )  # fmt: skip
        obj.pk, obj.prefix, obj.hashed_key, obj.created_at = key.pk, key.prefix, key.hashed_key, key.created_at
        obj._state.adding = False
        request._api_key_raw = raw
        if token := form.cleaned_data.get("form_token"):
            made = {"pk": key.pk, "prefix": key.prefix}
            transaction.on_commit(lambda: cache.set(_form_token_key(token), made, timeout=FORM_TOKEN_SECONDS))

    def response_add(self, request, obj, post_url_continue=None):
        """The one page that shows the key: rendered here, never put in a message (cookie or session)."""
        raw = getattr(request, "_api_key_raw", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        context = {**self.admin_site.each_context(request), "key": obj, "raw": raw, "opts": self.opts,
                   "title": _("Kunci API dibuat")}  # fmt: skip
        # The admin's views are never_cache already ("no-store"): no cache keeps the key.
        return TemplateResponse(request, "coverage/admin/api_key_created.html", context)

    @admin.action(description=_("Cabut kunci API terpilih"))
    def revoke_keys(self, request, queryset):
        for key in queryset:
            api_key_revoke(key=key)
        self.message_user(request, _("%(count)s kunci API dicabut.") % {"count": queryset.count()})
