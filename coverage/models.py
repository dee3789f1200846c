"""Coverage inputs (participant counts, targets, bands), the monthly workflow and snapshots.

Rules of the engine (docs/RULES.md has them with examples):
- UCJ = active participants / employed population x 100, in total and for PU and BPU with
  their own denominators; Jakon and PMI count in the total numerator only.
- Only counts that are submitted or verified are used; drafts and returned entries are not.
  A BPJS-reported count wins over a Pemda-entered one for the same cell; both are kept.
- A region's directly reported figure is authoritative for it; otherwise it is the sum of its
  children. When both exist and differ the snapshot keeps the difference as "unallocated".
- Active participants are a stock (the last month of a quarter or year); new registrations
  are a flow (summed over months).
- The denominator is the latest revision for the period's year; without one, coverage is
  unknown (NULL), never 0.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from regions.models import Level, Office, Region


class Segment(models.TextChoices):
    PU = "PU", _("Penerima Upah (PU)")
    BPU = "BPU", _("Bukan Penerima Upah (BPU)")
    JAKON = "JAKON", _("Jasa Konstruksi (Jakon)")
    PMI = "PMI", _("Pekerja Migran Indonesia (PMI)")


class Source(models.TextChoices):
    BPJS = "bpjs", _("Laporan BPJS Ketenagakerjaan")
    PEMDA = "pemda", _("Entri Pemda")


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")
    SUBMITTED = "submitted", _("Diajukan")
    VERIFIED = "verified", _("Terverifikasi")
    RETURNED = "returned", _("Dikembalikan")


# Statuses that feed the snapshots. Submitted figures are shown as provisional, never hidden.
COUNTED_STATUSES = (EntryStatus.SUBMITTED, EntryStatus.VERIFIED)


class ParticipantCount(models.Model):
    """Participants of one region, month and segment, from one source.

    ``active`` is what coverage uses; registered, new and lapsed (nonaktif) are tracked
    beside it. ``version`` implements optimistic locking: a save must name the version it
    read, so the second of two concurrent edits is refused rather than silently lost.
    """

    region = models.ForeignKey(Region, verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="counts")
    period = models.DateField(_("periode"), help_text=_("Hari pertama bulan laporan."))
    segment = models.CharField(_("segmen"), max_length=5, choices=Segment.choices)
    source = models.CharField(_("sumber"), max_length=5, choices=Source.choices, default=Source.PEMDA)
    registered = models.PositiveIntegerField(_("peserta terdaftar"), null=True, blank=True)
    active = models.PositiveIntegerField(_("peserta aktif"))
    new_registrations = models.PositiveIntegerField(_("peserta baru"), null=True, blank=True)
    lapsed = models.PositiveIntegerField(_("peserta nonaktif"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    version = models.PositiveIntegerField(_("versi"), default=1)
    note = models.TextField(_("catatan"), blank=True)
    return_reason = models.TextField(_("alasan dikembalikan"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dientri oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)
    submitted_at = models.DateTimeField(_("diajukan pada"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diverifikasi oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("diverifikasi pada"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("jumlah peserta")
        verbose_name_plural = _("jumlah peserta")
        ordering = ["-period", "region__code", "segment", "source"]
        constraints = [
            models.UniqueConstraint(fields=["region", "period", "segment", "source"], name="count_one_per_cell"),
            models.CheckConstraint(
                condition=Q(registered__isnull=True) | Q(active__lte=models.F("registered")),
                name="count_active_at_most_registered",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "status"], name="count_period_status"),
            # Pemda figures are few beside the BPJS reports: the engine finds them without a scan.
            models.Index(fields=["period"], condition=Q(source="pemda"), name="count_pemda_period"),
        ]

    def __str__(self):
        return f"{self.region.name} {self.period:%Y-%m} {self.segment} ({self.source}): {self.active}"


class ReportingStatus(models.TextChoices):
    OPEN = "open", _("Terbuka")
    CLOSED = "closed", _("Ditutup")


class ReportingPeriod(models.Model):
    """A reporting month. Closing it locks its entries and publishes its snapshots."""

    period = models.DateField(_("periode"), unique=True)
    status = models.CharField(_("status"), max_length=6, choices=ReportingStatus.choices, default=ReportingStatus.OPEN)
    closed_at = models.DateTimeField(_("ditutup pada"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ditutup oleh"), null=True, blank=True, on_delete=models.SET_NULL
    )
    reopen_reason = models.TextField(_("alasan dibuka kembali"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("periode laporan")
        verbose_name_plural = _("periode laporan")
        ordering = ["-period"]

    def __str__(self):
        return f"{self.period:%Y-%m} ({self.get_status_display()})"


class SeriesKind(models.TextChoices):
    RPJPN = "rpjpn", _("RPJPN")
    RPJMN = "rpjmn", _("RPJMN")
    RKP = "rkp", _("RKP")
    KEMENDAGRI = "kemendagri", _("Target Kemendagri untuk Pemda")
    RPJMD = "rpjmd", _("RPJMD / Perkada daerah")
    BPJS = "bpjs", _("Target BPJS Ketenagakerjaan")
    OTHER = "other", _("Lainnya")


class Phasing(models.TextChoices):
    LINEAR = "linear", _("Linear dari capaian Desember tahun lalu")
    FLAT = "flat", _("Tetap sepanjang tahun")


class TargetSeries(models.Model):
    """A family of targets (RPJMN 2025-2029, Kemendagri, a Perkada...). Several coexist."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    kind = models.CharField(_("jenis"), max_length=12, choices=SeriesKind.choices)
    source_document = models.CharField(_("dokumen sumber"), max_length=200)
    phasing = models.CharField(_("pentahapan bulanan"), max_length=6, choices=Phasing.choices, default=Phasing.LINEAR)
    display_order = models.PositiveSmallIntegerField(_("urutan"), default=100)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("seri target")
        verbose_name_plural = _("seri target")
        ordering = ["display_order", "name"]

    def __str__(self):
        return self.name


