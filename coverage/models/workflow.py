"""The entry workflow: validation rules, overrides, uploaded files and reminders."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from regions.models import Region


class RuleCode(models.TextChoices):
    NON_NEGATIVE = "non_negative", _("Bilangan bulat tidak negatif")
    ACTIVE_LE_REGISTERED = "active_le_registered", _("Peserta aktif tidak melebihi peserta terdaftar")
    PU_LE_DENOMINATOR = "pu_le_denominator", _("Peserta aktif PU tidak melebihi penduduk bekerja PU")
    TOTAL_LE_WORKERS = "total_le_workers", _("Total peserta aktif tidak melebihi penduduk bekerja")
    MOM_CHANGE = "mom_change", _("Perubahan dari bulan lalu")
    YOY_CHANGE = "yoy_change", _("Perubahan dari tahun lalu")
    DUPLICATE_ROW = "duplicate_row", _("Baris duplikat dalam satu berkas")
    OUT_OF_SCOPE = "out_of_scope", _("Wilayah di luar kewenangan pengguna")


# Rules that are always blocking errors: admins tune thresholds, not these.
FIXED_RULES = (RuleCode.NON_NEGATIVE, RuleCode.ACTIVE_LE_REGISTERED, RuleCode.DUPLICATE_ROW, RuleCode.OUT_OF_SCOPE)
# Rules an admin may override for a region (with a reason).
OVERRIDABLE_RULES = (RuleCode.PU_LE_DENOMINATOR, RuleCode.TOTAL_LE_WORKERS)
THRESHOLD_RULES = (RuleCode.PU_LE_DENOMINATOR, RuleCode.TOTAL_LE_WORKERS, RuleCode.MOM_CHANGE, RuleCode.YOY_CHANGE)


class Severity(models.TextChoices):
    ERROR = "error", _("Galat (memblokir)")
    WARNING = "warning", _("Peringatan (perlu konfirmasi)")


class ValidationRule(models.Model):
    """Threshold and severity of one entry rule, set by admins (defaults in coverage.rules).

    For the denominator rules the threshold is the share of the employed population allowed
    (100 = at most the population); for the change rules it is the change in percent beyond
    which the entry is flagged, ignoring changes of fewer than ``min_difference`` participants.
    """

    code = models.CharField(_("aturan"), max_length=24, choices=RuleCode.choices, unique=True)
    severity = models.CharField(_("tingkat"), max_length=7, choices=Severity.choices, default=Severity.ERROR)
    threshold = models.DecimalField(_("ambang (%)"), max_digits=7, decimal_places=2, null=True, blank=True)
    min_difference = models.PositiveIntegerField(
        _("selisih minimum (peserta)"), default=0, help_text=_("Perubahan di bawah jumlah ini tidak ditandai.")
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("aturan validasi")
        verbose_name_plural = _("aturan validasi")
        ordering = ["code"]

    def __str__(self):
        return self.get_code_display()

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.code in FIXED_RULES and (self.severity != Severity.ERROR or not self.is_active):
            raise ValidationError(_("Aturan ini selalu berupa galat aktif dan tidak dapat dilonggarkan."))
        if self.code in THRESHOLD_RULES and (self.threshold is None or self.threshold <= 0):
            raise ValidationError({"threshold": _("Aturan ini membutuhkan ambang lebih dari 0%.")})


class RuleOverride(models.Model):
    """An admin's exception to a denominator rule for one region (one month, or every month).

    Used when the Sakernas denominator is known to be too low for a region (e.g. commuters
    registered where they work): the entry is accepted and the reason is kept.
    """

    region = models.ForeignKey(Region, verbose_name=_("wilayah"), on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(
        _("aturan"), max_length=24, choices=[(c.value, c.label) for c in OVERRIDABLE_RULES], default="total_le_workers"
    )
    period = models.DateField(_("periode"), null=True, blank=True, help_text=_("Kosong = semua periode."))
    reason = models.TextField(_("alasan"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pengecualian aturan")
        verbose_name_plural = _("pengecualian aturan")
        ordering = ["region__code", "rule", "-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "rule", "period"], name="override_one_per_period", nulls_distinct=False
            ),
        ]

    def __str__(self):
        return f"{self.region.name} {self.get_rule_display()}"


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Uji coba")
    APPLIED = "applied", _("Diterapkan")


class ImportKind(models.TextChoices):
    PEMDA_COUNTS = "counts", _("Jumlah peserta (Pemda)")
    BPJS_COUNTS = "bpjs", _("Jumlah peserta laporan BPJS")
    TARGETS = "targets", _("Nilai target")
    DENOMINATORS = "denoms", _("Penyebut (penduduk bekerja)")


class ImportBatch(models.Model):
    """An uploaded spreadsheet: kept between the dry run and the apply, and as a record. ``kind``
    says which importer reads it, so a file previewed by one is never applied by another."""

    kind = models.CharField(_("jenis"), max_length=8, choices=ImportKind.choices, default=ImportKind.PEMDA_COUNTS)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("pengguna"), on_delete=models.PROTECT)
    filename = models.CharField(_("nama berkas"), max_length=255)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField(_("isi berkas"))
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED)
    submit = models.BooleanField(_("langsung diajukan"), default=False)
    fingerprint = models.CharField(max_length=64, blank=True)
    rows_read = models.PositiveIntegerField(_("baris dibaca"), default=0)
    summary = models.JSONField(_("ringkasan"), default=dict, blank=True)
    created_at = models.DateTimeField(_("diunggah"), auto_now_add=True)
    applied_at = models.DateTimeField(_("diterapkan"), null=True, blank=True)

    class Meta:
        verbose_name = _("impor berkas")
        verbose_name_plural = _("impor berkas")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"


class ReminderKind(models.TextChoices):
    REMINDER = "reminder", _("Pengingat sebelum batas waktu")
    OVERDUE = "overdue", _("Terlambat")


class SubmissionReminder(models.Model):
    """An e-mail sent to an operator about a month not yet submitted (one per kind and month)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    period = models.DateField(_("periode"))
    kind = models.CharField(_("jenis"), max_length=8, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(_("dikirim"), auto_now_add=True)

    class Meta:
        verbose_name = _("pengingat pengajuan")
        verbose_name_plural = _("pengingat pengajuan")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "region", "period", "kind"], name="reminder_once_per_kind"),
        ]

    def __str__(self):
        return f"{self.user} {self.region.name} {self.period:%Y-%m} ({self.get_kind_display()})"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Terbuka")
    IN_PROGRESS = "in_progress", _("Diproses")
    RESOLVED = "resolved", _("Selesai")


