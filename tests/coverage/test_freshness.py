"""Freshness in the embedded default (SQLite, no Redis, tasks in-process): a recompute run by hand in
another process shows on the next page load of a running server, because the snapshot versions live
in the database, not in each process's local-memory cache.

The server and the commands run as separate processes on a SQLite file of their own; nothing here
touches the suite's PostgreSQL database.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SEED = """
from datetime import date
from django.contrib.auth import get_user_model
from coverage.engine import coverage_recompute
from coverage.models import ParticipantCount
from regions.models import Denominator, Kind, Level, Region
root = Region.objects.create(code="ID", name="Indonesia", level=Level.NATIONAL, kind=Kind.NATIONAL)
jatim = Region.objects.create(code="35", name="Jawa Timur", level=Level.PROVINCE, kind=Kind.PROVINCE, parent=root)
kota = Region.objects.create(code="35.73", name="Kota Malang", level=Level.REGENCY, kind=Kind.KOTA, parent=jatim)
Denominator.objects.create(region=kota, year=2025, segment_group="TOTAL", workers=413_600, source="Sakernas")
ParticipantCount.objects.create(region=kota, period=date(2025, 6, 1), segment="PU", source="bpjs",
                                status="verified", active=130_000)
coverage_recompute()
get_user_model().objects.create_user("kepala", password="Rahasia-Uji-2025")
"""
CHANGE = """
from coverage.models import ParticipantCount
ParticipantCount.objects.filter(region__code="35.73").update(active=134_167)
"""


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def embedded(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "SQLITE_PATH": str(tmp_path / "embedded.sqlite3"),
        "DEBUG": "true",
        "AXES_ENABLED": "false",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "TEST_DB_NAME": "",
    }

    def manage(*args, **kwargs):
        return subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True, capture_output=True,
            timeout=120, **kwargs,
        )  # fmt: skip

    manage("migrate", "--no-input", "-v0")
    manage("shell", "-c", SEED)
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/sehat/", timeout=2).read()  # noqa: S310 - our own server
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("the embedded server did not start")
            time.sleep(0.3)
    yield {"base": base, "manage": manage}
    server.terminate()
    server.wait(timeout=10)


def _signed_in(base):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/masuk/").read()
    token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    form = urllib.parse.urlencode({"username": "kepala", "password": "Rahasia-Uji-2025", "csrfmiddlewaretoken": token})
    opener.addheaders = [("Referer", f"{base}/masuk/")]
    opener.open(f"{base}/masuk/", data=form.encode()).read()
    return opener


def _participants(opener, base):
    html = opener.open(f"{base}/wilayah/35.73/").read().decode()
    return re.search(r'<div class="value">([\d.]+)</div>', html.split("Peserta aktif</div>", 1)[1]).group(1)


def test_a_recompute_run_by_hand_shows_on_the_next_page_load_of_the_running_server(embedded):
    opener = _signed_in(embedded["base"])
    assert _participants(opener, embedded["base"]) == "130.000"
    assert _participants(opener, embedded["base"]) == "130.000"  # now from the server's page cache

    embedded["manage"]("shell", "-c", CHANGE)
    embedded["manage"]("recompute_coverage")  # another process, as an operator would run it

    assert _participants(opener, embedded["base"]) == "134.167"
