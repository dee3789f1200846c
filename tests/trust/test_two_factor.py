"""Two-factor sign-in (regions/two_factor.py): the code step, enrolment, recovery codes, the gate that
holds unverified sessions (Django admin included), and how wrong codes and django-axes' lockout work
together. Codes are computed here the way an authenticator app does (django_otp.oath.totp with the
device's key), never mocked."""

import base64
import re
import runpy
from base64 import b32decode
from datetime import timedelta
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from regions.two_factor import recovery_codes_renew
from tests.conftest import PASSWORD
from tests.trust.test_access_matrix import MATRIX
from tests.trust.test_hardening import INLINE_HANDLER, _inline_scripts

pytestmark = pytest.mark.django_db

LOGIN = "/masuk/"
STEP = reverse("two_factor_verify")
ENROL = reverse("two_factor_enrol")
SIMULATOR = reverse("programs:simulator")
SECURITY = reverse("account_security")
WRONG = "Kode salah atau sudah kedaluwarsa."
THROTTLED = "Terlalu banyak kode yang salah. Tunggu 1 detik"
LOCKED = "Terlalu banyak percobaan masuk yang gagal"


def app_code(device, later=0):
    """The code the user's authenticator app shows now (``later``: that many 30-second steps on, as at
    a later sign-in; a code once accepted is never accepted again)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + later):06d}"


def enrol(user):
    device = TOTPDevice.objects.create(user=user, name="Aplikasi autentikator", confirmed=True)
    return device, recovery_codes_renew(user=user)


def wait_passes(user):
    """As if the throttling wait after a wrong code had passed (without sleeping through it)."""
    past = timezone.now() - timedelta(days=1)
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user, throttling_failure_count__gt=0).update(throttling_failure_timestamp=past)


def password_step(username, address="10.0.0.7"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def code_step(client, code, next_url=""):
    return client.post(STEP, {"otp_token": code, "next": next_url})


def verified(client):
    return "otp_device_id" in client.session


@pytest.fixture
def no_throttle(settings):
    """Isolates django-axes' count from django-otp's device wait (tested on its own below): wrong codes
    in a row are then judged immediately."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True


# --- the second step ------------------------------------------------------------------------------


def test_a_user_with_a_device_reaches_nothing_until_the_code_from_the_app(operator_kota_malang):
    device, _codes = enrol(operator_kota_malang)
    client = password_step("operator.kotamalang")
    assert "_auth_user_id" in client.session and not verified(client)
    # Every page, and the login page itself, leads to the code step, keeping where the user was going.
    for url in ("/", SIMULATOR, SECURITY, LOGIN, reverse("admin:index")):
        response = client.get(url)
        assert (response.status_code, response.url.split("?")[0]) == (302, STEP), url
    assert client.get(SIMULATOR).url == f"{STEP}?next={quote(SIMULATOR, safe='')}"
    page = client.get(STEP).content.decode()
    assert "Verifikasi dua langkah" in page and 'name="otp_token"' in page
    assert 'href="/program/' not in page  # no navigation while the step is pending

    session_before = client.session.session_key
    response = code_step(client, app_code(device), next_url=SIMULATOR)
    assert (response.status_code, response.url) == (302, SIMULATOR)
    assert verified(client) and client.session["otp_device_id"] == device.persistent_id
    assert client.session.session_key != session_before  # a new key once the session is verified
    assert client.get(SIMULATOR).status_code == 200


def test_a_wrong_code_is_refused_in_indonesian_and_the_session_stays_unverified(operator_kota_malang):
    device, _codes = enrol(operator_kota_malang)
    client = password_step("operator.kotamalang")
    wrong = f"{(int(app_code(device)) + 1) % 1_000_000:06d}"
    response = code_step(client, wrong)
    assert response.status_code == 200 and WRONG in response.content.decode()
    assert not verified(client)
    assert client.get(SIMULATOR).status_code == 302


def test_a_code_from_the_app_is_accepted_only_once(operator_kota_malang):
    device, _codes = enrol(operator_kota_malang)
    code = app_code(device)
    first = password_step("operator.kotamalang")
    assert code_step(first, code).status_code == 302 and verified(first)
    replay = password_step("operator.kotamalang", address="10.0.0.9")  # someone who saw the code
    assert WRONG in code_step(replay, code).content.decode()
    assert not verified(replay)


