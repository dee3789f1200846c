"""The approval chain of Pemda counts, configured by admins, and the decisions taken along it.

No configured level = today's single-level flow: the branch verifier verifies (docs/ENTRY.md).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from regions.models import Level, Region


class ApprovalActor(models.TextChoices):
    """Who acts at a level, and where: a Pemda head within their region, a branch verifier within the
    branch's territory, a Kanwil (a branch head assigned to a Kantor Wilayah) within its branches'."""

    PEMDA_HEAD = "pemda_head", _("Pimpinan Pemda (Kepala Dinas)")
    VERIFIER = "verifier", _("Verifikator cabang")
    KANWIL = "kanwil", _("Kantor Wilayah")


class ApprovalLevel(models.Model):
    """One level of the approval chain. The levels of a province (when it has any) form its chain,
    the levels without a province the chain of every other province; the last level of a chain
    verifies. A region with no chain follows the default: the branch verifier verifies."""

    province = models.ForeignKey(
        Region,
        verbose_name=_("provinsi"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"level": Level.PROVINCE},
        help_text=_("Kosong = berlaku untuk semua provinsi yang tidak memiliki rantai sendiri."),
    )
    order = models.PositiveSmallIntegerField(_("urutan"), help_text=_("Tingkat 1 memutuskan lebih dulu."))
    code = models.SlugField(_("kode"), max_length=30)
    name = models.CharField(_("nama"), max_length=80, help_text=_('Misalnya "Kepala Dinas".'))
    actor = models.CharField(_("yang memutuskan"), max_length=12, choices=ApprovalActor.choices)
    is_active = models.BooleanField(_("aktif"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tingkat persetujuan")
        verbose_name_plural = _("tingkat persetujuan")
        ordering = ["province__code", "order"]
        constraints = [
            models.UniqueConstraint(fields=["province", "order"], name="approval_level_order", nulls_distinct=False),
            models.UniqueConstraint(fields=["province", "code"], name="approval_level_code", nulls_distinct=False),
            models.CheckConstraint(condition=Q(order__gte=1), name="approval_level_order_positive"),
        ]

    def __str__(self):
        where = self.province.name if self.province_id else _("semua provinsi")
        return f"{self.order}. {self.name} ({where})"

    def clean(self):
        if self.province_id and self.province.level != Level.PROVINCE:
            raise ValidationError({"province": _("Rantai persetujuan ditetapkan per provinsi.")})


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", _("Disetujui")
    VERIFIED = "verified", _("Diverifikasi")
    RETURNED = "returned", _("Dikembalikan")


class CountApproval(models.Model):
    """A decision on a count at one level: who, when, what, and the count's version right after it
    (its history row holds the values the decider saw, so a resubmission shows what changed)."""

    count = models.ForeignKey(
        "coverage.ParticipantCount", verbose_name=_("angka"), on_delete=models.CASCADE, related_name="approvals"
    )
    level = models.ForeignKey(
        ApprovalLevel, verbose_name=_("tingkat"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    level_order = models.PositiveSmallIntegerField(_("urutan tingkat"))
    level_name = models.CharField(_("nama tingkat"), max_length=80)
    decision = models.CharField(_("keputusan"), max_length=8, choices=ApprovalDecision.choices)
    reason = models.TextField(_("alasan"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("oleh"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("pada"))
    count_version = models.PositiveIntegerField(_("versi angka"))

    class Meta:
        verbose_name = _("keputusan persetujuan")
        verbose_name_plural = _("keputusan persetujuan")
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["count", "-decided_at"], name="approval_count_latest")]

    def __str__(self):
        return f"{self.count_id} {self.level_name}: {self.get_decision_display()}"
