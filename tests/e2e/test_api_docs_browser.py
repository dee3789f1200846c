"""The API's documentation page (/api/v1/docs/) in a real browser: Swagger UI from the app's own
static files draws every operation under the Content-Security-Policy, with no request to another
host (the product works offline)."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_page_draws_every_operation_offline_under_the_csp(browse, world):
    user = browse()
    page = user.page
    page.goto("/api/v1/docs/")
    page.wait_for_selector(".opblock")
    assert "UCJ Dashboard API" in page.inner_text(".info .title")
    paths = sorted(page.locator(".opblock-summary-path").all_inner_texts())
    assert paths == sorted([
        "/api/v1/completeness/", "/api/v1/counts/", "/api/v1/funded/", "/api/v1/offices/",
        "/api/v1/regions/", "/api/v1/snapshot/", "/api/v1/summary/", "/api/v1/targets/", "/api/v1/open-data/",
        "/api/v1/open-data/metadata/",
    ])  # fmt: skip
    assert any(url.endswith("/static/ninja/swagger-ui-bundle.js") for url in user.requests)
    assert any(url.endswith("/api/v1/schema/") for url in user.requests)
    user.assert_clean()  # no foreign request, no console error (a CSP violation is one), no page error