def test_a_recovery_code_gets_in_once_and_then_is_spent(operator_kota_malang):
    _device, codes = enrol(operator_kota_malang)
    assert len(codes) == settings.TWO_FACTOR_RECOVERY_CODES == 10 and len(set(codes)) == 10
    client = password_step("operator.kotamalang")
    typed = f"{codes[0][:4].upper()}-{codes[0][4:].upper()}"  # as printed and typed back by a person
    response = code_step(client, typed, next_url=SECURITY)
    assert (response.status_code, response.url) == (302, SECURITY) and verified(client)
    page = client.get(SECURITY).content.decode()
    assert "Kode pemulihan terpakai; sisa 9." in page and "Sisa 9 kode pemulihan." in page
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(codes[1:])

    again = password_step("operator.kotamalang", address="10.0.0.9")
    assert WRONG in code_step(again, codes[0]).content.decode()
    assert not verified(again)


def test_the_next_address_must_be_on_this_site(operator_kota_malang):
    device, _codes = enrol(operator_kota_malang)
    client = password_step("operator.kotamalang")
    response = code_step(client, app_code(device), next_url="https://evil.example/masuk/")
    assert (response.status_code, response.url) == (302, "/")


def test_django_admin_asks_for_the_code_after_its_own_login_form(admin_user):
    device, _codes = enrol(admin_user)
    client = Client()
    login = client.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD, "next": "/admin/"})
    assert login.status_code == 302
    response = client.get(reverse("admin:index"))
    assert (response.status_code, response.url) == (302, f"{STEP}?next=%2Fadmin%2F")
    assert client.get(reverse("admin:coverage_categoryband_changelist")).status_code == 302
    assert code_step(client, app_code(device), next_url="/admin/").url == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200


# --- who must use it ------------------------------------------------------------------------------

OPEN = {"logout", "set_language", "health_services", "coverage:health", "two_factor_enrol"}


@pytest.mark.parametrize("persona", ["admin", "verifier_malang"])
def test_where_required_admins_and_verifiers_reach_only_enrolment_until_they_enrol(persona, world, settings):
    """Every URL of the access matrix and Django admin lead to enrolment, except sign-out, the language
    switch and the health checks."""
    settings.TWO_FACTOR_REQUIRED = True
    client = Client()
    client.force_login(world["personas"][persona])
    wrong = []
    for name, (method, kwargs, data, _cells) in MATRIX.items():
        if name == "logout":
            continue  # it would end the session: checked last
        kwargs = kwargs(world) if callable(kwargs) else kwargs
        response = getattr(client, method)(reverse(name, kwargs=kwargs), data)
        held = response.status_code == 302 and response.url == ENROL
        if held == (name in OPEN):
            wrong.append(f"{name}: {response.status_code} {getattr(response, 'url', '')}")
    for url in (reverse("admin:index"), reverse("admin:coverage_targetseries_changelist")):
        if client.get(url).url != ENROL:
            wrong.append(url)
    assert not wrong, wrong
    assert client.post(reverse("logout")).url == LOGIN


@pytest.mark.parametrize("persona", ["operator_kota_malang", "branch_head_malang"])
def test_where_required_operators_and_branch_heads_may_still_go_without(persona, world, settings):
    settings.TWO_FACTOR_REQUIRED = True
    client = Client()
    client.force_login(world["personas"][persona])
    assert client.get(SIMULATOR).status_code == 200
    assert client.get("/").url != ENROL
    assert "Belum aktif." in client.get(SECURITY).content.decode()


def test_a_required_admin_signing_in_with_the_password_lands_on_enrolment(admin_user, settings):
    settings.TWO_FACTOR_REQUIRED = True
    client = password_step("admin")
    page = client.get("/", follow=True)
    assert page.redirect_chain[-1][0] == ENROL
    assert "Peran Anda mewajibkan verifikasi dua langkah" in page.content.decode()


def test_where_not_required_an_admin_without_a_device_gets_straight_in(admin_user, settings):
    """The demo (`make run`, DEBUG on) and any deployment with TWO_FACTOR_REQUIRED=false."""
    settings.TWO_FACTOR_REQUIRED = False
    client = password_step("admin")
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_setting_defaults_to_required_unless_debug_and_refuses_a_malformed_value(monkeypatch):
    path = str(settings.BASE_DIR / "ucj_dashboard" / "settings.py")
    monkeypatch.delenv("TWO_FACTOR_REQUIRED", raising=False)
    monkeypatch.setenv("DEBUG", "false")
    assert runpy.run_path(path)["TWO_FACTOR_REQUIRED"] is True  # production
    monkeypatch.setenv("DEBUG", "true")
    assert runpy.run_path(path)["TWO_FACTOR_REQUIRED"] is False  # make run (the demo)
    monkeypatch.setenv("DEBUG", "false")
    monkeypatch.setenv("TWO_FACTOR_REQUIRED", "false")
    assert runpy.run_path(path)["TWO_FACTOR_REQUIRED"] is False
    monkeypatch.setenv("TWO_FACTOR_REQUIRED", "mungkin")
    with pytest.raises(Exception, match="TWO_FACTOR_REQUIRED must be a boolean"):
        runpy.run_path(path)


