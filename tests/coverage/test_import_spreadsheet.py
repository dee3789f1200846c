"""The generic spreadsheet helpers: reading .csv/.xlsx, limits, and resolving region names."""

import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from regions.models import Kind, Region
from regions.resolver import RegionResolveError, RegionResolver, region_name_key
from tests.factories import make_region
from ucj_dashboard import spreadsheets
from ucj_dashboard.spreadsheets import MAX_COLUMNS, RowError, SpreadsheetError, parse_period, read_spreadsheet

pytestmark = pytest.mark.django_db


def _xlsx(rows, title="Data"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_it_reads_a_semicolon_csv_with_bom_and_keeps_spreadsheet_row_numbers():
    data = "\ufeffKode Wilayah;Peserta Aktif\n35.73;134.167\n;\n35.07;187.412\n".encode()
    frame = read_spreadsheet(data, "data.csv")
    assert list(frame.columns) == ["kode_wilayah", "peserta_aktif"]
    assert frame.to_dict("index") == {
        2: {"kode_wilayah": "35.73", "peserta_aktif": "134.167"},
        4: {"kode_wilayah": "35.07", "peserta_aktif": "187.412"},
    }
    assert frame.attrs["columns"]["kode_wilayah"] == "Kode Wilayah"


def test_it_reads_a_comma_csv_in_windows_1252():
    data = 'nama_wilayah,catatan\n"Kab. Malang","Pendaftaran massal – APBD"\n'.encode("cp1252")
    frame = read_spreadsheet(data, "DATA.CSV")
    assert frame.loc[2, "catatan"] == "Pendaftaran massal – APBD"


def test_it_drops_a_trailing_total_row_and_reports_it():
    data = b"kode;aktif\n35.73;100\n35.07;200\n;JUMLAH;300\n"
    frame = read_spreadsheet(data, "x.csv")
    assert list(frame.index) == [2, 3]
    assert frame.attrs["skipped"] == [
        RowError(4, "", "JUMLAH", "Baris total diabaikan; tidak diimpor.", severity="info")
    ]


def test_it_skips_a_title_line_above_the_header_when_told_the_columns():
    data = b"Data kepesertaan Mei 2025;;\nkode_wilayah;periode;x\n35.73;2025-05;1\n"
    frame = read_spreadsheet(data, "x.csv", expected_columns=["kode_wilayah"])
    assert frame.attrs["header_row"] == 2
    assert frame.loc[3, "periode"] == "2025-05"


def test_it_reads_xlsx_cells_as_strings_without_mistaking_decimals_for_thousands():
    from datetime import datetime

    data = _xlsx(
        [["kode", "aktif", "periode", "desimal"], ["35.73", 134167, datetime(2025, 5, 1), 134.167], [None] * 4]
    )
    frame = read_spreadsheet(data, "x.xlsx")
    assert frame.loc[2].tolist() == ["35.73", "134167", "2025-05-01", "134.1670"]
    assert len(frame) == 1


def test_it_prefers_a_sheet_named_data():
    workbook = Workbook()
    workbook.active.title = "Petunjuk"
    workbook.active.append(["baca saya"])
    workbook.create_sheet("Data").append(["kode_wilayah"])
    workbook["Data"].append(["35.73"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read_spreadsheet(buffer.getvalue(), "t.xlsx").loc[2, "kode_wilayah"] == "35.73"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"a;b\n1;2\n", "data.xls", "Jenis berkas .xls tidak didukung: unggah .xlsx atau .csv."),
        (b"a;b\n" + b"1;2\n" * 10, "data.csv", "Berkas terlalu besar; batasnya 0 MB."),
        (b"bukan zip", "data.xlsx", "Berkas bukan .xlsx yang valid. Simpan ulang dari Excel sebagai .xlsx atau .csv."),
        (b"  \n", "data.csv", "Berkas kosong."),
    ],
)
def test_it_refuses_files_it_cannot_read(data, name, message):
    with pytest.raises(SpreadsheetError) as error:
        read_spreadsheet(data, name, max_bytes=len(data) - 1 if "besar" in message else None)
    assert str(error.value) == message


def test_it_refuses_an_xlsx_zip_bomb_before_opening_it():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (101 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024
    with pytest.raises(SpreadsheetError) as error:
        read_spreadsheet(data, "bom.xlsx")
    assert str(error.value) == "Isi berkas .xlsx terlalu besar setelah diekstrak (101 MB); batasnya 100 MB."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kab. Malang", ("kabupaten", "malang")),
        ("KABUPATEN MALANG", ("kabupaten", "malang")),
        ("KAB MALANG", ("kabupaten", "malang")),
        ("Kota Malang", ("kota", "malang")),
        ("Kec. Klojen", ("kecamatan", "klojen")),
        ("Pangkal Pinang", (None, "pangkal pinang")),
    ],
)
def test_region_name_variants_share_one_key(text, expected):
    assert region_name_key(text) == expected


