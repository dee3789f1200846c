"""API keys: making, revoking and checking them (the model is ``coverage.models.APIKey``).

A key is ``ucj_`` + 8 characters of prefix + ``_`` + 43 random characters (256 bits from
``secrets``). Only its SHA-256 is stored: a key this random needs no slow password hash, and the
lookup is by the digest, so the stored value never meets the presented one in a comparison.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from regions.models import Region, Territory

from ..models import APIKey

KEY_PREFIX = "ucj_"
# last_used_at is written at most this often per key: not one UPDATE per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class KeyRefused(Exception):
    """The presented key is unknown, revoked or expired; the message says which (a 401)."""


def _digest(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_create(*, name, user, region=None, office=None, can_write=False, expires_at=None, created_by=None):
    """Make a key and return ``(key, raw)``: ``raw`` is the only time the key is readable."""
    prefix = secrets.token_hex(4)
    raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = APIKey(
        name=name, user=user, region=region, office=office, can_write=can_write, expires_at=expires_at,
        prefix=prefix, hashed_key=_digest(raw), created_by=created_by,
    )  # fmt: skip
    key.full_clean(exclude=["prefix", "hashed_key"])
    key.save()
    return key, raw


def api_key_revoke(*, key, now=None):
    """Revoke ``key`` (from the next request on). Revoking twice keeps the first time."""
    if key.revoked_at is None:
        key.revoked_at = now or timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def api_key_authenticate(raw):
    """The key ``raw`` names, if it is usable; raises ``KeyRefused`` otherwise."""
    raw = (raw or "").strip()
    if not raw.startswith(KEY_PREFIX) or len(raw) > 100 or "\x00" in raw:
        raise KeyRefused(_("Kunci API tidak dikenal."))
    key = APIKey.objects.select_related("user", "region", "office").filter(hashed_key=_digest(raw)).first()
    if key is None:
        raise KeyRefused(_("Kunci API tidak dikenal."))
    now = timezone.now()
    if key.is_revoked:
        raise KeyRefused(_("Kunci API %(prefix)s sudah dicabut.") % {"prefix": key.prefix})
    if key.is_expired(now):
        raise KeyRefused(_("Kunci API %(prefix)s sudah kedaluwarsa.") % {"prefix": key.prefix})
    if not key.user.is_active:
        raise KeyRefused(_("Akun kunci API %(prefix)s tidak aktif.") % {"prefix": key.prefix})
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        APIKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def api_key_throttle(*, key, now=None):
    """Count one request of ``key`` in the current minute (Django's cache, shared by every process);
    returns the seconds to wait when the key is over settings.API_KEY_REQUESTS_PER_MINUTE, else 0."""
    limit = settings.API_KEY_REQUESTS_PER_MINUTE
    if not limit:
        return 0
    now = now or timezone.now()
    window = int(now.timestamp()) // 60
    cache_key = f"api-throttle:{key.pk}:{window}"
    # add() then incr(): atomic on Redis, so two processes never both take the last request.
    cache.add(cache_key, 0, timeout=120)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=120)
        used = 1
    if used > limit:
        return 60 - int(now.timestamp()) % 60
    return 0


def api_key_scope_codes(key):
    """The region codes whose subtrees ``key`` may write: its region, or its office's kab/kota (a
    Kanwil's: its branches' kab/kota) as served today."""
    if key.region_id:
        return [key.region.code]
    office = key.office
    territories = Territory.objects.valid_on(timezone.localdate())
    if office.parent_id:
        territories = territories.filter(office=office)
    else:
        territories = territories.filter(office__parent=office)
    return sorted(set(territories.values_list("region__code", flat=True)))


def api_key_may_write(*, key, region, scope_codes=None):
    """True if ``key`` may send data and ``region`` lies in its scope."""
    if not key.can_write:
        return False
    codes = api_key_scope_codes(key) if scope_codes is None else scope_codes
    return any(region.is_within(Region(code=code)) for code in codes)
