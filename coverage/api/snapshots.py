"""``GET /api/v1/snapshot/``: the current snapshots (v1 shape kept from the hand-written API)."""

from ninja import Field, Query, Router, Schema

from ..dashboards.api import api_row, snapshot_filters, snapshot_page
from .responses import ERRORS, csv_response, wants_csv
from .schemas import SnapshotPage

router = Router(tags=["snapshot"])


class SnapshotQuery(Schema):
    """Strings, parsed by ``ucj_dashboard.params`` like every page's parameters: an empty value means
    "not given", as it always has for this URL."""

    tingkat: str | None = Field(None, description="0 nasional, 1 provinsi, 2 kab/kota, 3 kecamatan, 4 desa, "
                                                "11 Kanwil, 12 kantor cabang", examples=["2"])  # fmt: skip
    induk: str | None = Field(None, description="Kode wilayah induk atau kode Kanwil", examples=["35"])
    kode: str | None = Field(None, description="Kode satu wilayah", examples=["35.73"])
    kantor: str | None = Field(None, description="Kode satu kantor", examples=["KC-MALANG"])
    periode: str | None = Field(None, description="Bulan, YYYY-MM", examples=["2025-06"])
    batas: str | None = Field(None, description="Jumlah baris per halaman, 1 sampai 1.000 (bawaan 500)")
    mulai: str | None = Field(None, description="Posisi baris pertama, 0 sampai 10.000.000")


@router.get("/snapshot/", response={200: SnapshotPage, **ERRORS}, url_name="api_snapshots", summary="Snapshot cakupan")
def snapshots(request, query: Query[SnapshotQuery]):
    """Snapshot terkini, bulan terbaru lebih dulu. `?format=csv` untuk CSV."""
    result = snapshot_page(**snapshot_filters(query.dict()))
    rows = [api_row(row) for row in result["rows"]]
    if wants_csv(request):
        return csv_response(rows, "snapshot.csv", exclude=("targets",))
    return {"count": result["count"], "limit": result["limit"], "offset": result["offset"], "results": rows}