@pytest.mark.parametrize("name", ["Kab. Malang", "KABUPATEN MALANG", "KAB MALANG", "kabupaten malang"])
def test_the_resolver_finds_kabupaten_malang_by_its_name_variants(operator_jatim, region_tree, name):  # noqa: F811
    assert RegionResolver(operator_jatim).resolve(name=name) == region_tree["35.07"]


def test_the_resolver_tells_kota_from_kabupaten_and_reports_ambiguity(operator_jatim, region_tree):  # noqa: F811
    resolver = RegionResolver(operator_jatim)
    assert resolver.resolve(name="Kota Malang") == region_tree["35.73"]
    with pytest.raises(RegionResolveError) as error:
        resolver.resolve(name="Malang")
    assert str(error.value) == (
        "Nama wilayah Malang ambigu (35.07 Kabupaten Malang, 35.73 Kota Malang); isi kode_wilayah."
    )


def test_a_plain_name_is_unambiguous_inside_a_small_scope(operator_kota_malang, region_tree):
    assert RegionResolver(operator_kota_malang).resolve(name="Malang") == region_tree["35.73"]
    assert RegionResolver(operator_kota_malang).resolve(name="Kec. Klojen") == region_tree["35.73.02"]


def test_the_resolver_refuses_regions_outside_the_scope_by_code_and_by_name(operator_kota_malang, region_tree):
    resolver = RegionResolver(operator_kota_malang)
    expected = "Wilayah 35.05 Kabupaten Blitar di luar wilayah kewenangan Anda."
    for kwargs in ({"code": "35.05"}, {"name": "Kab. Blitar"}):
        with pytest.raises(RegionResolveError) as error:
            resolver.resolve(**kwargs)
        assert str(error.value) == expected


@pytest.mark.parametrize(
    ("persona", "name", "refused"),
    [
        ("operator_kota_malang", "Kabupaten Malang", "35.07 Kabupaten Malang"),
        ("operator_kota_malang", "Kab. Malang", "35.07 Kabupaten Malang"),
        ("operator_kab_blitar", "Kota Blitar", "35.72 Kota Blitar"),
    ],
)
def test_a_name_of_another_kind_is_out_of_scope_not_its_namesake(request, region_tree, persona, name, refused):
    """Issue #18: "Kabupaten Malang" from Kota Malang's operator was written to Kota Malang (35.73)."""
    make_region("35.72", "Kota Blitar")
    with pytest.raises(RegionResolveError) as error:
        RegionResolver(request.getfixturevalue(persona)).resolve(name=name)
    assert str(error.value) == f"Wilayah {refused} di luar wilayah kewenangan Anda."


def test_a_name_of_a_kind_that_exists_nowhere_is_unknown(operator_kota_malang, region_tree):
    with pytest.raises(RegionResolveError) as error:
        RegionResolver(operator_kota_malang).resolve(name="Kabupaten Klojen")
    assert str(error.value) == "Nama wilayah Kabupaten Klojen tidak dikenal."


def test_a_kecamatan_may_be_written_for_a_distrik(admin_user):
    """The one pair of kinds that is a single unit under two names (Papua's distrik)."""
    distrik = make_region("91.03.01", "Abepura")
    Region.objects.filter(pk=distrik.pk).update(kind=Kind.DISTRIK)
    assert RegionResolver(admin_user).resolve(name="Kecamatan Abepura") == distrik
    assert RegionResolver(admin_user).resolve(name="Distrik Abepura") == distrik


def test_codes_are_exact_and_bps_codes_are_explained(operator_kota_malang, region_tree):
    resolver = RegionResolver(operator_kota_malang)
    assert resolver.resolve(code="35.73", name="nama lain") == region_tree["35.73"]
    with pytest.raises(RegionResolveError) as error:
        resolver.resolve(code="3573")
    assert str(error.value) == "Kode 3573 bukan kode Kemendagri bertitik (contoh: 35.07); kode BPS tidak dipakai."
    with pytest.raises(RegionResolveError) as error:
        resolver.resolve(code="35.99")
    assert str(error.value) == "Kode wilayah 35.99 tidak dikenal."


@pytest.mark.parametrize("text", ["2025-05", "2025-05-01", "05/2025", "Mei 2025", "2025-05-01 00:00:00"])
def test_periods_in_common_spellings(text):
    from datetime import date

    assert parse_period(text) == date(2025, 5, 1)


