"""The demo tells the real story (issue #11): loaded once for this module on the full national tree,
through the real engine, and read back from its snapshots.

Loading the tree and the demo takes about a minute on PostgreSQL; every test reads the same
committed rows (and rolls back anything it writes), and the database is flushed afterwards.
"""

import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Max, Sum
from django.test.utils import override_settings

from coverage.demo import MONTHS, demo_load
from coverage.models import ParticipantCount, Snapshot
from programs.services import programs_demo_load, programs_seed
from regions.management.commands.create_demo_users import DEMO_PASSWORD
from regions.models import Denominator, Level, Office, Region, Territory
from regions.services import offices_seed, region_tree_load

pytestmark = pytest.mark.django_db

JUNE_2025 = date(2025, 6, 1)
FIVE_BEST = {"35.73": "Kota Malang", "35.78": "Kota Surabaya", "35.22": "Kabupaten Bojonegoro",
             "35.16": "Kabupaten Mojokerto", "35.09": "Kabupaten Jember"}  # fmt: skip


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        region_tree_load()
        offices_seed()
        programs_seed()  # what load_demo does: the batches first, then the counts
        programs_demo_load()
        result = demo_load()
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            call_command("create_demo_users", stdout=io.StringIO())
    yield result
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def current(**filters):
    return Snapshot.objects.filter(is_current=True, **filters)


def snapshot(code, period):
    return current(region__code=code, period=period).get()


def pct(new, old):
    return round((new / old - 1) * 100, 2)


# --- no coverage above 100%, no gaps ---


def test_no_coverage_is_above_100_percent_at_any_level_or_month(demo):
    rows = current()
    assert set(rows.values_list("level", flat=True)) == {0, 1, 2, 3, 11, 12}  # every level, offices too
    top = rows.aggregate(total=Max("coverage_total"), pu=Max("coverage_pu"), bpu=Max("coverage_bpu"))
    assert max(top.values()) <= 100, top
    # ...and not because figures are missing: every kab/kota has all three every month.
    complete = current(level=Level.REGENCY, coverage_total__isnull=False, coverage_pu__isnull=False)
    assert complete.filter(coverage_bpu__isnull=False).count() == 514 * MONTHS


def test_every_kab_kota_reports_every_demo_month_so_nothing_is_carried(demo):
    reported = ParticipantCount.objects.filter(region__level=Level.REGENCY).values("region").annotate(n=Count("id"))
    assert len(reported) == 514
    assert {row["n"] for row in reported} == {MONTHS * 4}  # PU, BPU, Jakon and PMI
    assert not current(is_carried=True).exists()


# --- the real figures at their dates ---

REAL = [
    # code, period, participants, employed, coverage (%)
    ("19.71", date(2025, 5, 1), 29_040, 70_426, 41.23),
    ("35.73", JUNE_2025, 134_167, 413_600, 32.44),
    ("35.07", date(2024, 12, 1), 278_320, 1_420_000, 19.60),
    ("35.05", date(2024, 10, 1), 181_470, 690_000, 26.30),
    ("13.11", date(2024, 9, 1), 18_092, 106_611, 16.97),
    ("51", date(2025, 3, 1), 935_079, 1_873_899, 49.90),
]


@pytest.mark.parametrize(("code", "period", "participants", "employed", "coverage"), REAL)
def test_the_real_figures_come_out_exactly_at_their_dates(demo, code, period, participants, employed, coverage):
    row = snapshot(code, period)
    assert (row.active_total, row.workers_total, round(row.coverage_total, 2)) == (participants, employed, coverage)


def test_pangkalpinang_segments_and_kota_malang_gap_are_the_real_ones(demo):
    pangkalpinang = snapshot("19.71", date(2025, 5, 1))
    assert (pangkalpinang.active_pu, pangkalpinang.workers_pu, round(pangkalpinang.coverage_pu, 2)) == (
        24_286,
        47_010,
        51.66,
    )
    assert (pangkalpinang.active_bpu, pangkalpinang.workers_bpu, round(pangkalpinang.coverage_bpu, 2)) == (
        4_754,
        23_416,
        20.30,
    )
    target = snapshot("35.73", JUNE_2025).targets.get(series__code="rpjmd-daerah")
    assert (target.target_participants, target.gap_participants) == (176_753, 42_586)


# --- provinces consistent with their kab/kota ---


