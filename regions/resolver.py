"""Turning the codes and names written in a spreadsheet into regions within a user's scope.

Codes are exact; names are matched in their common variants ("Kab. Malang", "KABUPATEN MALANG",
"KAB MALANG", "Kota Malang") within the user's scope. A name that states its kind matches only
regions of that kind ("Kabupaten Malang" is never Kota Malang; a kecamatan may be written for a
distrik, the same unit), and a name that exists only outside the scope is reported as out of
scope, never written to a region of the scope that shares its base name.
"""

import re
import unicodedata

from django.utils.translation import gettext as _

from .models import Kind, Region
from .selectors import can_edit_region, regions_filter_editable

_PREFIXES = [
    # (pattern at the start of a name, kind hint); longest first.
    ("kabupaten administrasi", Kind.KABUPATEN),
    ("kota administrasi", Kind.KOTA),
    ("kabupaten", Kind.KABUPATEN),
    ("kab", Kind.KABUPATEN),
    ("kota", Kind.KOTA),
    ("provinsi", Kind.PROVINCE),
    ("prov", Kind.PROVINCE),
    ("kecamatan", Kind.KECAMATAN),
    ("kec", Kind.KECAMATAN),
    ("distrik", Kind.DISTRIK),
    ("kelurahan", Kind.KELURAHAN),
    ("kel", Kind.KELURAHAN),
    ("desa", Kind.DESA),
]
# One unit under two names: a kecamatan is called a distrik in Papua. Every other kind is its own:
# "Kota Malang" and "Kabupaten Malang" are two regions, never one for the other.
_SAME_UNIT = {Kind.DISTRIK: Kind.KECAMATAN}


def _unit(kind):
    return _SAME_UNIT.get(kind, kind)


def region_name_key(name) -> tuple[str | None, str]:
    """('kabupaten', 'malang') for "Kab. Malang", "KABUPATEN MALANG", "KAB MALANG"; (None, 'klojen')."""
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    text = re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()
    for prefix, kind in _PREFIXES:
        if text.startswith(prefix + " "):
            return kind, text[len(prefix) + 1 :].strip()
    return None, text


class RegionResolveError(ValueError):
    """A code or name that cannot be turned into one region the user may write (Indonesian message)."""


def region_label(region):
    return f"{region.code} {region.name}"


class RegionResolver:
    """Turns spreadsheet codes and names into regions within a user's scope.

    ``check`` is the scope decision (default ``regions.selectors.can_edit_region``): a region
    that exists but fails it is reported as out of scope, never silently skipped. Lookups are
    cached; ``prefetch(codes=...)`` loads many codes in one query.
    """

    def __init__(self, user, *, check=can_edit_region):
        self.user = user
        self.check = check
        self._by_code = {}
        self._name_index = None

    def prefetch(self, *, codes=()):
        wanted = {str(code).strip() for code in codes if code} - set(self._by_code)
        if wanted:
            for region in Region.objects.filter(code__in=wanted):
                self._by_code[region.code] = region
            for code in wanted - set(self._by_code):
                self._by_code[code] = None

    def resolve(self, code=None, name=None) -> Region:
        code = str(code or "").strip()
        if code:
            return self._resolve_code(code)
        if str(name or "").strip():
            return self._resolve_name(str(name).strip())
        raise RegionResolveError(_("Kode atau nama wilayah wajib diisi."))

    def _in_scope(self, region):
        if not self.check(self.user, region):
            raise RegionResolveError(
                _("Wilayah %(region)s di luar wilayah kewenangan Anda.") % {"region": region_label(region)}
            )
        return region

    def _resolve_code(self, code):
        if code not in self._by_code:
            self.prefetch(codes=[code])
        region = self._by_code.get(code)
        if region is None:
            if re.fullmatch(r"\d{4}(\d{2})?(\d{4})?", code):
                raise RegionResolveError(
                    _("Kode %(code)s bukan kode Kemendagri bertitik (contoh: 35.07); kode BPS tidak dipakai.")
                    % {"code": code}
                )
            raise RegionResolveError(_("Kode wilayah %(code)s tidak dikenal.") % {"code": code})
        return self._in_scope(region)

    def _scope_index(self):
        if self._name_index is None:
            index = {}
            queryset = regions_filter_editable(self.user, Region.objects.filter(is_active=True))
            for region in queryset.only("id", "code", "name", "level", "kind", "parent_id"):
                index.setdefault(region_name_key(region.name)[1], []).append(region)
            self._name_index = index
        return self._name_index

    @staticmethod
    def _narrow(candidates, kind):
        """The candidates of the kind the name states; a name without a prefix keeps them all."""
        if kind is None:
            return candidates
        return [region for region in candidates if _unit(region.kind) == _unit(kind)]

    def _resolve_name(self, name):
        kind, base = region_name_key(name)
        if not base:
            raise RegionResolveError(_("Nama wilayah %(name)s tidak dikenal.") % {"name": name})
        candidates = self._narrow(self._scope_index().get(base, []), kind)
        candidates = [region for region in candidates if self.check(self.user, region)]
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            listed = ", ".join(region_label(r) for r in sorted(candidates, key=lambda r: r.code)[:5])
            raise RegionResolveError(
                _("Nama wilayah %(name)s ambigu (%(candidates)s); isi kode_wilayah.")
                % {"name": name, "candidates": listed}
            )
        # Nothing of that name and kind in scope: if it exists elsewhere, say so (never write it there).
        elsewhere = self._narrow(
            [
                region
                for region in Region.objects.filter(is_active=True, name__icontains=base)
                if region_name_key(region.name)[1] == base and not self.check(self.user, region)
            ],
            kind,
        )
        if elsewhere:
            region = min(elsewhere, key=lambda r: (r.level, r.code))
            raise RegionResolveError(
                _("Wilayah %(region)s di luar wilayah kewenangan Anda.") % {"region": region_label(region)}
            )
        raise RegionResolveError(_("Nama wilayah %(name)s tidak dikenal.") % {"name": name})
