from datetime import date
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from programs.models import BatchStatus
from programs.selectors import funding_panel
from programs.services import funded_batch_create, programs_demo_load
from tests.factories import make_region

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_regions, catalogue):
    programs_demo_load()
    return demo_regions


def _row(panel, year, scheme, category):
    (row,) = [
        r
        for r in panel["rows"]
        if (r["fiscal_year"], r["scheme__name"], r["category__name"]) == (year, scheme, category)
    ]
    return row


def test_the_panel_shows_the_real_2024_batches_by_scheme_and_category(demo):
    malang = funding_panel(region=demo["35.07"], period=date(2026, 10, 1))
    assert _row(malang, 2024, "DBHCHT", "Buruh tani tembakau")["funded_workers"] == 2647

    solok = funding_panel(region=demo["13.11"], period=date(2024, 9, 1))
    assert _row(solok, 2024, "DBH Sawit", "Petani sawit")["funded_workers"] == 3360
    assert solok["active_workers"] == 3360  # protected in September 2024

    bumbu = funding_panel(region=demo["63.10"], period=date(2024, 12, 1))
    assert _row(bumbu, 2024, "ADD / APBDes", "Perangkat desa")["funded_workers"] == 8146
    assert _row(bumbu, 2024, "ADD / APBDes", "Pekerja rentan desa")["funded_workers"] == 2192
    assert bumbu["active_workers"] == 8146 + 2192
    assert bumbu["year_cost"] == Decimal((8146 + 2192) * 12 * 16800)


def test_a_province_sums_its_kab_kota(demo):
    jatim = funding_panel(region=demo["35"], period=date(2024, 12, 1))
    dbhcht = [r for r in jatim["by_scheme"] if r["fiscal_year"] == 2024 and r["scheme__name"] == "DBHCHT"]
    assert dbhcht[0]["funded_workers"] == 2647 + 5606  # Kab. Malang and Lumajang
    assert dbhcht[0]["spend"] == Decimal(2647 * 12 * 16800 + 659265600)


def test_batches_ending_within_60_days_of_the_month_shown_are_listed(demo):
    national = funding_panel(region=demo["ID"], period=date(2026, 11, 1))
    ending = {(b.region.code, b.end_month) for b in national["ending_soon"]}
    # From 30 November 2026: November and December 2026 end within 60 days; the planned 2027 batch does not count.
    assert ending == {
        ("35.07", date(2026, 12, 1)),
        ("13.11", date(2026, 12, 1)),
        ("35.73", date(2026, 11, 1)),
        ("33.16", date(2026, 11, 1)),
        ("63.10", date(2026, 12, 1)),
    }


def test_ending_soon_counts_from_the_end_of_the_month_shown_not_from_today(demo_regions, catalogue):
    def batch(code, workers, start, end):
        return funded_batch_create(
            region=demo_regions[code],
            scheme=catalogue["schemes"]["dbhcht"],
            category=catalogue["categories"]["buruh-tani-tembakau"],
            workers=workers,
            package=catalogue["jkk_jkm"],
            start_month=start,
            end_month=end,
            status=BatchStatus.ENDED,  # all long over today: the month shown decides, not today
        )

    batch("35.08", 5606, date(2024, 6, 1), date(2024, 12, 1))  # Lumajang (real)
    batch("52.03", 12698, date(2024, 4, 1), date(2024, 12, 1))  # Lombok Timur (real)
    batch("35.07", 400, date(2024, 6, 1), date(2024, 10, 1))  # examples ending in October and November
    batch("35.05", 300, date(2024, 6, 1), date(2024, 11, 1))

    def ending(period):
        panel = funding_panel(region=demo_regions["ID"], period=period)
        return sorted(b.workers for b in panel["ending_soon"])

    # From 30 September 2024, 60 days reach 29 November: October's batch ends within them, November's
    # (30 November) does not.
    assert ending(date(2024, 9, 1)) == [400]
    # From 31 October: October's (ending that very day) and November's; December's is 61 days away.
    assert ending(date(2024, 10, 1)) == [300, 400]
    # From 30 November: November's and December's.
    assert ending(date(2024, 11, 1)) == [300, 5606, 12698]
    assert ending(date(2025, 1, 1)) == []


