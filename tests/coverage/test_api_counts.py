"""POST /api/v1/counts/: a Pemda system submits counts with its key, through the entry services
(rules, scope, optimistic locking, audit trail, recompute)."""

import json

import pytest

from coverage.api.keys import api_key_create
from coverage.entry.selectors import count_history_rows
from coverage.models import EntryStatus, ParticipantCount, RecomputeRequest, Source
from tests.factories import current_snapshot

from .conftest import JUNE

pytestmark = pytest.mark.django_db

URL = "/api/v1/counts/"


def _post(client, raw, body):
    return client.post(URL, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")


def _june_pu():
    return ParticipantCount.objects.get(region__code="35.73", period=JUNE, segment="PU", source=Source.PEMDA)


def test_counts_posted_with_a_key_reach_the_snapshot_through_the_recompute(
    client, dash, kota_key, django_capture_on_commit_callbacks
):
    key, raw = kota_key
    pu = _june_pu()
    assert current_snapshot(pu.region, JUNE).active_total == 134_167
    body = {"period": "2025-06", "submit": True,
            "counts": [{"region": "35.73", "segment": "PU", "active": 99_000, "version": pu.version}]}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, raw, body)
    assert response.status_code == 200, response.content
    result = response.json()
    assert (result["updated"], result["created"], result["dry_run"]) == (1, 0, False)
    assert result["counts"][0] == {
        "region": "35.73", "segment": "PU", "action": "update", "status": "submitted", "version": pu.version + 1,
        "active": 99_000, "registered": None, "new_registrations": None, "lapsed": None,
    }  # fmt: skip
    pu.refresh_from_db()
    assert (pu.active, pu.status, pu.entered_by) == (99_000, EntryStatus.SUBMITTED, key.user)
    # 134.167 + 1.000 = 135.167 of 413.600 workers: 32,68 %.
    snapshot = current_snapshot(pu.region, JUNE)
    assert snapshot.active_total == 135_167
    assert round(snapshot.coverage_total, 2) == 32.68
    assert RecomputeRequest.objects.filter(region=pu.region, period=JUNE, processed_at__isnull=False).exists()
    assert [row["reason"] for row in count_history_rows(count=pu)][0] == "Kiriman API SIPD Kota Malang"


def test_a_dry_run_checks_and_writes_nothing(client, dash, kota_key):
    _key, raw = kota_key
    pu = _june_pu()
    body = {"period": "2025-06", "dry_run": True,
            "counts": [{"region": "35.73", "segment": "PU", "active": 99_000, "version": pu.version},
                       {"region": "35.73", "segment": "PU", "active": 5, "version": pu.version}]}  # fmt: skip
    refused = _post(client, raw, body)
    assert refused.status_code == 400
    assert {e["rule"] for e in refused.json()["errors"]} >= {"duplicate_row"}
    body["counts"].pop()
    response = _post(client, raw, body)
    assert response.status_code == 200
    assert response.json()["dry_run"] is True and response.json()["counts"][0]["action"] == "update"
    pu_after = _june_pu()
    assert (pu_after.active, pu_after.version) == (98_000, pu.version)
    assert not RecomputeRequest.objects.filter(period=JUNE, processed_at__isnull=True).exists()


def test_a_stale_version_is_409_and_changes_nothing(client, dash, kota_key):
    _key, raw = kota_key
    pu = _june_pu()
    body = {"period": "2025-06", "counts": [{"region": "35.73", "segment": "PU", "active": 99_000,
                                             "version": pu.version + 5}]}  # fmt: skip
    response = _post(client, raw, body)
    assert response.status_code == 409
    assert response.json()["errors"][0]["rule"] == "stale"
    assert "sudah diubah" in response.json()["errors"][0]["message"]
    assert _june_pu().active == 98_000


def test_a_key_cannot_write_outside_its_region(client, dash, kota_key):
    _key, raw = kota_key
    body = {"period": "2025-06", "counts": [{"region": "35.05", "segment": "PU", "active": 1, "version": 0}]}
    response = _post(client, raw, body)
    assert response.status_code == 403
    assert response.json() == {"detail": "Wilayah 35.05 di luar lingkup kunci API ini."}
    assert not ParticipantCount.objects.filter(region__code="35.05", source=Source.PEMDA).exists()


