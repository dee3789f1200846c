"""API keys for other systems (docs/API.md, "Authentication"): made in the admin and shown once,
stored hashed, sent as ``Authorization: Bearer`` or ``X-API-Key``, revoked or expired -> 401 JSON,
throttled per key."""

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coverage.api.keys import api_key_create, api_key_revoke
from coverage.models import APIKey
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/api/v1/snapshot/"


def _bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_bearer_key_reads_kota_malangs_june_snapshot(client, dash, kota_key):
    _key, raw = kota_key
    response = client.get(URL, {"kode": "35.73", "periode": "2025-06"}, **_bearer(raw))
    assert response.status_code == 200
    row = response.json()["results"][0]
    assert (row["code"], row["active_total"], round(row["coverage_total"], 2)) == ("35.73", 134_167, 32.44)


def test_the_x_api_key_header_works_too(client, dash, kota_key):
    _key, raw = kota_key
    response = client.get(URL, {"kode": "35.05", "periode": "2025-06"}, HTTP_X_API_KEY=raw)
    assert response.status_code == 200
    assert response.json()["results"][0]["name"] == "Kabupaten Blitar"


def test_only_the_hash_is_stored_and_the_key_names_itself_by_its_prefix(kota_key):
    key, raw = kota_key
    stored = APIKey.objects.get(pk=key.pk)
    assert stored.hashed_key == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(f"ucj_{stored.prefix}_") and len(raw) > 50
    assert raw not in {str(value) for value in APIKey.objects.filter(pk=key.pk).values().first().values()}


def test_the_admin_shows_a_new_key_once_and_never_again(client, admin_user, operator_kota_malang, region_tree):
    client.force_login(admin_user)
    add = reverse("admin:coverage_apikey_add")
    response = client.post(add, {"name": "SIPD Kota Malang", "user": operator_kota_malang.pk,
                                 "region": region_tree["35.73"].pk, "can_write": "on"})  # fmt: skip
    assert response.status_code == 200
    key = APIKey.objects.get(name="SIPD Kota Malang")
    raw = response.context["raw"]
    assert raw.startswith(f"ucj_{key.prefix}_") and raw in response.content.decode()
    assert key.hashed_key == hashlib.sha256(raw.encode()).hexdigest()
    assert (key.created_by, key.user, key.region.code, key.can_write) == (
        admin_user,
        operator_kota_malang,
        "35.73",
        True,
    )
    assert "no-store" in response["Cache-Control"]
    change = client.get(reverse("admin:coverage_apikey_change", args=[key.pk]))
    assert change.status_code == 200 and raw not in change.content.decode()
    listing = client.get(reverse("admin:coverage_apikey_changelist"))
    assert key.prefix in listing.content.decode() and raw not in listing.content.decode()


def test_posting_the_key_form_again_makes_no_second_key(
    client, admin_user, operator_kota_malang, region_tree, django_capture_on_commit_callbacks
):
    """A refresh of the "key created" page re-posts the add form: the form's one-time token leads to
    the key already made (its change page, no plaintext), and there is still one key."""
    client.force_login(admin_user)
    add = reverse("admin:coverage_apikey_add")
    form = client.get(add)
    token = form.context["adminform"].form["form_token"].value()
    assert token and f'value="{token}"' in form.content.decode()
    data = {"name": "SIPD Kota Malang", "user": operator_kota_malang.pk, "region": region_tree["35.73"].pk,
            "form_token": token}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(add, data)
    raw = first.context["raw"]
    again = client.post(add, data, follow=True)
    key = APIKey.objects.get()
    assert again.redirect_chain == [(reverse("admin:coverage_apikey_change", args=[key.pk]), 302)]
    page = again.content.decode()
    assert raw not in page and key.prefix in page and "hanya ditampilkan sekali" in page
    # A new form (a new token) makes a new key, as asked.
    other = client.get(add).context["adminform"].form["form_token"].value()
    assert other != token
    with django_capture_on_commit_callbacks(execute=True):
        client.post(add, {**data, "name": "SIPD kedua", "form_token": other})
    assert APIKey.objects.count() == 2


