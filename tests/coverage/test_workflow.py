"""The workflow: draft -> submitted -> verified or returned -> locked when the month closes;
optimistic locking, the audit trail, recompute scheduling, the tracker and the reminders."""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import override as translation_override

from coverage.engine import period_close, period_reopen
from coverage.entry.reminders import submission_reminders_send
from coverage.entry.selectors import count_history_rows, submission_tracker_rows
from coverage.entry.services import participant_count_save, participant_counts_submit
from coverage.entry.verification import participant_counts_return, participant_counts_verify
from coverage.models import EntryStatus, ParticipantCount, RecomputeRequest, ReminderKind, SubmissionReminder
from tests.factories import APRIL, MAY
from tests.factories import make_pemda_count as make_count
from tests.factories import pemda_cells as cells

pytestmark = pytest.mark.django_db

STALE = (
    "Angka Kota Malang PU Mei 2025 sudah diubah oleh Sri Wahyuni (versi 2) sejak Anda membukanya. Muat ulang "
    "halaman untuk melihat angka terbaru, lalu ulangi perubahan Anda."
)


def _save(user, region, values, version, segment="PU", period=MAY):
    return participant_count_save(
        region=region, period=period, segment=segment, values=values, user=user, expected_version=version
    )


def test_the_second_of_two_concurrent_edits_is_refused(operator_kota_malang, admin_user, region_tree):
    kota = region_tree["35.73"]
    _save(operator_kota_malang, kota, {"active": 120_000}, 0)
    # Both opened version 1; the operator saves first.
    _save(operator_kota_malang, kota, {"active": 134_167}, 1)
    with pytest.raises(ValidationError) as error:
        _save(admin_user, kota, {"active": 999}, 1)
    assert error.value.messages == [STALE]
    assert cells() == {("35.73", "PU"): (134_167, None, EntryStatus.DRAFT, 2)}


def test_creating_a_cell_someone_else_just_created_is_refused(operator_kota_malang, admin_user, region_tree):
    _save(operator_kota_malang, region_tree["35.73"], {"active": 134_167}, 0)
    with pytest.raises(ValidationError) as error:
        _save(admin_user, region_tree["35.73"], {"active": 1}, 0)
    assert "sudah diubah oleh Sri Wahyuni (versi 1)" in error.value.messages[0]
    assert cells()[("35.73", "PU")][0] == 134_167


def test_an_operator_cannot_write_another_region(operator_kab_blitar, region_tree):
    with pytest.raises(ValidationError) as error:
        _save(operator_kab_blitar, region_tree["35.73"], {"active": 1}, 0)
    assert error.value.messages == ["Wilayah 35.73 Kota Malang di luar wilayah kewenangan Anda."]
    assert not ParticipantCount.objects.exists()


def test_draft_submit_verify_with_audit_and_recomputes(operator_kota_malang, verifier_malang, region_tree):
    kota = region_tree["35.73"]
    count = _save(operator_kota_malang, kota, {"active": 134_167, "registered": 150_000}, 0)
    assert not RecomputeRequest.objects.exists()  # a draft does not count

    participant_counts_submit(counts=[count], user=operator_kota_malang)
    count.refresh_from_db()
    assert (count.status, count.version) == (EntryStatus.SUBMITTED, 2)
    assert count.submitted_at is not None
    assert RecomputeRequest.objects.filter(region=kota, period=MAY).count() == 1

    participant_counts_verify(counts=[count], user=verifier_malang, expected_versions={count.pk: 2})
    count.refresh_from_db()
    assert (count.status, count.verified_by, count.version) == (EntryStatus.VERIFIED, verifier_malang, 3)
    assert RecomputeRequest.objects.filter(region=kota, period=MAY).count() == 2

    history = count_history_rows(count=count)
    assert [(row["user"], row["reason"]) for row in history] == [
        (verifier_malang, "Diverifikasi"),
        (operator_kota_malang, "Diajukan"),
        (operator_kota_malang, "Entri manual"),
    ]
    first = {str(c["field"]): (c["old"], c["new"]) for c in history[-1]["changes"]}
    assert first["peserta aktif"] == (None, 134_167)
    assert [str(c["field"]) for c in history[0]["changes"]] == ["status"]
    assert (history[0]["changes"][0]["old"], history[0]["changes"][0]["new"]) == ("Diajukan", "Terverifikasi")


def test_correcting_a_verified_figure_sends_it_back_for_verification(
    operator_kota_malang, verifier_malang, region_tree
):
    count = make_count(region_tree["35.73"], "PU", 134_167, status=EntryStatus.VERIFIED)
    count.verified_by = verifier_malang
    count.save()
    corrected = _save(operator_kota_malang, region_tree["35.73"], {"active": 134_200}, 1)
    assert (corrected.status, corrected.verified_by, corrected.active) == (EntryStatus.SUBMITTED, None, 134_200)
    assert RecomputeRequest.objects.filter(region=region_tree["35.73"]).count() == 1


