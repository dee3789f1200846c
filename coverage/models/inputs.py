"""Inputs of the engine: participant counts, reporting months, targets and category bands."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from regions.models import Denominator, Region, SegmentGroup
from ucj_dashboard.formats import format_number


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
    # The order of the highest approval level this submission reached (0 = none yet); the chain is
    # coverage.models.approvals. A database default: the BPJS upsert and the bulk loaders insert raw.
    approval_order = models.PositiveSmallIntegerField(_("tingkat persetujuan tercapai"), default=0, db_default=0)
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
        return f"{self.region.name} {self.period:%Y-%m} {self.segment} ({self.source}): {format_number(self.active)}"


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


class CoverageSettings(models.Model):
    """Settings of the coverage rules that admins tune (one row). Saving it recomputes every month."""

    carry_months = models.PositiveSmallIntegerField(
        _("bulan angka dibawa maju"),
        default=3,
        validators=[MaxValueValidator(12)],
        help_text=_(
            "Wilayah yang belum melapor memakai angka terakhirnya paling lama sekian bulan (0 = tidak pernah), "
            "agar jumlah wilayah di atasnya tetap sebanding."
        ),
    )
    discrepancy_percent = models.DecimalField(
        _("ambang selisih BPJS dan Pemda (%)"),
        max_digits=5,
        decimal_places=2,
        default=5,
        help_text=_("Selisih angka BPJS dan Pemda di atas ambang ini tampil di halaman selisih sumber."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pengaturan cakupan")
        verbose_name_plural = _("pengaturan cakupan")

    def __str__(self):
        return str(_("Pengaturan cakupan"))

    @classmethod
    def current(cls):
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class EffectiveCount(models.Model):
    """The figure that counts for each cell (region, month, segment): a database view.

    The one definition of "effective": only submitted or verified counts; a BPJS figure wins over a
    Pemda one for the same cell (migration 0003 creates ``coverage_effective_count``). The engine's
    SQL and every Python reader (the desa list, the entry grid, the verification queue, the jump
    rules, the discrepancy page) read it.
    """

    count = models.OneToOneField(
        ParticipantCount, primary_key=True, db_column="id", on_delete=models.DO_NOTHING, related_name="+"
    )
    region = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+")
    period = models.DateField()
    segment = models.CharField(max_length=5, choices=Segment.choices)
    source = models.CharField(max_length=5, choices=Source.choices)
    status = models.CharField(max_length=10, choices=EntryStatus.choices)
    active = models.PositiveIntegerField()
    registered = models.PositiveIntegerField(null=True)
    new_registrations = models.PositiveIntegerField(null=True)
    lapsed = models.PositiveIntegerField(null=True)
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "coverage_effective_count"

    def __str__(self):
        return f"{self.region_id} {self.period:%Y-%m} {self.segment} ({self.source}): {format_number(self.active)}"


class LatestDenominator(models.Model):
    """The denominator in force for a region, year and segment group: a database view.

    The one definition of "latest": the newest revision by ``created_at``, then by id (migration
    0003 creates ``coverage_latest_denominator``). The engine and the entry rules read it.
    """

    denominator = models.OneToOneField(
        Denominator, primary_key=True, db_column="id", on_delete=models.DO_NOTHING, related_name="+"
    )
    region = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+")
    year = models.PositiveSmallIntegerField()
    segment_group = models.CharField(max_length=5, choices=SegmentGroup.choices)
    workers = models.PositiveBigIntegerField()
    source = models.CharField(max_length=120)

    class Meta:
        managed = False
        db_table = "coverage_latest_denominator"

    def __str__(self):
        return f"{self.region_id} {self.year} {self.segment_group}: {format_number(self.workers)}"