# --- enrolment and the security page --------------------------------------------------------------


def _shown_secret(html):
    return re.search(r"<dt>Kunci rahasia</dt><dd><code>([A-Z2-7 ]+)</code>", html).group(1)


def _code_from_secret(secret, later=0):
    """What an app set up by typing the secret shown on the page would display."""
    return f"{totp(b32decode(secret.replace(' ', '')), 30, 0, 6, later):06d}"


def test_enrolment_shows_the_secret_and_a_local_qr_code_then_recovery_codes_once(admin_user, settings, no_throttle):
    settings.TWO_FACTOR_REQUIRED = True
    client = Client()
    client.force_login(admin_user)
    response = client.get(ENROL)
    html = response.content.decode()
    secret = _shown_secret(html)
    assert client.get(ENROL).content.decode().count(secret) == 1  # a reload keeps the same secret
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    assert "otpauth://totp/Dashboard%20UCJ%3Aadmin?secret=" + secret.replace(" ", "") in device.config_url
    # The QR code is SVG inlined as a data: image (the CSP allows data: images); nothing is fetched
    # from anywhere, and the page has no inline script.
    source = re.search(r'<img src="([^"]+)" alt="Kode QR untuk aplikasi autentikator"', html).group(1)
    assert source.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(source.split(",", 1)[1]).decode()
    assert svg.startswith(("<?xml", "<svg")) and "<path" in svg and "href" not in svg
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    assert not _inline_scripts(html) and not INLINE_HANDLER.search(html)
    assert response["Content-Security-Policy"].split("script-src ")[1].startswith("'self';")

    wrong = f"{(int(_code_from_secret(secret)) + 1) % 1_000_000:06d}"
    assert WRONG in client.post(ENROL, {"otp_token": wrong}).content.decode()
    device.refresh_from_db()
    assert not device.confirmed and client.get("/").url == ENROL

    confirm = client.post(ENROL, {"otp_token": _code_from_secret(secret)})
    assert (confirm.status_code, confirm.url) == (302, reverse("two_factor_recovery_codes"))
    device.refresh_from_db()
    assert device.confirmed and verified(client)
    shown = client.get(confirm.url).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", shown)
    assert sorted(codes) == sorted(StaticToken.objects.filter(device__user=admin_user).values_list("token", flat=True))
    assert len(codes) == 10 and "hanya ditampilkan sekali" in shown
    assert client.get(confirm.url).url == reverse("account_security")  # shown once only
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_wrong_code_does_not_confirm_an_enrolment(operator_kota_malang, no_throttle):
    client = Client()
    client.force_login(operator_kota_malang)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=operator_kota_malang)
    wrong = f"{(int(app_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(ENROL, {"otp_token": wrong})
    assert response.status_code == 200 and WRONG in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and not StaticDevice.objects.exists()


def test_a_new_phone_replaces_the_old_device_and_its_recovery_codes(operator_kota_malang):
    old, old_codes = enrol(operator_kota_malang)
    client = password_step("operator.kotamalang")
    code_step(client, app_code(old))
    page = client.get(ENROL).content.decode()
    assert "menggantikan yang lama" in page and 'name="current_token"' in page
    new = TOTPDevice.objects.get(user=operator_kota_malang, confirmed=False)
    confirm = client.post(ENROL, {"otp_token": app_code(new), "current_token": app_code(old, later=1)})
    assert confirm.status_code == 302
    assert list(TOTPDevice.objects.filter(user=operator_kota_malang)) == [new]
    assert not StaticToken.objects.filter(token__in=old_codes).exists()
    assert StaticToken.objects.filter(device__user=operator_kota_malang).count() == 10


