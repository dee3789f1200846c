"""Issue #16: the trend chart marks explained jumps (a verifier's note on a verified jump) and the first
month of funded batches, with their notes on hover, read from the counts' history and the batches
when the chart is made (coverage/dashboards/annotations.py)."""

from datetime import date

import pytest

from coverage.dashboards.annotations import VERIFIED_JUMP_REASON
from coverage.dashboards.charts import OKABE_ITO, trend_figure
from coverage.entry import reasons
from coverage.entry.verification import participant_counts_verify
from coverage.models import ParticipantCount
from coverage.reports.svg import figure_svg
from programs.models import BatchStatus, FundingScheme, Package, WorkerCategory
from programs.services import funded_batch_create, programs_seed

from .conftest import APRIL, JUNE

pytestmark = pytest.mark.django_db

NOTE = "Pendaftaran massal APBD 28.000 pekerja rentan <b>Juni</b>"
BATCH = "DBHCHT, Buruh tani tembakau: 5.606 pekerja, April 2025 sampai Oktober 2025"


@pytest.fixture
def noted(dash, verifier_malang, region_tree):
    """Kota Malang: June's PU (70.000 in May -> 98.000) verified with a jump note; a DBHCHT batch of
    5.606 buruh tani tembakau from April to October 2025 (Lumajang's figure, DOMAIN.md)."""
    june = list(ParticipantCount.objects.filter(region=region_tree["35.73"], period=JUNE))
    pu = next(count for count in june if count.segment == "PU")
    participant_counts_verify(counts=june, user=verifier_malang, notes={pu.pk: NOTE})
    programs_seed()
    funded_batch_create(
        region=region_tree["35.73"], scheme=FundingScheme.objects.get(code="dbhcht"),
        category=WorkerCategory.objects.get(code="buruh-tani-tembakau"), workers=5_606,
        package=Package.objects.get(code="bpu-jkk-jkm"), start_month=APRIL, end_month=date(2025, 10, 1),
        status=BatchStatus.ACTIVE,
    )  # fmt: skip
    return region_tree


def _trend(client, user, code):
    client.force_login(user)
    response = client.get(f"/wilayah/{code}/grafik/tren/", {"periode": "2025-06"})
    assert response.status_code == 200
    return response.json()


def test_the_trend_marks_a_verified_jump_and_a_batch_start_with_their_notes(client, noted, branch_head_malang):
    figure = _trend(client, branch_head_malang, "35.73")
    labels = {label["x"]: label for label in figure["layout"]["annotations"]}
    assert set(labels) == {"2025-04-01", "2025-06-01"}
    # The note was typed by a person: escaped, shown as typed (the markup is not run).
    june = "Pendaftaran massal APBD 28.000 pekerja rentan &lt;b&gt;Juni&lt;/b&gt;"
    assert labels["2025-06-01"]["hovertext"] == f"<b>Juni 2025</b><br>Lonjakan dijelaskan: {june}"
    assert labels["2025-06-01"]["text"] == "Lonjakan"
    assert round(labels["2025-06-01"]["y"], 2) == 32.44  # on the total line, at June's coverage
    assert labels["2025-04-01"]["hovertext"] == f"<b>April 2025</b><br>Mulai batch didanai: {BATCH}"
    marks = {trace["name"]: trace for trace in figure["data"] if trace["mode"] == "markers"}
    assert marks["Lonjakan dijelaskan"]["x"] == ["2025-06-01"] and marks["Lonjakan dijelaskan"]["customdata"] == [june]
    assert marks["Mulai batch didanai"]["x"] == ["2025-04-01"]
    assert marks["Mulai batch didanai"]["customdata"] == [BATCH]


def test_the_province_trend_shows_its_kab_kotas_notes_with_their_names(client, noted, admin_user):
    figure = _trend(client, admin_user, "35")
    hover = {label["x"]: label["hovertext"] for label in figure["layout"]["annotations"]}
    assert hover["2025-04-01"] == f"<b>April 2025</b><br>Mulai batch didanai: Kota Malang: {BATCH}"
    assert "Lonjakan dijelaskan: Kota Malang: Pendaftaran massal APBD" in hover["2025-06-01"]


def test_a_region_without_notes_has_none_and_a_sibling_does_not_borrow_them(client, noted, admin_user):
    figure = _trend(client, admin_user, "35.07")  # Kabupaten Malang: no jump note, no batch
    assert "annotations" not in figure["layout"]
    assert all(trace["mode"] != "markers" for trace in figure["data"])


def test_the_history_code_read_is_the_one_verification_writes():
    assert VERIFIED_JUMP_REASON == reasons.reason(reasons.VERIFIED_JUMP, "")


def test_a_month_with_many_notes_lists_four_and_counts_the_rest():
    rows = [{"period": JUNE, "coverage_total": 30.0, "targets": []}]
    notes = [{"period": JUNE, "kind": "jump", "region_code": f"35.{n:02}", "region_name": f"Kab {n}",
              "text": f"catatan {n}", "own": False} for n in range(1, 7)]  # fmt: skip
    figure = trend_figure(rows, title="Tren", annotations=notes)
    assert figure["layout"]["annotations"][0]["hovertext"].split("<br>")[1:] == [
        "Lonjakan dijelaskan: Kab 1: catatan 1",
        "Lonjakan dijelaskan: Kab 2: catatan 2",
        "Lonjakan dijelaskan: Kab 3: catatan 3",
        "Lonjakan dijelaskan: Kab 4: catatan 4",
        "Lonjakan dijelaskan: dan 2 catatan lain",
    ]


def test_the_printed_trend_draws_the_notes_marks_in_their_colours():
    rows = [{"period": m, "coverage_total": value, "targets": []} for m, value in ((APRIL, 30.0), (JUNE, 32.44))]
    notes = [{"period": JUNE, "kind": "jump", "region_code": "35.73", "region_name": "Kota Malang", "text": "APBD"}]
    svg = figure_svg(trend_figure(rows, title="Tren", annotations=notes))
    assert "Lonjakan dijelaskan" in svg  # in the legend
    assert f'r="4" fill="{OKABE_ITO["vermillion"]}"' in svg