class TargetValue(models.Model):
    """A year-end target of one series for one region: a percentage, a participant count, or both.

    When the count is given, the gap in participants uses it (Kota Malang 2025: 176,753).
    """

    series = models.ForeignKey(TargetSeries, verbose_name=_("seri"), on_delete=models.CASCADE, related_name="values")
    region = models.ForeignKey(Region, verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="targets")
    year = models.PositiveSmallIntegerField(_("tahun"))
    percent = models.DecimalField(_("target (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    participants = models.PositiveIntegerField(_("target (peserta)"), null=True, blank=True)
    source = models.CharField(_("sumber"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("nilai target")
        verbose_name_plural = _("nilai target")
        ordering = ["series", "region__code", "year"]
        constraints = [
            models.UniqueConstraint(fields=["series", "region", "year"], name="target_one_per_year"),
            models.CheckConstraint(
                condition=Q(percent__isnull=False) | Q(participants__isnull=False), name="target_has_a_value"
            ),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gte=0, percent__lte=100), name="target_percent_range"
            ),
        ]

    def __str__(self):
        return f"{self.series} {self.region.name} {self.year}"


class Category(models.TextChoices):
    SANGAT_RENDAH = "sangat_rendah", _("Sangat rendah")
    RENDAH = "rendah", _("Rendah")
    SEDANG = "sedang", _("Sedang")
    TINGGI = "tinggi", _("Tinggi")


class CategoryBand(models.Model):
    """Coverage band of a category for a year: min <= coverage < max (max empty = no upper bound).

    The official cut-offs are not public, so admins set them. A year without bands uses the
    latest earlier year's.
    """

    year = models.PositiveSmallIntegerField(_("tahun"))
    category = models.CharField(_("kategori"), max_length=14, choices=Category.choices)
    min_percent = models.DecimalField(_("batas bawah (%)"), max_digits=5, decimal_places=2)
    max_percent = models.DecimalField(_("batas atas (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pita kategori")
        verbose_name_plural = _("pita kategori")
        ordering = ["-year", "min_percent"]
        constraints = [
            models.UniqueConstraint(fields=["year", "category"], name="band_one_per_category"),
            models.CheckConstraint(
                condition=Q(max_percent__isnull=True) | Q(max_percent__gt=models.F("min_percent")),
                name="band_range_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.get_category_display()}"


class SubjectLevel(models.IntegerChoices):
    """Levels a snapshot can describe: the region tree and the BPJS office tree."""

    NATIONAL = Level.NATIONAL, _("Nasional")
    PROVINCE = Level.PROVINCE, _("Provinsi")
    REGENCY = Level.REGENCY, _("Kabupaten/Kota")
    DISTRICT = Level.DISTRICT, _("Kecamatan")
    VILLAGE = Level.VILLAGE, _("Desa/Kelurahan")
    KANWIL = 11, _("Kantor Wilayah")
    BRANCH = 12, _("Kantor Cabang")


class Snapshot(models.Model):
    """Computed coverage of one region or office for one month. Dashboards read only these.

    Rows are written by ``coverage.services`` in set-based SQL. While a month is open its
    rows are replaced on every recompute; closing the month publishes them (frozen). A later
    correction adds a new revision (``revision`` + 1, shown as revised) and the published
    one stays; ``is_current`` marks the row dashboards show.
    """

    # Snapshots are derived rows that the engine writes only from joins on the region and office
    # tables, half a million at a time: the database-level foreign-key checks (deferred to commit
    # by Django) cost 3 s per full recompute and guard nothing the joins do not already guarantee,
    # so they are left out (db_constraint=False); deletes still cascade through the ORM. Indexes
    # are left to the composite indexes below: fewer indexes, faster recomputes.
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="snapshots",
        db_index=False,
        db_constraint=False,
    )
    office = models.ForeignKey(
        Office,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="snapshots",
        db_index=False,
        db_constraint=False,
    )
    level = models.PositiveSmallIntegerField(_("tingkat"), choices=SubjectLevel.choices)
    parent_region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    parent_office = models.ForeignKey(
        Office, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    period = models.DateField(_("periode"))
    year = models.PositiveSmallIntegerField(_("tahun"))
    month = models.PositiveSmallIntegerField(_("bulan"))
    revision = models.PositiveSmallIntegerField(_("revisi"), default=1)
    is_current = models.BooleanField(default=True)
    is_published = models.BooleanField(_("dipublikasikan"), default=False)
    published_at = models.DateTimeField(null=True, blank=True)

    active_pu = models.BigIntegerField(null=True)
    active_bpu = models.BigIntegerField(null=True)
    active_jakon = models.BigIntegerField(null=True)
    active_pmi = models.BigIntegerField(null=True)
    # Workers in Pemda-funded batches active this month (programs.FundedBatch); part of active_bpu.
    active_funded = models.BigIntegerField(null=True)
    active_total = models.BigIntegerField(_("peserta aktif"), null=True)
    registered_total = models.BigIntegerField(null=True)
    new_total = models.BigIntegerField(null=True)
    lapsed_total = models.BigIntegerField(null=True)
    # Directly reported total minus the sum of the children (only when both exist).
    unallocated_total = models.BigIntegerField(null=True)

    workers_total = models.BigIntegerField(_("penduduk bekerja"), null=True)
    workers_pu = models.BigIntegerField(null=True)
    workers_bpu = models.BigIntegerField(null=True)
    denominator_source = models.CharField(max_length=200, blank=True)

    coverage_total = models.FloatField(_("cakupan (%)"), null=True)
    coverage_pu = models.FloatField(null=True)
    coverage_bpu = models.FloatField(null=True)
    category = models.CharField(max_length=14, choices=Category.choices, blank=True)

    rank_in_parent = models.PositiveIntegerField(null=True)
    ranked_in_parent = models.PositiveIntegerField(null=True)
    rank_national = models.PositiveIntegerField(null=True)
    ranked_national = models.PositiveIntegerField(null=True)
    prev_rank_in_parent = models.PositiveIntegerField(null=True)
    prev_rank_national = models.PositiveIntegerField(null=True)
    delta_mom_pp = models.FloatField(null=True)
    delta_yoy_pp = models.FloatField(null=True)

    is_provisional = models.BooleanField(_("sementara"), default=False)
    data_as_of = models.DateTimeField(_("data per"), null=True)
    computed_at = models.DateTimeField(_("dihitung pada"))

    class Meta:
        verbose_name = _("snapshot cakupan")
        verbose_name_plural = _("snapshot cakupan")
        constraints = [
            models.CheckConstraint(
                condition=Q(region__isnull=False, office__isnull=True) | Q(region__isnull=True, office__isnull=False),
                name="snapshot_one_subject",
            ),
            models.UniqueConstraint(
                fields=["region", "period", "revision"], condition=Q(region__isnull=False), name="snapshot_region_rev"
            ),
            models.UniqueConstraint(
                fields=["office", "period", "revision"], condition=Q(office__isnull=False), name="snapshot_office_rev"
            ),
        ]
        indexes = [
            models.Index(fields=["period", "level", "is_current"], name="snapshot_period_level"),
            models.Index(fields=["parent_region", "period"], name="snapshot_parent_period"),
        ]

    def __str__(self):
        return f"{self.region or self.office} {self.period:%Y-%m} r{self.revision}"

    @property
    def is_revised(self):
        return self.revision > 1


class SnapshotTarget(models.Model):
    """One target series' value for a snapshot, and the gap in participants to it."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="targets")
    series = models.ForeignKey(TargetSeries, on_delete=models.CASCADE, related_name="+")
    target_percent = models.FloatField(null=True)
    # The stated count when given, else the percentage applied to the employed population.
    target_participants = models.BigIntegerField(null=True)
    gap_participants = models.BigIntegerField(null=True)
    phased_percent = models.FloatField(null=True)
    on_track = models.BooleanField(null=True)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["snapshot", "series"], name="snapshot_target_unique")]

    def __str__(self):
        return f"{self.snapshot} {self.series}: {self.target_percent} / {self.target_participants}"


class RecomputeRequest(models.Model):
    """Outbox of recomputes: written in the same transaction as the change that needs it.

    The task is queued on commit; if the broker is down the row stays pending and the
    worker's periodic drain (or the nightly full run) picks it up, so no change is lost.
    """

    period = models.DateField()
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["period"], condition=Q(processed_at__isnull=True), name="recompute_pending"),
        ]

    def __str__(self):
        return f"{self.period:%Y-%m} {self.region or 'semua wilayah'} ({self.reason})"


# --- entry workflow: validation rules, overrides, imports, reminders ---


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
    FAILED = "failed", _("Gagal")


class ImportBatch(models.Model):
    """An uploaded spreadsheet: kept between the dry run and the apply, and as a record."""

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
