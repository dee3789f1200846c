"""Bad-input sweep (hypothesis) over the count importer, the entry grid and the batch forms:
malformed numbers, huge and negative values, unusual Unicode, wrong encodings and broken .xlsx
give a clear error, save nothing and never a server error."""

import io

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from coverage.entry.importer import counts_import
from coverage.models import ParticipantCount, RecomputeRequest
from programs.models import FundedBatch

pytestmark = pytest.mark.django_db

SWEEP = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: CI stays reproducible
    database=None,  # nothing written into the work tree (.hypothesis/)
)

# Numbers as people type them, and as they should not: "134.167", "-5", "1e9", "12,5", "٣٤", "１２".
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=0, max_value=10**12).map(lambda n: f"{n:,}".replace(",", ".")),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(alphabet="0123456789.,-+ eE٠١٢٣٤٥٦٧٨٩１２３\u00a0\u200b", min_size=1, max_size=14),
    st.text(max_size=12),
)
NAMES = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), min_size=0, max_size=40
)
CODES = st.one_of(st.sampled_from(["35.73", "35.73.01", "35.05", "ID", "3573", "35.73.99", ""]), st.text(max_size=12))
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1", "utf-32"])


def _state():
    return (
        sorted(ParticipantCount.objects.values_list("region_id", "period", "segment", "source", "active", "version")),
        RecomputeRequest.objects.count(),
    )


def _csv(rows, encoding):
    text = "kode_wilayah;nama_wilayah;periode;segmen;peserta_aktif\r\n" + "".join(
        ";".join(cells) + "\r\n" for cells in rows
    )
    return text.encode(encoding, errors="replace")


ROWS = st.lists(
    st.tuples(CODES, NAMES, st.sampled_from(["2025-06", "2025-13", "Juni 2025", "", "06/2025"]),
              st.sampled_from(["PU", "BPU", "pu", "XX", ""]), NUMBERS),
    min_size=1, max_size=4,
)  # fmt: skip


@SWEEP
@given(rows=ROWS, encoding=ENCODINGS)
def test_the_importer_reports_bad_rows_and_applies_nothing(world, rows, encoding):
    operator = world["personas"]["operator_kota_malang"]
    before = _state()
    report = counts_import(file=_csv(rows, encoding), filename="masukan.csv", user=operator, dry_run=False)
    if report.errors:
        assert all(str(error) for error in report.errors)  # each error renders as a sentence
        assert _state() == before
        assert not report.applied
    else:
        # Only clean files apply, and then only Kota Malang's own, non-negative counts.
        saved = ParticipantCount.objects.filter(source="pemda").exclude(pk=world["count"].pk)
        assert all(c.region.is_within(world["kota"]) and c.active >= 0 for c in saved)


def _xlsx(cells):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["kode_wilayah", "nama_wilayah", "periode", "segmen", "peserta_aktif"])
    # Control characters cannot be stored in an .xlsx at all (openpyxl refuses them): left out.
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell for cell in cells])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@settings(SWEEP, max_examples=15)
@given(
    cut=st.integers(min_value=0, max_value=6000),
    noise=st.binary(min_size=0, max_size=64),
    active=st.one_of(st.integers(), st.floats(allow_nan=True), NUMBERS),
)
def test_a_broken_or_odd_xlsx_is_a_clear_error(world, cut, noise, active):
    operator = world["personas"]["operator_kota_malang"]
    before = _state()
    content = _xlsx(["35.73", "Kota Malang", "2025-06", "PU", active])
    # Truncated before the zip's end record (its last 22 bytes), garbage appended: never readable.
    broken = content[: min(cut, len(content) - 22)] + noise
    report = counts_import(file=broken, filename="rusak.xlsx", user=operator, dry_run=False)
    assert report.errors and not report.applied
    assert _state() == before
    whole = counts_import(file=content, filename="utuh.xlsx", user=operator, dry_run=True)
    assert whole.errors or whole.check is not None  # odd values are errors, never an exception
    assert _state() == before


@settings(SWEEP, max_examples=20)
@given(values=st.fixed_dictionaries({"35.73-PU-active": NUMBERS, "35.73-BPU-active": NUMBERS}))
def test_the_entry_grid_never_fails_on_odd_numbers(client, world, values):
    client.force_login(world["personas"]["operator_kota_malang"])
    grid = reverse("coverage:entry_grid", kwargs={"code": "35.73"}) + "?periode=2025-06"
    form = client.get(grid).context["form"]
    data = {}
    for name, field in form.fields.items():
        initial = form.initial.get(name, field.initial)
        data[name] = "" if initial is None else initial
    data.update(values, periode="2025-06", save="1")
    before = _state()
    response = client.post(grid, data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # refused: the page says why, nothing changed
        assert response.context["form"].errors
        assert _state() == before
    else:
        assert all(c.active >= 0 for c in ParticipantCount.objects.all())


@settings(SWEEP, max_examples=25)
@given(workers=NUMBERS, region=CODES, start=st.text(max_size=10), note=NAMES)
def test_the_batch_form_never_fails_on_odd_input(client, world, workers, region, start, note):
    client.force_login(world["personas"]["operator_kota_malang"])
    batch = world["batch"]
    before = list(FundedBatch.objects.values_list("pk", "region_id", "workers", "start_month"))
    response = client.post(
        reverse("programs:batch_create", kwargs={"code": "35.73"}),
        {"region": region, "workers": workers, "start_month": start, "end_month": start, "note": note,
         "scheme": batch.scheme_id, "category": batch.category_id, "package": batch.package_id, "status": "planned"},
    )  # fmt: skip
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert list(FundedBatch.objects.values_list("pk", "region_id", "workers", "start_month")) == before
    else:
        created = FundedBatch.objects.exclude(pk__in=[pk for pk, *_rest in before]).get()
        assert created.region.is_within(world["kota"]) and created.workers >= 1
        created.delete()


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (["35.73\x00", "Kota Malang", "2025-06", "PU", "10"], None),  # a NUL byte: dropped, never a 500
        (["35.73", "Kota Malang", "2025-06", "PU", "99.999.999.999"], "angka terlalu besar"),
        (["35.73", "Kota Malang", "2025-06", "PU", 1e28], "angka terlalu besar"),
        (["35.73", "Kota Malang", "2025-06", "PU", -5], "-5"),
        (["35.05", "Kabupaten Blitar", "2025-06", "PU", 10], "di luar wilayah kewenangan Anda"),
    ],
)
def test_cases_the_sweep_found_are_clear_errors(world, cells, message):
    """Found by the sweep above: a NUL byte and 1e28 used to end in a server error."""
    before = _state()
    if any("\x00" in str(cell) for cell in cells):  # openpyxl cannot even write it: a .csv then
        content, name = _csv([[str(cell) for cell in cells]], "utf-8"), "kasus.csv"
    else:
        content, name = _xlsx(cells), "kasus.xlsx"
    report = counts_import(file=content, filename=name, user=world["personas"]["operator_kota_malang"])
    if message is None:
        assert report.errors == [] and report.check is not None  # dry run: the row is read as 35.73
    else:
        assert any(message in str(error) for error in report.errors), [str(e) for e in report.errors]
    assert _state() == before
