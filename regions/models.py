"""The two trees the product stands on: Kemendagri's government regions and BPJS TK's offices.

Also the employed-population denominators (BPS Sakernas) and the users' roles, which are
scoped to a region (Pemda operators) or an office (branch heads, verifiers).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ucj_dashboard.formats import format_number

CURRENT_DECREE = "Kepmendagri 300.2.2-2138/2025"
NATIONAL_CODE = "ID"


class Level(models.IntegerChoices):
    NATIONAL = 0, _("Nasional")
    PROVINCE = 1, _("Provinsi")
    REGENCY = 2, _("Kabupaten/Kota")
    DISTRICT = 3, _("Kecamatan")
    VILLAGE = 4, _("Desa/Kelurahan")


class Kind(models.TextChoices):
    NATIONAL = "negara", _("Negara")
    PROVINCE = "provinsi", _("Provinsi")
    KABUPATEN = "kabupaten", _("Kabupaten")
    KOTA = "kota", _("Kota")
    KECAMATAN = "kecamatan", _("Kecamatan")
    DISTRIK = "distrik", _("Distrik")
    DESA = "desa", _("Desa")
    KELURAHAN = "kelurahan", _("Kelurahan")
    DESA_ADAT = "desa_adat", _("Desa adat")


class RegionQuerySet(models.QuerySet):
    def at_level(self, level):
        return self.filter(level=level)

    def provinces(self):
        return self.filter(level=Level.PROVINCE)

    def regencies(self):
        return self.filter(level=Level.REGENCY)

    def within(self, code, include_self=True):
        """The subtree under ``code``: the code's prefix is its ancestry, so no recursion."""
        if code == NATIONAL_CODE:
            return self if include_self else self.exclude(code=NATIONAL_CODE)
        subtree = Q(code__startswith=f"{code}.")
        if include_self:
            subtree |= Q(code=code)
        return self.filter(subtree)