class FollowUp(models.Model):
    """A reported value marked for follow-up (a doubtful figure, a missing explanation): who owns it,
    where it stands, how it was resolved, and when to look at it again."""

    count = models.ForeignKey(
        "coverage.ParticipantCount", verbose_name=_("angka"), on_delete=models.CASCADE, related_name="followups"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("penanggung jawab"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    note = models.TextField(_("yang perlu ditindaklanjuti"))
    resolution = models.TextField(_("penyelesaian"), blank=True)
    review_date = models.DateField(_("tanggal tinjau"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tindak lanjut")
        verbose_name_plural = _("tindak lanjut")
        ordering = ["status", "review_date", "-created_at"]
        indexes = [models.Index(fields=["status", "owner"], name="followup_status_owner")]

    def __str__(self):
        return f"{self.count} ({self.get_status_display()})"


class PriorityReason(models.TextChoices):
    GAP = "gap", _("Kesenjangan terbesar terhadap target")
    FALLING = "falling", _("Cakupan turun dibanding bulan lalu")
    OVERDUE = "overdue", _("Laporan terlambat")


class PriorityAction(models.Model):
    """A priority region of a branch's action list, taken up: who owns it, what will be done, where it
    stands, when to look again. Its outcome is not stored: it is read from the snapshots of ``period``
    and the month after (``coverage.dashboards.actions``), so a revised figure revises the outcome too."""

    office = models.ForeignKey(
        "regions.Office", verbose_name=_("kantor"), on_delete=models.CASCADE, related_name="priority_actions"
    )
    region = models.ForeignKey(Region, verbose_name=_("wilayah"), on_delete=models.CASCADE, related_name="+")
    period = models.DateField(_("bulan"), help_text=_("Bulan yang angkanya menjadikan wilayah ini prioritas."))
    reason = models.CharField(_("alasan"), max_length=10, choices=PriorityReason.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("penanggung jawab"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    plan = models.TextField(_("rencana tindak"))
    result = models.TextField(_("hasil"), blank=True)
    review_date = models.DateField(_("tanggal tinjau"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tindak lanjut prioritas")
        verbose_name_plural = _("tindak lanjut prioritas")
        ordering = ["status", "review_date", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["office", "region", "period"], name="priorityaction_once_a_month"),
        ]

    def __str__(self):
        return f"{self.office} {self.region} {self.period:%Y-%m} ({self.get_status_display()})"
