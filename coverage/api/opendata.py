"""Open data for Satu Data Indonesia (issue #17; docs/API.md, "Open data"): the published coverage
figures as one CSV keyed by the Kemendagri region code (the SDI reference code), and its metadata.

Public, no key and no session: open data is for anyone. That is why only **published** figures
leave here (months closed by ``coverage.engine.period_close``; of each region and month the latest
published revision, as a dossier prints them) and nothing about persons: the rows are the engine's
snapshots of regions, never counts' authors, offices or keys. Anonymous callers are throttled per
address (settings.OPEN_DATA_REQUESTS_PER_MINUTE).

Numbers are machine-readable (no thousands separator, a dot before decimals, coverage rounded to
two decimals): the Indonesian formatting (134.167; 32,44%) belongs to the pages, and a CSV read by
the SDI portal, pandas or a spreadsheet set to any language must read 32.44 as one number.
"""

import csv
import io

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Max, Min, OuterRef, Subquery
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.throttling import BaseThrottle

from regions.models import CURRENT_DECREE, NATIONAL_CODE, Level, Region
from ucj_dashboard import params
from ucj_dashboard.formats import safe_cell

from ..models import Category, Snapshot
from .resources import _region, _year
from .responses import ERRORS, csv_response
from .schemas import OpenDataMetadata

router = Router(tags=["data terbuka"])

CHUNK = 2_000


def _columns():
    """The CSV's columns in order: name, type, unit, description (the metadata's column dictionary)."""
    categories = ", ".join(f"{value} ({label})" for value, label in Category.choices)
    return [
        ("kode_wilayah", "teks", "", _("Kode wilayah Kemendagri (%(decree)s), kode referensi Satu Data Indonesia; "
                                       "%(national)s = Indonesia (nasional).") % {"decree": CURRENT_DECREE,
                                                                                  "national": NATIONAL_CODE}),
        ("nama_wilayah", "teks", "", _("Nama wilayah.")),
        ("tingkat", "bilangan bulat", "", _("0 nasional, 1 provinsi, 2 kab/kota, 3 kecamatan, 4 desa/kelurahan.")),
        ("kode_induk", "teks", "", _("Kode Kemendagri wilayah induk (kosong untuk nasional).")),
        ("periode", "teks (YYYY-MM)", "", _("Bulan data (keadaan akhir bulan).")),
        ("tahun", "bilangan bulat", "", _("Tahun periode.")),
        ("bulan", "bilangan bulat", "", _("Bulan periode, 1 sampai 12.")),
        ("peserta_aktif", "bilangan bulat", "orang", _("Peserta aktif BPJS Ketenagakerjaan (PU, BPU, Jakon, PMI).")),
        ("peserta_aktif_pu", "bilangan bulat", "orang", _("Peserta aktif Penerima Upah (PU).")),
        ("peserta_aktif_bpu", "bilangan bulat", "orang", _("Peserta aktif Bukan Penerima Upah (BPU).")),
        ("penduduk_bekerja", "bilangan bulat", "orang", _("Penduduk bekerja (BPS Sakernas), penyebut cakupan.")),
        ("penduduk_bekerja_pu", "bilangan bulat", "orang", _("Penduduk bekerja berstatus penerima upah.")),
        ("penduduk_bekerja_bpu", "bilangan bulat", "orang", _("Penduduk bekerja bukan penerima upah.")),
        ("cakupan_persen", "desimal (titik)", "persen", _("Cakupan: peserta_aktif / penduduk_bekerja x 100, "
                                                          "dua desimal.")),
        ("cakupan_pu_persen", "desimal (titik)", "persen", _("Cakupan segmen PU.")),
        ("cakupan_bpu_persen", "desimal (titik)", "persen", _("Cakupan segmen BPU.")),
        ("kategori", "teks", "", _("Kategori cakupan: %(categories)s.") % {"categories": categories}),
        ("sumber_penyebut", "teks", "", _("Sumber penduduk bekerja (kosong bila penyebut adalah jumlah wilayah "
                                          "di bawahnya).")),
        ("dibawa_dari", "teks (YYYY-MM)", "", _("Bila wilayah tidak melapor bulan ini: bulan angka yang dipakai.")),
        ("revisi", "bilangan bulat", "", _("Revisi angka terbit (1 = terbitan pertama; lebih dari 1 = koreksi "
                                           "yang diterbitkan kemudian).")),
        ("tanggal_terbit", "teks (YYYY-MM-DD)", "", _("Tanggal angka ini diterbitkan (WIB).")),
    ]  # fmt: skip


