"""The action list followed up (#15): a branch takes up a priority region (owner, plan, review date),
moves it along, and reads its outcome a month later from the snapshots the engine computed.

World: ``dash`` (tests/coverage/conftest.py). Kota Malang's own target is 176.753 participants; it had
105.000 in May (gap 71.753, 25,39%) and 134.167 in June (gap 42.586, 32,44%).
"""

from datetime import date

import pytest
from django.urls import reverse

from coverage.engine import coverage_recompute
from coverage.models import FollowUpStatus, PriorityAction, PriorityReason
from tests.conftest import PASSWORD
from tests.factories import make_count

pytestmark = pytest.mark.django_db

URL = reverse("coverage:action_list", kwargs={"code": "KC-MALANG"})
JULY = date(2025, 7, 1)


def _signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def _take_up(client, *, periode, owner, plan="Sosialisasi BPU di pasar induk", review="2025-07-15"):
    return client.post(
        f"{URL}?periode={periode}",
        {"action": "open", "priority": "gap:35.73", "owner": owner, "plan": plan, "review_date": review},
    )


def test_branch_head_takes_up_a_gap_and_reads_it_shrink_the_month_after(client, dash, branch_head_malang,
                                                                        verifier_malang):  # fmt: skip
    reader = _signed_in(client, branch_head_malang)
    response = _take_up(reader, periode="2025-05", owner="verifikator.malang")
    assert response.status_code == 302

    action = PriorityAction.objects.get()
    assert (action.region.code, action.period, action.reason) == ("35.73", date(2025, 5, 1), PriorityReason.GAP)
    assert (action.owner, action.created_by, action.status) == (verifier_malang, branch_head_malang, "open")
    assert action.review_date == date(2025, 7, 15)

    html = reader.get(URL).content.decode()
    assert "Sosialisasi BPU di pasar induk" in html
    # May's gap against June's, both from the engine's snapshots: 71.753 -> 42.586 participants.
    assert "Kesenjangan 71.753 → 42.586 peserta (-29.167)" in html
    assert "Cakupan 25,39% → 32,44% (+7,05 pp)" in html
    assert "Menyempit" in html


def test_outcome_waits_for_next_month_then_follows_the_engine(client, dash, region_tree, branch_head_malang):
    reader = _signed_in(client, branch_head_malang)
    _take_up(reader, periode="2025-06", owner="kacab.malang")
    html = reader.get(URL).content.decode()
    assert "Menunggu angka Juli 2025" in html

    # July arrives lower than June (130.000 of 176.753): the gap widens to 46.753.
    for segment, active in (("PU", 95_000), ("BPU", 30_333), ("JAKON", 3_200), ("PMI", 1_467)):
        make_count(region_tree["35.73"], JULY, segment, active)
    coverage_recompute(periods=[JULY])
    action = reader.get(URL).context["actions"][0]
    assert action.outcome["gap_before"] == 42_586 and action.outcome["gap_after"] == 46_753
    assert action.outcome["gap_change"] == 4_167 and action.outcome["improved"] is False
    assert "Tidak menyempit" in reader.get(URL).content.decode()


def test_action_moves_along_and_done_needs_its_result(client, dash, branch_head_malang):
    reader = _signed_in(client, branch_head_malang)
    _take_up(reader, periode="2025-06", owner="kacab.malang")
    action = PriorityAction.objects.get()

    reader.post(URL, {"action": "update", "priority_action": action.pk, "status": "resolved", "result": ""})
    action.refresh_from_db()
    assert action.status == FollowUpStatus.OPEN  # refused: no result

    response = reader.post(
        URL,
        {"action": "update", "priority_action": action.pk, "status": "resolved", "result": "MoU dengan Disnaker"},
        follow=True,
    )
    action.refresh_from_db()
    assert (action.status, action.result) == (FollowUpStatus.RESOLVED, "MoU dengan Disnaker")
    assert "Tindak lanjut diperbarui." in response.content.decode()
    assert [h.history_change_reason for h in action.history.order_by("history_id")] == [
        "priority.open",
        "priority.resolved",
    ]


def test_done_without_result_is_refused_with_a_message(client, dash, branch_head_malang):
    reader = _signed_in(client, branch_head_malang)
    _take_up(reader, periode="2025-06", owner="kacab.malang")
    action = PriorityAction.objects.get()
    response = reader.post(URL, {"action": "update", "priority_action": action.pk, "status": "resolved"}, follow=True)
    assert "Tuliskan hasilnya sebelum menandai selesai." in response.content.decode()
    action.refresh_from_db()
    assert action.status == FollowUpStatus.OPEN


def test_the_same_region_is_taken_up_once_a_month(client, dash, branch_head_malang):
    reader = _signed_in(client, branch_head_malang)
    _take_up(reader, periode="2025-06", owner="kacab.malang")
    response = _take_up(reader, periode="2025-06", owner="kacab.malang", plan="Lagi")
    assert PriorityAction.objects.count() == 1
    follow = reader.get(response.url).content.decode()
    assert "Kota Malang sudah ditindaklanjuti untuk bulan ini." in follow


def test_a_region_not_on_the_list_cannot_be_taken_up(client, dash, branch_head_malang):
    reader = _signed_in(client, branch_head_malang)
    # Kabupaten Malang is Kepanjen's, not on Malang's list.
    form = {
        "action": "open",
        "priority": "gap:35.07",
        "owner": "kacab.malang",
        "plan": "x",
        "review_date": "2025-07-01",
    }
    response = reader.post(URL, form)
    assert PriorityAction.objects.count() == 0
    assert "Pilih wilayah dari daftar prioritas." in reader.get(response.url).content.decode()


def test_owner_outside_the_office_is_refused(client, dash, branch_head_malang, operator_kota_malang):
    reader = _signed_in(client, branch_head_malang)
    response = _take_up(reader, periode="2025-06", owner="operator.kotamalang")
    assert PriorityAction.objects.count() == 0
    assert "bukan staf kantor ini" in reader.get(response.url).content.decode()


def test_operator_reads_the_list_but_cannot_take_up(client, dash, operator_kota_malang):
    reader = _signed_in(client, operator_kota_malang)
    page = reader.get(URL)
    assert page.status_code == 200 and 'name="priority"' not in page.content.decode()
    assert _take_up(reader, periode="2025-06", owner="operator.kotamalang").status_code == 403
    assert PriorityAction.objects.count() == 0


def test_malformed_review_date_is_a_400_and_saves_nothing(client, dash, branch_head_malang):
    reader = _signed_in(client, branch_head_malang)
    response = _take_up(reader, periode="2025-06", owner="kacab.malang", review="2025-02-30")
    assert response.status_code == 400
    assert "tanggal berformat YYYY-MM-DD" in response.content.decode()
    assert PriorityAction.objects.count() == 0
