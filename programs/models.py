"""Protection programs, premium rates, packages, funding schemes and funded worker batches.

Money is Decimal (Rupiah), never float. Premium rates are data with validity dates: a month
is priced with the rate in force on its first day, so a rate change in the middle of a
year prices each month of a batch correctly (docs/FUNDING.md).
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from regions.models import Level, Region
from ucj_dashboard.formats import format_number, months_label
from ucj_dashboard.months import month_range, month_start, months_between

RUPIAH = Decimal("0.01")


class ProgramSegment(models.TextChoices):
    PU = "PU", _("Penerima Upah (PU)")
    BPU = "BPU", _("Bukan Penerima Upah (BPU)")


class RiskClass(models.IntegerChoices):
    """JKK risk classes for wage earners (PP 44/2015): 0,24% to 1,74% of wage."""

    SANGAT_RENDAH = 1, _("I - sangat rendah (0,24%)")
    RENDAH = 2, _("II - rendah (0,54%)")
    SEDANG = 3, _("III - sedang (0,89%)")
    TINGGI = 4, _("IV - tinggi (1,27%)")
    SANGAT_TINGGI = 5, _("V - sangat tinggi (1,74%)")


class RateBasis(models.TextChoices):
    FLAT = "flat", _("Nominal tetap (Rp per bulan)")
    WAGE = "wage", _("Persentase upah")
    INCOME = "income", _("Persentase penghasilan yang dilaporkan")


class Program(models.Model):
    """A BPJS Ketenagakerjaan protection program: JKK, JKM, JHT, JP, JKP."""

    code = models.CharField(_("kode"), max_length=5, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    for_pu = models.BooleanField(_("untuk PU"), default=True)
    for_bpu = models.BooleanField(_("untuk BPU"), default=True)
    description = models.TextField(_("keterangan"), blank=True)
    display_order = models.PositiveSmallIntegerField(_("urutan"), default=100)

    class Meta:
        verbose_name = _("program perlindungan")
        verbose_name_plural = _("program perlindungan")
        ordering = ["display_order", "code"]

    def __str__(self):
        return self.code


class PremiumRateQuerySet(models.QuerySet):
    def valid_on(self, day):
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))

    def overlapping(self, start, end):
        """Rates in force at any day of [start, end]."""
        return self.filter(Q(valid_from__lte=end), Q(valid_to__isnull=True) | Q(valid_to__gte=start))


class PremiumRate(models.Model):
    """The monthly premium of one program for one segment (and JKK risk class), over a period.

    The premium is a flat amount, or a percentage of the wage (PU) or of the declared income
    (BPU); the base is held between ``min_base`` and ``max_base`` when they are set (BPU JKK:
    1% of at least Rp1.000.000 = at least Rp10.000; JP: 3% of the wage up to the yearly cap).
    """

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="rates")
    segment = models.CharField(_("segmen"), max_length=3, choices=ProgramSegment.choices)
    risk_class = models.PositiveSmallIntegerField(
        _("kelas risiko"), choices=RiskClass.choices, null=True, blank=True, help_text=_("Hanya JKK untuk PU.")
    )
    basis = models.CharField(_("dasar perhitungan"), max_length=6, choices=RateBasis.choices)
    amount = models.DecimalField(
        _("nominal (Rp/bulan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Untuk tarif tetap."),
    )
    percent = models.DecimalField(_("persentase (%)"), max_digits=6, decimal_places=4, null=True, blank=True)
    min_base = models.DecimalField(
        _("dasar minimum (Rp)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Upah/penghasilan terendah yang dipakai; BPU: Rp1.000.000 (iuran JKK minimum Rp10.000)."),
    )
    max_base = models.DecimalField(
        _("dasar maksimum (Rp)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Batas atas upah, misalnya batas upah JP yang ditetapkan tiap tahun."),
    )
    valid_from = models.DateField(_("berlaku mulai"))
    valid_to = models.DateField(_("berlaku sampai"), null=True, blank=True)
    legal_basis = models.CharField(_("dasar hukum"), max_length=200, blank=True)
    history = HistoricalRecords()

    objects = PremiumRateQuerySet.as_manager()

    class Meta:
        verbose_name = _("tarif iuran")
        verbose_name_plural = _("tarif iuran")
        ordering = ["program__display_order", "segment", "risk_class", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="premium_rate_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(basis=RateBasis.FLAT, amount__isnull=False)
                | Q(basis__in=[RateBasis.WAGE, RateBasis.INCOME], percent__isnull=False),
                name="premium_rate_has_value",
            ),
        ]

    def __str__(self):
        risk = f" {self.get_risk_class_display()}" if self.risk_class else ""
        return f"{self.program} {self.segment}{risk} ({self.valid_from:%Y-%m-%d})"

    def clean(self):
        if self.basis == RateBasis.FLAT and self.amount is None:
            raise ValidationError({"amount": _("Tarif tetap memerlukan nominal.")})
        if self.basis in (RateBasis.WAGE, RateBasis.INCOME) and self.percent is None:
            raise ValidationError({"percent": _("Tarif persentase memerlukan persentase.")})
        if self.min_base is not None and self.max_base is not None and self.min_base > self.max_base:
            raise ValidationError({"max_base": _("Dasar maksimum lebih kecil dari dasar minimum.")})
        if self.valid_to is not None and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("Tanggal akhir sebelum tanggal mulai.")})
        if self.program_id and self.valid_from:
            same = PremiumRate.objects.filter(
                program_id=self.program_id, segment=self.segment, risk_class=self.risk_class
            ).exclude(pk=self.pk)
            if self.pk is None:
                # premium_rate_add() ends the open-ended rate this one replaces.
                same = same.exclude(valid_to__isnull=True, valid_from__lt=self.valid_from)
            far_future = date(9999, 12, 31)
            if same.overlapping(self.valid_from, self.valid_to or far_future).exists():
                raise ValidationError(
                    _("Masa berlaku tarif ini tumpang tindih dengan tarif lain untuk program yang sama.")
                )

    def premium_for(self, base) -> Decimal:
        """Monthly premium for one worker whose wage or declared income is ``base`` (Rupiah)."""
        if self.basis == RateBasis.FLAT:
            return Decimal(self.amount).quantize(RUPIAH, rounding=ROUND_HALF_UP)
        base = Decimal(base or 0)
        if self.min_base is not None:
            base = max(base, self.min_base)
        if self.max_base is not None:
            base = min(base, self.max_base)
        return (base * self.percent / 100).quantize(RUPIAH, rounding=ROUND_HALF_UP)


class Package(models.Model):
    """A set of programs bought together per worker per month, e.g. JKK + JKM for BPU.

    Its premium in a month is the sum of its programs' rates in force on the first day of that
    month, applied to ``declared_base``: JKK + JKM on Rp1.000.000 = Rp16.800; with JHT Rp36.800.
    """

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    segment = models.CharField(_("segmen"), max_length=3, choices=ProgramSegment.choices, default=ProgramSegment.BPU)
    programs = models.ManyToManyField(Program, verbose_name=_("program"), related_name="packages")
    declared_base = models.DecimalField(
        _("upah/penghasilan dasar (Rp)"), max_digits=14, decimal_places=2, default=Decimal("1000000")
    )
    risk_class = models.PositiveSmallIntegerField(
        _("kelas risiko JKK"), choices=RiskClass.choices, null=True, blank=True, help_text=_("Hanya paket PU.")
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    description = models.TextField(_("keterangan"), blank=True)
    display_order = models.PositiveSmallIntegerField(_("urutan"), default=100)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("paket perlindungan")
        verbose_name_plural = _("paket perlindungan")
        ordering = ["display_order", "name"]

    def __str__(self):
        return self.name


class FundingScheme(models.Model):
    """Who pays the premiums of vulnerable workers (APBD, DBHCHT, DBH Sawit, ADD...).

    ``legal_basis`` holds what the scheme rests on every year (APBD: Inpres 2/2021, SE Mendagri
    842.2/5193/SJ); what changes by fiscal year (APBD: the yearly Permendagri on APBD guidelines,
    15/2024 for APBD 2025) is a ``SchemeYearBasis`` row. A simulation or an export cites both.
    """

    code = models.SlugField(_("kode"), max_length=30, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    legal_basis = models.TextField(
        _("dasar hukum"), blank=True, help_text=_("Yang berlaku setiap tahun; yang tahunan dicatat per tahun anggaran.")
    )
    description = models.TextField(_("keterangan"), blank=True)
    display_order = models.PositiveSmallIntegerField(_("urutan"), default=100)

    class Meta:
        verbose_name = _("skema pendanaan")
        verbose_name_plural = _("skema pendanaan")
        ordering = ["display_order", "name"]

    def __str__(self):
        return self.name


class SchemeYearBasis(models.Model):
    """The regulation a funding scheme rests on for one fiscal year, e.g. APBD 2025: Permendagri
    15/2024 tentang Pedoman Penyusunan APBD Tahun Anggaran 2025."""

    scheme = models.ForeignKey(
        FundingScheme, verbose_name=_("skema pendanaan"), on_delete=models.CASCADE, related_name="year_bases"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("tahun anggaran"))
    legal_basis = models.CharField(_("dasar hukum tahunan"), max_length=300)

    class Meta:
        verbose_name = _("dasar hukum tahunan")
        verbose_name_plural = _("dasar hukum tahunan")
        ordering = ["scheme__display_order", "-fiscal_year"]
        constraints = [models.UniqueConstraint(fields=["scheme", "fiscal_year"], name="scheme_one_basis_per_year")]

    def __str__(self):
        return f"{self.scheme} {self.fiscal_year}: {self.legal_basis}"


class WorkerCategory(models.Model):
    """A group of workers whose premiums are funded (perangkat desa, marbot, petani sawit...)."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    description = models.TextField(_("keterangan"), blank=True)
    display_order = models.PositiveSmallIntegerField(_("urutan"), default=100)

    class Meta:
        verbose_name = _("kategori pekerja")
        verbose_name_plural = _("kategori pekerja")
        ordering = ["display_order", "name"]

    def __str__(self):
        return self.name


