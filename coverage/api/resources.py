"""The reference data and figures beside the snapshots: regions, offices and their territories,
target series, reporting completeness, funded workers and quarter/year summaries (docs/API.md).

Parameters are strings parsed by ``ucj_dashboard.params``, as on every page, so each URL refuses
a malformed value the same way (400 with an Indonesian reason).
"""

from datetime import date

from django.db.models import Count, F, Prefetch, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from regions.models import Level, Office, OfficeKind, Region, Territory
from ucj_dashboard import params
from ucj_dashboard.params import ParamError

from ..dashboards.selectors import region_figures_over
from ..models import FundedWorkers, Snapshot, TargetSeries, TargetValue
from .responses import ERRORS, csv_response, wants_csv
from .schemas import CompletenessList, FundedList, OfficeList, PeriodFigures, RegionList, TargetList

router = Router()

MAX_LIMIT = 1_000
MAX_OFFSET = 10_000_000


def _page(query):
    limit = params.integer(query.batas, name="batas", minimum=1, maximum=MAX_LIMIT, default=500, cap=True)
    offset = params.integer(query.mulai, name="mulai", minimum=0, maximum=MAX_OFFSET, default=0)
    return limit, offset


def _region(code, name, *, required=False):
    code = params.region_code(code, name=name)
    if not code:
        if required:
            raise ParamError(_("Parameter %(name)s wajib diisi.") % {"name": name})
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ParamError(_("Parameter %(name)s: %(code)s tidak ditemukan.") % {"name": name, "code": code})
    return region


def _year(value, *, required=False):
    year = params.integer(value, name="tahun", minimum=2000, maximum=2100)
    if year is None and required:
        raise ParamError(_("Parameter %(name)s wajib diisi.") % {"name": "tahun"})
    return year


def _month(value):
    return f"{value:%Y-%m}" if value else None


class Page(Schema):
    batas: str | None = Field(None, description="Jumlah baris per halaman, 1 sampai 1.000 (bawaan 500)")
    mulai: str | None = Field(None, description="Posisi baris pertama, 0 sampai 10.000.000")


class RegionQuery(Page):
    kode: str | None = Field(None, description="Satu wilayah", examples=["35.73"])
    induk: str | None = Field(None, description="Anak langsung dari wilayah ini", examples=["35"])
    dalam: str | None = Field(None, description="Seluruh pohon di bawah wilayah ini", examples=["35.73"])
    tingkat: str | None = Field(None, description="0 nasional, 1 provinsi, 2 kab/kota, 3 kecamatan, 4 desa")


@router.get(
    "/regions/", response={200: RegionList, **ERRORS}, url_name="api_regions", summary="Wilayah", tags=["wilayah"]
)
def regions(request, query: Query[RegionQuery]):
    """Pohon wilayah Kemendagri: kode, nama, tingkat dan kode induk (pohon dibentuk dari `parent_code`)."""
    limit, offset = _page(query)
    rows = Region.objects.all()
    if code := _region(query.kode, "kode"):
        rows = rows.filter(pk=code.pk)
    if parent := _region(query.induk, "induk"):
        rows = rows.filter(parent=parent)
    if within := _region(query.dalam, "dalam"):
        rows = rows.within(within.code)
    if (level := params.level(query.tingkat, choices=Level.values)) is not None:
        rows = rows.filter(level=level)
    total = rows.count()
    results = [
        {**row, "level_name": str(Level(row["level"]).label)}
        for row in rows.order_by("code").values("code", "name", "level", "kind", "is_active",
                                                 parent_code=F("parent__code"))[offset : offset + limit]
    ]  # fmt: skip
    if wants_csv(request):
        return csv_response(results, "wilayah.csv")
    return {"count": total, "results": results}


class OfficeQuery(Schema):
    jenis: str | None = Field(None, description="kanwil atau cabang")
    induk: str | None = Field(None, description="Cabang dari Kanwil ini", examples=["KW-JATIM"])


