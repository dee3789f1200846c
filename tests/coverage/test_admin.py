"""Admin edits of counts obey the same rules as the entry pages."""

from datetime import date

import pytest

from coverage.engine import period_close
from coverage.models import EntryStatus, ParticipantCount, RecomputeRequest, Source

pytestmark = pytest.mark.django_db

PERIOD = date(2025, 6, 1)


def _post(client, cell, **changes):
    data = {
        "region": cell.region_id, "period": "2025-06-01", "segment": cell.segment, "source": cell.source,
        "active": cell.active, "status": cell.status, "note": "", "return_reason": "",
        "expected_version": cell.version,
    }  # fmt: skip
    data.update(changes)
    return client.post(f"/admin/coverage/participantcount/{cell.pk}/change/", data)


@pytest.fixture
def bpjs_cell(region_tree):
    return ParticipantCount.objects.create(
        region=region_tree["35.73"], period=PERIOD, segment="PU", source=Source.BPJS,
        status=EntryStatus.VERIFIED, active=100_000,
    )  # fmt: skip


def test_a_stale_admin_edit_is_refused_not_overwritten(client, admin_user, bpjs_cell):
    client.force_login(admin_user)
    read_version = bpjs_cell.version
    ParticipantCount.objects.filter(pk=bpjs_cell.pk).update(active=120_000, version=read_version + 1)

    response = _post(client, bpjs_cell, active="134167", expected_version=read_version)

    assert response.status_code == 200
    assert "telah diubah oleh pengguna lain" in response.content.decode()
    assert ParticipantCount.objects.get(pk=bpjs_cell.pk).active == 120_000


def test_a_closed_month_cannot_be_edited_in_admin(client, admin_user, bpjs_cell):
    period_close(period=PERIOD, user=admin_user)
    client.force_login(admin_user)
    response = _post(client, bpjs_cell, active="134167")
    assert "sudah ditutup" in response.content.decode()
    assert ParticipantCount.objects.get(pk=bpjs_cell.pk).active == 100_000


def test_an_admin_correction_of_a_pemda_figure_goes_back_to_the_verifier(client, admin_user, region_tree):
    cell = ParticipantCount.objects.create(
        region=region_tree["35.73"], period=PERIOD, segment="BPU", source=Source.PEMDA,
        status=EntryStatus.VERIFIED, active=4_000,
    )  # fmt: skip
    client.force_login(admin_user)
    response = client.post(
        f"/admin/coverage/participantcount/{cell.pk}/change/",
        {"active": "4754", "note": "koreksi", "expected_version": cell.version},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    cell.refresh_from_db()
    assert (cell.active, cell.status, cell.version) == (4_754, EntryStatus.SUBMITTED, 2)
    assert RecomputeRequest.objects.filter(region=cell.region, period=PERIOD).exists()