@pytest.mark.parametrize("field", ["workers_total", "workers_pu", "workers_bpu"])
def test_a_province_employed_population_is_the_sum_of_its_kab_kota_every_year(demo, field):
    for year in (2023, 2024, 2025, 2026):
        period = date(year, 12 if year == 2023 else 6, 1)
        sums = dict(
            current(level=Level.REGENCY, period=period)
            .values_list("parent_region__code")
            .annotate(total=Sum(field))
            .values_list("parent_region__code", "total")
        )
        provinces = dict(current(level=Level.PROVINCE, period=period).values_list("region__code", field))
        assert len(provinces) == 38 and provinces == sums, (year, field)
    # Bali's own denominator (Sakernas Februari 2025) is exactly its kab/kota's sum.
    own = Denominator.objects.get(region__code="51", year=2025, segment_group="TOTAL")
    children = Denominator.objects.filter(region__parent__code="51", year=2025, segment_group="TOTAL")
    assert own.workers == children.aggregate(total=Sum("workers"))["total"] == 1_873_899


def test_province_and_national_coverage_move_smoothly_month_to_month_and_across_years(demo):
    rows = current(level__in=[Level.NATIONAL, Level.PROVINCE], delta_mom_pp__isnull=False)
    assert rows.count() == 39 * (MONTHS - 1)
    assert max(abs(value) for value in rows.values_list("delta_mom_pp", flat=True)) < 1.0
    # The employed population grows about 1% a year, never by a jump.
    for december, january in ((date(2023, 12, 1), date(2024, 1, 1)), (date(2024, 12, 1), date(2025, 1, 1))):
        before = dict(current(level=Level.PROVINCE, period=december).values_list("region__code", "workers_total"))
        after = dict(current(level=Level.PROVINCE, period=january).values_list("region__code", "workers_total"))
        growth = [after[code] / before[code] - 1 for code in before]
        assert 0.005 < min(growth) and max(growth) < 0.02


# --- Kanwil Jawa Timur and its ranking ---


def test_kanwil_jawa_timur_serves_all_38_kab_kota_each_through_one_branch(demo):
    jatim = set(Region.objects.filter(parent__code="35").values_list("code", flat=True))
    served = Territory.objects.filter(office__parent__code="KW-JATIM").values("region__code").annotate(n=Count("id"))
    assert len(jatim) == 38 and {row["region__code"] for row in served} == jatim
    assert {row["n"] for row in served} == {1}

    def territory(code):
        return set(Territory.objects.filter(office__code=code).values_list("region__code", flat=True))

    assert (territory("KC-MALANG"), territory("KC-KEPANJEN"), territory("KC-BLITAR")) == (
        {"35.73", "35.79"},
        {"35.07"},
        {"35.05", "35.72"},
    )
    assert 15 <= Office.objects.filter(parent__code="KW-JATIM").count() <= 25
    kanwil = current(office__code="KW-JATIM", period=JUNE_2025).get()
    province = snapshot("35", JUNE_2025)
    assert (kanwil.active_total, kanwil.workers_total) == (province.active_total, province.workers_total)


def test_kota_malang_is_in_the_top_five_of_jawa_timur_with_the_five_best_among_the_best(demo):
    ranks = dict(current(level=Level.REGENCY, parent_region__code="35", period=JUNE_2025).values_list(
        "region__code", "rank_in_parent"))  # fmt: skip
    assert len(ranks) == 38
    assert ranks["35.73"] == 3
    assert sorted(ranks[code] for code in FIVE_BEST) == [1, 2, 3, 4, 5]


# --- Tanah Bumbu and Kab. Malang ---


def test_tanah_bumbu_grows_pu_8_72_and_bpu_81_73_percent_with_the_add_batches_on_top(demo):
    dec23, jan24, dec24 = (snapshot("63.10", date(y, m, 1)) for y, m in ((2023, 12), (2024, 1), (2024, 12)))
    # As the engine reports it, and recomputed from the participants.
    assert (round(dec24.growth_yoy_pu, 2), round(dec24.growth_yoy_bpu, 2)) == (8.72, 81.73)
    assert (pct(dec24.active_pu, dec23.active_pu), pct(dec24.active_bpu, dec23.active_bpu)) == (8.72, 81.73)
    # The jump is the village funding (ADD) starting in January 2024; reported BPU grows modestly.
    assert (dec23.active_funded, jan24.active_funded, dec24.active_funded) == (None, 8_146 + 2_192, 8_146 + 2_192)
    assert jan24.active_bpu - dec23.active_bpu > 10_338
    assert 0 < pct(dec24.active_bpu - dec24.active_funded, dec23.active_bpu) < 8