def test_a_verifier_returns_with_a_reason_and_the_operator_resubmits(
    operator_kota_malang, verifier_malang, region_tree
):
    count = make_count(region_tree["35.73"], "BPU", 4_754, status=EntryStatus.SUBMITTED)
    with pytest.raises(ValidationError) as error:
        participant_counts_return(counts=[count], user=verifier_malang, reason="  ")
    assert error.value.messages == ["Alasan pengembalian wajib diisi."]
    participant_counts_return(counts=[count], user=verifier_malang, reason="BPU turun tanpa penjelasan")
    count.refresh_from_db()
    assert (count.status, count.return_reason) == (EntryStatus.RETURNED, "BPU turun tanpa penjelasan")
    assert count.history.first().history_change_reason == "returned:BPU turun tanpa penjelasan"

    with pytest.raises(ValidationError) as error:
        participant_counts_verify(counts=[count], user=verifier_malang)
    assert error.value.messages == [
        "Kota Malang BPU Mei 2025 berstatus Dikembalikan sehingga tidak dapat diverifikasi."
    ]
    corrected = _save(operator_kota_malang, region_tree["35.73"], {"active": 4_800}, count.version, segment="BPU")
    assert corrected.status == EntryStatus.DRAFT
    participant_counts_submit(counts=[corrected], user=operator_kota_malang)
    corrected.refresh_from_db()
    assert (corrected.status, corrected.return_reason) == (EntryStatus.SUBMITTED, "")


def test_a_jump_needs_an_explained_jump_note_before_verification(verifier_malang, region_tree):
    kota = region_tree["35.73"]
    make_count(kota, "BPU", 4_000, period=APRIL, status=EntryStatus.VERIFIED)
    count = make_count(kota, "BPU", 9_000, status=EntryStatus.SUBMITTED)
    with pytest.raises(ValidationError) as error:
        participant_counts_verify(counts=[count], user=verifier_malang)
    assert error.value.messages == [
        'Isi catatan "lonjakan dijelaskan" untuk Kota Malang BPU Mei 2025 sebelum memverifikasi: Peserta aktif '
        "BPU Kota Malang berubah +125,0% dari bulan lalu (April 2025, Pemda: 4.000 → 9.000), melebihi batas 25%."
    ]
    count.refresh_from_db()
    assert count.status == EntryStatus.SUBMITTED
    participant_counts_verify(
        counts=[count], user=verifier_malang, notes={count.pk: "Pendaftaran massal APBD 5.000 pekerja rentan"}
    )
    count.refresh_from_db()
    assert (count.status, count.note) == (EntryStatus.VERIFIED, "Pendaftaran massal APBD 5.000 pekerja rentan")
    assert count.history.first().history_change_reason == ("verified_jump:Pendaftaran massal APBD 5.000 pekerja rentan")


def test_only_the_branch_verifier_of_the_region_may_verify(verifier_malang, operator_kota_malang, region_tree):
    blitar = make_count(region_tree["35.05"], "PU", 1_000, status=EntryStatus.SUBMITTED)
    with pytest.raises(PermissionDenied, match="Anda tidak berwenang memverifikasi data Kabupaten Blitar."):
        participant_counts_verify(counts=[blitar], user=verifier_malang)
    own = make_count(region_tree["35.73"], "PU", 1_000, status=EntryStatus.SUBMITTED)
    with pytest.raises(PermissionDenied):
        participant_counts_verify(counts=[own], user=operator_kota_malang)
    assert set(ParticipantCount.objects.values_list("status", flat=True)) == {EntryStatus.SUBMITTED}


def test_a_closed_month_is_locked_until_an_admin_reopens_it(
    operator_kota_malang, verifier_malang, admin_user, region_tree
):
    kota = region_tree["35.73"]
    count = make_count(kota, "PU", 134_167, status=EntryStatus.SUBMITTED)
    period_close(period=MAY, user=admin_user)
    locked = "Periode Mei 2025 sudah ditutup: data terkunci. Admin dapat membukanya kembali dengan alasan."
    for attempt in (
        lambda: _save(operator_kota_malang, kota, {"active": 1}, 1),
        lambda: participant_counts_verify(counts=[count], user=verifier_malang),
        lambda: participant_counts_return(counts=[count], user=verifier_malang, reason="x"),
    ):
        with pytest.raises(ValidationError) as error:
            attempt()
        assert error.value.messages == [locked]
    assert cells() == {("35.73", "PU"): (134_167, None, EntryStatus.SUBMITTED, 1)}
    period_reopen(period=MAY, user=admin_user, reason="Koreksi data BPU dari Disnaker")
    assert _save(operator_kota_malang, kota, {"active": 134_200}, 1).active == 134_200


