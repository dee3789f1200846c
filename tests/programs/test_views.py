import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from coverage.models import RecomputeRequest
from programs.models import BatchStatus, FundedBatch, FundingScheme
from programs.services import funded_batch_create

pytestmark = pytest.mark.django_db

LUMAJANG = {
    "region": "35.08",
    "year": "2024",
    "start_month": "6",
    "months": "7",
    "workers": "5606",
}


@pytest.fixture
def lumajang_query(catalogue, demo_regions):
    return LUMAJANG | {"package": str(catalogue["jkk_jkm"].pk)}


def test_the_simulator_needs_a_signed_in_user(client, catalogue):
    response = client.get(reverse("programs:simulator"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("persona", ["branch_head_malang", "operator_kab_blitar", "verifier_malang"])
def test_any_signed_in_user_simulates_the_lumajang_budget(client, request, lumajang_query, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("programs:simulator"), lumajang_query)
    assert response.status_code == 200
    assert response.context["simulation"].budget.total == Decimal("659265600")
    assert "Rp659.265.600" in response.content.decode()


def test_the_simulator_form_starts_on_the_operators_region(client, operator_kota_malang, catalogue):
    client.force_login(operator_kota_malang)
    response = client.get(reverse("programs:simulator"))
    assert response.context["form"].initial["region"] == "35.73"
    assert response.context["simulation"] is None


def test_the_simulator_keeps_a_budget_within_its_fiscal_year(client, admin_user, lumajang_query):
    client.force_login(admin_user)
    response = client.get(reverse("programs:simulator"), lumajang_query | {"start_month": "10", "months": "7"})
    assert response.context["simulation"] is None
    assert "months" in response.context["form"].errors


def test_the_export_is_a_one_page_xlsx_with_the_budget(client, admin_user, lumajang_query):
    client.force_login(admin_user)
    response = client.get(reverse("programs:simulator_export"), lumajang_query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    assert 659265600 in values
    assert sheet.page_setup.fitToHeight == 1 and sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True


def test_the_export_neutralises_formulas_in_text(client, admin_user, lumajang_query, demo_regions):
    region = demo_regions["35.08"]
    region.name = '=HYPERLINK("http://evil.example","klik")'
    region.save()
    client.force_login(admin_user)
    response = client.get(reverse("programs:simulator_export"), lumajang_query)
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert not [c for c in cells if c.data_type == "f" or c.value.startswith("=")]
    assert any(c.value.startswith("'=HYPERLINK") for c in cells)


def _batch_post(catalogue, **extra):
    return {
        "region": "35.73",
        "scheme": catalogue["schemes"]["apbd"].pk,
        "category": catalogue["categories"]["kader-posyandu"].pk,
        "workers": "1.250",
        "package": catalogue["jkk_jkm"].pk,
        "start_month": "2026-03",
        "end_month": "2026-11",
        "fiscal_year": "",
        "status": BatchStatus.ACTIVE,
        "reference": "SK Wali Kota 100/2026",
        "note": "",
    } | extra


def test_an_operator_records_a_batch_for_their_region(
    client, operator_kota_malang, catalogue, django_capture_on_commit_callbacks
):
    client.force_login(operator_kota_malang)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("programs:batch_create", kwargs={"code": "35.73"}), _batch_post(catalogue))
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    batch = FundedBatch.objects.get()
    assert (batch.workers, batch.fiscal_year, batch.months) == (1250, 2026, 9)
    assert batch.cost == Decimal(1250 * 9 * 16800)
    assert batch.created_by == operator_kota_malang
    assert RecomputeRequest.objects.filter(region__code="35.73").count() == 9
    assert callbacks  # the recompute is queued on commit
    listing = client.get(response["Location"])
    assert "Batch Kota Malang APBD Kader posyandu: 1.250 (Maret–November 2026) disimpan." in listing.content.decode()


def test_the_batch_form_records_the_target_population_and_the_list_shows_realisation(
    client, operator_kota_malang, catalogue
):
    client.force_login(operator_kota_malang)
    url = reverse("programs:batch_create", kwargs={"code": "35.73"})
    refused = client.post(url, _batch_post(catalogue, target_population="1.000"))
    assert refused.status_code == 200
    assert "target_population" in refused.context["form"].errors
    response = client.post(url, _batch_post(catalogue, target_population="5.000"))
    assert response.status_code == 302
    assert FundedBatch.objects.get().target_population == 5000
    listing = client.get(reverse("programs:batch_list", kwargs={"code": "35.73"}))
    assert "1.250 dari 5.000 (25,00%)" in listing.content.decode()


def test_the_saved_message_prints_workers_and_months_the_indonesian_way(client, operator_kota_malang, catalogue):
    """Not "6900 (2026-01..2026-12)": the batch's name in messages uses the formats of the pages."""
    client.force_login(operator_kota_malang)
    data = _batch_post(catalogue, workers="6.900", start_month="2026-01", end_month="2026-12")
    response = client.post(reverse("programs:batch_create", kwargs={"code": "35.73"}), data, follow=True)
    [message] = [str(m) for m in response.context["messages"]]
    assert message.endswith(": 6.900 (Januari–Desember 2026) disimpan."), message


def test_an_operator_may_record_for_a_kelurahan_of_their_city(client, operator_kota_malang, catalogue):
    client.force_login(operator_kota_malang)
    data = _batch_post(catalogue, region="35.73.01.1001")
    response = client.post(reverse("programs:batch_create", kwargs={"code": "35.73"}), data)
    assert response.status_code == 302
    assert FundedBatch.objects.get().region.name == "Jodipan"


def test_an_operator_cannot_record_for_another_region(client, operator_kab_blitar, catalogue):
    client.force_login(operator_kab_blitar)
    assert client.get(reverse("programs:batch_create", kwargs={"code": "35.73"})).status_code == 404
    # Nor smuggle another region into the form of their own.
    response = client.post(reverse("programs:batch_create", kwargs={"code": "35.05"}), _batch_post(catalogue))
    assert response.status_code == 200
    assert "region" in response.context["form"].errors
    assert not FundedBatch.objects.exists()


def test_branch_heads_read_batches_but_do_not_edit_them(client, branch_head_malang, catalogue, region_tree):
    batch = funded_batch_create(
        region=region_tree["35.73"],
        scheme=catalogue["schemes"]["apbd"],
        category=catalogue["categories"]["kader-posyandu"],
        workers=1250,
        package=catalogue["jkk_jkm"],
        start_month=date(2026, 3, 1),
        end_month=date(2026, 11, 1),
        status=BatchStatus.ACTIVE,
    )
    client.force_login(branch_head_malang)
    listing = client.get(reverse("programs:batch_list", kwargs={"code": "35.73"}))
    assert listing.status_code == 200 and "1.250" in listing.content.decode()
    assert client.get(reverse("programs:batch_edit", kwargs={"pk": batch.pk})).status_code == 404
    assert client.post(reverse("programs:batch_delete", kwargs={"pk": batch.pk})).status_code == 404
    assert FundedBatch.objects.filter(pk=batch.pk).exists()


def test_an_admin_edits_and_deletes_a_batch(client, admin_user, catalogue, region_tree):
    batch = funded_batch_create(
        region=region_tree["35.73"],
        scheme=catalogue["schemes"]["apbd"],
        category=catalogue["categories"]["kader-posyandu"],
        workers=1250,
        package=catalogue["jkk_jkm"],
        start_month=date(2026, 3, 1),
        end_month=date(2026, 11, 1),
        status=BatchStatus.ACTIVE,
    )
    client.force_login(admin_user)
    edit = client.post(reverse("programs:batch_edit", kwargs={"pk": batch.pk}), _batch_post(catalogue, workers="2000"))
    assert edit.status_code == 302
    batch.refresh_from_db()
    assert batch.cost == Decimal(2000 * 9 * 16800)
    assert client.post(reverse("programs:batch_delete", kwargs={"pk": batch.pk})).status_code == 302
    assert not FundedBatch.objects.exists()


def test_unknown_regions_are_404(client, admin_user, catalogue):
    client.force_login(admin_user)
    assert client.get(reverse("programs:batch_create", kwargs={"code": "99.99"})).status_code == 404


def test_out_of_scope_batches_answer_like_ones_that_do_not_exist(client, operator_kab_blitar, catalogue, region_tree):
    batch = funded_batch_create(
        region=region_tree["35.73"],
        scheme=catalogue["schemes"]["apbd"],
        category=catalogue["categories"]["kader-posyandu"],
        workers=1250,
        package=catalogue["jkk_jkm"],
        start_month=date(2026, 3, 1),
        end_month=date(2026, 11, 1),
        status=BatchStatus.ACTIVE,
    )
    client.force_login(operator_kab_blitar)
    hidden = client.get(reverse("programs:batch_edit", kwargs={"pk": batch.pk}))
    missing = client.get(reverse("programs:batch_edit", kwargs={"pk": batch.pk + 1000}))
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.content == missing.content
    for name in ("batch_create", "batch_import", "batch_import_template"):
        hidden = client.get(reverse(f"programs:{name}", kwargs={"code": "35.73"}))
        missing = client.get(reverse(f"programs:{name}", kwargs={"code": "99.99"}))
        assert (hidden.status_code, missing.status_code) == (404, 404)
        assert hidden.content == missing.content


def test_the_admin_changelist_and_form_load(client, admin_user, catalogue, region_tree):
    funded_batch_create(
        region=region_tree["35.73"],
        scheme=catalogue["schemes"]["apbd"],
        category=catalogue["categories"]["kader-posyandu"],
        workers=10,
        package=catalogue["jkk_jkm"],
        start_month=date(2026, 3, 1),
        end_month=date(2026, 3, 1),
    )
    client.force_login(admin_user)
    for name in (
        "fundedbatch",
        "premiumrate",
        "package",
        "fundingscheme",
        "schemeyearbasis",
        "workercategory",
        "program",
    ):
        assert client.get(reverse(f"admin:programs_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:programs_{name}_add")).status_code == 200


def _sheet_values(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]


def test_the_page_shows_the_what_if_and_the_inverse(client, branch_head_malang, snapshots, catalogue, on_today):
    client.force_login(branch_head_malang)
    query = {"region": "35.07", "year": "2027", "start_month": "10", "months": "3", "workers": "100.000"}
    response = client.get(reverse("programs:simulator"), query | {"package": catalogue["jkk_jkm"].pk})
    html = response.content.decode()
    assert "Rp5.040.000.000" in html  # 100.000 x 3 x Rp16.800
    assert "Dasar: Desember 2026, angka terakhir sebelum TA 2027." in html
    assert "19,60%" in html and "26,74%" in html  # coverage at the baseline and with the batch
    assert "145.600" in html and "Rp7.338.240.000" in html  # gap to 30% and its cost to December
    assert 'data-figure="budget-chart"' in html
    assert "bulan sudah lewat" not in html

    export = client.get(reverse("programs:simulator_export"), query | {"package": catalogue["jkk_jkm"].pk})
    values = _sheet_values(export)
    assert {5040000000, 274400, 374400, "26,74%", 145600, 7338240000} <= set(values)
    assert "Dasar: Desember 2026, angka terakhir sebelum TA 2027." in values


def test_the_page_and_the_export_cite_the_schemes_legal_basis_for_the_year(client, admin_user, lumajang_query):
    apbd = FundingScheme.objects.get(code="apbd")
    client.force_login(admin_user)
    query = lumajang_query | {"year": "2025", "scheme": apbd.pk}
    basis = (
        "Inpres 2/2021; SE Mendagri 842.2/5193/SJ; "
        "Permendagri 15/2024 tentang Pedoman Penyusunan APBD Tahun Anggaran 2025"
    )
    html = client.get(reverse("programs:simulator"), query).content.decode()
    assert "Dasar hukum APBD TA 2025:" in html and basis in html
    assert basis in _sheet_values(client.get(reverse("programs:simulator_export"), query))

    # A year whose yearly Permendagri is not recorded yet says so, and which one was last.
    html = client.get(reverse("programs:simulator"), query | {"year": "2027"}).content.decode()
    assert "Dasar hukum tahunan untuk TA 2027 belum dicatat (terakhir: TA 2026, Permendagri 14/2025" in html
    without = client.get(reverse("programs:simulator"), lumajang_query).content.decode()
    assert "Pilih skema pendanaan untuk mencantumkan dasar hukumnya." in without


def test_months_already_past_are_flagged_on_the_page_and_in_the_export(client, admin_user, lumajang_query, on_today):
    client.force_login(admin_user)
    # Lumajang's real 2024 budget, seen in January 2027: still priced (Rp659.265.600), every month flagged.
    response = client.get(reverse("programs:simulator"), lumajang_query)
    html = response.content.decode()
    assert "Rp659.265.600" in html
    assert html.count("bulan sudah lewat") == 7
    assert "TA 2024 sudah lewat" in html
    values = _sheet_values(client.get(reverse("programs:simulator_export"), lumajang_query))
    assert "Juni 2024 (bulan sudah lewat)" in values
    assert "Juni–Desember 2024 (7 bulan)" in values


def test_admin_saves_go_through_the_services(client, admin_user, catalogue, region_tree):
    from programs.models import PremiumRate, Program

    client.force_login(admin_user)
    response = client.post(
        reverse("admin:programs_fundedbatch_add"),
        _batch_post(catalogue, region=region_tree["35.73"].pk, start_month="2026-03-01", end_month="2026-11-01")
        | {"fiscal_year": "2026", "workers": "1250"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    batch = FundedBatch.objects.get()
    assert batch.cost == Decimal(1250 * 9 * 16800)
    assert RecomputeRequest.objects.filter(region=region_tree["35.73"]).count() == 9

    jkm = Program.objects.get(code="JKM")
    response = client.post(
        reverse("admin:programs_premiumrate_add"),
        {"program": jkm.pk, "segment": "BPU", "basis": "flat", "amount": "8000", "valid_from": "2026-07-01"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert PremiumRate.objects.get(program=jkm, segment="BPU", valid_from=date(2015, 7, 1)).valid_to == date(
        2026, 6, 30
    )
    batch.refresh_from_db()
    assert batch.cost == Decimal(1250 * (4 * 16800 + 5 * 18000))  # March-June old rate, July-November new


@pytest.mark.parametrize(("text", "code"), [("35.07", "35.07"), ("Kab. Malang", "35.07"), ("KOTA MALANG", "35.73")])
def test_the_simulator_finds_regions_by_code_or_name_variant(region_tree, text, code):
    from programs.forms import region_lookup

    assert region_lookup(text).code == code


def test_an_ambiguous_name_finds_nothing(region_tree):
    from programs.forms import region_lookup

    assert region_lookup("Malang") is None
