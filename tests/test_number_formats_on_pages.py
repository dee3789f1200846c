"""Ids, codes and years are never localised anywhere; figures always are.

The verification queue once posted "79.709" for record 79709 (``{{ item.count.pk }}`` under
``USE_THOUSAND_SEPARATOR``) and nothing could be decided; admin showed years as "2.025". Django now
groups no digits itself, and every displayed figure goes through the explicit formats. This test
renders the pages of every role over a database whose ids start at 100,000 (tests/conftest.py) and
checks the HTML both ways:

- no attribute (form value, checkbox, hidden field, data attribute, URL, id) holds a grouped number,
  except the entry grid's number inputs, which show what the operator typed ("134.167");
- no text shows a grouped year ("2.025") or an ungrouped figure of five digits or more ("134167").
"""

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse

from coverage.engine import coverage_recompute
from coverage.models import (
    CategoryBand,
    EntryStatus,
    ParticipantCount,
    SeriesKind,
    Source,
    TargetSeries,
    TargetValue,
)
from programs.models import FundedBatch, FundingScheme, Package, WorkerCategory
from programs.services import programs_seed
from regions.models import Denominator, SegmentGroup
from tests.conftest import FIRST_ID

pytestmark = pytest.mark.django_db

APRIL, MAY = date(2025, 4, 1), date(2025, 5, 1)
GROUPED = re.compile(r"(?<![\w.,])\d{1,3}(?:[.,]\d{3})+(?![\w])")
GROUPED_YEAR = re.compile(r"(?<![\w.,])2[.,]0\d\d(?![\w.,])")
UNGROUPED_FIGURE = re.compile(r"(?<![\w.,:/-])\d{5,}(?![\w.,])")
# Attributes that hold words for people, not values for the machine.
PROSE = {"title", "aria-label", "placeholder", "alt", "content", "data-unsaved-warning", "data-bpjs-warning"}
# Drawing coordinates of inline icons (admin's SVG): decimals, not figures.
GEOMETRY = {"d", "viewbox", "points", "transform"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.attributes, self.texts, self._skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs.items():
            typed_number = tag == "input" and name == "value" and "num" in (attrs.get("class") or "").split()
            if value and name not in PROSE | GEOMETRY and not typed_number:
                self.attributes.append((tag, name, value))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def problems(html):
    page = _Page()
    page.feed(html)
    found = [f"<{tag} {name}={value!r}>" for tag, name, value in page.attributes if GROUPED.search(value)]
    for text in page.texts:
        found += [f"year {m.group()!r} in {text!r}" for m in GROUPED_YEAR.finditer(text)]
        found += [f"ungrouped {m.group()!r} in {text!r}" for m in UNGROUPED_FIGURE.finditer(text)]
    return found


@pytest.fixture
def world(personas, offices, region_tree):
    """Kota Malang with real figures (DOMAIN.md), a target, bands, a funded batch and snapshots."""
    kota = region_tree["35.73"]
    for group, workers in ((SegmentGroup.TOTAL, 413_600), (SegmentGroup.PU, 290_000), (SegmentGroup.BPU, 123_600)):
        Denominator.objects.create(
            region=kota, year=2025, segment_group=group, workers=workers, source="Sakernas Agustus 2024"
        )
    for period, active in ((APRIL, 131_167), (MAY, 134_500)):
        ParticipantCount.objects.create(
            region=kota, period=period, segment="PU", source=Source.BPJS, status=EntryStatus.VERIFIED, active=active
        )
    count = ParticipantCount.objects.create(
        region=kota, period=MAY, segment="PU", source=Source.PEMDA, status=EntryStatus.SUBMITTED, active=134_167
    )
    ParticipantCount.objects.create(
        region=region_tree["35.73.01"], period=MAY, segment="BPU", source=Source.PEMDA, status=EntryStatus.SUBMITTED,
        active=12_345,
    )  # fmt: skip
    series = TargetSeries.objects.create(
        code="rpjmd-kota-malang", name="RPJMD Kota Malang", kind=SeriesKind.RPJMD, source_document="Perwali"
    )
    TargetValue.objects.create(series=series, region=kota, year=2025, percent="41.23", participants=176_753)
    for category, low, high in (("rendah", 0, 30), ("sedang", 30, 60), ("tinggi", 60, None)):
        CategoryBand.objects.create(year=2025, category=category, min_percent=low, max_percent=high)
    programs_seed()
    FundedBatch.objects.create(
        region=kota,
        scheme=FundingScheme.objects.order_by("pk").first(),
        category=WorkerCategory.objects.order_by("pk").first(),
        package=Package.objects.get(code="bpu-jkk-jkm"),
        workers=6_900,
        start_month=date(2025, 1, 1),
        end_month=date(2025, 12, 1),
        fiscal_year=2025,
    )
    coverage_recompute(periods=[APRIL, MAY])
    return {"count": count, "series": series, "personas": personas}


def _pages(world):
    count = world["count"]
    grid = reverse("coverage:entry_grid", kwargs={"code": "35.73"}) + "?periode=2025-05"
    history = reverse("coverage:count_history", kwargs={"pk": count.pk})
    return {
        "operator_kota_malang": [
            grid,
            history,
            reverse("coverage:submission_tracker") + "?periode=2025-05",
            reverse("programs:batch_list", kwargs={"code": "35.73"}),
            reverse("programs:simulator") + "?region=35.73&year=2025&start_month=7&months=6&workers=5000",
        ],
        "verifier_malang": [
            reverse("coverage:verification_queue"),
            reverse("coverage:source_discrepancies", kwargs={"code": "KC-MALANG"}) + "?periode=2025-05",
            history,
        ],
        "branch_head_malang": [
            reverse("coverage:office_dashboard", kwargs={"code": "KC-MALANG"}) + "?periode=2025-05",
            reverse("coverage:action_list", kwargs={"code": "KC-MALANG"}),
            reverse("coverage:region_dashboard", kwargs={"code": "ID"}) + "?periode=2025-05",
            reverse("coverage:region_dashboard", kwargs={"code": "35"}) + "?periode=2025-05",
            reverse("coverage:region_dashboard", kwargs={"code": "35.73"}) + "?periode=2025-05",
            reverse("coverage:league_table") + "?periode=2025-05",
        ],
        "admin": [
            *(
                reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
                for model in admin.site._registry
            ),
            reverse("admin:coverage_participantcount_change", args=[count.pk]),
            reverse("admin:coverage_targetvalue_change", args=[TargetValue.objects.get().pk]),
            reverse("admin:coverage_categoryband_change", args=[CategoryBand.objects.first().pk]),
            reverse("admin:regions_denominator_change", args=[Denominator.objects.first().pk]),
        ],
    }


@pytest.mark.parametrize("language", ["id", "en"])
def test_no_page_localises_an_id_a_code_or_a_year_and_every_figure_is_grouped(client, world, language):
    assert world["count"].pk >= FIRST_ID
    client.cookies["django_language"] = language
    found = {}
    for persona, urls in _pages(world).items():
        client.force_login(world["personas"][persona])
        for url in urls:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200, (persona, url, response.status_code)
            if bad := problems(response.content.decode()):
                found[f"{persona} {url}"] = bad
    assert found == {}, "\n".join(f"{where}: {bad}" for where, bad in found.items())


def test_the_queue_posts_back_the_ids_it_shows_and_decides_above_100000(client, world, personas):
    count = world["count"]
    client.force_login(personas["verifier_malang"])
    html = client.get(reverse("coverage:verification_queue")).content.decode()
    assert f'<input type="checkbox" name="count" value="{count.pk}" id="c-{count.pk}" checked>' in html
    assert f'href="/entri/riwayat/{count.pk}/"' in html
    chosen = re.findall(r'name="count" value="([^"]+)"', html)
    versions = dict(re.findall(r'name="(v-[^"]+)" value="([^"]+)"', html))
    response = client.post(
        reverse("coverage:verification_queue"),
        {"group": "35.73|2025-05", "count": chosen, **versions, "action": "verify"},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["2 angka diverifikasi."]
    count.refresh_from_db()
    assert count.status == EntryStatus.VERIFIED


def test_figures_keep_their_grouping_in_each_language(client, world, personas):
    client.force_login(personas["branch_head_malang"])
    url = reverse("coverage:region_dashboard", kwargs={"code": "35.73"}) + "?periode=2025-05"
    html = client.get(url).content.decode()
    # BPJS's PU 134.500 (it wins over the Pemda 134.167) plus Blimbing's BPU 12.345, of 413.600 workers
    assert "146.845" in html and "35,50%" in html and "176.753" in html
    client.cookies["django_language"] = "en"
    html = client.get(url).content.decode()
    assert "146,845" in html and "35.50%" in html and "176,753" in html
    client.force_login(personas["admin"])
    html = client.get(reverse("admin:coverage_targetvalue_changelist")).content.decode()
    assert ">2025<" in html and 'value="176753"' in html and "2,025" not in html  # an editable column: as typed
    html = client.get(reverse("admin:coverage_participantcount_changelist")).content.decode()
    assert "134,500" in html and "134,167" in html