def test_batches_shorter_than_three_months_are_flagged(demo):
    blora = funding_panel(region=demo["33.16"], period=date(2026, 11, 1))
    assert [(b.workers, b.month_count) for b in blora["short"]] == [(742, 2)]
    # The 2024 Baznas batch ran exactly 3 months: not flagged.
    assert all(b.month_count < 3 for b in blora["short"])


def test_planned_batches_are_shown_apart_and_not_counted(demo):
    lotim = funding_panel(region=demo["52.03"], period=date(2026, 11, 1))
    assert lotim["planned"]["workers"] == 13000
    assert lotim["active_workers"] == 0


def test_the_panel_reads_in_a_fixed_number_of_queries(demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        funding_panel(region=demo["ID"], period=date(2026, 11, 1))


def test_the_panel_template_renders_the_demo_batches(demo):
    panel = funding_panel(region=demo["35.07"], period=date(2024, 12, 1))
    html = render_to_string("programs/partials/funding_panel.html", {"panel": panel})
    assert "Buruh tani tembakau" in html
    assert "2.647" in html
    assert "Rp533.635.200" in html  # 2.647 x 12 x Rp16.800
    assert 'data-figure="funding-chart"' in html
    assert "<script>" not in html  # no inline JS (CSP)


def test_the_region_dashboard_includes_the_panel(client, branch_head_malang, snapshots, demo_regions):
    programs_demo_load()
    client.force_login(branch_head_malang)
    response = client.get(reverse("coverage:region_dashboard", kwargs={"code": "35.07"}), {"periode": "2026-12"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Pekerja rentan didanai" in html
    assert "2.647" in html and "2.800" in html  # the 2024 and 2026 DBHCHT batches of Kab. Malang


def test_the_panel_shows_realisation_against_the_target_population(demo, catalogue):
    # Jember (#11): 20.097 workers protected of a target population (sasaran) of 74.918.
    jember = make_region("35.09", "Kabupaten Jember")
    funded_batch_create(
        region=jember,
        scheme=catalogue["schemes"]["apbd"],
        category=catalogue["categories"]["pekerja-rentan-desa"],
        workers=20_097,
        target_population=74_918,
        package=catalogue["jkk_jkm"],
        start_month=date(2025, 1, 1),
        end_month=date(2025, 12, 1),
        status=BatchStatus.ACTIVE,
    )
    panel = funding_panel(region=jember, period=date(2025, 6, 1))
    row = _row(panel, 2025, "APBD", "Pekerja rentan desa")
    assert (row["target_workers"], row["target_total"]) == (20_097, 74_918)
    assert round(row["realisation"], 2) == 26.83
    html = render_to_string("programs/partials/funding_panel.html", {"panel": panel})
    assert "20.097 dari 74.918 (26,83%)" in html


def test_realisation_counts_only_batches_that_state_a_target(demo):
    # Jawa Timur 2024: no demo batch states a sasaran, so there is no realisation column.
    jatim = funding_panel(region=demo["35"], period=date(2024, 12, 1))
    assert jatim["has_targets"] is False
    assert all(row["realisation"] is None for row in jatim["rows"])
    html = render_to_string("programs/partials/funding_panel.html", {"panel": jatim})
    assert "Realisasi dari sasaran" not in html


def test_a_region_without_batches_says_so(demo):
    panel = funding_panel(region=demo["35.05"], period=date(2026, 10, 1))
    assert panel["has_batches"] is False and panel["active_workers"] == 0
    html = render_to_string("programs/partials/funding_panel.html", {"panel": panel})
    assert "Belum ada batch pekerja yang didanai" in html