@router.get(
    "/offices/", response={200: OfficeList, **ERRORS}, url_name="api_offices", summary="Kantor BPJS", tags=["kantor"]
)
def offices(request, query: Query[OfficeQuery]):
    """Kantor BPJS Ketenagakerjaan (Kanwil dan cabang) dengan wilayah kerja (kab/kota) hari ini."""
    kind = params.choice(query.jenis, name="jenis", choices=OfficeKind.values, default=None)
    parent = params.office_code(query.induk, name="induk")
    rows = Office.objects.select_related("parent").order_by("kind", "code")
    if kind:
        rows = rows.filter(kind=kind)
    if parent:
        if not Office.objects.filter(code=parent).exists():
            raise ParamError(_("Parameter %(name)s: %(code)s tidak ditemukan.") % {"name": "induk", "code": parent})
        rows = rows.filter(parent__code=parent)
    served = Territory.objects.valid_on(timezone.localdate()).select_related("region")
    # A Kanwil serves no kab/kota itself (Territory is a branch's): its area is its branches' territories.
    rows = rows.prefetch_related(Prefetch("territories", served), Prefetch("branches__territories", served))
    results = [
        {
            "code": office.code,
            "name": office.name,
            "kind": office.kind,
            "parent_code": office.parent.code if office.parent_id else None,
            "territories": _office_territories(office),
        }
        for office in rows
    ]
    if wants_csv(request):
        return csv_response(results, "kantor.csv")
    return {"count": len(results), "results": results}


def _office_territories(office):
    """The kab/kota codes an office serves today: a branch's own, a Kanwil's those of its branches."""
    territories = list(office.territories.all())
    if office.kind == OfficeKind.KANWIL:
        territories += [t for branch in office.branches.all() for t in branch.territories.all()]
    return sorted({t.region.code for t in territories})


class TargetQuery(Schema):
    kode: str | None = Field(None, description="Nilai target satu wilayah", examples=["35.73"])
    tahun: str | None = Field(None, description="Nilai target satu tahun", examples=["2025"])
    seri: str | None = Field(None, description="Kode satu seri target", examples=["rpjmn-2025-2029"])


@router.get(
    "/targets/", response={200: TargetList, **ERRORS}, url_name="api_targets", summary="Target", tags=["target"]
)
def targets(request, query: Query[TargetQuery]):
    """Seri target (RPJMN, Kemendagri, RPJMD...) dengan nilai per wilayah dan tahun."""
    values = TargetValue.objects.select_related("region").order_by("region__code", "year")
    if region := _region(query.kode, "kode"):
        values = values.filter(region=region)
    if (year := _year(query.tahun)) is not None:
        values = values.filter(year=year)
    series = TargetSeries.objects.prefetch_related(Prefetch("values", values))
    if code := params.text(query.seri, name="seri", max_length=40):
        series = series.filter(code=code)
    results = [
        {
            "code": s.code,
            "name": s.name,
            "kind": s.kind,
            "source_document": s.source_document,
            "phasing": s.phasing,
            "values": [
                {
                    "region_code": v.region.code,
                    "region_name": v.region.name,
                    "year": v.year,
                    "percent": float(v.percent) if v.percent is not None else None,
                    "participants": v.participants,
                    "source": v.source,
                }
                for v in s.values.all()
            ],
        }
        for s in series
    ]
    if wants_csv(request):
        flat = [{"series": s["code"], "series_name": s["name"], **v} for s in results for v in s["values"]]
        return csv_response(flat, "target.csv")
    return {"count": len(results), "results": results}


class CompletenessQuery(Page):
    periode: str | None = Field(None, description="Bulan, YYYY-MM", examples=["2025-06"])
    kode: str | None = Field(None, description="Satu wilayah", examples=["35.73"])
    induk: str | None = Field(None, description="Anak langsung dari wilayah ini", examples=["35"])
    tingkat: str | None = Field(None, description="0 nasional, 1 provinsi, 2 kab/kota, 3 kecamatan, 4 desa")


