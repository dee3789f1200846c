"""Writes of the programs app. Views, forms, admin, importers and tasks all call these.

Every change to a funded batch schedules a coverage recompute of its region for all the
months whose coverage it changes (those it counted in before the change and those it counts
in after), in the same transaction: batches with status active or ended add their workers to
the region's active BPU participants; planned batches change nothing.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from coverage.engine import funded_workers_replace
from ucj_dashboard.months import month_range, month_start
from ucj_dashboard.spreadsheets import parse_period

from .models import (
    BatchStatus,
    FundedBatch,
    FundingScheme,
    Package,
    PremiumRate,
    Program,
    ProgramSegment,
    RateBasis,
    SchemeYearBasis,
    WorkerCategory,
)
from .selectors import budget_calculate, package_premiums

logger = logging.getLogger(__name__)

RECOMPUTE_REASON = "funded batch"


# --- funded batches ---


def _hand_to_engine(batch, *, deleted=False):
    """Tell the coverage engine which workers this batch adds in which months (none while planned
    or once deleted); the engine recomputes what changes."""
    counted = not deleted and batch.is_counted
    funded_workers_replace(
        reference=f"programs.fundedbatch:{batch.pk}",
        region=batch.region,
        months=batch.covered_months() if counted else [],
        workers=batch.workers if counted else 0,
        reason=RECOMPUTE_REASON,
    )


def _price(batch) -> Decimal:
    return budget_calculate(
        package=batch.package, workers=batch.workers, start_month=batch.start_month, end_month=batch.end_month
    ).total


@transaction.atomic
def funded_batch_save(*, batch: FundedBatch, user=None) -> FundedBatch:
    """Validate, price and save a new or changed batch, and hand its workers to the coverage engine.

    The engine recomputes the months the batch counted in before the change and those it counts
    in after it, for the old and the new region, so a shortened, moved or re-planned batch
    leaves nothing stale behind.
    """
    if batch.pk is not None:
        FundedBatch.objects.select_for_update().filter(pk=batch.pk).first()
    if batch.start_month and not batch.fiscal_year:
        batch.fiscal_year = batch.start_month.year
    batch.full_clean()
    batch.cost = _price(batch)
    if batch.pk is None and user is not None and user.is_authenticated:
        batch.created_by = user
    if user is not None and user.is_authenticated:
        batch._history_user = user
    batch.save()
    _hand_to_engine(batch)
    return batch


def funded_batch_create(
    *,
    region,
    scheme,
    category,
    workers,
    package,
    start_month,
    end_month,
    target_population=None,
    fiscal_year=None,
    status=BatchStatus.PLANNED,
    reference="",
    note="",
    user=None,
) -> FundedBatch:
    batch = FundedBatch(
        region=region,
        scheme=scheme,
        category=category,
        workers=workers,
        target_population=target_population,
        package=package,
        start_month=start_month,
        end_month=end_month,
        fiscal_year=fiscal_year,
        status=status,
        reference=reference,
        note=note,
    )
    return funded_batch_save(batch=batch, user=user)


def funded_batch_update(*, batch: FundedBatch, user=None, **changes) -> FundedBatch:
    unknown = set(changes) - set(FundedBatch.EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"funded_batch_update() got unexpected fields: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(batch, name, value)
    return funded_batch_save(batch=batch, user=user)


@transaction.atomic
def funded_batch_delete(*, batch: FundedBatch, user=None) -> None:
    locked = FundedBatch.objects.select_for_update().select_related("region").get(pk=batch.pk)
    if user is not None and user.is_authenticated:
        locked._history_user = user
    _hand_to_engine(locked, deleted=True)
    locked.delete()


def funded_batches_close_ended(*, today=None) -> int:
    """Mark active batches whose last month has passed as ended (coverage is unchanged)."""
    current = month_start(today or timezone.localdate())
    closed = 0
    for batch in FundedBatch.objects.filter(status=BatchStatus.ACTIVE, end_month__lt=current):
        batch.status = BatchStatus.ENDED
        batch.save(update_fields=["status", "updated_at"])
        closed += 1
    return closed


def funded_batches_reprice(*, batches) -> int:
    """Recompute the stored cost of ``batches`` (after a rate or package change).

    Each package is priced once over the span of its batches, not once per batch.
    """
    changed = []
    by_package = {}
    for batch in batches.select_related("package"):
        by_package.setdefault(batch.package_id, []).append(batch)
    for group in by_package.values():
        package = group[0].package
        start = min(b.start_month for b in group)
        end = max(b.end_month for b in group)
        premiums = package_premiums(package=package, start_month=start, end_month=end)
        for batch in group:
            cost = sum((premiums[m] for m in month_range(batch.start_month, batch.end_month)), Decimal(0))
            cost *= batch.workers
            if cost != batch.cost:
                batch.cost = cost
                changed.append(batch)
    FundedBatch.objects.bulk_update(changed, ["cost"])
    return len(changed)


# --- premium rates and packages ---


def _reprice_for_rate(*, program_id, start, end):
    batches = FundedBatch.objects.filter(package__programs__id=program_id, end_month__gte=month_start(start))
    if end is not None:
        batches = batches.filter(start_month__lte=end)
    return funded_batches_reprice(batches=batches.distinct())


@transaction.atomic
def premium_rate_add(*, rate: PremiumRate, user=None) -> PremiumRate:
    """Add a rate from ``valid_from`` on; the open-ended rate it replaces ends the day before."""
    if rate.valid_to is None:
        previous = (
            PremiumRate.objects.select_for_update()
            .filter(
                program_id=rate.program_id,
                segment=rate.segment,
                risk_class=rate.risk_class,
                valid_to__isnull=True,
                valid_from__lt=rate.valid_from,
            )
            .first()
        )
        if previous is not None:
            previous.valid_to = rate.valid_from - timedelta(days=1)
            previous.save(update_fields=["valid_to"])
    rate.full_clean()
    if user is not None and user.is_authenticated:
        rate._history_user = user
    rate.save()
    _reprice_for_rate(program_id=rate.program_id, start=rate.valid_from, end=rate.valid_to)
    return rate


@transaction.atomic
def premium_rate_save(*, rate: PremiumRate, user=None) -> PremiumRate:
    """Save a corrected rate and reprice the batches of the days it covered before and after."""
    previous = PremiumRate.objects.filter(pk=rate.pk).values("valid_from", "valid_to").first() if rate.pk else None
    rate.full_clean()
    if user is not None and user.is_authenticated:
        rate._history_user = user
    rate.save()
    starts = [rate.valid_from] + ([previous["valid_from"]] if previous else [])
    ends = [rate.valid_to] + ([previous["valid_to"]] if previous else [])
    _reprice_for_rate(program_id=rate.program_id, start=min(starts), end=None if None in ends else max(ends))
    return rate


def package_reprice(*, package: Package) -> int:
    return funded_batches_reprice(batches=FundedBatch.objects.filter(package=package))


# --- seed data (../shared/DOMAIN.md) ---

PROGRAMS = [
    # code, name, PU, BPU, order
    ("JKK", "Jaminan Kecelakaan Kerja", True, True, 10),
    ("JKM", "Jaminan Kematian", True, True, 20),
    ("JHT", "Jaminan Hari Tua", True, True, 30),
    ("JP", "Jaminan Pensiun", True, False, 40),
    ("JKP", "Jaminan Kehilangan Pekerjaan", True, False, 50),
]

PP44 = "PP 44/2015 jo. PP 82/2019"
RATES = [
    # program, segment, risk class, basis, amount, percent, min base, max base, from, to, legal basis
    ("JKK", "PU", 1, RateBasis.WAGE, None, "0.24", None, None, date(2015, 7, 1), None, PP44),
    ("JKK", "PU", 2, RateBasis.WAGE, None, "0.54", None, None, date(2015, 7, 1), None, PP44),
    ("JKK", "PU", 3, RateBasis.WAGE, None, "0.89", None, None, date(2015, 7, 1), None, PP44),
    ("JKK", "PU", 4, RateBasis.WAGE, None, "1.27", None, None, date(2015, 7, 1), None, PP44),
    ("JKK", "PU", 5, RateBasis.WAGE, None, "1.74", None, None, date(2015, 7, 1), None, PP44),
    ("JKK", "BPU", None, RateBasis.INCOME, None, "1", "1000000", None, date(2015, 7, 1), None, PP44),
    ("JKM", "PU", None, RateBasis.WAGE, None, "0.30", None, None, date(2015, 7, 1), None, PP44),
    ("JKM", "BPU", None, RateBasis.FLAT, "6800", None, None, None, date(2015, 7, 1), None, PP44),
    ("JHT", "PU", None, RateBasis.WAGE, None, "5.7", None, None, date(2015, 7, 1), None, "PP 46/2015 jo. PP 60/2015"),
    ("JHT", "BPU", None, RateBasis.INCOME, None, "2", "1000000", None, date(2015, 7, 1), None, "PP 46/2015"),
    # The JP wage cap is set every year by BPJS Ketenagakerjaan (from 1 March): check it in admin.
    ("JP", "PU", None, RateBasis.WAGE, None, "3", None, "10042300", date(2024, 3, 1), date(2025, 2, 28), "PP 45/2015"),
    ("JP", "PU", None, RateBasis.WAGE, None, "3", None, "10547400", date(2025, 3, 1), None, "PP 45/2015"),
    ("JKP", "PU", None, RateBasis.WAGE, None, "0.46", None, None, date(2021, 2, 2), date(2025, 2, 6), "PP 37/2021"),
    ("JKP", "PU", None, RateBasis.WAGE, None, "0.36", None, None, date(2025, 2, 7), None, "PP 6/2025"),
]

PACKAGES = [
    # code, name, programs, order, description
    (
        "bpu-jkk-jkm",
        "JKK + JKM (BPU)",
        ["JKK", "JKM"],
        10,
        "Paket standar pekerja rentan: Rp10.000 + Rp6.800 = Rp16.800 per pekerja per bulan.",
    ),
    (
        "bpu-jkk-jkm-jht",
        "JKK + JKM + JHT (BPU)",
        ["JKK", "JKM", "JHT"],
        20,
        "Dengan JHT atas penghasilan Rp1.000.000: Rp36.800 per pekerja per bulan.",
    ),
]

SCHEMES = [
    # code, name, legal basis (every year), order
    ("apbd", "APBD", "Inpres 2/2021; SE Mendagri 842.2/5193/SJ", 10),
    ("dbhcht", "DBHCHT", "PMK 72/2024 (Dana Bagi Hasil Cukai Hasil Tembakau)", 20),
    (
        "dbh-sawit",
        "DBH Sawit",
        "PP 38/2023; PMK 91/2023 (hingga 20% untuk kegiatan lain, termasuk perlindungan sosial)",
        30,
    ),
    ("add", "ADD / APBDes", "Alokasi Dana Desa dalam APBDes; Inpres 2/2021", 40),
    ("dana-desa", "Dana Desa", "Dana Desa (dicatat terpisah dari ADD); prioritas penggunaan Dana Desa tahunan", 50),
    ("baznas", "Baznas", "UU 23/2011 tentang Pengelolaan Zakat", 60),
    ("csr", "CSR / TJSLP", "UU 40/2007 Pasal 74; PP 47/2012 (Tanggung Jawab Sosial dan Lingkungan Perseroan)", 70),
    ("dinsos", "Dinas Sosial", "Pekerja rentan miskin ekstrem; Inpres 4/2022", 80),
]

# What a scheme rests on for one fiscal year: the yearly Permendagri on APBD guidelines (DOMAIN.md:
# 15/2024 for APBD 2025; 14/2025 for APBD 2026). Earlier and later years are added in admin.
SCHEME_YEAR_BASES = [
    # scheme, fiscal year, legal basis
    ("apbd", 2025, "Permendagri 15/2024 tentang Pedoman Penyusunan APBD Tahun Anggaran 2025"),
    ("apbd", 2026, "Permendagri 14/2025 tentang Pedoman Penyusunan APBD Tahun Anggaran 2026"),
]

CATEGORIES = [
    ("kepala-desa", "Kepala desa"),
    ("perangkat-desa", "Perangkat desa"),
    ("bpd", "BPD"),
    ("lkd", "LKD"),
    ("kader-posyandu", "Kader posyandu"),
    ("linmas", "Linmas"),
    ("rt-rw", "RT/RW"),
    ("pekerja-rentan-desa", "Pekerja rentan desa"),
    ("marbot", "Marbot"),
    ("imam", "Imam"),
    ("penggali-makam", "Penggali makam"),
    ("guru-ngaji", "Guru ngaji"),
    ("pekerja-seni", "Pekerja seni"),
    ("atlet", "Atlet"),
    ("buruh-tani-tembakau", "Buruh tani tembakau"),
    ("petani-tembakau", "Petani tembakau"),
    ("buruh-pabrik-rokok", "Buruh pabrik rokok"),
    ("petani-sawit", "Petani sawit"),
    ("nelayan", "Nelayan"),
    ("ppl", "PPL"),
    ("non-asn", "Non-ASN"),
    ("badan-adhoc-pemilu", "Badan ad hoc pemilu"),
    ("ojol", "Ojol"),
    ("pedagang-keliling", "Pedagang keliling"),
]


@dataclass
class SeedResult:
    created: dict = field(default_factory=dict)

    def add(self, kind, created):
        self.created[kind] = self.created.get(kind, 0) + int(created)


def _dec(value):
    return None if value is None else Decimal(value)


@transaction.atomic
def programs_seed() -> SeedResult:
    """Programs, premium rates, packages, funding schemes (with their yearly legal bases) and worker
    categories; idempotent.

    Existing rows are left as admins edited them: only what is missing is created.
    """
    result = SeedResult()
    programs = {}
    for code, name, pu, bpu, order in PROGRAMS:
        programs[code], created = Program.objects.get_or_create(
            code=code, defaults={"name": name, "for_pu": pu, "for_bpu": bpu, "display_order": order}
        )
        result.add("programs", created)
    for program, segment, risk, basis, amount, percent, min_base, max_base, start, end, legal in RATES:
        _, created = PremiumRate.objects.get_or_create(
            program=programs[program],
            segment=segment,
            risk_class=risk,
            valid_from=start,
            defaults={
                "basis": basis,
                "amount": _dec(amount),
                "percent": _dec(percent),
                "min_base": _dec(min_base),
                "max_base": _dec(max_base),
                "valid_to": end,
                "legal_basis": legal,
            },
        )
        result.add("rates", created)
    for code, name, program_codes, order, description in PACKAGES:
        package, created = Package.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "segment": ProgramSegment.BPU,
                "declared_base": Decimal("1000000"),
                "display_order": order,
                "description": description,
            },
        )
        if created:
            package.programs.set([programs[c] for c in program_codes])
        result.add("packages", created)
    schemes = {}
    for code, name, legal, order in SCHEMES:
        schemes[code], created = FundingScheme.objects.get_or_create(
            code=code, defaults={"name": name, "legal_basis": legal, "display_order": order}
        )
        result.add("schemes", created)
    for code, year, legal in SCHEME_YEAR_BASES:
        _, created = SchemeYearBasis.objects.get_or_create(
            scheme=schemes[code], fiscal_year=year, defaults={"legal_basis": legal}
        )
        result.add("year_bases", created)
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        _, created = WorkerCategory.objects.get_or_create(
            code=code, defaults={"name": name, "display_order": order * 10}
        )
        result.add("categories", created)
    return result


# Demo batches on real regions. The 2024 figures are real (DOMAIN.md); the 2025-2026 ones are
# examples placed so that, seen on 21 November 2026, some lapse within 60 days and one is short.
# Kab. Malang's DBHCHT, Solok Selatan's DBH Sawit and Tanah Bumbu's ADD batches are renewed every
# year (as such funding usually is), so their coverage does not drop when a fiscal year's batch ends.
DEMO_BATCHES = """
# reference            region scheme    category           workers package         start   end     status
DEMO-3507-DBHCHT-2024  35.07 dbhcht    buruh-tani-tembakau   2647 bpu-jkk-jkm     2024-01 2024-12 ended
DEMO-1311-SAWIT-2024   13.11 dbh-sawit petani-sawit          3360 bpu-jkk-jkm     2024-01 2024-12 ended
DEMO-6310-ADD-2024     63.10 add       perangkat-desa        8146 bpu-jkk-jkm     2024-01 2024-12 ended
DEMO-6310-RENTAN-2024  63.10 add       pekerja-rentan-desa   2192 bpu-jkk-jkm     2024-01 2024-12 ended
DEMO-3508-DBHCHT-2024  35.08 dbhcht    buruh-tani-tembakau   5606 bpu-jkk-jkm     2024-06 2024-12 ended
DEMO-3316-BAZNAS-2024  33.16 baznas    marbot                 742 bpu-jkk-jkm     2024-10 2024-12 ended
DEMO-5203-DBHCHT-2024  52.03 dbhcht    buruh-tani-tembakau  12698 bpu-jkk-jkm     2024-04 2024-12 ended
DEMO-3507-DBHCHT-2025  35.07 dbhcht    buruh-tani-tembakau   2700 bpu-jkk-jkm     2025-01 2025-12 ended
DEMO-1311-SAWIT-2025   13.11 dbh-sawit petani-sawit          3500 bpu-jkk-jkm     2025-01 2025-12 ended
DEMO-6310-ADD-2025     63.10 add       perangkat-desa        8146 bpu-jkk-jkm     2025-01 2025-12 ended
DEMO-6310-RENTAN-2025  63.10 add       pekerja-rentan-desa   2192 bpu-jkk-jkm     2025-01 2025-12 ended
DEMO-3507-DBHCHT-2026  35.07 dbhcht    buruh-tani-tembakau   2800 bpu-jkk-jkm     2026-01 2026-12 active
DEMO-1311-SAWIT-2026   13.11 dbh-sawit petani-sawit          3600 bpu-jkk-jkm     2026-01 2026-12 active
DEMO-3573-APBD-2026    35.73 apbd      kader-posyandu        1250 bpu-jkk-jkm-jht 2026-03 2026-11 active
DEMO-3316-BAZNAS-2026  33.16 baznas    marbot                 742 bpu-jkk-jkm     2026-10 2026-11 active
DEMO-6310-ADD-2026     63.10 add       perangkat-desa        8146 bpu-jkk-jkm     2026-01 2026-12 active
DEMO-6310-RENTAN-2026  63.10 add       pekerja-rentan-desa   2192 bpu-jkk-jkm     2026-01 2026-12 active
DEMO-5203-DBHCHT-2027  52.03 dbhcht    buruh-tani-tembakau  13000 bpu-jkk-jkm     2027-01 2027-09 planned
"""


def _demo_rows():
    return [line.split() for line in DEMO_BATCHES.splitlines() if line.strip() and not line.startswith("#")]


@dataclass
class DemoResult:
    created: int = 0
    existing: int = 0
    missing_regions: list = field(default_factory=list)


@transaction.atomic
def programs_demo_load() -> DemoResult:
    """Demo funded batches on real regions; idempotent (keyed by their reference).

    Needs ``programs_seed()`` and the regions (``load_regions``); batches whose region is not
    loaded are skipped and reported.
    """
    from regions.models import Region

    programs_seed()
    result = DemoResult()
    schemes = {s.code: s for s in FundingScheme.objects.all()}
    categories = {c.code: c for c in WorkerCategory.objects.all()}
    packages = {p.code: p for p in Package.objects.all()}
    rows = _demo_rows()
    codes = {row[1] for row in rows}
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    existing = set(FundedBatch.objects.filter(reference__startswith="DEMO-").values_list("reference", flat=True))
    for reference, code, scheme, category, workers, package, start, end, status in rows:
        if reference in existing:
            result.existing += 1
            continue
        if code not in regions:
            result.missing_regions.append(code)
            logger.warning("Demo batch %s skipped: region %s is not loaded.", reference, code)
            continue
        funded_batch_create(
            region=regions[code],
            scheme=schemes[scheme],
            category=categories[category],
            workers=int(workers),
            package=packages[package],
            start_month=parse_period(start),
            end_month=parse_period(end),
            fiscal_year=int(start[:4]),
            status=status,
            reference=reference,
            note="Data demo.",
        )
        result.created += 1
    return result


# --- the Inpres 2/2021 commitment register and the dossier notes ----------------------------


@transaction.atomic
def commitment_save(*, form, user):
    """Save a regulation or allocation form of ``form.region`` (with its worker groups and batches)."""
    record = form.save(commit=False)
    record.region = form.region
    record.full_clean()
    if user is not None and user.is_authenticated:
        record._history_user = user
    record.save()
    form.save_m2m()
    return record


@transaction.atomic
def commitment_delete(*, record, user):
    if user is not None and user.is_authenticated:
        record._history_user = user
    record.delete()


@transaction.atomic
def dossier_note_save(*, region, year, values, user):
    from .models import DossierNote

    note, _created = DossierNote.objects.get_or_create(region=region, year=year)
    for name in DossierNote.SECTIONS:
        setattr(note, name, values.get(name, ""))
    note.updated_by = user
    note._history_user = user
    note.save()
    return note