def test_a_key_scoped_wider_than_its_account_is_held_to_the_accounts_roles(
    client, dash, operator_kota_malang, region_tree
):
    """The key names all of Jawa Timur, but acts as Kota Malang's operator: Kabupaten Blitar is refused."""
    _key, raw = api_key_create(name="Jatim", user=operator_kota_malang, region=region_tree["35"], can_write=True)
    body = {"period": "2025-06", "counts": [{"region": "35.05", "segment": "PU", "active": 1, "version": 0}]}
    response = _post(client, raw, body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "out_of_scope"


def test_a_read_only_key_cannot_send_counts(client, dash, operator_kota_malang, region_tree):
    _key, raw = api_key_create(name="Baca saja", user=operator_kota_malang, region=region_tree["35.73"])
    body = {"period": "2025-06", "counts": [{"region": "35.73", "segment": "PU", "active": 1, "version": 0}]}
    response = _post(client, raw, body)
    assert response.status_code == 403
    assert response.json() == {"detail": "Kunci API ini hanya untuk membaca."}


def test_a_branch_key_writes_the_kab_kota_of_its_territory(
    client, dash, verifier_malang, offices, operator_kota_malang
):
    """An office-scoped key covers the branch's kab/kota: Kota Malang is in, Kabupaten Blitar is out."""
    _key, raw = api_key_create(name="KC Malang", user=operator_kota_malang, office=offices["malang"], can_write=True)
    outside = {"period": "2025-07", "counts": [{"region": "35.05", "segment": "PU", "active": 1, "version": 0}]}
    assert _post(client, raw, outside).status_code == 403
    inside = {"period": "2025-07", "counts": [{"region": "35.73.01", "segment": "PU", "active": 50_100, "version": 0}]}
    response = _post(client, raw, inside)
    assert response.status_code == 200, response.content
    assert ParticipantCount.objects.get(region__code="35.73.01", period="2025-07-01").status == EntryStatus.DRAFT


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            {"period": "Juni 2025", "counts": [{"region": "35.73", "segment": "PU", "active": 1, "version": 0}]},
            "YYYY-MM",
        ),
        ({"period": "2025-06", "counts": [{"region": "99.99", "segment": "PU", "active": 1, "version": 0}]}, "99.99"),
        ({"period": "2025-06", "counts": [{"region": "Malang", "segment": "PU", "active": 1, "version": 0}]}, "region"),
        ({"period": "2025-06", "counts": [{"region": "35.73", "segment": "XX", "active": 1, "version": 0}]}, "XX"),
        ({"period": "2025-06", "counts": [{"region": "35.73", "segment": "PU", "active": -1, "version": 0}]}, "active"),
        ({"period": "2025-06", "counts": []}, "counts"),
        (
            {"period": "2025-06", "counts": [{"region": "35.73\u0000", "segment": "PU", "active": 1, "version": 0}]},
            "region",
        ),
        (
            {
                "period": "2025-06",
                "counts": [{"region": "35.73", "segment": "PU", "active": 1, "version": 0, "note": "a\u0000b"}],
            },
            "NUL",
        ),
        ({"period": "2025-06"}, "counts"),
    ],
)
def test_bad_bodies_are_400_with_a_reason(client, dash, kota_key, body, words):
    _key, raw = kota_key
    response = _post(client, raw, body)
    assert response.status_code == 400
    assert words in json.dumps(response.json())


def test_a_body_that_is_not_json_is_400(client, dash, kota_key):
    _key, raw = kota_key
    response = client.post(URL, "{tidak json", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 400
    form = client.post(URL, {"period": "2025-06"}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert form.status_code == 400 and "JSON" in form.json()["detail"]


def test_a_browser_session_posts_counts_only_with_its_csrf_token(dash, operator_kota_malang):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    assert browser.post(URL, "{}", content_type="application/json").status_code == 401  # no session: no CSRF talk
    browser.force_login(operator_kota_malang)
    pu = _june_pu()
    body = json.dumps({"period": "2025-06", "counts": [{"region": "35.73", "segment": "PU", "active": 98_500,
                                                        "version": pu.version}]})  # fmt: skip
    refused = browser.post(URL, body, content_type="application/json")
    assert refused.status_code == 403 and _june_pu().active == 98_000
    assert "X-CSRFToken" in refused.json()["detail"]
    browser.get("/api/v1/docs/")  # the page sets the CSRF cookie the Swagger UI sends back
    token = browser.cookies["csrftoken"].value
    response = browser.post(URL, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200, response.content
    assert _june_pu().active == 98_500 and _june_pu().entered_by == operator_kota_malang