def _coverage(value):
    return round(value, 2) if value is not None else None


def _published(filters):
    """Each region and month's latest published snapshot (a correction published after a reopen is a
    later revision and replaces the first), filtered, ordered by code then month."""
    newest = (
        Snapshot.objects.filter(region=OuterRef("region"), period=OuterRef("period"), is_published=True)
        .order_by("-revision")
        .values("revision")[:1]
    )
    rows = Snapshot.objects.filter(region__isnull=False, is_published=True, revision=Subquery(newest))
    if filters.get("year") is not None:
        rows = rows.filter(year=filters["year"])
    if filters.get("period"):
        rows = rows.filter(period=filters["period"])
    if filters.get("level") is not None:
        rows = rows.filter(level=filters["level"])
    if within := filters.get("within"):
        rows = rows.filter(region__in=Region.objects.within(within.code))
    return rows


def _csv_rows(queryset):
    values = queryset.order_by("region__code", "period").values(
        "level", "period", "year", "month", "revision", "published_at", "carried_from", "denominator_source",
        "active_total", "active_pu", "active_bpu", "workers_total", "workers_pu", "workers_bpu",
        "coverage_total", "coverage_pu", "coverage_bpu", "category",
        code=F("region__code"), name=F("region__name"), parent_code=F("region__parent__code"),
    )  # fmt: skip
    for row in values.iterator(chunk_size=CHUNK):
        published = timezone.localtime(row["published_at"]).date().isoformat() if row["published_at"] else ""
        yield [
            row["code"], row["name"], row["level"], row["parent_code"] or "", f"{row['period']:%Y-%m}",
            row["year"], row["month"], row["active_total"], row["active_pu"], row["active_bpu"],
            row["workers_total"], row["workers_pu"], row["workers_bpu"], _coverage(row["coverage_total"]),
            _coverage(row["coverage_pu"]), _coverage(row["coverage_bpu"]), row["category"],
            row["denominator_source"], f"{row['carried_from']:%Y-%m}" if row["carried_from"] else "",
            row["revision"], published,
        ]  # fmt: skip