class Region(models.Model):
    """A Kemendagri region, keyed by its official dotted code (35.07.01.2001).

    Kemendagri codes are not BPS codes (3507010001): only dotted Kemendagri codes go here.
    The national root ("ID") is not in the decree; it exists so that national denominators,
    targets and snapshots hang off a region like every other level.
    """

    code = models.CharField(_("kode"), max_length=13, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    level = models.PositiveSmallIntegerField(_("tingkat"), choices=Level.choices)
    kind = models.CharField(_("jenis"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("induk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    decree = models.CharField(_("dasar hukum"), max_length=60, default=CURRENT_DECREE)
    is_active = models.BooleanField(
        _("aktif"),
        default=True,
        help_text=_("Wilayah yang hilang dari keputusan terbaru tetapi sudah memiliki data."),
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")
        ordering = ["code"]
        indexes = [
            # LIKE 'prefix%' on PostgreSQL needs pattern ops (ignored elsewhere).
            models.Index(fields=["code"], name="region_code_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["level", "parent"], name="region_level_parent"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def ancestor_codes(self):
        """Codes of the ancestors, nearest last, national root first."""
        if self.code == NATIONAL_CODE:
            return []
        parts = self.code.split(".")
        return [NATIONAL_CODE] + [".".join(parts[:i]) for i in range(1, len(parts))]

    def ancestors(self):
        return Region.objects.filter(code__in=self.ancestor_codes).order_by("level")

    def is_within(self, other):
        """True if this region is ``other`` or lies in its subtree."""
        return other.code == NATIONAL_CODE or self.code == other.code or self.code.startswith(f"{other.code}.")


class OfficeKind(models.TextChoices):
    KANWIL = "kanwil", _("Kantor Wilayah")
    BRANCH = "cabang", _("Kantor Cabang")


class Office(models.Model):
    """A BPJS Ketenagakerjaan office: a Kantor Wilayah (Kanwil) or a Kantor Cabang (branch)."""

    code = models.CharField(_("kode"), max_length=20, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    kind = models.CharField(_("jenis"), max_length=10, choices=OfficeKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("kantor wilayah"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="branches",
        limit_choices_to={"kind": OfficeKind.KANWIL},
    )
    regions = models.ManyToManyField(Region, through="Territory", related_name="offices", blank=True)

    class Meta:
        verbose_name = _("kantor BPJS")
        verbose_name_plural = _("kantor BPJS")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind == OfficeKind.BRANCH and (self.parent_id is None or self.parent.kind != OfficeKind.KANWIL):
            raise ValidationError({"parent": _("Kantor cabang harus berada di bawah sebuah kantor wilayah.")})
        if self.kind == OfficeKind.KANWIL and self.parent_id is not None:
            raise ValidationError({"parent": _("Kantor wilayah tidak memiliki induk.")})


class TerritoryQuerySet(models.QuerySet):
    def valid_on(self, day):
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class Territory(models.Model):
    """A branch serves a kab/kota over a period; a territory change keeps history."""

    office = models.ForeignKey(
        Office,
        verbose_name=_("kantor cabang"),
        on_delete=models.CASCADE,
        related_name="territories",
        limit_choices_to={"kind": OfficeKind.BRANCH},
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("kabupaten/kota"),
        on_delete=models.PROTECT,
        related_name="territories",
        limit_choices_to={"level": Level.REGENCY},
    )
    valid_from = models.DateField(_("berlaku mulai"))
    valid_to = models.DateField(_("berlaku sampai"), null=True, blank=True)

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("wilayah kerja")
        verbose_name_plural = _("wilayah kerja")
        ordering = ["office", "region__code", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="territory_valid_range",
            )
        ]

    def __str__(self):
        return f"{self.office} - {self.region.name}"

    def clean(self):
        if self.office_id and self.office.kind != OfficeKind.BRANCH:
            raise ValidationError({"office": _("Wilayah kerja hanya untuk kantor cabang.")})
        if self.region_id and self.region.level != Level.REGENCY:
            raise ValidationError({"region": _("Wilayah kerja cabang adalah kabupaten/kota.")})
        if self.office_id and self.region_id and self.valid_from:
            overlapping = Territory.objects.filter(office=self.office, region=self.region).exclude(pk=self.pk)
            end = self.valid_to
            overlapping = overlapping.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from))
            if end is not None:
                overlapping = overlapping.filter(valid_from__lte=end)
            if overlapping.exists():
                raise ValidationError(_("Periode wilayah kerja ini tumpang tindih dengan periode lain."))


class SegmentGroup(models.TextChoices):
    TOTAL = "TOTAL", _("Total penduduk bekerja")
    PU = "PU", _("Penerima Upah (PU)")
    BPU = "BPU", _("Bukan Penerima Upah (BPU)")


class Denominator(models.Model):
    """Employed population ("penduduk bekerja", BPS Sakernas) of a region for one year.

    A revision adds a new row and keeps the old one: the latest row (by ``created_at``) for a
    region, year and segment group is the one in force.
    """

    region = models.ForeignKey(Region, verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="denominators")
    year = models.PositiveSmallIntegerField(_("tahun berlaku"))
    segment_group = models.CharField(_("kelompok"), max_length=5, choices=SegmentGroup.choices)
    workers = models.PositiveBigIntegerField(_("penduduk bekerja"))
    source = models.CharField(_("sumber"), max_length=120, help_text=_('Misalnya "Sakernas Agustus 2024".'))
    note = models.CharField(_("catatan revisi"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), null=True, blank=True, on_delete=models.SET_NULL
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("penyebut (penduduk bekerja)")
        verbose_name_plural = _("penyebut (penduduk bekerja)")
        ordering = ["region__code", "-year", "segment_group", "-created_at"]
        indexes = [models.Index(fields=["region", "year", "segment_group", "-created_at"], name="denominator_lookup")]
        constraints = [models.CheckConstraint(condition=Q(workers__gt=0), name="denominator_positive")]

    def __str__(self):
        return f"{self.region.name} {self.year} {self.segment_group}: {format_number(self.workers)} ({self.source})"


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    BRANCH_HEAD = "branch_head", _("Kepala kantor cabang")
    VERIFIER = "verifier", _("Verifikator cabang")
    OPERATOR = "operator", _("Operator Pemda")
    PEMDA_HEAD = "pemda_head", _("Pimpinan Pemda")


# Roles scoped to a region (the others, but admin, to an office).
REGION_ROLES = (Role.OPERATOR, Role.PEMDA_HEAD)


class UserRole(models.Model):
    """What a user may do, and where. Set by admins in Django admin.

    - branch head: reads the dashboards of an office (a branch, or a Kanwil's branches);
    - verifier: approves the counts of a branch's territory;
    - Pemda operator: enters counts for one region and its subtree;
    - Pemda head (Bupati/Wali Kota, Kepala Dinas): reads the dashboards and the dossier of one region
      and receives its monthly PDF; enters nothing.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="ucj_roles"
    )
    role = models.CharField(_("peran"), max_length=12, choices=Role.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("wilayah"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    office = models.ForeignKey(
        Office, verbose_name=_("kantor"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("peran pengguna")
        verbose_name_plural = _("peran pengguna")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region", "office"], name="userrole_unique"),
            models.CheckConstraint(
                condition=~Q(role__in=REGION_ROLES) | Q(region__isnull=False, office__isnull=True),
                name="userrole_operator_has_region",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=[Role.BRANCH_HEAD, Role.VERIFIER]) | Q(office__isnull=False, region__isnull=True),
                name="userrole_office_roles_have_office",
            ),
        ]

    def __str__(self):
        where = self.region or self.office or ""
        return f"{self.user} - {self.get_role_display()} {where}".strip()

    def clean(self):
        if self.role == Role.OPERATOR and (self.region_id is None or self.office_id is not None):
            raise ValidationError(_("Operator Pemda harus ditetapkan ke satu wilayah (tanpa kantor)."))
        if self.role == Role.PEMDA_HEAD and (self.region_id is None or self.office_id is not None):
            raise ValidationError(_("Pimpinan Pemda harus ditetapkan ke satu wilayah (tanpa kantor)."))
        if self.role in (Role.BRANCH_HEAD, Role.VERIFIER) and (self.office_id is None or self.region_id is not None):
            raise ValidationError(_("Kepala cabang dan verifikator harus ditetapkan ke satu kantor (tanpa wilayah)."))
        if self.role == Role.VERIFIER and self.office_id and self.office.kind != OfficeKind.BRANCH:
            raise ValidationError({"office": _("Verifikator ditetapkan ke kantor cabang.")})
        if self.role == Role.ADMIN and (self.region_id or self.office_id):
            raise ValidationError(_("Admin tidak dibatasi wilayah atau kantor."))


class NotificationEvent(models.TextChoices):
    SUBMITTED = "submitted", _("Data diajukan")
    RETURNED = "returned", _("Data dikembalikan")
    VERIFIED = "verified", _("Data diverifikasi")
    MONTH_CLOSED = "month_closed", _("Periode ditutup")
    MONTH_REOPENED = "month_reopened", _("Periode dibuka kembali")


class Notification(models.Model):
    """A message to one user about the workflow: the in-app inbox is these rows; the other channels
    (e-mail, a webhook such as a WhatsApp Business gateway) deliver them (``regions.notifications``).

    Title and body are written in the product's language (Indonesian) when the event happens.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="ucj_notifications"
    )
    event = models.CharField(_("peristiwa"), max_length=20, choices=NotificationEvent.choices)
    title = models.CharField(_("judul"), max_length=200)
    body = models.TextField(_("isi"), blank=True)
    url = models.CharField(_("tautan"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    read_at = models.DateTimeField(_("dibaca"), null=True, blank=True)

    class Meta:
        verbose_name = _("notifikasi")
        verbose_name_plural = _("notifikasi")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self):
        return f"{self.user} {self.get_event_display()}: {self.title}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu")
    SENT = "sent", _("Terkirim")
    FAILED = "failed", _("Gagal")


class NotificationDelivery(models.Model):
    """One notification through one channel other than the inbox (e-mail, webhook), with its attempts."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("kanal"), max_length=20)
    status = models.CharField(_("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    last_error = models.TextField(_("galat terakhir"), blank=True)
    sent_at = models.DateTimeField(_("terkirim"), null=True, blank=True)

    class Meta:
        verbose_name = _("pengiriman notifikasi")
        verbose_name_plural = _("pengiriman notifikasi")
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="delivery_one_per_channel")]

    def __str__(self):
        return f"{self.notification_id} {self.channel}: {self.status}"


class PeerGroup(models.Model):
    """Regions compared with each other in the league table, set by an admin: a fiscal-capacity class
    (Kemenkeu's Peta Kapasitas Fiskal Daerah), an island group, the regions of a programme.

    The kinds of kab/kota (kota against kota, kabupaten against kabupaten) need no group: the league
    table offers them from ``Region.kind``.
    """

    code = models.SlugField(
        _("kode"), max_length=40, unique=True, help_text=_("Dipakai di alamat tabel peringkat (?kelompok=...).")
    )
    name = models.CharField(_("nama"), max_length=120)
    description = models.TextField(_("keterangan"), blank=True, help_text=_("Dasar pengelompokan dan sumbernya."))
    regions = models.ManyToManyField(Region, verbose_name=_("wilayah"), related_name="peer_groups", blank=True)
    display_order = models.PositiveSmallIntegerField(_("urutan"), default=100)

    class Meta:
        verbose_name = _("kelompok sebanding")
        verbose_name_plural = _("kelompok sebanding")
        ordering = ["display_order", "name"]

    def __str__(self):
        return self.name


class JobStatus(models.TextChoices):
    RUNNING = "running", _("Berjalan")
    SUCCESS = "success", _("Berhasil")
    FAILURE = "failure", _("Gagal")
    RETRY = "retry", _("Diulang")


class JobRun(models.Model):
    """One run of a periodic or recompute task, written by ``regions.jobs`` from Celery's signals (in a
    worker and in-process alike): when it started and ended, how long it took, how it ended and why it
    failed. A run still "running" long after its start was cut off (worker killed, time limit)."""

    task = models.CharField(_("tugas"), max_length=200)
    periodic_task = models.CharField(_("jadwal"), max_length=200, blank=True)
    task_id = models.CharField(_("id tugas"), max_length=255, blank=True)
    worker = models.CharField(_("worker"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=JobStatus.choices, default=JobStatus.RUNNING)
    started_at = models.DateTimeField(_("mulai"))
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("durasi (ms)"), null=True, blank=True)
    error = models.TextField(_("galat"), blank=True)

    class Meta:
        verbose_name = _("jalannya tugas")
        verbose_name_plural = _("jalannya tugas")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["task", "-started_at"], name="jobrun_task_recent")]

    def __str__(self):
        return f"{self.task} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def duration_seconds(self):
        return None if self.duration_ms is None else self.duration_ms / 1000