@router.get(
    "/completeness/",
    response={200: CompletenessList, **ERRORS},
    url_name="api_completeness",
    summary="Kelengkapan laporan",
    tags=["kelengkapan"],
)
def completeness(request, query: Query[CompletenessQuery]):
    """Kelengkapan laporan per bulan dan wilayah: unit yang seharusnya melapor (`units_expected`) dan yang
    sudah melapor (`units_reported`), dari snapshot mesin perhitungan."""
    limit, offset = _page(query)
    rows = Snapshot.objects.filter(is_current=True, region__isnull=False)
    if period := params.period(query.periode):
        rows = rows.filter(period=period)
    if region := _region(query.kode, "kode"):
        rows = rows.filter(region=region)
    if parent := _region(query.induk, "induk"):
        rows = rows.filter(parent_region=parent)
    if (level := params.level(query.tingkat, choices=Level.values)) is not None:
        rows = rows.filter(level=level)
    total = rows.count()
    values = rows.order_by("-period", "level", "region__code").values(
        "level", "period", "units_expected", "units_reported", "units_carried",
        code=F("region__code"), name=F("region__name"),
    )[offset : offset + limit]  # fmt: skip
    results = []
    for row in values:
        expected, reported = row["units_expected"], row["units_reported"]
        share = round(reported * 100.0 / expected, 2) if expected and reported is not None else None
        results.append({**row, "period": _month(row["period"]), "reported_percent": share})
    if wants_csv(request):
        return csv_response(results, "kelengkapan.csv")
    return {"count": total, "results": results}


class FundedQuery(Page):
    periode: str | None = Field(None, description="Bulan, YYYY-MM", examples=["2025-06"])
    tahun: str | None = Field(None, description="Tahun", examples=["2025"])
    kode: str | None = Field(None, description="Satu wilayah", examples=["35.73"])
    dalam: str | None = Field(None, description="Seluruh pohon di bawah wilayah ini", examples=["35"])


@router.get(
    "/funded/",
    response={200: FundedList, **ERRORS},
    url_name="api_funded",
    summary="Pekerja didanai Pemda",
    tags=["didanai"],
)
def funded(request, query: Query[FundedQuery]):
    """Pekerja yang iurannya dibayar Pemda (batch pendanaan program), dijumlah per wilayah dan bulan."""
    limit, offset = _page(query)
    rows = FundedWorkers.objects.all()
    if period := params.period(query.periode):
        rows = rows.filter(period=period)
    if (year := _year(query.tahun)) is not None:
        rows = rows.filter(period__year=year)
    if region := _region(query.kode, "kode"):
        rows = rows.filter(region=region)
    if within := _region(query.dalam, "dalam"):
        rows = rows.filter(region__in=Region.objects.within(within.code))
    grouped = (
        rows.values("period", code=F("region__code"), name=F("region__name"))
        .annotate(workers=Sum("workers"), batches=Count("reference", distinct=True))
        .order_by("-period", "code")
    )
    total = grouped.count()
    results = [{**row, "period": _month(row["period"])} for row in grouped[offset : offset + limit]]
    if wants_csv(request):
        return csv_response(results, "didanai.csv")
    return {"count": total, "results": results}


class SummaryQuery(Schema):
    kode: str = Field(description="Kode wilayah", examples=["35.73"])
    tahun: str = Field(description="Tahun", examples=["2025"])
    triwulan: str | None = Field(None, description="1 sampai 4; kosong = setahun penuh", examples=["2"])


@router.get(
    "/summary/",
    response={200: PeriodFigures, **ERRORS},
    url_name="api_summary",
    summary="Rekap triwulan atau tahun",
    tags=["snapshot"],
)
def summary(request, query: Query[SummaryQuery]):
    """Rekap triwulan atau tahun satu wilayah: stok bulan terakhir (peserta aktif, cakupan) dan arus
    (peserta baru, nonaktif) yang dijumlah selama periode."""
    region = _region(query.kode, "kode", required=True)
    year = _year(query.tahun, required=True)
    quarter = params.integer(query.triwulan, name="triwulan", minimum=1, maximum=4)
    if quarter:
        start, end, label = date(year, 3 * quarter - 2, 1), date(year, 3 * quarter, 1), f"{year}-Q{quarter}"
    else:
        start, end, label = date(year, 1, 1), date(year, 12, 1), str(year)
    figures = region_figures_over(region=region, start=start, end=end)
    body = {
        "code": region.code,
        "name": region.name,
        "period": label,
        "start": _month(start),
        "end": _month(end),
        "last_month": _month(figures["period"]),
        **{k: figures[k] for k in ("active_total", "coverage_total", "workers_total", "new_total", "lapsed_total")},
    }
    if wants_csv(request):
        return csv_response([body], f"rekap-{region.code}-{label}.csv")
    return body