def _stream(rows):
    """The CSV a chunk of lines at a time: a whole country's desa over years is never held in memory."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([name for name, *_rest in _columns()])
    count = 0
    for row in rows:
        writer.writerow(["" if cell is None else safe_cell(cell) for cell in row])
        count += 1
        if count % CHUNK == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


class AddressThrottle(BaseThrottle):
    """N requests per minute per client address for the public operations (counted in Django's cache,
    shared by every process); 0 switches it off."""

    def __init__(self):
        self._wait = None

    def allow_request(self, request):
        limit = settings.OPEN_DATA_REQUESTS_PER_MINUTE
        if not limit:
            return True
        now = timezone.now()
        key = f"open-data-throttle:{request.META.get('REMOTE_ADDR', '')}:{int(now.timestamp()) // 60}"
        cache.add(key, 0, timeout=120)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=120)
            used = 1
        self._wait = 60 - int(now.timestamp()) % 60 if used > limit else None
        return self._wait is None

    def wait(self):
        return self._wait


class OpenDataQuery(Schema):
    tahun: str | None = Field(None, description="Satu tahun", examples=["2025"])
    periode: str | None = Field(None, description="Satu bulan, YYYY-MM", examples=["2025-06"])
    tingkat: str | None = Field(None, description="0 nasional, 1 provinsi, 2 kab/kota, 3 kecamatan, 4 desa")
    dalam: str | None = Field(None, description="Wilayah ini dan seluruh pohon di bawahnya", examples=["35"])


class MetadataQuery(Schema):
    format: str | None = Field(None, description="json (bawaan) atau csv: lembar dua kolom (unsur, nilai)")


CSV_RESPONSE = {
    "responses": {
        200: {
            "description": "CSV (UTF-8, pemisah koma, desimal titik); kolom dijelaskan di /api/v1/open-data/metadata/.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


@router.get(
    "/open-data/",
    response={400: ERRORS[400], 429: ERRORS[429]},
    auth=None,
    throttle=[AddressThrottle()],
    url_name="api_open_data",
    summary="Data terbuka (CSV)",
    openapi_extra=CSV_RESPONSE,
)
def open_data(request, query: Query[OpenDataQuery]):
    """Angka cakupan yang sudah **terbit** (bulan yang sudah ditutup), satu baris per wilayah dan bulan,
    berkunci kode wilayah Kemendagri, untuk Satu Data Indonesia. Publik: tanpa kunci API."""
    filters = {
        "year": _year(query.tahun),
        "period": params.period(query.periode),
        "level": params.level(query.tingkat, choices=Level.values),
        "within": _region(query.dalam, "dalam"),
    }
    response = StreamingHttpResponse(_stream(_csv_rows(_published(filters))), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cakupan-ucj-data-terbuka.csv"'
    return response


@router.get(
    "/open-data/metadata/",
    response={200: OpenDataMetadata, **{code: ERRORS[code] for code in (400, 429)}},
    auth=None,
    throttle=[AddressThrottle()],
    url_name="api_open_data_metadata",
    summary="Metadata data terbuka",
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def open_data_metadata(request, query: Query[MetadataQuery]):
    """Metadata data terbuka menurut unsur Satu Data Indonesia: judul, deskripsi, produsen dan sumber
    data, satuan, cakupan periode, frekuensi pemutakhiran, lisensi, kontak, kode referensi dan kamus
    kolom. `?format=csv` untuk lembar dua kolom (unsur, nilai)."""
    as_csv = params.choice(query.format, name="format", choices=("json", "csv"), default="json") == "csv"
    span = _published({}).aggregate(first=Min("period"), last=Max("period"), updated=Max("published_at"))
    body = {
        "judul": _("Cakupan Kepesertaan Jaminan Sosial Ketenagakerjaan (Universal Coverage Jamsostek) per "
                   "Wilayah dan Bulan"),
        "deskripsi": _(
            "Peserta aktif BPJS Ketenagakerjaan, penduduk bekerja dan cakupan (persen) per wilayah Kemendagri "
            "(nasional, provinsi, kabupaten/kota, kecamatan, desa/kelurahan) dan bulan, total serta segmen "
            "Penerima Upah (PU) dan Bukan Penerima Upah (BPU), dengan kategori cakupan. Hanya bulan yang sudah "
            "ditutup dan diterbitkan; koreksi sesudah terbit muncul sebagai revisi berikutnya."
        ),
        "produsen_data": settings.OPEN_DATA_PUBLISHER,
        "sumber_data": _(
            "Peserta aktif: data BPJS Ketenagakerjaan dan laporan Pemda yang diverifikasi kantor cabang. "
            "Penduduk bekerja: BPS, Survei Angkatan Kerja Nasional (Sakernas); sumber tiap baris pada kolom "
            "sumber_penyebut."
        ),
        "satuan": _("orang (peserta_aktif*, penduduk_bekerja*); persen (cakupan_*)"),
        "tingkat_penyajian": _("nasional, provinsi, kabupaten/kota, kecamatan, desa/kelurahan"),
        "kode_referensi": _("Kode wilayah Kemendagri (%(decree)s), kolom kode_wilayah") % {"decree": CURRENT_DECREE},
        "periode_awal": f"{span['first']:%Y-%m}" if span["first"] else None,
        "periode_akhir": f"{span['last']:%Y-%m}" if span["last"] else None,
        "frekuensi_pemutakhiran": _("bulanan (setiap kali satu bulan ditutup dan diterbitkan)"),
        "tanggal_pemutakhiran": timezone.localtime(span["updated"]).date().isoformat() if span["updated"] else None,
        "lisensi": settings.OPEN_DATA_LICENSE,
        "kontak": settings.OPEN_DATA_CONTACT,
        "format": _("CSV, UTF-8, pemisah koma, desimal titik, tanpa pemisah ribuan"),
        "bahasa": "id",
        "url_data": request.build_absolute_uri(reverse("coverage:api_open_data")),
        "kolom": [
            {"nama": name, "tipe": kind, "satuan": unit, "deskripsi": description}
            for name, kind, unit, description in _columns()
        ],
    }  # fmt: skip
    if as_csv:
        sheet = [{"unsur": key, "nilai": value} for key, value in body.items() if key != "kolom"]
        sheet += [
            {"unsur": f"kolom.{column['nama']}", "nilai": f"{column['tipe']}; {column['satuan'] or '-'}; "
                                                         f"{column['deskripsi']}"}
            for column in body["kolom"]
        ]  # fmt: skip
        return csv_response(sheet, "cakupan-ucj-metadata.csv")
    return body
