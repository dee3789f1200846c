"""Indonesian first: a browser set to English still gets Indonesian until the user switches."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_english_browser_gets_indonesian_until_the_user_switches(client):
    page = client.get("/masuk/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Masuk ke Dashboard UCJ" in page.content.decode()

    client.post("/i18n/setlang/", {"language": "en", "next": "/masuk/"})
    page = client.get("/masuk/", HTTP_ACCEPT_LANGUAGE="id")
    assert "Sign in to the UCJ Dashboard" in page.content.decode()
