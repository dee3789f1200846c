"""Marking a reported value for follow-up: owner, status, resolution, scope, and the page."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from coverage.entry.followups import followup_open, followup_update, followups_for
from coverage.models import EntryStatus, FollowUp, FollowUpStatus
from tests.factories import make_pemda_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def flat_bpu(region_tree):
    return make_pemda_count(region_tree["35.73"], "BPU", 12_698, status=EntryStatus.SUBMITTED)


def test_a_verifier_marks_a_value_and_its_operator_resolves_it(verifier_malang, operator_kota_malang, flat_bpu):
    followup = followup_open(
        count=flat_bpu, user=verifier_malang, owner=operator_kota_malang, note="Juni tanpa penurunan musiman"
    )
    assert (followup.status, followup.owner, followup.created_by) == ("open", operator_kota_malang, verifier_malang)
    assert list(followups_for(user=operator_kota_malang)) == [followup]

    with pytest.raises(ValidationError, match="Tuliskan penyelesaiannya"):
        followup_update(followup=followup, user=operator_kota_malang, status=FollowUpStatus.RESOLVED)
    followup_update(
        followup=followup, user=operator_kota_malang, status=FollowUpStatus.RESOLVED,
        resolution="Angka Juni dikoreksi menjadi 6.349 (pekerja musiman belum dikeluarkan)",
    )  # fmt: skip

    followup.refresh_from_db()
    assert followup.status == "resolved" and followup.resolution.startswith("Angka Juni dikoreksi")
    assert [h.history_change_reason for h in followup.history.order_by("history_id")] == [
        "followup.open",
        "followup.resolved",
    ]


def test_the_outsider_neither_marks_nor_sees_another_regions_value(
    operator_kab_blitar, verifier_malang, operator_kota_malang, flat_bpu
):
    with pytest.raises(PermissionDenied):
        followup_open(count=flat_bpu, user=operator_kab_blitar, owner=operator_kab_blitar, note="x")
    with pytest.raises(ValidationError, match="operator.blitar tidak berwenang atas Kota Malang"):
        followup_open(count=flat_bpu, user=verifier_malang, owner=operator_kab_blitar, note="x")
    followup_open(count=flat_bpu, user=verifier_malang, owner=operator_kota_malang, note="Periksa")
    assert list(followups_for(user=operator_kab_blitar)) == []


def test_the_queue_button_opens_a_follow_up_shown_on_the_page(client, verifier_malang, flat_bpu):
    client.force_login(verifier_malang)
    queue = client.get(reverse("coverage:verification_queue")).content.decode()
    assert "Tandai tindak lanjut" in queue

    client.post(reverse("coverage:followups"), {"action": "open", "count": flat_bpu.pk, "note": "Perlu diperiksa"})

    followup = FollowUp.objects.get()
    assert (followup.owner, followup.note) == (verifier_malang, "Perlu diperiksa")
    page = client.get(reverse("coverage:followups")).content.decode()
    assert "35.73 Kota Malang BPU Mei 2025</a>: 12.698" in page


def test_admin_lists_follow_ups_and_the_kind_of_each_import(client, admin_user, verifier_malang, flat_bpu):
    from coverage.models import ImportBatch, ImportKind

    followup_open(count=flat_bpu, user=verifier_malang, owner=verifier_malang, note="Periksa")
    ImportBatch.objects.create(
        user=admin_user, kind=ImportKind.BPJS_COUNTS, filename="bpjs-mei.csv", sha256="", content=b""
    )
    client.force_login(admin_user)

    followups = client.get("/admin/coverage/followup/").content.decode()
    batches = client.get("/admin/coverage/importbatch/?kind=bpjs").content.decode()

    assert "Kota Malang" in followups and "Terbuka" in followups
    assert "bpjs-mei.csv" in batches and "Jumlah peserta laporan BPJS" in batches
