"""Multi-level approval (issue #15): an admin's chain Kepala Dinas -> branch verifier -> Kanwil, a return
with a reason at the second level, the resubmission showing what changed, the badge of the highest level
reached, the scope of each level, and today's single level when nothing is configured."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from coverage.entry.approvals import DEFAULT_STEP, chains_load
from coverage.entry.services import participant_count_save, participant_counts_submit
from coverage.entry.verification import participant_counts_verify
from coverage.models import (
    ApprovalActor,
    ApprovalDecision,
    ApprovalLevel,
    CountApproval,
    EntryStatus,
    ParticipantCount,
)
from regions.models import Notification, Role, UserRole
from tests.conftest import PASSWORD
from tests.factories import MAY

pytestmark = pytest.mark.django_db

QUEUE = "/verifikasi/"
QUEUE_QUERIES = 20  # measured: session, user, roles, navigation, then the queue's reads
GRID = "/entri/35.73/?periode=2025-05"


@pytest.fixture
def chain(region_tree):
    """The chain of every province: Kepala Dinas, then the branch verifier, then the Kanwil's acceptance."""
    return [
        ApprovalLevel.objects.create(order=1, code="kadis", name="Kepala Dinas", actor=ApprovalActor.PEMDA_HEAD),
        ApprovalLevel.objects.create(order=2, code="cabang", name="Verifikator cabang", actor=ApprovalActor.VERIFIER),
        ApprovalLevel.objects.create(order=3, code="kanwil", name="Kanwil Jawa Timur", actor=ApprovalActor.KANWIL),
    ]


def _person(django_user_model, username, role, *, region=None, office=None, first_name=""):
    user = django_user_model.objects.create_user(username=username, password=PASSWORD, first_name=first_name)
    UserRole.objects.create(user=user, role=role, region=region, office=office)
    return user


@pytest.fixture
def kadis_kota_malang(django_user_model, region_tree):
    return _person(django_user_model, "kadis.kotamalang", Role.PEMDA_HEAD, region=region_tree["35.73"],
                   first_name="Arif")  # fmt: skip


@pytest.fixture
def kadis_blitar(django_user_model, region_tree):
    """The outsider: Kepala Dinas of Kabupaten Blitar."""
    return _person(django_user_model, "kadis.blitar", Role.PEMDA_HEAD, region=region_tree["35.05"])


@pytest.fixture
def kakanwil_jatim(django_user_model, offices):
    return _person(django_user_model, "kakanwil.jatim", Role.BRANCH_HEAD, office=offices["kanwil"], first_name="Hadi")


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _submit_kota_malang(operator, kota):
    """Kota Malang, May 2025: PU 98.000 of 110.000 registered, BPU 31.500; saved, then submitted."""
    pu = participant_count_save(region=kota, period=MAY, segment="PU", values={"active": 98_000,
                                "registered": 110_000}, user=operator, expected_version=0)  # fmt: skip
    bpu = participant_count_save(
        region=kota, period=MAY, segment="BPU", values={"active": 31_500}, user=operator, expected_version=0
    )
    participant_counts_submit(counts=[pu, bpu], user=operator)
    return ParticipantCount.objects.get(pk=pu.pk), ParticipantCount.objects.get(pk=bpu.pk)


def _queue_form(html):
    """The first group's decision form as the browser posts it (every count ticked)."""
    form = re.search(r'<form method="post">(.*?)</form>', html, re.S).group(1)
    data = {"count": []}
    for name, value in re.findall(r'<input type="(?:hidden|checkbox)" name="([^"]+)" value="([^"]*)"', form):
        if name == "count":
            data["count"].append(value)
        elif name != "csrfmiddlewaretoken":
            data[name] = value
    return data


def _decide(client, action, reason=""):
    page = client.get(QUEUE)
    assert page.status_code == 200
    data = {**_queue_form(page.content.decode()), "action": action, "reason": reason}
    response = client.post(QUEUE, data, follow=True)
    return [str(m) for m in response.context["messages"]]


def _state(*counts):
    return [
        (c.segment, c.status, c.approval_order)
        for c in ParticipantCount.objects.filter(pk__in=[c.pk for c in counts]).order_by("segment")
    ]