def test_a_key_needs_exactly_one_scope(operator_kota_malang, region_tree, offices):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        api_key_create(name="tanpa lingkup", user=operator_kota_malang)
    with pytest.raises(ValidationError):
        api_key_create(name="dua lingkup", user=operator_kota_malang, region=region_tree["35.73"],
                       office=offices["malang"])  # fmt: skip


def test_a_key_revoked_in_the_admin_gets_401_json(client, admin_user, dash, kota_key):
    key, raw = kota_key
    assert client.get(URL, **_bearer(raw)).status_code == 200
    admin_client = client.__class__()
    admin_client.force_login(admin_user)
    admin_client.post(reverse("admin:coverage_apikey_changelist"),
                      {"action": "revoke_keys", "_selected_action": [key.pk]})  # fmt: skip
    key.refresh_from_db()
    assert key.revoked_at is not None
    response = client.get(URL, **_bearer(raw))
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": f"Kunci API {key.prefix} sudah dicabut."}


def test_an_expired_key_gets_401_json(client, dash, operator_kota_malang, region_tree):
    _key, raw = api_key_create(name="Kedaluwarsa", user=operator_kota_malang, region=region_tree["35.73"],
                               expires_at=timezone.now() - timedelta(minutes=1))  # fmt: skip
    response = client.get(URL, **_bearer(raw))
    assert response.status_code == 401
    assert "kedaluwarsa" in response.json()["detail"]


@pytest.mark.parametrize("raw", ["ucj_00000000_tidak-ada", "bukan-kunci", "ucj_" + "x" * 300])
def test_an_unknown_key_gets_401_json(client, dash, raw):
    response = client.get(URL, **_bearer(raw))
    assert response.status_code == 401
    assert response.json() == {"detail": "Kunci API tidak dikenal."}


def test_anonymous_gets_401_naming_both_ways_in(client, dash):
    response = client.get("/api/v1/regions/")
    assert response.status_code == 401
    assert "masuk" in response.json()["detail"] and "Bearer" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoking_twice_keeps_the_first_time(kota_key):
    key, _raw = kota_key
    first = api_key_revoke(key=key).revoked_at
    assert api_key_revoke(key=key, now=first + timedelta(days=1)).revoked_at == first


def test_last_used_is_recorded_at_most_once_a_minute(client, dash, kota_key):
    key, raw = kota_key
    assert key.last_used_at is None
    client.get(URL, **_bearer(raw))
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=30)
    client.get(URL, **_bearer(raw))
    key.refresh_from_db()
    assert key.last_used_at == first


def test_a_key_past_its_rate_gets_429_and_another_key_is_not_affected(client, dash, kota_key, settings,
                                                                        operator_kab_blitar, region_tree):  # fmt: skip
    settings.API_KEY_REQUESTS_PER_MINUTE = 3
    _key, raw = kota_key
    statuses = [client.get(URL, {"periode": "2025-06"}, **_bearer(raw)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get(URL, **_bearer(raw))
    assert "Terlalu banyak permintaan" in refused.json()["detail"]
    assert 1 <= int(refused["Retry-After"]) <= 60
    _other, other_raw = api_key_create(name="SIPD Blitar", user=operator_kab_blitar, region=region_tree["35.05"])
    assert client.get(URL, **_bearer(other_raw)).status_code == 200


def test_sessions_are_not_throttled(client, dash, operator_kab_blitar, settings):
    settings.API_KEY_REQUESTS_PER_MINUTE = 1
    client.login(username=operator_kab_blitar.username, password=PASSWORD)
    assert [client.get(URL, {"kode": "35.73"}).status_code for _ in range(3)] == [200, 200, 200]


def test_the_key_of_a_deactivated_account_gets_401(client, dash, kota_key):
    key, raw = kota_key
    key.user.is_active = False
    key.user.save(update_fields=["is_active"])
    response = client.get(URL, **_bearer(raw))
    assert response.status_code == 401
    assert response.json() == {"detail": f"Akun kunci API {key.prefix} tidak aktif."}