def test_a_new_phone_needs_the_current_second_factor_too(operator_kota_malang):
    """A session left open on a shared PC cannot swap in the taker's phone: the old app's code or a
    recovery code is asked as well, and a mistyped new code does not use up the recovery code."""
    old, old_codes = enrol(operator_kota_malang)
    client = password_step("operator.kotamalang")
    code_step(client, app_code(old))
    client.get(ENROL)
    new = TOTPDevice.objects.get(user=operator_kota_malang, confirmed=False)
    wrong_new = f"{(int(app_code(new)) + 1) % 1_000_000:06d}"
    response = client.post(ENROL, {"otp_token": wrong_new, "current_token": old_codes[0]})
    assert WRONG in response.content.decode()
    assert StaticToken.objects.filter(token=old_codes[0]).exists()  # not spent on the typo
    wait_passes(operator_kota_malang)
    for current in ("", "zzzzzzzz"):
        response = client.post(ENROL, {"otp_token": app_code(new), "current_token": current})
        assert response.status_code == 200
        wait_passes(operator_kota_malang)
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.confirmed and not new.confirmed
    assert client.post(ENROL, {"otp_token": app_code(new, later=1), "current_token": old_codes[0]}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=operator_kota_malang)) == [new]


def test_renewed_recovery_codes_replace_the_old_ones_and_need_a_current_code(operator_kota_malang):
    device, old_codes = enrol(operator_kota_malang)
    client = password_step("operator.kotamalang")
    code_step(client, app_code(device))
    assert "Sisa 10 kode pemulihan." in client.get(SECURITY).content.decode()
    refused = client.post(reverse("two_factor_recovery_renew"), {"otp_token": ""}, follow=True)
    assert WRONG in refused.content.decode()
    assert StaticToken.objects.filter(token__in=old_codes).count() == 10
    response = client.post(reverse("two_factor_recovery_renew"), {"otp_token": app_code(device, later=1)})
    new_codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", client.get(response.url).content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    again = password_step("operator.kotamalang", address="10.0.0.9")
    assert WRONG in code_step(again, old_codes[0]).content.decode()
    wait_passes(operator_kota_malang)
    assert code_step(again, new_codes[0]).status_code == 302


def test_switching_off_needs_a_current_code_and_is_refused_where_required(operator_kota_malang, settings):
    device, _codes = enrol(operator_kota_malang)
    client = password_step("operator.kotamalang")
    code_step(client, app_code(device))
    client.post(reverse("two_factor_disable"), {"otp_token": "abcdefgh"})
    assert TOTPDevice.objects.filter(user=operator_kota_malang).exists()

    settings.TWO_FACTOR_REQUIRED = True
    operator_kota_malang.is_staff = True  # staff reach Django admin: required like admins
    operator_kota_malang.save(update_fields=["is_staff"])
    refused = client.post(reverse("two_factor_disable"), {"otp_token": app_code(device, later=1)}, follow=True)
    assert "wajib untuk peran Anda" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=operator_kota_malang).exists()

    settings.TWO_FACTOR_REQUIRED = False
    done = client.post(reverse("two_factor_disable"), {"otp_token": app_code(device, later=1)}, follow=True)
    assert "Verifikasi dua langkah dinonaktifkan." in done.content.decode()
    assert not TOTPDevice.objects.filter(user=operator_kota_malang).exists()
    assert not StaticDevice.objects.filter(user=operator_kota_malang).exists()
    assert client.get(SIMULATOR).status_code == 200  # the session carries on without a second step


def test_an_admin_reset_sends_a_required_user_back_to_enrolment(verifier_malang, settings, capsys):
    settings.TWO_FACTOR_REQUIRED = True
    device, _codes = enrol(verifier_malang)
    client = password_step("verifikator.malang")
    assert client.get("/").url.startswith(STEP)
    call_command("two_factor_reset", "verifikator.malang")
    assert "2 two-factor device(s) removed" in capsys.readouterr().out
    assert client.get("/").url == ENROL  # the pending session too
    assert client.get(STEP).url == ENROL


# --- lockout interplay ----------------------------------------------------------------------------