def test_three_levels_with_a_return_at_the_second_and_the_changed_values_shown_on_resubmission(
    client, chain, region_tree, operator_kota_malang, kadis_kota_malang, verifier_malang, kakanwil_jatim
):
    kota = region_tree["35.73"]
    pu, bpu = _submit_kota_malang(operator_kota_malang, kota)
    assert pu.pk >= 100_000  # realistic ids: the form must carry them unlocalised

    # Level 1 first: the verifier and the Kanwil see nothing yet.
    assert _login(client, verifier_malang).get(QUEUE).context["groups"] == []
    assert _login(client, kakanwil_jatim).get(QUEUE).context["groups"] == []
    assert ">Persetujuan<" in _login(client, kadis_kota_malang).get("/", follow=True).content.decode()
    page = client.get(QUEUE)
    assert [g.key for g in page.context["groups"]] == ["35.73|2025-05"]
    assert "Menunggu: Kepala Dinas" in page.content.decode()
    assert _decide(client, "verify") == ["2 angka disetujui dan diteruskan ke tingkat berikutnya."]
    assert _state(pu, bpu) == [("BPU", EntryStatus.SUBMITTED, 1), ("PU", EntryStatus.SUBMITTED, 1)]

    # The operator's badge shows the highest level reached.
    grid = _login(client, operator_kota_malang).get(GRID).content.decode()
    assert grid.count("Disetujui Kepala Dinas") == 2

    # Level 2 returns with a reason: back to the operator, the chain starts again.
    page = _login(client, verifier_malang).get(QUEUE).content.decode()
    assert "Menunggu: Verifikator cabang · tercapai: Kepala Dinas" in page
    reason = "PU belum memuat pekerja APBD; BPU Mei perlu dicek ulang"
    assert _decide(client, "return", reason) == ["2 angka dikembalikan ke Pemda."]
    assert _state(pu, bpu) == [("BPU", EntryStatus.RETURNED, 0), ("PU", EntryStatus.RETURNED, 0)]
    assert ParticipantCount.objects.get(pk=pu.pk).return_reason == reason

    # The operator fixes three values and resubmits.
    pu.refresh_from_db()
    bpu.refresh_from_db()
    pu = participant_count_save(
        region=kota, period=MAY, segment="PU", values={"active": 99_500, "registered": 111_000},
        user=operator_kota_malang, expected_version=pu.version,
    )  # fmt: skip
    bpu = participant_count_save(
        region=kota, period=MAY, segment="BPU", values={"active": 32_100},
        user=operator_kota_malang, expected_version=bpu.version,
    )  # fmt: skip
    participant_counts_submit(counts=[pu, bpu], user=operator_kota_malang)

    # Level 1 again, and the queue says what differs from what the last decider saw.
    page = _login(client, kadis_kota_malang).get(QUEUE)
    html = page.content.decode()
    (group,) = page.context["groups"]
    assert group.changed == 3
    assert "3 nilai berubah sejak keputusan terakhir." in html
    assert "Peserta aktif: 98.000 → 99.500" in html
    assert "Peserta terdaftar: 110.000 → 111.000" in html
    assert "Peserta aktif: 31.500 → 32.100" in html
    assert _decide(client, "verify") == ["2 angka disetujui dan diteruskan ke tingkat berikutnya."]
    assert _decide(_login(client, verifier_malang), "verify") == [
        "2 angka disetujui dan diteruskan ke tingkat berikutnya."
    ]
    grid = _login(client, operator_kota_malang).get(GRID).content.decode()
    assert grid.count("Disetujui Verifikator cabang") == 2
    assert _state(pu, bpu) == [("BPU", EntryStatus.SUBMITTED, 2), ("PU", EntryStatus.SUBMITTED, 2)]

    # The last level verifies.
    assert _decide(_login(client, kakanwil_jatim), "verify") == ["2 angka diverifikasi."]
    assert _state(pu, bpu) == [("BPU", EntryStatus.VERIFIED, 3), ("PU", EntryStatus.VERIFIED, 3)]
    pu.refresh_from_db()
    assert (pu.active, pu.registered, pu.verified_by) == (99_500, 111_000, kakanwil_jatim)

    decisions = list(
        CountApproval.objects.filter(count=pu)
        .order_by("decided_at", "id")
        .values_list("level_name", "decision", "user")
    )
    assert decisions == [
        ("Kepala Dinas", ApprovalDecision.APPROVED, kadis_kota_malang.pk),
        ("Verifikator cabang", ApprovalDecision.RETURNED, verifier_malang.pk),
        ("Kepala Dinas", ApprovalDecision.APPROVED, kadis_kota_malang.pk),
        ("Verifikator cabang", ApprovalDecision.APPROVED, verifier_malang.pk),
        ("Kanwil Jawa Timur", ApprovalDecision.VERIFIED, kakanwil_jatim.pk),
    ]
    url = reverse("coverage:count_history", kwargs={"pk": pu.pk})
    for person in (operator_kota_malang, kadis_kota_malang, kakanwil_jatim):
        assert "Disetujui tingkat Kepala Dinas" in _login(client, person).get(url).content.decode()


