"""BPJS and Pemda figures side by side: the entry grid and the verification queue show last month's
figure that counted (whatever its source) and this month's BPJS figure with the difference; a Pemda
entry for a cell BPJS already reported is kept, says at once that the BPJS figure counts, and is
marked as not counting; the discrepancy page of a branch or Kanwil lists where the two differ.

Figures: Kota Malang, May 2025 (DOMAIN.md: 134.167 participants); BPJS reports 134.500."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from coverage.entry.services import participant_count_save, participant_counts_submit
from coverage.entry.verification import participant_counts_verify
from coverage.models import CoverageSettings, EffectiveCount, EntryStatus, ParticipantCount, Source
from regions.models import Role, UserRole
from tests.conftest import PASSWORD
from tests.factories import APRIL, MAY
from tests.factories import make_pemda_count as make_count

pytestmark = pytest.mark.django_db

GRID = "/entri/35.73/?periode=2025-05"
BPJS_COUNTS = (
    "Angka BPJS 134.500 sudah ada untuk Kota Malang PU Mei 2025 dan angka itulah yang dihitung; angka Pemda "
    "134.167 (selisih -333) disimpan sebagai pembanding."
)


def bpjs(region, segment, active, period=MAY, status=EntryStatus.VERIFIED):
    return ParticipantCount.objects.create(
        region=region, period=period, segment=segment, source=Source.BPJS, status=status, active=active
    )


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _grid_post(response, **values):
    form = response.context["form"]
    data = {"periode": "2025-05"}
    for name, field in form.fields.items():
        initial = form.initial.get(name, field.initial)
        data[name] = "" if initial is None else initial
    data.update(values)
    return data


# --- the BPJS-over-Pemda warning ----------------------------------------------------------------


def test_a_pemda_entry_for_a_cell_bpjs_reported_is_kept_with_a_warning_that_bpjs_counts(
    operator_kota_malang, region_tree
):
    kota = region_tree["35.73"]
    reported = bpjs(kota, "PU", 134_500)
    count = participant_count_save(
        region=kota, period=MAY, segment="PU", values={"active": 134_167}, user=operator_kota_malang, expected_version=0
    )
    assert [(w.rule, w.message) for w in count.rule_warnings] == [("bpjs_reported", BPJS_COUNTS)]
    participant_counts_submit(counts=[count], user=operator_kota_malang)
    count.refresh_from_db()
    assert (count.status, count.active) == (EntryStatus.SUBMITTED, 134_167)  # accepted and kept
    counted = EffectiveCount.objects.get(region=kota, period=MAY, segment="PU")
    assert (counted.pk, counted.source, counted.active) == (reported.pk, Source.BPJS, 134_500)


def test_a_bpjs_figure_that_does_not_count_yet_gives_no_warning(operator_kota_malang, region_tree):
    kota = region_tree["35.73"]
    bpjs(kota, "PU", 134_500, status=EntryStatus.DRAFT)
    count = participant_count_save(
        region=kota, period=MAY, segment="PU", values={"active": 134_167}, user=operator_kota_malang, expected_version=0
    )
    assert count.rule_warnings == []


def test_the_grid_says_at_once_which_figure_counts_when_saving_a_cell_bpjs_reported(
    client, operator_kota_malang, region_tree
):
    bpjs(region_tree["35.73"], "PU", 134_500)
    _login(client, operator_kota_malang)
    page = client.get(GRID)
    response = client.post(GRID, _grid_post(page, **{"35.73-PU-active": "134.167", "submit": "1"}), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["1 angka diajukan ke verifikator.", BPJS_COUNTS]
    html = response.content.decode()
    assert '<td class="num not-counting">' in html
    assert '<span class="not-counting-note">Tidak dihitung: angka BPJS yang dipakai</span>' in html


# --- the grid ---------------------------------------------------------------------------------


def test_the_grid_shows_last_months_bpjs_figure_when_last_month_came_from_bpjs(
    client, operator_kota_malang, region_tree
):
    """ "Bulan lalu" was empty whenever last month came from BPJS."""
    bpjs(region_tree["35.73"], "PU", 131_167, period=APRIL)
    make_count(region_tree["35.73"], "PU", 120_000, period=APRIL, status=EntryStatus.VERIFIED)  # kept, not counted
    make_count(region_tree["35.73.02"], "BPU", 4_000, period=APRIL, status=EntryStatus.DRAFT)  # never counted
    response = _login(client, operator_kota_malang).get(GRID)
    html = response.content.decode()
    assert (
        '<span class="prev" title="Bulan lalu, angka BPJS">131.167 <span class="source source-bpjs">BPJS</span></span>'
        in html
    )
    assert "120.000" not in html and "4.000" not in html


def test_the_grid_shows_this_months_bpjs_figure_and_the_difference(client, operator_kota_malang, region_tree):
    bpjs(region_tree["35.73"], "PU", 134_500)
    make_count(region_tree["35.73"], "PU", 134_167, status=EntryStatus.DRAFT)
    bpjs(region_tree["35.73.01"], "BPU", 4_754)
    html = _login(client, operator_kota_malang).get(GRID).content.decode()
    assert (
        '<span class="bpjs" id="id_35.73-PU-active-bpjs">BPJS 134.500 (dihitung) <span class="bpjs-diff" '
        'data-label="selisih">selisih -333 (-0,2%)</span></span>' in html
    )
    # The raw figure for the script's live comparison, never localised.
    assert 'id="id_35.73-PU-active" value="134.167"' in html and 'data-bpjs="134500"' in html
    assert 'data-bpjs="4754"' in html  # a cell with only the BPJS figure: nothing entered yet
    assert "not-counting-note" not in html  # a draft does not count anyway


def test_the_grid_reads_the_sources_in_a_fixed_number_of_queries(
    client, operator_kota_malang, region_tree, django_assert_max_num_queries
):
    _login(client, operator_kota_malang)
    client.get(GRID)
    for region in ("35.73", "35.73.01", "35.73.02"):
        for segment in ("PU", "BPU", "JAKON", "PMI"):
            bpjs(region_tree[region], segment, 1_000, period=APRIL)
            bpjs(region_tree[region], segment, 1_100)
            make_count(region_tree[region], segment, 1_050, status=EntryStatus.SUBMITTED)
    with django_assert_max_num_queries(12):
        assert client.get(GRID).status_code == 200


# --- the verification queue ---------------------------------------------------------------------


def test_the_queue_shows_last_months_figure_and_this_months_bpjs_figure_per_item(client, verifier_malang, region_tree):
    kota = region_tree["35.73"]
    bpjs(kota, "PU", 131_167, period=APRIL)
    bpjs(kota, "PU", 134_500)
    count = make_count(kota, "PU", 134_167, status=EntryStatus.SUBMITTED)
    make_count(kota, "BPU", 4_754, period=APRIL, status=EntryStatus.VERIFIED)
    own = make_count(kota, "BPU", 4_800, status=EntryStatus.SUBMITTED)
    response = _login(client, verifier_malang).get(reverse("coverage:verification_queue"))
    items = {item.count.pk: item for group in response.context["groups"] for item in group.items}
    pu, bpu = items[count.pk].sources, items[own.pk].sources
    assert (pu.previous.source, pu.previous.active, pu.bpjs.active, pu.comparison.difference) == (
        Source.BPJS,
        131_167,
        134_500,
        -333,
    )
    assert pu.overridden and not bpu.overridden
    assert (bpu.previous.source, bpu.previous.active, bpu.bpjs) == (Source.PEMDA, 4_754, None)
    html = response.content.decode()
    assert '134.500<span class="bpjs-diff">selisih -333 (-0,2%)</span>' in html
    assert "Tidak dihitung: angka BPJS yang dipakai; angka Pemda disimpan sebagai pembanding." in html


def test_a_pemda_figure_that_does_not_count_can_still_be_verified_as_the_comparison(verifier_malang, region_tree):
    kota = region_tree["35.73"]
    bpjs(kota, "PU", 134_500)
    count = make_count(kota, "PU", 134_167, status=EntryStatus.SUBMITTED)
    participant_counts_verify(counts=[count], user=verifier_malang)
    count.refresh_from_db()
    assert count.status == EntryStatus.VERIFIED
    assert EffectiveCount.objects.get(region=kota, period=MAY, segment="PU").source == Source.BPJS


# --- the discrepancy page -------------------------------------------------------------------------


@pytest.fixture
def discrepancies(region_tree, operator_kota_malang):
    """Kota Malang (branch Malang) and Kabupaten Blitar (branch Blitar), May 2025."""
    kota, blimbing, blitar = region_tree["35.73"], region_tree["35.73.01"], region_tree["35.05"]
    bpjs(kota, "PU", 134_500)
    make_count(kota, "PU", 150_000, status=EntryStatus.SUBMITTED)  # +11,5%: listed
    bpjs(kota, "BPU", 4_754)
    make_count(kota, "BPU", 4_800, status=EntryStatus.VERIFIED)  # +1,0%: below 5%
    bpjs(blimbing, "PU", 24_286, period=APRIL)
    make_count(blimbing, "PU", 20_000, period=APRIL, status=EntryStatus.VERIFIED)  # -17,6%: listed
    bpjs(blimbing, "BPU", 1_000)
    make_count(blimbing, "BPU", 2_000, status=EntryStatus.DRAFT)  # a draft: not compared
    bpjs(blitar, "PU", 98_765)
    make_count(blitar, "PU", 120_000, status=EntryStatus.SUBMITTED)  # another branch's territory
    make_count(region_tree["35.73.02"], "PU", 9_000, status=EntryStatus.SUBMITTED)  # no BPJS figure
    return {"kota": kota, "blimbing": blimbing}


def _page(client, user, office="KC-MALANG", **query):
    client.force_login(user)
    return client.get(
        reverse("coverage:source_discrepancies", kwargs={"code": office}), {"periode": "2025-05", **query}
    )


def _rows(response):
    return [
        (r.region.code, f"{r.period:%Y-%m}", r.segment, r.bpjs_active, r.active, r.difference)
        for r in response.context["page"].rows
    ]


def test_the_discrepancy_page_lists_cells_where_pemda_and_bpjs_differ_beyond_the_threshold(
    client, verifier_malang, discrepancies
):
    response = _page(client, verifier_malang)
    assert response.status_code == 200
    assert _rows(response) == [
        ("35.73", "2025-05", "PU", 134_500, 150_000, 15_500),
        ("35.73.01", "2025-04", "PU", 24_286, 20_000, -4_286),
    ]
    html = response.content.decode()
    assert '<td class="num">134.500</td><td class="num">150.000</td>' in html
    assert '<td class="num">+15.500</td><td class="num">+11,5%</td>' in html
    assert "berbeda lebih dari 5% dari angka BPJS" in html
    assert "Selisih angka BPJS dan Pemda — Kantor Cabang Malang" in html


def test_the_admin_sets_the_discrepancy_threshold(client, verifier_malang, discrepancies):
    CoverageSettings.objects.create(pk=1, discrepancy_percent=Decimal("0.5"))
    response = _page(client, verifier_malang)
    assert [row[:3] for row in _rows(response)] == [
        ("35.73", "2025-05", "BPU"),
        ("35.73", "2025-05", "PU"),
        ("35.73.01", "2025-04", "PU"),
    ]
    assert "berbeda lebih dari 0,50% dari angka BPJS" in response.content.decode()


def test_the_discrepancy_page_is_one_query_for_any_number_of_rows(
    client, verifier_malang, discrepancies, region_tree, django_assert_num_queries
):
    client.force_login(verifier_malang)
    url = reverse("coverage:source_discrepancies", kwargs={"code": "KC-MALANG"}) + "?periode=2025-05"
    # session, user, roles, office, settings, territory, the rows; the inbox badge's unread count
    with django_assert_num_queries(8):
        client.get(url)
    for month in range(1, 4):
        for segment in ("PU", "BPU", "JAKON", "PMI"):
            bpjs(region_tree["35.73.02"], segment, 1_000, period=date(2025, month, 1))
            make_count(region_tree["35.73.02"], segment, 2_000, period=date(2025, month, 1), status="verified")
    with django_assert_num_queries(7):
        response = client.get(url)
    assert len(response.context["page"].rows) == 14


def test_a_kanwil_head_sees_its_branches_and_other_offices_staff_see_nothing(
    client, discrepancies, offices, django_user_model, branch_head_malang, operator_kota_malang
):
    kanwil_head = django_user_model.objects.create_user(username="kakanwil.jatim", password="x")
    UserRole.objects.create(user=kanwil_head, role=Role.BRANCH_HEAD, office=offices["kanwil"])
    blitar_head = django_user_model.objects.create_user(username="kacab.blitar", password="x")
    UserRole.objects.create(user=blitar_head, role=Role.BRANCH_HEAD, office=offices["blitar"])

    assert len(_rows(_page(client, branch_head_malang))) == 2
    assert len(_rows(_page(client, kanwil_head))) == 2  # a Kanwil over its branch
    kanwil = _rows(_page(client, kanwil_head, office="KW-JATIM"))
    assert [row[0] for row in kanwil] == ["35.05", "35.73", "35.73.01"]  # all its branches' kab/kota
    assert _page(client, blitar_head).status_code == 404  # another branch's page is not revealed
    assert _page(client, branch_head_malang, office="KW-JATIM").status_code == 404  # a branch over its Kanwil
    assert _page(client, operator_kota_malang).status_code == 403  # not a role of this page
