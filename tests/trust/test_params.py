"""Request parameters parsed at the edge (ucj_dashboard.params): the malformed inputs of issue #18
are a 400 with an Indonesian reason (or the view's 404), never a server error, and each kind of
parameter has one parser."""

from datetime import date

import pytest
from django.urls import reverse

from ucj_dashboard import params
from ucj_dashboard.params import ParamError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("parse", "value", "expected"),
    [
        (lambda v: params.period(v), "2025-06", date(2025, 6, 1)),
        (lambda v: params.period(v), "", None),
        (lambda v: params.level(v, choices=(1, 2, 3)), "2", 2),
        (lambda v: params.integer(v, name="mulai", minimum=0, maximum=10), "10", 10),
        (lambda v: params.integer(v, name="batas", minimum=1, maximum=1000, cap=True), "5000", 1000),
        (lambda v: params.region_code(v, name="kode"), " 35.73 ", "35.73"),
        (lambda v: params.office_code(v, name="kantor"), "KC-MALANG", "KC-MALANG"),
        (lambda v: params.segment(v), "bpu", "BPU"),
        (lambda v: params.text(v, name="q"), "  Malang ", "Malang"),
    ],
)
def test_each_kind_has_one_parser_that_returns_plain_values(parse, value, expected):
    assert parse(value) == expected


@pytest.mark.parametrize(
    ("parse", "value", "message"),
    [
        (lambda v: params.period(v), "2025-13", "Parameter periode harus berupa bulan berformat YYYY-MM"),
        (lambda v: params.period(v), "Mei 2025", "Parameter periode harus berupa bulan berformat YYYY-MM"),
        (lambda v: params.level(v, choices=(1, 2, 3)), "²", "Parameter tingkat harus bilangan bulat."),
        (lambda v: params.level(v, choices=(1, 2, 3)), "7", "tingkat 7 tidak dikenal"),
        (lambda v: params.integer(v, name="mulai", minimum=0, maximum=10), "99999999999999999999", "bilangan bulat"),
        (lambda v: params.integer(v, name="mulai", minimum=0, maximum=10), "11", "antara 0 dan 10"),
        (lambda v: params.integer(v, name="batas", minimum=1, maximum=9, cap=True), "-1", "antara 1 dan 9"),
        (lambda v: params.region_code(v, name="kode"), "35.73\x00", "karakter yang tidak diizinkan"),
        (lambda v: params.region_code(v, name="kode"), "3" * 2_000, "terlalu panjang"),
        (lambda v: params.region_code(v, name="kode"), "Malang", "bukan kode wilayah Kemendagri"),
        (lambda v: params.office_code(v, name="kantor"), "KC MALANG", "bukan kode kantor"),
        (lambda v: params.segment(v), "JAKON", "harus PU atau BPU"),
        (lambda v: params.choice(v, name="urut", choices=("cakupan",), default="cakupan"), "x", "salah satu dari"),
    ],
)
def test_a_malformed_value_is_a_param_error_with_an_indonesian_reason(parse, value, message):
    with pytest.raises(ParamError) as error:
        parse(value)
    assert message in str(error.value)


@pytest.fixture
def signed_in(client, world):
    client.force_login(world["personas"]["admin"])
    return client


@pytest.mark.parametrize(
    ("url", "query", "reason"),
    [
        ("/peringkat/", {"tingkat": "²"}, "Parameter tingkat harus bilangan bulat."),
        ("/peringkat/unduh/csv/", {"tingkat": "²"}, "Parameter tingkat harus bilangan bulat."),
        ("/peringkat/", {"induk": "35\x00"}, "(NUL)"),
        ("/peringkat/", {"induk": "99.99"}, "Parameter induk: 99.99 tidak ditemukan."),
        ("/peringkat/", {"kanwil": "KC-MALANG"}, "Parameter kanwil: KC-MALANG tidak ditemukan."),
        ("/impor/templat/", {"wilayah": "35.73\x00"}, "(NUL)"),
        ("/wilayah/35.73/", {"periode": "2025-13"}, "Parameter periode harus berupa bulan"),
        ("/entri/35.73/", {"periode": "juni"}, "Parameter periode harus berupa bulan"),
    ],
)
def test_malformed_page_parameters_are_a_400_page_with_the_reason(signed_in, url, query, reason):
    response = signed_in.get(url, query)
    assert response.status_code == 400
    assert reason in response.content.decode()


@pytest.mark.parametrize(
    ("url", "query", "reason"),
    [
        ("/wilayah/cari/", {"q": "Mal\x00ang"}, "(NUL)"),
        ("/wilayah/cari/", {"q": "x" * 101}, "Parameter q terlalu panjang"),
        ("/api/v1/snapshot/", {"kode": "35.73\x00"}, "(NUL)"),
        ("/api/v1/snapshot/", {"mulai": "99999999999999999999"}, "Parameter mulai harus bilangan bulat."),
        ("/api/v1/snapshot/", {"mulai": "10000001"}, "Parameter mulai harus antara 0 dan 10000000."),
        ("/api/v1/snapshot/", {"kode": "99.99"}, "Parameter kode: 99.99 tidak ditemukan."),
        ("/wilayah/35.73/grafik/tren/", {"segmen": "JAKON"}, "Parameter segmen harus PU atau BPU."),
    ],
)
def test_malformed_json_parameters_are_a_400_with_a_json_reason(signed_in, url, query, reason):
    response = signed_in.get(url, query)
    assert response.status_code == 400
    assert reason in (response.json()["detail"] if response["Content-Type"] == "application/json" else "")


def test_a_nul_in_a_path_is_refused(signed_in):
    assert signed_in.get("/program/wilayah/%00/batch/").status_code == 400
    assert signed_in.get("/program/wilayah/35.99/batch/").status_code == 404  # well-formed, unknown
    assert signed_in.get("/program/wilayah/Malang/batch/").status_code == 404  # not a code: no such URL


def test_a_signed_in_user_sent_to_the_login_page_goes_home_instead_of_looping(signed_in):
    for target in ("/masuk/", "/masuk/?next=/masuk/"):
        response = signed_in.get("/masuk/", {"next": target})
        assert (response.status_code, response.url) == (302, "/")
    assert signed_in.get("/masuk/", {"next": "/peringkat/"}).url == "/peringkat/"  # a real next still works


def test_the_admin_search_refuses_a_nul_instead_of_failing(signed_in):
    response = signed_in.get(reverse("admin:regions_region_changelist"), {"q": "Mal\x00ang"})
    assert response.status_code == 400


def test_a_count_past_the_database_range_in_the_entry_grid_is_a_form_error(client, world):
    """Found by the fuzz step: 99999999999999999999 reached the model's validation, whose field error
    the grid form could not hold (a 500)."""
    from coverage.models import ParticipantCount

    client.force_login(world["personas"]["operator_kota_malang"])
    grid = reverse("coverage:entry_grid", kwargs={"code": "35.73"}) + "?periode=2025-06"
    before = sorted(ParticipantCount.objects.values_list("pk", "active", "version"))
    response = client.post(grid, {"35.73-PU-active": "99999999999999999999", "periode": "2025-06", "save": "1"})
    assert response.status_code == 200
    assert response.context["form"].errors["35.73-PU-active"] == ["angka terlalu besar: 99999999999999999999"]
    assert sorted(ParticipantCount.objects.values_list("pk", "active", "version")) == before
