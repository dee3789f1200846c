"""Fair peer groups in the league table: kota against kota, kabupaten against kabupaten, and the
admin's groups (``regions.PeerGroup``), ranked within the group.

The ``dash`` world in June 2025: Kota Malang 32,44%, Kabupaten Blitar 26,30%, Kabupaten Malang 19,60%.
"""

import csv
import io

import pytest
from django.urls import reverse

from regions.models import PeerGroup, Region
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client, branch_head_malang):
    client.login(username=branch_head_malang.username, password=PASSWORD)
    return client


def ranked(response):
    return [(row["position"], row["name"]) for row in response.context["data"]["rows"] if row["position"]]


def test_kabupaten_are_ranked_among_kabupaten_and_kota_among_kota(reader, dash):
    url = reverse("coverage:league_table")
    everyone = reader.get(url, {"tingkat": 2, "induk": "35"})
    assert ranked(everyone) == [(1, "Kota Malang"), (2, "Kabupaten Blitar"), (3, "Kabupaten Malang")]
    kabupaten = reader.get(url, {"tingkat": 2, "induk": "35", "kelompok": "kabupaten"})
    assert ranked(kabupaten) == [(1, "Kabupaten Blitar"), (2, "Kabupaten Malang")]
    assert "kelompok Kabupaten, diperingkat di dalam kelompok" in kabupaten.content.decode()
    kota = reader.get(url, {"tingkat": 2, "kelompok": "kota"})
    assert ranked(kota) == [(1, "Kota Malang")]
    assert [row["name"] for row in kota.context["data"]["rows"]] == ["Kota Malang"]  # no kabupaten, nationally


def test_an_admin_group_ranks_its_members_only_and_follows_an_edit_at_once(reader, dash, region_tree):
    group = PeerGroup.objects.create(code="kapasitas-fiskal-tinggi", name="Kapasitas fiskal tinggi")
    group.regions.set([region_tree["35.07"], region_tree["35.05"]])
    url = reverse("coverage:league_table")
    response = reader.get(url, {"tingkat": 2, "kelompok": "kapasitas-fiskal-tinggi", "urut": "naik_bulan"})
    # Blitar +0,10 pp, Kabupaten Malang -0,40 pp against May.
    assert ranked(response) == [(1, "Kabupaten Blitar"), (2, "Kabupaten Malang")]
    group.regions.add(region_tree["35.73"])  # the table is cached; membership is not
    response = reader.get(url, {"tingkat": 2, "kelompok": "kapasitas-fiskal-tinggi"})
    assert ranked(response) == [(1, "Kota Malang"), (2, "Kabupaten Blitar"), (3, "Kabupaten Malang")]


def test_the_export_of_a_group_is_the_group_ranked(reader, dash):
    response = reader.get(
        reverse("coverage:league_table_export", kwargs={"fmt": "csv"}), {"kelompok": "kabupaten", "induk": "35"}
    )
    assert 'filename="peringkat-ucj-kabupaten-2025-06.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert [(row[header.index("Peringkat")], row[header.index("Nama")]) for row in rows[1:]] == [
        ("1", "Kabupaten Blitar"), ("2", "Kabupaten Malang")
    ]  # fmt: skip


@pytest.mark.parametrize("value", ["tidak-ada", "KOTA", "kota lama", "x" * 41])
def test_an_unknown_or_malformed_group_is_a_400(reader, dash, value):
    response = reader.get(reverse("coverage:league_table"), {"kelompok": value})
    assert response.status_code == 400
    assert "kelompok" in response.content.decode()


def test_admin_adds_a_peer_group_with_its_regions(client, admin_user, region_tree):
    client.force_login(admin_user)
    assert client.get("/admin/regions/peergroup/").status_code == 200
    response = client.post(
        "/admin/regions/peergroup/add/",
        {"code": "kfd-sedang", "name": "Kapasitas fiskal sedang", "description": "PMK KFD 2025",
         "display_order": 10, "regions": [region_tree["35.73"].pk, region_tree["35.07"].pk]},
    )  # fmt: skip
    assert response.status_code == 302
    group = PeerGroup.objects.get(code="kfd-sedang")
    assert sorted(group.regions.values_list("code", flat=True)) == ["35.07", "35.73"]
    listing = client.get("/admin/regions/peergroup/").content.decode()
    assert "Kapasitas fiskal sedang" in listing
    assert Region.objects.filter(peer_groups=group).count() == 2
