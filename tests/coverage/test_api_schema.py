"""The OpenAPI schema (/api/v1/schema/), its documentation page (/api/v1/docs/, served offline),
and schemathesis run against the schema: no operation answers 500 and every response conforms to
what the schema documents (status, content type, body)."""

import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("GET", "/api/v1/snapshot/"), ("GET", "/api/v1/regions/"), ("GET", "/api/v1/offices/"),
    ("GET", "/api/v1/targets/"), ("GET", "/api/v1/completeness/"), ("GET", "/api/v1/funded/"),
    ("GET", "/api/v1/summary/"), ("POST", "/api/v1/counts/"), ("GET", "/api/v1/open-data/"),
    ("GET", "/api/v1/open-data/metadata/"),
}  # fmt: skip


def test_the_schema_is_openapi_3_with_every_operation_and_both_key_headers(client):
    schema = client.get("/api/v1/schema/").json()
    assert schema["openapi"].startswith("3.")
    assert {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops} == OPERATIONS
    assert schema["components"]["securitySchemes"]["BearerKey"] == {"type": "http", "scheme": "bearer"}
    assert schema["components"]["securitySchemes"]["HeaderKey"]["name"] == "X-API-Key"
    counts = schema["paths"]["/api/v1/counts/"]["post"]
    assert {"200", "400", "401", "403", "409", "429"} <= set(counts["responses"])


def test_the_docs_page_loads_only_local_assets_under_the_csp(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui-bundle.js" in page
    assert not re.search(r"(?:src|href)\s*=\s*[\"'](?:https?:)?//", page), "an asset from another origin"
    assert "cdn" not in page.lower()
    assert '"validatorUrl": null' in page  # no badge fetched from swagger.io
    sources = re.findall(r"(?:src|href)=\"([^\"]+)\"", page)
    assert sources and all(source.startswith("/static/ninja/") for source in sources)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "<script>" not in page  # the settings are a JSON block; the CSP allows no inline script


def test_the_bundled_swagger_files_are_served_from_static(client, settings):
    from django.contrib.staticfiles import finders

    for name in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/swagger-ui.css"):
        assert finders.find(name), name


# --- schemathesis ---------------------------------------------------------------------------------


@pytest.fixture
def api_schema(dash, kota_key, settings):
    settings.API_KEY_REQUESTS_PER_MINUTE = 0  # the run makes more requests than a minute allows
    settings.OPEN_DATA_REQUESTS_PER_MINUTE = 0
    settings.ALLOWED_HOSTS = ["localhost"]  # schemathesis calls the WSGI app as http://localhost
    # As Django's test client does: the WSGI handler must not close the test's connection (and with it
    # the transaction holding the fixtures) at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def key_headers(kota_key):
    return {"Authorization": f"Bearer {kota_key[1]}"}


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SWEEP = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples on every run
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# schemathesis' own pytest plugin (schema.parametrize) fails on pytest 9 ("'Function' object has no
# attribute '_nodeid'"), so each operation's strategy is driven by hypothesis here, which is what
# the plugin does.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize(("method", "path"), sorted(OPERATIONS))
def test_every_operation_conforms_to_the_schema(api_schema, key_headers, method, path, mode):
    operation = api_schema[path][method]
    calls = []

    @SWEEP
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        case.call_and_validate(headers=key_headers, checks=CHECKS)
        calls.append(case)

    run()
    assert len(calls) >= 5  # the sweep really ran (nothing skipped or filtered away)
