"""The catalogues themselves (no browser): English translates every Indonesian source string, and
the compiled .mo files (committed, recompiled by `make messages`) match their .po sources."""

import gettext
import re
from pathlib import Path

import pytest
from django.test import Client

LOCALE = Path(__file__).resolve().parents[2] / "locale"
ENTRY = re.compile(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) ((?:".*"\n?)+)', re.M)


def _unquote(block):
    return "".join(re.findall(r'^"(.*)"$', block, re.M)).encode().decode("unicode_escape").encode("latin-1").decode()


def po_entries(language):
    """{msgid: [msgstr, ...]} of a catalogue, header and obsolete entries left out."""
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = {}
    for block in text.split("\n\n"):
        if block.lstrip().startswith("#~"):
            continue
        fields = {}
        for name, value in ENTRY.findall(block + "\n"):
            fields[name] = _unquote(value)
        if fields.get("msgid"):
            entries[fields["msgid"]] = [v for k, v in fields.items() if k.startswith("msgstr")]
            assert "#, fuzzy" not in block, block
    return entries


def test_english_translates_every_indonesian_string():
    entries = po_entries("en")
    assert len(entries) > 600
    untranslated = [msgid for msgid, strings in entries.items() if not all(strings)]
    assert untranslated == []
    assert entries["Masuk ke Dashboard UCJ"] == ["Sign in to the UCJ Dashboard"]
    assert entries["Cakupan total"] == ["Total coverage"]


@pytest.mark.parametrize("language", ["en", "id"])
def test_the_compiled_catalogue_is_the_current_po(language):
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for msgid, strings in po_entries(language).items():
        if strings and strings[0] and len(strings) == 1:
            assert compiled.gettext(msgid) == strings[0], msgid


def test_english_and_indonesian_pages_through_the_language_switch(db):
    client = Client()
    assert "Masuk ke Dashboard UCJ" in client.get("/masuk/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/masuk/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html and "Sign in to the UCJ Dashboard" in html
    response = client.post("/i18n/setlang/", {"language": "id", "next": "/masuk/"}, follow=True)
    assert "Masuk ke Dashboard UCJ" in response.content.decode()
