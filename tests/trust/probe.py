"""Serve one request in a fresh Django process, as a gunicorn worker would, and report its growth.

Run by tests/trust/test_resource_limits.py (never collected by pytest itself):

    python -m tests.trust.probe USERNAME URL FILE      # uploads FILE (field "file") to URL
    python -m tests.trust.probe USERNAME URL -         # GETs URL (with its query string)

The process signs in USERNAME, makes a small request of the same kind first (so that pandas,
openpyxl, the templates and the database connection are loaded, as in a worker that has served
requests), then resets the kernel's peak-RSS mark (``/proc/self/clear_refs``), sends the request and
prints one JSON line: the HTTP status, the growth of the resident set during the request (peak minus
the resident size before it) in MB, the seconds taken, the response's size and the error messages
the page shows.
"""

import json
import os
import re
import sys
import time
from html import unescape
from pathlib import Path

WARM_UP = (
    b"kode_wilayah;nama_wilayah;periode;segmen;peserta_aktif;jumlah_pekerja\r\n35.73;Kota Malang;2025-06;PU;1;1\r\n"
)


def _status_mb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)


def _post(client, url, name, content, fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(url, {"file": SimpleUploadedFile(name, content), **fields})


def _errors(response):
    text = response.content.decode("utf-8", "replace")
    found = re.findall(r'<(?:li|td) class="error">(.*?)</(?:li|td)>', text, flags=re.S)
    found += re.findall(r"<tr><td class=\"num\">[^<]*</td><td>[^<]*</td><td>[^<]*</td><td>(.*?)</td></tr>", text)
    return [unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in found][:5]


def main(username, url, path):
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host name; nothing else of the production settings changes
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    if path == "-":
        warm = client.get(url.split("?")[0])
        send = lambda: client.get(url)  # noqa: E731
    else:
        warm = _post(client, url, "pemanasan.csv", WARM_UP, {})
        content = Path(path).read_bytes()
        send = lambda: _post(client, url, Path(path).name, content, {})  # noqa: E731
    assert warm.status_code == 200, warm.status_code

    before = _status_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
    started = time.monotonic()
    response = send()
    seconds = time.monotonic() - started
    grown = _status_mb("VmHWM") - before
    print(
        json.dumps(
            {"status": response.status_code, "grown_mb": round(grown, 1), "seconds": round(seconds, 2),
             "bytes": len(response.content), "errors": _errors(response)}
        )
    )  # fmt: skip


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ucj_dashboard.settings")
    main(*sys.argv[1:])