def test_a_malformed_period_is_refused_in_indonesian():
    with pytest.raises(ValueError, match="periode harus berformat YYYY-MM, misalnya 2025-05"):
        parse_period("2025-13")


# --- limits, counted while the file streams in (issue #18) --------------------------------------


def test_trailing_empty_cells_do_not_widen_the_table():
    """The old reader padded 4.000 rows to a row of 20.000 ';' (1,8 GB); empty cells are not columns."""
    data = ("kode_wilayah;peserta_aktif\n" + "35.73;1\n" * 4_000 + ";" * 20_000 + "\n").encode()
    frame = read_spreadsheet(data, "x.csv")
    assert frame.shape == (4_000, 2)


def test_a_row_with_a_value_past_the_column_limit_is_refused_not_truncated():
    data = ("kode_wilayah;peserta_aktif\n35.73;1\n" + "x" + ";" * MAX_COLUMNS + "y\n").encode()
    with pytest.raises(SpreadsheetError) as error:
        read_spreadsheet(data, "x.csv")
    assert str(error.value) == "Baris 3 berisi lebih dari 200 kolom; batasnya 200 kolom."


def test_a_row_of_exactly_the_column_limit_is_read():
    data = (";".join(f"k{i}" for i in range(MAX_COLUMNS)) + "\n" + ";".join("1" * MAX_COLUMNS) + "\n").encode()
    assert read_spreadsheet(data, "x.csv").shape == (1, MAX_COLUMNS)


def test_rows_past_the_limit_are_refused_as_they_arrive(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 3)
    data = b"kode;aktif\n" + b"\n".join(b"35.73;%d" % i for i in range(4)) + b"\n"
    with pytest.raises(SpreadsheetError, match="lebih dari 3 baris data"):
        read_spreadsheet(data, "x.csv")
    assert len(read_spreadsheet(b"kode;aktif\n35.73;1\n\n\n35.07;2\n35.05;3\n", "x.csv")) == 3  # blanks not counted


def test_the_cell_budget_refuses_a_table_whose_rows_times_columns_pass_it(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_CELLS", 20)
    narrow = b"a;b\n" + b"1;2\n" * 10  # 10 rows x 2 columns = 20 cells: read
    assert read_spreadsheet(narrow, "x.csv").shape == (10, 2)
    with pytest.raises(SpreadsheetError) as error:
        read_spreadsheet(narrow + b"1;2;3\n", "x.csv")  # one wider row makes 11 x 3
    assert str(error.value) == "Tabel berisi lebih dari 20 sel (baris x kolom). Bagi menjadi beberapa berkas."


def test_a_file_that_takes_longer_than_the_reading_time_is_refused(monkeypatch):
    monkeypatch.setattr(spreadsheets, "READ_SECONDS", 0)
    data = b"kode;aktif\n" + b"35.73;1\n" * 3_000
    with pytest.raises(SpreadsheetError) as error:
        read_spreadsheet(data, "x.csv")
    assert "tidak selesai dibaca dalam 0 detik" in str(error.value)


def test_an_xlsx_that_declares_a_column_past_the_limit_is_refused_before_reading():
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(["kode_wilayah", "peserta_aktif"])
    sheet.append(["35.73", 1])
    sheet.cell(row=3, column=16_384, value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(SpreadsheetError) as error:
        read_spreadsheet(buffer.getvalue(), "x.xlsx")
    assert str(error.value) == (
        "Lembar Data memakai kolom sampai XFD; batasnya 200 kolom. Hapus kolom di kanan tabel, lalu simpan ulang."
    )


def _with_dimension(data, ref):
    """The same .xlsx with a wrong <dimension> (some producers write one)."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                content = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="%s"' % ref.encode(), content)
            out.writestr(item, content)
    return target.getvalue()


def test_an_xlsx_with_a_wrong_dimension_is_read_within_the_column_bound():
    rows = [["kode_wilayah", "peserta_aktif"], ["35.73", 1]]
    too_wide = _with_dimension(_xlsx([*rows, ["x", *[None] * (MAX_COLUMNS - 1), "y"]]), "A1:B2")
    with pytest.raises(SpreadsheetError) as error:
        read_spreadsheet(too_wide, "x.xlsx")
    assert str(error.value) == "Baris 3 berisi lebih dari 200 kolom; batasnya 200 kolom."
    frame = read_spreadsheet(_with_dimension(_xlsx(rows), "A1:A1"), "x.xlsx")
    assert frame.loc[2].tolist() == ["35.73", "1"]  # a too-small dimension loses nothing
