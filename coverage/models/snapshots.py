"""What the engine writes: snapshots per region or office and month, their targets, the outbox."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from regions.models import Level, Office, Region

from .inputs import Category, TargetSeries


class SubjectLevel(models.IntegerChoices):
    """Levels a snapshot can describe: the region tree and the BPJS office tree."""

    NATIONAL = Level.NATIONAL, _("Nasional")
    PROVINCE = Level.PROVINCE, _("Provinsi")
    REGENCY = Level.REGENCY, _("Kabupaten/Kota")
    DISTRICT = Level.DISTRICT, _("Kecamatan")
    VILLAGE = Level.VILLAGE, _("Desa/Kelurahan")
    KANWIL = 11, _("Kantor Wilayah")
    BRANCH = 12, _("Kantor Cabang")


class DenominatorBasis(models.TextChoices):
    OWN = "own", _("Penyebut wilayah sendiri")
    CHILDREN = "children", _("Jumlah wilayah di bawahnya")
    TERRITORY = "territory", _("Jumlah wilayah kerja")


class Snapshot(models.Model):
    """Computed coverage of one region or office for one month. Dashboards read only these.

    Rows are written only by ``coverage.engine`` in set-based SQL. While a month is open its
    rows are replaced on every recompute; closing the month publishes them (frozen). A later
    correction adds a new revision (``revision`` + 1, shown as revised) and the published
    one stays; ``is_current`` marks the row dashboards show.

    A region that did not report a month carries its latest reported figure for up to
    ``CoverageSettings.carry_months`` months (``is_carried``, ``carried_from``): it counts in its
    ancestors' sums so that a partial month stays comparable, but it is never ranked. The
    ``units_*`` columns say how complete the month is below the subject (docs/RULES.md).
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
    # The source of the region's own denominator (e.g. "Sakernas Agustus 2024"); empty when the
    # denominator is a sum (``denominator_basis``). Labels are translated when shown, never stored.
    denominator_source = models.CharField(max_length=200, blank=True)
    denominator_basis = models.CharField(max_length=9, choices=DenominatorBasis.choices, blank=True)

    # Carried forward from ``carried_from`` (the region did not report this month).
    is_carried = models.BooleanField(_("angka bulan sebelumnya"), default=False)
    carried_from = models.DateField(null=True)
    # Completeness: reporting units (kab/kota for provinces, the nation and offices; the subject
    # itself for kab/kota and kecamatan) that should report, did report, and were carried.
    units_expected = models.PositiveIntegerField(null=True)
    units_reported = models.PositiveIntegerField(null=True)
    units_carried = models.PositiveIntegerField(null=True)

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
    # Changes against the previous month (mom) and the same month a year earlier (yoy): coverage in
    # percentage points (total, PU, BPU) and participants in percent (growth) by segment.
    delta_mom_pp = models.FloatField(null=True)
    delta_yoy_pp = models.FloatField(null=True)
    delta_mom_pp_pu = models.FloatField(null=True)
    delta_yoy_pp_pu = models.FloatField(null=True)
    delta_mom_pp_bpu = models.FloatField(null=True)
    delta_yoy_pp_bpu = models.FloatField(null=True)
    growth_mom_total = models.FloatField(null=True)
    growth_yoy_total = models.FloatField(null=True)
    growth_mom_pu = models.FloatField(null=True)
    growth_yoy_pu = models.FloatField(null=True)
    growth_mom_bpu = models.FloatField(null=True)
    growth_yoy_bpu = models.FloatField(null=True)
    growth_mom_jakon = models.FloatField(null=True)
    growth_yoy_jakon = models.FloatField(null=True)
    growth_mom_pmi = models.FloatField(null=True)
    growth_yoy_pmi = models.FloatField(null=True)

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


class FundedWorkers(models.Model):
    """Workers whose premiums a Pemda pays, by region and month: what the engine adds to BPU.

    coverage owns this table; the apps that fund workers (programs' funded batches) hand their
    workers to the engine through ``coverage.engine.funded_workers_replace``, never by the engine
    reading their tables. ``reference`` names the source row ("programs.fundedbatch:17").
    Funded workers count only on top of a base of counts (reported or carried): a region-month
    with funded workers and no counts has no figure.
    """

    reference = models.CharField(max_length=60)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    period = models.DateField()
    workers = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reference", "period"], name="funded_one_per_month")]
        indexes = [models.Index(fields=["period", "region"], name="funded_period_region")]

    def __str__(self):
        return f"{self.reference} {self.period:%Y-%m}: {self.workers}"


class SnapshotVersion(models.Model):
    """Versions the engine bumps when it writes snapshots, one row per scope: "all", "period:2025-06",
    "region:35" (a province's subtree; "region:ID" the national row), "office:KW-JATIM" (a Kanwil and
    its branches). Caches key on the versions of the scopes they read, so every process (web, worker,
    a command run by hand; Redis or not) sees a recompute at once, and a change invalidates only the
    pages that read what changed."""

    scope = models.CharField(max_length=40, unique=True)
    version = models.BigIntegerField(default=1)

    def __str__(self):
        return f"{self.scope}: {self.version}"