class BatchStatus(models.TextChoices):
    PLANNED = "planned", _("Direncanakan")
    ACTIVE = "active", _("Aktif")
    ENDED = "ended", _("Selesai")


# Statuses whose workers count as active BPU participants within their months.
COUNTED_BATCH_STATUSES = (BatchStatus.ACTIVE, BatchStatus.ENDED)
# JKM pays the full death benefit (Rp42 juta) only after this many months of membership.
JKM_FULL_BENEFIT_MONTHS = 3


class FundedBatchQuerySet(models.QuerySet):
    def counted(self):
        return self.filter(status__in=COUNTED_BATCH_STATUSES)

    def active_in(self, period):
        return self.filter(start_month__lte=period, end_month__gte=period)

    def within(self, region):
        """Batches of ``region`` and its subtree (a code's prefix is its ancestry)."""
        if region.level == Level.NATIONAL:
            return self
        return self.filter(Q(region__code=region.code) | Q(region__code__startswith=f"{region.code}."))


class FundedBatch(models.Model):
    """Workers of one category whose premiums one scheme pays for some months.

    How batches meet the reported counts, so that nothing is counted twice (docs/FUNDING.md):
    the BPU participant counts reported for a region (by BPJS or by the Pemda) EXCLUDE the
    workers paid by the Pemda-funded batches recorded here. The coverage engine adds the
    workers of every batch whose status is active or ended to the region's active BPU
    participants for each month from ``start_month`` to ``end_month`` inclusive (and shows
    the sum as ``Snapshot.active_funded``). Operators therefore record a funded enrolment as
    a batch, never in the BPU count. Planned batches never count.

    ``cost`` is workers x the package premium in force in each month, summed over the months;
    it is kept up to date by ``programs.services`` (also when a rate is corrected).
    """

    # What forms and services may set; cost and timestamps are derived.
    EDITABLE_FIELDS = ["region", "scheme", "category", "workers", "target_population", "package", "start_month",
                       "end_month", "fiscal_year", "status", "reference", "note"]  # fmt: skip

    region = models.ForeignKey(
        Region, verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="funded_batches"
    )
    scheme = models.ForeignKey(
        FundingScheme, verbose_name=_("skema pendanaan"), on_delete=models.PROTECT, related_name="batches"
    )
    category = models.ForeignKey(
        WorkerCategory, verbose_name=_("kategori pekerja"), on_delete=models.PROTECT, related_name="batches"
    )
    workers = models.PositiveIntegerField(_("jumlah pekerja"))
    target_population = models.PositiveIntegerField(
        _("sasaran"),
        null=True,
        blank=True,
        help_text=_(
            "Opsional: jumlah pekerja yang menjadi sasaran program (mis. seluruh pekerja rentan yang didata); "
            "realisasi = jumlah pekerja / sasaran."
        ),
    )
    package = models.ForeignKey(Package, verbose_name=_("paket"), on_delete=models.PROTECT, related_name="batches")
    start_month = models.DateField(_("bulan mulai"), help_text=_("Hari pertama bulan."))
    end_month = models.DateField(_("bulan akhir"), help_text=_("Hari pertama bulan terakhir (termasuk)."))
    fiscal_year = models.PositiveSmallIntegerField(_("tahun anggaran"))
    status = models.CharField(_("status"), max_length=8, choices=BatchStatus.choices, default=BatchStatus.PLANNED)
    reference = models.CharField(
        _("referensi"), max_length=120, blank=True, help_text=_("Nomor SK, DPA atau perjanjian kerja sama.")
    )
    note = models.TextField(_("catatan"), blank=True)
    cost = models.DecimalField(_("biaya iuran (Rp)"), max_digits=18, decimal_places=2, default=Decimal(0))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)
    history = HistoricalRecords()

    objects = FundedBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("batch pekerja didanai")
        verbose_name_plural = _("batch pekerja didanai")
        ordering = ["-fiscal_year", "region__code", "start_month"]
        constraints = [
            models.CheckConstraint(condition=Q(end_month__gte=models.F("start_month")), name="batch_month_range"),
            models.CheckConstraint(condition=Q(workers__gt=0), name="batch_has_workers"),
            models.CheckConstraint(
                condition=Q(target_population__isnull=True) | Q(target_population__gte=models.F("workers")),
                name="batch_target_population_covers_workers",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "start_month", "end_month"], name="batch_status_months"),
            models.Index(fields=["region", "fiscal_year"], name="batch_region_year"),
        ]

    def __str__(self):
        return f"{self.region.name} {self.scheme} {self.category}: {format_number(self.workers)} ({self.months_label})"

    @property
    def months_label(self) -> str:
        """The batch's months the Indonesian way: "Maret–November 2026"."""
        return months_label(self.start_month, self.end_month)

    @property
    def realisation_percent(self) -> float | None:
        """Workers as a percentage of the target population (sasaran); None without a sasaran."""
        if not self.target_population or self.workers is None:
            return None
        return self.workers * 100 / self.target_population

    @property
    def months(self) -> int:
        return months_between(self.start_month, self.end_month)

    @property
    def is_counted(self) -> bool:
        return self.status in COUNTED_BATCH_STATUSES

    @property
    def is_short(self) -> bool:
        return self.months < JKM_FULL_BENEFIT_MONTHS

    def covered_months(self) -> list[date]:
        return month_range(self.start_month, self.end_month)

    def clean(self):
        errors = {}
        for name in ("start_month", "end_month"):
            value = getattr(self, name)
            if value is not None and value.day != 1:
                setattr(self, name, month_start(value))
        if self.start_month and self.end_month and self.end_month < self.start_month:
            errors["end_month"] = _("Bulan akhir sebelum bulan mulai.")
        if self.start_month and not self.fiscal_year:
            self.fiscal_year = self.start_month.year
        if (
            self.start_month
            and self.end_month
            and self.fiscal_year
            and not (self.start_month.year <= self.fiscal_year <= self.end_month.year)
        ):
            errors["fiscal_year"] = _("Tahun anggaran harus mencakup bulan mulai atau bulan akhir.")
        if self.target_population is not None and self.workers and self.target_population < self.workers:
            errors["target_population"] = _(
                "Sasaran (%(target)s) lebih kecil dari jumlah pekerja (%(workers)s): sasaran mencakup semua "
                "pekerja yang didanai."
            ) % {"target": format_number(self.target_population), "workers": format_number(self.workers)}
        if self.region_id and self.region.level == Level.NATIONAL:
            errors["region"] = _("Batch dicatat pada provinsi, kabupaten/kota, kecamatan atau desa.")
        if self.package_id and self.package.segment != ProgramSegment.BPU:
            # The engine adds batches to the BPU segment; a PU package would land in the wrong one.
            errors["package"] = _("Batch pekerja rentan memakai paket BPU.")
        if not errors and self.package_id and self.start_month and self.end_month:
            from .selectors import PricingError, package_premiums

            try:
                package_premiums(package=self.package, start_month=self.start_month, end_month=self.end_month)
            except PricingError as exc:
                errors["package"] = exc.messages
        if errors:
            raise ValidationError(errors)


