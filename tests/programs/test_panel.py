from datetime import date
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from programs.selectors import funding_panel
from programs.services import programs_demo_load

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 21)


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
    malang = funding_panel(region=demo["35.07"], period=date(2026, 10, 1), today=TODAY)
    assert _row(malang, 2024, "DBHCHT", "Buruh tani tembakau")["funded_workers"] == 2647

    solok = funding_panel(region=demo["13.11"], period=date(2024, 9, 1), today=TODAY)
    assert _row(solok, 2024, "DBH Sawit", "Petani sawit")["funded_workers"] == 3360
    assert solok["active_workers"] == 3360  # protected in September 2024

    bumbu = funding_panel(region=demo["63.10"], period=date(2024, 12, 1), today=TODAY)
    assert _row(bumbu, 2024, "ADD / APBDes", "Perangkat desa")["funded_workers"] == 8146
    assert _row(bumbu, 2024, "ADD / APBDes", "Pekerja rentan desa")["funded_workers"] == 2192
    assert bumbu["active_workers"] == 8146 + 2192
    assert bumbu["year_cost"] == Decimal((8146 + 2192) * 12 * 16800)


def test_a_province_sums_its_kab_kota(demo):
    jatim = funding_panel(region=demo["35"], period=date(2024, 12, 1), today=TODAY)
    dbhcht = [r for r in jatim["by_scheme"] if r["fiscal_year"] == 2024 and r["scheme__name"] == "DBHCHT"]
    assert dbhcht[0]["funded_workers"] == 2647 + 5606  # Kab. Malang and Lumajang
    assert dbhcht[0]["spend"] == Decimal(2647 * 12 * 16800 + 659265600)


def test_batches_ending_within_60_days_are_listed(demo):
    national = funding_panel(region=demo["ID"], period=date(2026, 11, 1), today=TODAY)
    ending = {(b.region.code, b.end_month) for b in national["ending_soon"]}
    # November and December 2026 end within 60 days of 21 November 2026; the planned 2027 batch does not count.
    assert ending == {
        ("35.07", date(2026, 12, 1)),
        ("35.73", date(2026, 11, 1)),
        ("33.16", date(2026, 11, 1)),
        ("63.10", date(2026, 12, 1)),
    }


def test_batches_shorter_than_three_months_are_flagged(demo):
    blora = funding_panel(region=demo["33.16"], period=date(2026, 11, 1), today=TODAY)
    assert [(b.workers, b.month_count) for b in blora["short"]] == [(742, 2)]
    # The 2024 Baznas batch ran exactly 3 months: not flagged.
    assert all(b.month_count < 3 for b in blora["short"])


def test_planned_batches_are_shown_apart_and_not_counted(demo):
    lotim = funding_panel(region=demo["52.03"], period=date(2026, 11, 1), today=TODAY)
    assert lotim["planned"]["workers"] == 13000
    assert lotim["active_workers"] == 0


def test_the_panel_reads_in_a_fixed_number_of_queries(demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        funding_panel(region=demo["ID"], period=date(2026, 11, 1), today=TODAY)


def test_the_panel_template_renders_the_demo_batches(demo):
    panel = funding_panel(region=demo["35.07"], period=date(2024, 12, 1), today=TODAY)
    html = render_to_string("programs/partials/funding_panel.html", {"panel": panel})
    assert "Buruh tani tembakau" in html
    assert "2.647" in html
    assert "Rp533.635.200" in html  # 2.647 x 12 x Rp16.800
    assert 'data-figure="funding-chart"' in html
    assert "<script>" not in html  # no inline JS (CSP)


def test_the_region_dashboard_includes_the_panel(client, branch_head_malang, snapshots, demo_regions):
    programs_demo_load()
    client.force_login(branch_head_malang)
    response = client.get(reverse("coverage:region_dashboard", kwargs={"code": "35.07"}), {"periode": "2026-10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Pekerja rentan didanai" in html
    assert "2.647" in html and "2.800" in html  # the 2024 and 2026 DBHCHT batches of Kab. Malang


def test_a_region_without_batches_says_so(demo):
    panel = funding_panel(region=demo["35.05"], period=date(2026, 10, 1), today=TODAY)
    assert panel["has_batches"] is False and panel["active_workers"] == 0
    html = render_to_string("programs/partials/funding_panel.html", {"panel": panel})
    assert "Belum ada batch pekerja yang didanai" in html
