"""Click to drill: the bars and the map of a dashboard carry their regions' codes (Plotly customdata,
the map's locations) and their container the page to open with the same period and segment; the
breadcrumb and the table rows link with the same period and segment too."""

import json
import re

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client, branch_head_malang):
    client.login(username=branch_head_malang.username, password=PASSWORD)
    return client


def _figure(html, name):
    return json.loads(re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', html, re.S).group(1))


def test_the_province_page_drills_into_its_kab_kota_with_the_same_period_and_segment(reader, dash):
    html = reader.get(
        reverse("coverage:region_dashboard", kwargs={"code": "35"}), {"periode": "2025-Q2", "segmen": "PU"}
    )
    html = html.content.decode()
    drill = re.search(r'data-figure="fig-bawahan"[^>]*data-drill="([^"]+)" data-drill-query="([^"]+)"', html)
    assert drill.groups() == ("/wilayah/ID/", "?periode=2025-Q2&amp;segmen=PU")
    bars = _figure(html, "fig-bawahan")["data"][0]
    assert bars["customdata"] == ["35.73"]  # the one kab/kota with a PU denominator, so a PU coverage
    # The trend chart is no drill: it has no regions.
    assert re.search(r'data-figure="fig-tren"[^>]*data-drill=', html) is None
    # Table rows open the kab/kota with the same period and segment.
    assert '<a href="/wilayah/35.73/?periode=2025-Q2&amp;segmen=PU">Kota Malang</a>' in html


def test_the_kecamatan_page_breadcrumb_climbs_with_the_same_period(reader, dash):
    html = reader.get(reverse("coverage:region_dashboard", kwargs={"code": "35.73.01"}), {"periode": "2025-Q2"})
    crumbs = re.search(r'<nav class="breadcrumb".*?</nav>', html.content.decode(), re.S).group(0)
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', crumbs)
    assert links == [
        ("/wilayah/ID/?periode=2025-Q2", "Indonesia"),
        ("/wilayah/35/?periode=2025-Q2", "Jawa Timur"),
        ("/wilayah/35.73/?periode=2025-Q2", "Kota Malang"),
    ]


def test_the_office_page_drills_into_branches_and_kab_kota(reader, dash):
    html = reader.get(reverse("coverage:office_dashboard", kwargs={"code": "KW-JATIM"}), {"periode": "2025"})
    html = html.content.decode()
    assert re.search(r'data-figure="fig-cabang"[^>]*data-drill="/kantor/ID/" data-drill-query="\?periode=2025"', html)
    assert re.search(r'data-figure="fig-wilayah"[^>]*data-drill="/wilayah/ID/"', html)
