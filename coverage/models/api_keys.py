"""API keys: how another system (a Pemda's information system, a BPJS data warehouse) reads the API
and submits counts without a browser session (docs/API.md, "Authentication")."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regions.models import Office, Region


class APIKey(models.Model):
    """One system's key. Only the SHA-256 of the key is stored: the key itself is shown once, when it
    is made (admin), and cannot be read back. ``prefix`` (the key's first characters) names the key
    in lists and logs without revealing it.

    The key acts as ``user``: that account's roles decide what it may write (the entry services'
    scope rules), and the key's scope (one region's subtree, or one office's territory) narrows it
    further. Aggregate figures are readable by every valid key, as by every signed-in user.
    """

    name = models.CharField(_("nama"), max_length=100, help_text=_("Sistem yang memakai kunci ini."))
    prefix = models.CharField(_("awalan"), max_length=12, unique=True, editable=False)
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bertindak sebagai"),
        on_delete=models.PROTECT,
        related_name="api_keys",
        help_text=_("Akun yang perannya menentukan hak tulis kunci ini; tercatat di riwayat perubahan."),
    )
    region = models.ForeignKey(
        Region, verbose_name=_("lingkup wilayah"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    office = models.ForeignKey(
        Office, verbose_name=_("lingkup kantor"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    can_write = models.BooleanField(_("boleh mengirim data"), default=False)
    expires_at = models.DateTimeField(_("berlaku sampai"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut pada"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("kunci API")
        verbose_name_plural = _("kunci API")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(region__isnull=False, office__isnull=True) | Q(region__isnull=True, office__isnull=False),
                name="api_key_one_scope",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    def is_expired(self, now=None):
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())