def test_the_tracker_shows_who_submitted_and_who_is_overdue(
    operator_kota_malang, operator_kab_blitar, admin_user, region_tree
):
    make_count(region_tree["35.73.01"], "PU", 1_000, status=EntryStatus.SUBMITTED)
    make_count(region_tree["35.73.02"], "PU", 2_000, status=EntryStatus.VERIFIED)
    make_count(region_tree["35.05"], "PU", 3_000)
    rows = {r.region.code: r for r in submission_tracker_rows(period=MAY, user=admin_user, today=date(2025, 6, 11))}
    assert (rows["35.73"].status_label, rows["35.73"].submitted, rows["35.73"].overdue) == ("Diajukan", True, False)
    assert (rows["35.73"].submitted_count, rows["35.73"].verified) == (1, 1)
    assert (rows["35.05"].status_label, rows["35.05"].overdue) == ("Draf", True)
    on_time = submission_tracker_rows(period=MAY, user=admin_user, today=date(2025, 6, 10))
    assert not any(row.overdue for row in on_time)
    # An operator sees only their own region.
    assert [r.region.code for r in submission_tracker_rows(period=MAY, user=operator_kab_blitar)] == ["35.05"]


def test_reminders_go_once_before_the_due_day_and_once_when_overdue(
    operator_kota_malang, operator_kab_blitar, region_tree, settings
):
    settings.SUBMISSION_DUE_DAY = 10
    operator_kab_blitar.email = "disnaker@blitarkab.go.id"
    operator_kab_blitar.save()
    operator_kota_malang.email = "disnaker@malangkota.go.id"
    operator_kota_malang.save()
    make_count(region_tree["35.73"], "PU", 134_167, status=EntryStatus.SUBMITTED)

    assert submission_reminders_send(today=date(2025, 6, 5)) == 0  # too early
    assert submission_reminders_send(today=date(2025, 6, 7)) == 1
    assert submission_reminders_send(today=date(2025, 6, 8)) == 0  # once per kind
    assert mail.outbox[0].to == ["disnaker@blitarkab.go.id"]
    assert mail.outbox[0].subject == "Pengingat: data kepesertaan Mei 2025 Kabupaten Blitar, batas 10 Juni 2025"
    assert submission_reminders_send(today=date(2025, 6, 11)) == 1
    assert mail.outbox[1].subject == "Terlambat: data kepesertaan Mei 2025 Kabupaten Blitar belum diajukan"
    assert list(SubmissionReminder.objects.values_list("kind", flat=True).order_by("sent_at")) == [
        ReminderKind.REMINDER,
        ReminderKind.OVERDUE,
    ]


def test_the_reminder_command_runs_the_beat_task(operator_kab_blitar, capsys):
    from django.core.management import call_command

    operator_kab_blitar.email = "disnaker@blitarkab.go.id"
    operator_kab_blitar.save()
    call_command("send_submission_reminders", "--today", "2025-06-12")
    assert capsys.readouterr().out.strip() == "Pengingat terkirim: 1"
    assert len(mail.outbox) == 1


def test_reasons_are_stored_as_codes_and_read_in_the_readers_language(
    client, operator_kota_malang, verifier_malang, region_tree
):
    """A change made in English reads the same as one made in Indonesian: the history stores codes
    and the history page translates them (before, "Diajukan" was stored and tested as a word)."""
    from django.urls import reverse

    from coverage.entry.services import CellChange, entry_grid_save

    kota = region_tree["35.73"]
    with translation_override("en"):
        entry_grid_save(
            region=kota,
            period=MAY,
            user=operator_kota_malang,
            changes=[CellChange(kota, MAY, "PU", {"active": 134_167}, expected_version=0)],
            submit=True,
        )
    count = ParticipantCount.objects.get(region=kota, period=MAY, segment="PU")
    participant_counts_verify(counts=[count], user=verifier_malang, notes={count.pk: "Pendaftaran massal APBD"})
    stored = list(count.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert stored == ["entry.grid_submit", "verified_jump:Pendaftaran massal APBD"]

    client.force_login(verifier_malang)
    url = reverse("coverage:count_history", kwargs={"pk": count.pk})
    rows = client.get(url).context["rows"]
    assert [row["reason"] for row in rows] == [
        "Diverifikasi; lonjakan dijelaskan: Pendaftaran massal APBD",
        "Entri tabel dan pengajuan",
    ]
    client.cookies["django_language"] = "en"
    html = client.get(url).content.decode()
    assert "<td>Grid entry and submission</td>" in html
