"""Two-factor sign-in in a real browser, with the production Content-Security-Policy: an admin who
must enrol sees the QR code drawn (a local data: image, no request elsewhere, no console error), sets
up the app from the secret shown, gets the recovery codes once, and signs in again through the code
step. axe-core checks the three new pages."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp

from tests.conftest import PASSWORD
from tests.e2e.conftest import url, visible_text
from tests.e2e.test_accessibility import _violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _code(secret, later=0):
    return f"{totp(b32decode(secret.replace(' ', '')), 30, 0, 6, later):06d}"


def _sign_in(page, username):
    page.goto(url("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/masuk/'] button[type=submit]")


def test_an_admin_enrols_from_the_qr_page_and_signs_in_with_the_code(browse, world, settings):
    settings.TWO_FACTOR_REQUIRED = True
    admin = browse()
    page = admin.page
    _sign_in(page, "admin")
    assert page.url.endswith(url("two_factor_enrol"))
    assert page.evaluate("() => document.querySelector('.qr img').naturalWidth") > 0  # the SVG drew
    secret = page.inner_text(".secret code")
    page.fill("#id_otp_token", _code(secret))
    with page.expect_navigation():
        page.click("form[action='/akun/keamanan/aplikasi/'] button[type=submit]")
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", code) for code in codes)

    with page.expect_navigation():
        page.click("form[action='/keluar/'] button[type=submit]")
    _sign_in(page, "admin")
    assert page.url.split("?")[0].endswith(url("two_factor_verify"))
    assert "Verifikasi dua langkah" in visible_text(page)
    page.fill("#id_otp_token", _code(secret, later=1))
    with page.expect_navigation():
        page.click("form[action='/akun/kode-masuk/'] button[type=submit]")
    assert page.url.endswith(url("coverage:region_dashboard", code="ID"))
    admin.assert_clean()  # no console error (a CSP violation is one), no request to another host

    # The new pages have no serious or critical axe violation (the axe script needs the CSP bypassed).
    checker = browse(bypass_csp=True)
    found = {}
    _sign_in(checker.page, "admin")
    found["code step"] = _violations(checker, url("two_factor_verify"))
    checker.page.fill("#id_otp_token", _code(secret, later=2))
    with checker.page.expect_navigation():
        checker.page.click("form[action='/akun/kode-masuk/'] button[type=submit]")
    found["security"] = _violations(checker, url("account_security"))
    found["enrolment"] = _violations(checker, url("two_factor_enrol"))
    assert {page: issues for page, issues in found.items() if issues} == {}
