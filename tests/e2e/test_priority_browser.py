"""The action list followed up, in the browser: a branch head takes up Kota Malang's gap to its target,
gives it to the branch's verifier with a plan and a review date, and later marks it done with its result.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from coverage.engine import coverage_recompute
from coverage.models import FollowUpStatus, PriorityAction, SeriesKind, TargetSeries, TargetValue
from tests.e2e.conftest import MONTHS, url, visible_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_branch_head_takes_up_a_priority_region_and_closes_it_with_its_result(browse, world):
    series = TargetSeries.objects.create(
        code="rpjmd-kota-malang", name="RPJMD Kota Malang", kind=SeriesKind.RPJMD, source_document="Perwali RPJMD"
    )
    TargetValue.objects.create(series=series, region=world["regions"]["35.73"], year=2025, percent=Decimal("41.23"))
    coverage_recompute(periods=MONTHS)

    head = browse()
    page = head.login("kacab.malang")
    page.goto(url("coverage:action_list", code="KC-MALANG"))
    # June: Kota Malang's figure is its two kecamatan's sum (63.000 + 58.000 = 121.000) of 413.600 workers,
    # against 41,23% (170.528 participants): a gap of 49.528.
    assert "Kota Malang: 49.528 peserta" in visible_text(page)
    page.select_option("#priority", "gap:35.73")
    page.select_option("#owner", "verifikator.malang")
    page.fill("#review_date", (date.today() + timedelta(days=14)).isoformat())
    page.fill("#plan", "Sosialisasi BPU bersama Disnaker di pasar besar")
    with page.expect_navigation():
        page.click("form.priority-open button[type=submit]")
    text = visible_text(page)
    assert "Kota Malang ditindaklanjuti." in text
    assert "Sosialisasi BPU bersama Disnaker di pasar besar" in text
    # The branch's month is June: the outcome waits for July.
    assert "Kota Malang (Juni 2025)" in text and "Menunggu angka Juli 2025" in text
    assert "lewat" not in text  # the review date is ahead

    action = PriorityAction.objects.get()
    assert (action.region.code, action.period) == ("35.73", date(2025, 6, 1))
    assert action.owner.username == "verifikator.malang"

    row = page.locator("table.priority-actions tbody tr").first
    row.locator("select[name=status]").select_option("resolved")
    row.locator("input[name=result]").fill("MoU Disnaker ditandatangani")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert "Tindak lanjut diperbarui." in visible_text(page)
    action.refresh_from_db()
    assert (action.status, action.result) == (FollowUpStatus.RESOLVED, "MoU Disnaker ditandatangani")
    head.assert_clean()