# --- the Inpres 2/2021 commitment register -----------------------------------------------------


class RegulationKind(models.TextChoices):
    PERKADA = "perkada", _("Perkada (Pergub/Perbup/Perwali)")
    PERDA = "perda", _("Perda")
    SE = "se", _("Surat Edaran")
    INSTRUCTION = "instruksi", _("Instruksi kepala daerah")
    DECREE = "keputusan", _("Keputusan kepala daerah")


class Regulation(models.Model):
    """A regulation a Pemda issued to carry out Inpres 2/2021 (optimising the BPJS Ketenagakerjaan
    programmes): a Perkada, a Perda, a circular... with its number and date, the worker groups it
    covers and the funded batches it rests on. Read in the Paritrana interviews and Monev UCJ."""

    region = models.ForeignKey(Region, verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("jenis"), max_length=10, choices=RegulationKind.choices)
    number = models.CharField(_("nomor"), max_length=100, help_text=_('Misalnya "Perwali Kota Malang 12/2024".'))
    issued_on = models.DateField(_("tanggal terbit"))
    title = models.CharField(_("tentang"), max_length=300)
    categories = models.ManyToManyField(WorkerCategory, verbose_name=_("kelompok pekerja"), blank=True,
                                        related_name="+")  # fmt: skip
    batches = models.ManyToManyField(FundedBatch, verbose_name=_("batch didanai"), blank=True,
                                     related_name="regulations")  # fmt: skip
    note = models.TextField(_("catatan pelaksanaan"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[categories, batches])

    class Meta:
        verbose_name = _("regulasi daerah (Inpres 2/2021)")
        verbose_name_plural = _("regulasi daerah (Inpres 2/2021)")
        ordering = ["region__code", "-issued_on", "number"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number} ({self.issued_on:%Y-%m-%d})"


class Allocation(models.Model):
    """Budget a Pemda (APBD) or its villages (APBDes) set aside in a fiscal year for the premiums of
    vulnerable workers, the groups it is for and the funded batches it paid; realisation = the cost
    of those batches / the amount."""

    region = models.ForeignKey(Region, verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField(_("tahun anggaran"))
    scheme = models.ForeignKey(FundingScheme, verbose_name=_("skema pendanaan"), on_delete=models.PROTECT,
                               related_name="+")  # fmt: skip
    amount = models.DecimalField(_("alokasi (Rp)"), max_digits=18, decimal_places=2)
    workers = models.PositiveIntegerField(_("pekerja direncanakan"), null=True, blank=True)
    regulation = models.ForeignKey(Regulation, verbose_name=_("dasar regulasi"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="allocations")  # fmt: skip
    categories = models.ManyToManyField(WorkerCategory, verbose_name=_("kelompok pekerja"), blank=True,
                                        related_name="+")  # fmt: skip
    batches = models.ManyToManyField(FundedBatch, verbose_name=_("batch didanai"), blank=True,
                                     related_name="allocations")  # fmt: skip
    reference = models.CharField(_("referensi"), max_length=120, blank=True, help_text=_("Nomor DPA atau APBDes."))
    note = models.TextField(_("catatan"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[categories, batches])

    class Meta:
        verbose_name = _("alokasi anggaran (Inpres 2/2021)")
        verbose_name_plural = _("alokasi anggaran (Inpres 2/2021)")
        ordering = ["region__code", "-fiscal_year", "scheme__display_order"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive")]

    def __str__(self):
        return f"{self.region.name} {self.scheme} TA {self.fiscal_year}: Rp{format_number(self.amount)}"


class DossierNote(models.Model):
    """The Pemda's own narrative of a calendar year for the Paritrana award file and the Monev UCJ
    meetings, printed in the dossier (and editable again in its DOCX)."""

    region = models.ForeignKey(Region, verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("tahun"))
    summary = models.TextField(_("ringkasan capaian"), blank=True)
    implementation = models.TextField(_("pelaksanaan regulasi"), blank=True)
    obstacles = models.TextField(_("kendala"), blank=True)
    recommendations = models.TextField(_("rekomendasi dan tindak lanjut"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("diperbarui oleh"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")  # fmt: skip
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)
    history = HistoricalRecords()

    SECTIONS = ("summary", "implementation", "obstacles", "recommendations")

    class Meta:
        verbose_name = _("catatan dosir Pemda")
        verbose_name_plural = _("catatan dosir Pemda")
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="dossier_note_once")]

    def __str__(self):
        return f"{self.region.name} {self.year}"