def test_kab_malang_bpu_has_no_step_around_december_2024(demo):
    months = [date(2024, 9, 1), date(2024, 10, 1), date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1),
              date(2025, 2, 1), date(2025, 3, 1)]  # fmt: skip
    rows = [snapshot("35.07", month) for month in months]
    bpu = [row.active_bpu for row in rows]
    assert all(abs(pct(new, old)) < 2.5 for old, new in zip(bpu, bpu[1:], strict=False)), bpu
    assert all(abs(row.delta_mom_pp) < 0.4 for row in rows), [row.delta_mom_pp for row in rows]
    # DBHCHT funds 2.647 buruh tani tembakau in 2024, and is renewed in 2025: no drop in January.
    assert [row.active_funded for row in rows] == [2_647] * 4 + [2_700] * 3


def test_the_demo_reloads_to_the_same_figures(demo):
    again = demo_load()
    assert (again["counts"], again["denominators"]) == (demo["counts"], demo["denominators"])
    assert again["snapshots"] == 0  # the engine found nothing to change


# --- personas and the README tour ---


def test_the_kepanjen_branch_head_lands_on_the_malang_kepanjen_dashboard(demo, client, settings):
    settings.PASSWORD_HASHERS = [*settings.PASSWORD_HASHERS, "django.contrib.auth.hashers.MD5PasswordHasher"]
    assert client.login(username="kacab.kepanjen", password=DEMO_PASSWORD)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/kantor/KC-KEPANJEN/"
    assert "Malang Kepanjen" in response.content.decode()


def _text(html):
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# What README.md's "Demo tour" promises: persona, URL, and what the page shows (in this order).
TOUR = [
    ("kacab.kepanjen", "/wilayah/35.07/?periode=2024-12",
     ["19,60%", "278.320", "1.420.000", "Buruh tani tembakau", "2.647", "Kecamatan di wilayah ini"]),
    ("operator.blitar", "/wilayah/35.05/?periode=2024-10", ["26,30%", "181.470", "690.000"]),
    ("kacab.malang", "/wilayah/35.73/?periode=2025-06", ["32,44%", "134.167", "413.600", "41,23%", "176.753",
                                                        "42.586", "Peringkat 3 / 38"]),
    ("kakanwil.jatim", "/kantor/KW-JATIM/?periode=2025-06",
     ["Lima kab/kota terbaik Kanwil Jawa Timur", "Kota Surabaya — 36,80%", "Kabupaten Bojonegoro — 34,10%",
      "Kota Malang — 32,44%", "Kabupaten Mojokerto — 30,40%", "Kabupaten Jember — 29,60%"]),
    ("admin", "/wilayah/13.11/?periode=2024-09", ["16,97%", "18.092", "106.611", "Petani sawit", "3.360"]),
    ("admin", "/wilayah/13.11/?periode=2025-06", ["28,30%"]),
    ("admin", "/wilayah/63.10/?periode=2024-12", ["PU 27.180", "BPU 24.539", "setahun: PU +8,72% · BPU +81,73%",
                                                   "Perangkat desa", "8.146", "Pekerja rentan desa", "2.192"]),
    ("admin", "/wilayah/19.71/?periode=2025-05", ["41,23%", "51,66%", "24.286", "47.010", "20,30%", "4.754"]),
    ("admin", "/wilayah/51/?periode=2025-03", ["49,90%", "935.079", "1.873.899"]),
]  # fmt: skip


@pytest.mark.parametrize(("username", "url", "shown"), TOUR)
def test_the_readme_tour_pages_show_what_the_readme_says(demo, client, username, url, shown):
    assert url in Path(settings.BASE_DIR, "README.md").read_text()
    client.force_login(get_user_model().objects.get(username=username))
    response = client.get(url)
    assert response.status_code == 200
    text = _text(response.content.decode())
    positions = [text.find(snippet) for snippet in shown]
    assert -1 not in positions, [s for s, p in zip(shown, positions, strict=True) if p == -1]
    if url.startswith("/kantor/"):
        assert positions == sorted(positions)  # the ranking's order


def test_tanah_bumbu_segment_chart_shows_the_bpu_jump_of_january_2024(demo, client):
    client.force_login(get_user_model().objects.get(username="admin"))
    html = client.get("/wilayah/63.10/?periode=2024-12").content.decode()
    figure = json.loads(re.search(r'<script id="fig-segmen" type="application/json">(.*?)</script>', html, re.S)[1])
    (bpu,) = [trace for trace in figure["data"] if trace["name"] == "BPU"]
    by_month = dict(zip((x[:7] for x in bpu["x"]), bpu["y"], strict=True))
    assert by_month["2023-12"] == 13_503
    assert 23_500 < by_month["2024-01"] < 24_300  # "about 23.900" (README)