def test_a_level_acts_only_on_its_own_regions_and_its_own_turn(
    client, chain, region_tree, operator_kota_malang, kadis_kota_malang, kadis_blitar, verifier_malang
):
    pu, bpu = _submit_kota_malang(operator_kota_malang, region_tree["35.73"])

    # Blitar's Kepala Dinas: an empty queue, and a forged decision on Kota Malang changes nothing.
    _login(client, kadis_blitar)
    assert client.get(QUEUE).context["groups"] == []
    data = {"group": "35.73|2025-05", "count": [pu.pk], f"v-{pu.pk}": str(pu.version), "action": "verify"}
    response = client.post(QUEUE, data, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Pilih data yang akan diverifikasi."]
    with pytest.raises(PermissionDenied):
        participant_counts_verify(counts=[pu], user=kadis_blitar)
    assert client.get(reverse("coverage:count_history", kwargs={"pk": pu.pk})).status_code == 404

    # The verifier may not skip the Kepala Dinas.
    response = _login(client, verifier_malang).post(QUEUE, data, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Kota Malang PU Mei 2025 menunggu keputusan tingkat Kepala Dinas, bukan keputusan Anda."
    ]
    assert _state(pu, bpu) == [("BPU", EntryStatus.SUBMITTED, 0), ("PU", EntryStatus.SUBMITTED, 0)]
    assert not CountApproval.objects.exists()


def test_a_branch_head_of_a_branch_and_an_operator_have_no_queue(client, chain, operator_kota_malang,
                                                                 branch_head_malang):  # fmt: skip
    assert _login(client, operator_kota_malang).get(QUEUE).status_code == 403
    assert _login(client, branch_head_malang).get(QUEUE).status_code == 403  # the Kanwil level is a Kanwil's


def test_without_a_chain_the_single_level_of_today_is_unchanged(
    client, region_tree, operator_kota_malang, kadis_kota_malang, verifier_malang
):
    pu, bpu = _submit_kota_malang(operator_kota_malang, region_tree["35.73"])
    assert _login(client, kadis_kota_malang).get(QUEUE).status_code == 403
    assert ">Persetujuan<" not in client.get("/", follow=True).content.decode()
    page = _login(client, verifier_malang).get(QUEUE).content.decode()
    assert "Menunggu:" not in page and "Verifikasi yang dipilih" in page
    assert _decide(client, "verify") == ["2 angka diverifikasi."]
    assert [s for _segment, s, _order in _state(pu, bpu)] == [EntryStatus.VERIFIED] * 2
    pu.refresh_from_db()
    assert pu.verified_by == verifier_malang


def test_a_correction_of_a_submitted_count_mid_chain_starts_again_at_the_first_level(
    chain, region_tree, operator_kota_malang, kadis_kota_malang
):
    kota = region_tree["35.73"]
    pu, _bpu = _submit_kota_malang(operator_kota_malang, kota)
    (pu,) = participant_counts_verify(counts=[pu], user=kadis_kota_malang)
    assert (pu.status, pu.approval_order) == (EntryStatus.SUBMITTED, 1)
    pu = participant_count_save(region=kota, period=MAY, segment="PU", values={"active": 98_100},
                                user=operator_kota_malang, expected_version=pu.version)  # fmt: skip
    pu.refresh_from_db()
    assert (pu.status, pu.approval_order) == (EntryStatus.SUBMITTED, 0)


def test_a_province_chain_replaces_the_common_one_there_only(region_tree, chain):
    ApprovalLevel.objects.create(province=region_tree["13"], order=1, code="kadis", name="Kepala Dinas Sumbar",
                                 actor=ApprovalActor.PEMDA_HEAD)  # fmt: skip
    chains = chains_load()
    assert [s.name for s in chains.chain_for(region_tree["13.11"])] == ["Kepala Dinas Sumbar"]
    assert [s.name for s in chains.chain_for(region_tree["35.73.01"])] == [
        "Kepala Dinas", "Verifikator cabang", "Kanwil Jawa Timur"
    ]  # fmt: skip
    ApprovalLevel.objects.all().delete()
    assert chains_load().chain_for(region_tree["35.73"]) == [DEFAULT_STEP]


def test_a_jump_needs_its_note_only_at_the_level_that_verifies(region_tree, operator_kota_malang, kadis_kota_malang):
    """A single-level chain of the Kepala Dinas: their approval verifies; a count without jump warnings
    needs no note (the rule is today's verifier's, at the last level)."""
    ApprovalLevel.objects.create(order=1, code="kadis", name="Kepala Dinas", actor=ApprovalActor.PEMDA_HEAD)
    pu, bpu = _submit_kota_malang(operator_kota_malang, region_tree["35.73"])
    decided = participant_counts_verify(counts=[pu, bpu], user=kadis_kota_malang)
    assert {c.status for c in decided} == {EntryStatus.VERIFIED}
    with pytest.raises(ValidationError):
        participant_counts_verify(counts=[pu], user=kadis_kota_malang)  # already verified


def test_the_queue_reads_in_a_fixed_number_of_queries_however_many_counts_wait(
    client, chain, region_tree, operator_kota_malang, kadis_kota_malang, django_assert_max_num_queries
):
    """Levels, scope, the changed values and the badges are read set-based: one Kota Malang month or
    three kecamatan and desa months, the same number of queries."""
    _submit_kota_malang(operator_kota_malang, region_tree["35.73"])
    _login(client, kadis_kota_malang)
    with django_assert_max_num_queries(QUEUE_QUERIES):
        assert len(client.get(QUEUE).context["groups"]) == 1
    for code in ("35.73.01", "35.73.02", "35.73.01.1001"):
        for segment, active in (("PU", 20_000), ("BPU", 4_000), ("JAKON", 500)):
            count = participant_count_save(
                region=region_tree[code], period=MAY, segment=segment, values={"active": active},
                user=operator_kota_malang, expected_version=0,
            )  # fmt: skip
            participant_counts_submit(counts=[count], user=operator_kota_malang)
    with django_assert_max_num_queries(QUEUE_QUERIES):
        assert sum(len(g.items) for g in client.get(QUEUE).context["groups"]) == 11


def test_each_level_is_told_when_counts_await_it(
    chain, region_tree, operator_kota_malang, kadis_kota_malang, kadis_blitar, verifier_malang, kakanwil_jatim
):
    pu, bpu = _submit_kota_malang(operator_kota_malang, region_tree["35.73"])
    assert _titles(kadis_kota_malang) == ["Data Mei 2025 diajukan: 35.73"]
    assert _titles(verifier_malang) == _titles(kakanwil_jatim) == _titles(kadis_blitar) == []
    participant_counts_verify(counts=[pu, bpu], user=kadis_kota_malang)
    assert _titles(verifier_malang) == ["Data Mei 2025 menunggu persetujuan Verifikator cabang: 35.73"]
    participant_counts_verify(counts=[pu, bpu], user=verifier_malang)
    assert _titles(kakanwil_jatim) == ["Data Mei 2025 menunggu persetujuan Kanwil Jawa Timur: 35.73"]


def _titles(user):
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))
