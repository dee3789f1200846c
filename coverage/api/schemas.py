"""The API's response and request bodies: they are the OpenAPI schema at /api/v1/schema/, and ninja
checks every response against them.

Plain pydantic models, not ninja's ``Schema``: ours are built from dicts, and ``Schema`` reads each
field through a Django-object wrapper (a 1.000-row snapshot page took 0,7 s more that way)."""

from pydantic import BaseModel as Schema
from pydantic import Field, field_validator

from ucj_dashboard.params import REGION_CODE


class Error(Schema):
    detail: str = Field(description="Alasan dalam bahasa Indonesia.")


class SnapshotTarget(Schema):
    series: str
    series_name: str
    target_percent: float | None
    target_participants: int | None
    gap_participants: int | None
    phased_percent: float | None
    on_track: bool | None
    source: str


class SnapshotRow(Schema):
    code: str
    name: str
    level: int
    level_name: str
    parent_code: str | None
    period: str = Field(examples=["2025-06"])
    revision: int
    is_provisional: bool
    is_published: bool
    data_as_of: str | None
    active_total: int | None
    active_pu: int | None
    active_bpu: int | None
    active_jakon: int | None
    active_pmi: int | None
    active_funded: int | None
    registered_total: int | None
    new_total: int | None
    lapsed_total: int | None
    workers_total: int | None
    workers_pu: int | None
    workers_bpu: int | None
    denominator_source: str
    denominator_basis: str
    coverage_total: float | None
    coverage_pu: float | None
    coverage_bpu: float | None
    category: str
    rank_in_parent: int | None
    ranked_in_parent: int | None
    rank_national: int | None
    ranked_national: int | None
    prev_rank_in_parent: int | None
    delta_mom_pp: float | None
    delta_yoy_pp: float | None
    delta_mom_pp_pu: float | None
    delta_yoy_pp_pu: float | None
    delta_mom_pp_bpu: float | None
    delta_yoy_pp_bpu: float | None
    growth_mom_total: float | None
    growth_yoy_total: float | None
    growth_mom_pu: float | None
    growth_yoy_pu: float | None
    growth_mom_bpu: float | None
    growth_yoy_bpu: float | None
    growth_mom_jakon: float | None
    growth_yoy_jakon: float | None
    growth_mom_pmi: float | None
    growth_yoy_pmi: float | None
    is_carried: bool
    carried_from: str | None
    units_expected: int | None
    units_reported: int | None
    units_carried: int | None
    targets: list[SnapshotTarget]


class SnapshotPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[SnapshotRow]


class RegionOut(Schema):
    code: str = Field(examples=["35.73"])
    name: str
    level: int = Field(description="0 nasional, 1 provinsi, 2 kab/kota, 3 kecamatan, 4 desa/kelurahan")
    level_name: str
    kind: str
    parent_code: str | None
    is_active: bool


class RegionList(Schema):
    count: int
    results: list[RegionOut]


class OfficeOut(Schema):
    code: str = Field(examples=["KC-MALANG"])
    name: str
    kind: str = Field(description="kanwil atau cabang")
    parent_code: str | None
    territories: list[str] = Field(
        description="Kode kab/kota wilayah kerja hari ini (Kanwil: gabungan wilayah kerja cabangnya)."
    )


class OfficeList(Schema):
    count: int
    results: list[OfficeOut]


class TargetValueOut(Schema):
    region_code: str
    region_name: str
    year: int
    percent: float | None
    participants: int | None
    source: str


class TargetSeriesOut(Schema):
    code: str
    name: str
    kind: str
    source_document: str
    phasing: str
    values: list[TargetValueOut]


class TargetList(Schema):
    count: int
    results: list[TargetSeriesOut]


class CompletenessRow(Schema):
    code: str
    name: str
    level: int
    period: str
    units_expected: int | None
    units_reported: int | None
    units_carried: int | None
    reported_percent: float | None = Field(description="units_reported / units_expected x 100")


class CompletenessList(Schema):
    count: int
    results: list[CompletenessRow]


class FundedRow(Schema):
    code: str
    name: str
    period: str
    workers: int
    batches: int = Field(description="Jumlah batch pendanaan (program) yang menyumbang angka ini.")


class FundedList(Schema):
    count: int
    results: list[FundedRow]


class PeriodFigures(Schema):
    code: str
    name: str
    period: str = Field(examples=["2025-Q2", "2025"])
    start: str
    end: str
    last_month: str | None
    active_total: int | None
    coverage_total: float | None
    workers_total: int | None
    new_total: int | None
    lapsed_total: int | None


class CountIn(Schema):
    region: str = Field(
        description="Kode wilayah Kemendagri", examples=["35.73"], max_length=13, pattern=rf"^(?:{REGION_CODE})$"
    )
    segment: str = Field(description="PU, BPU, JAKON atau PMI", examples=["PU"], pattern=r"^[A-Z]{1,5}$")
    active: int | None = Field(None, ge=0, le=2_000_000_000)
    registered: int | None = Field(None, ge=0, le=2_000_000_000)
    new_registrations: int | None = Field(None, ge=0, le=2_000_000_000)
    lapsed: int | None = Field(None, ge=0, le=2_000_000_000)
    version: int = Field(
        ge=0, le=2_000_000_000, description="Versi yang terakhir dibaca; 0 bila sel belum ada (penguncian optimistis)."
    )
    note: str | None = Field(None, max_length=2_000)

    @field_validator("note")
    @classmethod
    def _no_nul(cls, value):
        # PostgreSQL cannot store NUL in text: refused here (a 400), never a server error.
        if value and "\x00" in value:
            raise ValueError("NUL")
        return value


class CountsIn(Schema):
    period: str = Field(examples=["2025-06"], max_length=20)
    submit: bool = Field(False, description="Ajukan untuk verifikasi (bukan sekadar draf).")
    dry_run: bool = Field(False, description="Periksa saja, tanpa menyimpan.")
    counts: list[CountIn] = Field(min_length=1, max_length=1_000)


class CountOut(Schema):
    region: str
    segment: str
    action: str = Field(description="create, update atau unchanged")
    status: str
    version: int = Field(description="Versi setelah disimpan (pada dry_run: versi saat ini).")
    active: int | None
    registered: int | None
    new_registrations: int | None
    lapsed: int | None


class Problem(Schema):
    region: str
    segment: str
    rule: str
    message: str


class CountsOut(Schema):
    dry_run: bool
    period: str
    created: int
    updated: int
    unchanged: int
    submitted: int
    counts: list[CountOut]
    warnings: list[Problem]


class CountsRefused(Schema):
    detail: str
    errors: list[Problem] = Field(default_factory=list)


class OpenDataColumn(Schema):
    nama: str
    tipe: str
    satuan: str
    deskripsi: str


class OpenDataMetadata(Schema):
    """The open data's metadata, by the elements Satu Data Indonesia asks of a dataset."""

    judul: str
    deskripsi: str
    produsen_data: str
    sumber_data: str
    satuan: str
    tingkat_penyajian: str
    kode_referensi: str
    periode_awal: str | None = Field(description="Bulan terbit pertama, YYYY-MM", examples=["2025-03"])
    periode_akhir: str | None = Field(description="Bulan terbit terakhir, YYYY-MM", examples=["2025-06"])
    frekuensi_pemutakhiran: str
    tanggal_pemutakhiran: str | None = Field(description="Tanggal terbit terakhir, YYYY-MM-DD")
    lisensi: str
    kontak: str
    format: str
    bahasa: str
    url_data: str
    kolom: list[OpenDataColumn]