def test_wrong_codes_make_the_device_wait_even_for_the_right_code(operator_kota_malang):
    """django-otp's throttling: after n wrong codes the device waits 2^(n-1) seconds; a right code in
    that time is refused too (with the wait, in Indonesian), and the count lives on the device."""
    device, _codes = enrol(operator_kota_malang)
    client = password_step("operator.kotamalang")
    code_step(client, "000000" if app_code(device) != "000000" else "111111")
    refused = code_step(client, app_code(device))
    assert refused.status_code == 200 and THROTTLED in refused.content.decode()
    assert not verified(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # a refused attempt during the wait does not add
    wait_passes(operator_kota_malang)
    assert code_step(client, app_code(device)).status_code == 302 and verified(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_signing_in_again_with_the_password_does_not_reset_the_device_wait(operator_kota_malang):
    device, _codes = enrol(operator_kota_malang)
    for _round in range(3):
        client = password_step("operator.kotamalang")
        wait_passes(operator_kota_malang)
        code_step(client, "000000" if app_code(device) != "000000" else "111111")
    device.refresh_from_db()
    assert device.throttling_failure_count == 3
    client = password_step("operator.kotamalang")
    device.refresh_from_db()
    assert device.throttling_failure_count == 3  # so even the right code waits 4 seconds (2^(3-1)), not 1
    assert THROTTLED.replace("1 detik", "4 detik") in code_step(client, app_code(device)).content.decode()


def test_five_wrong_codes_lock_the_username_and_address_like_five_wrong_passwords(
    operator_kota_malang, axes_on, no_throttle
):
    device, _codes = enrol(operator_kota_malang)
    client = password_step("operator.kotamalang")
    for _attempt in range(4):
        assert WRONG in code_step(client, "abcdefgh").content.decode()
    locked = code_step(client, "abcdefgh")
    assert locked.status_code == 429 and LOCKED in locked.content.decode()
    assert "_auth_user_id" not in client.session  # the half-signed-in session is over
    attempt = AccessAttempt.objects.get(username="operator.kotamalang", ip_address="10.0.0.7")
    assert attempt.failures_since_start == 5 and "abcdefgh" not in attempt.post_data  # the code is masked
    # The right password from that address is refused now, as after five wrong passwords ...
    again = Client(REMOTE_ADDR="10.0.0.7")
    assert again.post(LOGIN, {"username": "operator.kotamalang", "password": PASSWORD}).status_code == 429
    # ... while the user at another address still gets in, through the code step.
    office = password_step("operator.kotamalang", address="10.0.0.8")
    assert office.get("/").url.startswith(STEP)
    assert code_step(office, app_code(device)).status_code == 302


def test_the_right_password_does_not_clear_the_wrong_codes_before_it(operator_kota_malang, axes_on, no_throttle):
    """Passwords and codes count together, and only a complete sign-in (both factors) clears the count:
    someone who has the password cannot try four codes, sign in again and try four more."""
    device, _codes = enrol(operator_kota_malang)
    client = password_step("operator.kotamalang")
    for _attempt in range(3):
        code_step(client, "abcdefgh")
    client.post(reverse("logout"))
    client = password_step("operator.kotamalang")  # right password: accepted, count kept
    assert AccessAttempt.objects.get(username="operator.kotamalang").failures_since_start == 3
    assert code_step(client, "abcdefgh").status_code == 200
    assert code_step(client, "abcdefgh").status_code == 429  # the fifth failure
    device.refresh_from_db()
    assert device.throttling_failure_count == 0  # only wrong recovery codes were tried: the app's device is untouched


def test_a_complete_sign_in_clears_the_failures(operator_kota_malang, operator_kab_blitar, axes_on):
    device, _codes = enrol(operator_kota_malang)
    bad = Client(REMOTE_ADDR="10.0.0.7")
    for _attempt in range(4):
        bad.post(LOGIN, {"username": "operator.kotamalang", "password": "salah"})
    client = password_step("operator.kotamalang")
    assert AccessAttempt.objects.get(username="operator.kotamalang").failures_since_start == 4
    assert code_step(client, app_code(device)).status_code == 302
    assert not AccessAttempt.objects.filter(username="operator.kotamalang").exists()
    # Without two-factor the password completes the sign-in and clears the count, as before.
    for _attempt in range(4):
        bad.post(LOGIN, {"username": "operator.blitar", "password": "salah"})
    password_step("operator.blitar")
    assert not AccessAttempt.objects.filter(username="operator.blitar").exists()


def test_a_locked_out_password_stays_locked_for_a_user_with_two_factor(operator_kota_malang, axes_on):
    device, codes = enrol(operator_kota_malang)
    client = Client(REMOTE_ADDR="10.0.0.7")
    for _attempt in range(5):
        client.post(LOGIN, {"username": "operator.kotamalang", "password": "salah"})
    locked = client.post(LOGIN, {"username": "operator.kotamalang", "password": PASSWORD})
    assert locked.status_code == 429 and LOCKED in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # No session, so no code helps: the code step sends back to the password.
    for code in (app_code(device), codes[0]):
        response = code_step(client, code)
        assert (response.status_code, response.url.split("?")[0]) == (302, LOGIN)
    assert StaticToken.objects.filter(token=codes[0]).exists()
