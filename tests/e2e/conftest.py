"""End-to-end fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

The browser is never downloaded: Playwright launches /usr/bin/chromium (``make e2e-deps``
installs it with apt-get) with the flags for a closed network. Every request the page makes is
recorded, and so is every console error and uncaught exception; ``Browse.assert_clean`` fails a
test on any of them, or on any request to a host other than the live server's.

The data is demo-like and built through the real engine: verified BPJS counts for March to June
2025 and denominators, recomputed by ``coverage_recompute`` into snapshots.
"""

import json
import os
import re
import time
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from coverage.engine import coverage_recompute
from coverage.models import EntryStatus, ParticipantCount, Source
from regions.models import Denominator, SegmentGroup
from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"

MONTHS = [date(2025, m, 1) for m in (3, 4, 5, 6)]
JUNE = date(2025, 6, 1)
# Active participants (PU, BPU) per kab/kota and month; Kota Malang's June comes from the Pemda
# operator in the test (PU 134.167 of 413.600 workers = 32,44%, DOMAIN.md).
ACTIVE = {
    "35.73": {3: (125_167, 0), 4: (128_167, 0), 5: (131_167, 0)},
    "35.07": {3: (180_000, 80_000), 4: (182_000, 81_000), 5: (184_000, 82_000), 6: (186_000, 83_000)},
    "35.05": {3: (110_000, 50_000), 4: (112_000, 52_000), 5: (113_000, 53_000), 6: (115_000, 55_000)},
}
WORKERS = {
    "35.73": (413_600, 290_000, 123_600),
    "35.07": (1_420_000, 980_000, 440_000),
    "35.05": (690_000, 470_000, 220_000),
}
# The province and the nation have denominators of their own (here: the sum of the three).
WORKERS["35"] = WORKERS["ID"] = tuple(sum(values) for values in zip(*WORKERS.values(), strict=True))
# Kota Malang's kecamatan report PU, March-June, so that its map has figures and opens a kecamatan
# page. Kota Malang's own count is authoritative (docs/RULES.md): its figures do not change, and
# before its June count is entered June is the sum of these (PU only: BPU stays Kota Malang's own).
KECAMATAN_ACTIVE = {
    "35.73.01": {3: (60_000, 0), 4: (61_000, 0), 5: (62_000, 0), 6: (63_000, 0)},  # Blimbing
    "35.73.02": {3: (55_000, 0), 4: (56_000, 0), 5: (57_000, 0), 6: (58_000, 0)},  # Klojen
}
KECAMATAN_WORKERS = {"35.73.01": (200_000, 140_000, 60_000), "35.73.02": (213_600, 150_000, 63_600)}


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make e2e-deps` (apt-get install chromium); never download a browser")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the tests stay
    # synchronous, so Django's async-safety guard is lifted for the browser tests only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    # launch() gives every run a new, empty profile directory (its own temporary user-data-dir).
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
    yield chromium
    chromium.close()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Browse:
    """One browser context (one signed-in user) with everything it requested and logged."""

    def __init__(self, browser, base_url, **options):
        self.base_url = base_url.rstrip("/")
        options = {"viewport": {"width": 1280, "height": 900}, "locale": "id-ID", **options}  # a phone: 390 px
        self.context = browser.new_context(base_url=self.base_url, **options)
        self.context.set_default_timeout(15_000)
        self.requests, self.console_errors, self.page_errors = [], [], []
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _console(self, message):
        if message.type == "error":
            self.console_errors.append(f"{message.text} @ {self.page.url}")

    def login(self, username):
        page = self.page
        page.goto("/masuk/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("form[action='/masuk/'] button[type=submit]")
        return page

    def foreign_requests(self):
        return [url for url in self.requests if not url.startswith(self.base_url + "/") and url != self.base_url]

    def assert_clean(self):
        assert self.requests, "the page made no request at all"
        assert self.foreign_requests() == [], "requests to other hosts than the app's own"
        assert self.console_errors == [], "console errors"
        assert self.page_errors == [], "uncaught page errors"

    def wait_for_charts(self, minimum=1):
        """Every [data-figure] container holds a drawn Plotly SVG with data points (or a message)."""
        page = self.page
        page.wait_for_function(
            """() => {
              const boxes = [...document.querySelectorAll('[data-figure]')];
              const drawn = b => b.querySelector('svg.main-svg') || b.classList.contains('chart-message');
              return boxes.length > 0 && boxes.every(drawn);
            }"""
        )
        return page.evaluate(
            """() => [...document.querySelectorAll('[data-figure]')].map(b => ({
                name: b.dataset.figure,
                svg: !!b.querySelector('svg.main-svg'),
                message: b.classList.contains('chart-message') ? b.textContent : null,
                points: b.querySelectorAll(
                  '.scatterlayer .point, .scatterlayer path.js-line, .barlayer .point path, path.choroplethlocation'
                ).length,
              }))"""
        )

    def screenshot(self, name):
        """Refresh docs/screenshots only when asked (`make screenshots`), so a test run leaves the
        tree clean; the pages are still rendered and checked either way."""
        if os.environ.get("UCJ_SCREENSHOTS") != "1":
            return
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def close(self):
        self.context.close()


@pytest.fixture
def browse(browser, live_server):
    """``browse()`` opens a new context on the live server; all are closed after the test."""
    opened = []

    def open_context(**options):
        context = Browse(browser, live_server.url, **options)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _square(x, y, size=0.1):
    return [[x, y], [x + size, y], [x + size, y - size], [x, y - size], [x, y]]


def _feature(code, name, x, y, size=0.1):
    return {
        "type": "Feature",
        "id": code,
        "properties": {"kode": code, "nama": name},
        "geometry": {"type": "Polygon", "coordinates": [_square(x, y, size)]},
    }


def _collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


@pytest.fixture
def geo_dir(tmp_path, settings):
    """A small geometry fixture written by the test (never the real ../shared/geo files)."""
    root = tmp_path / "geo"
    (root / "districts").mkdir(parents=True)
    (root / "provinces.geojson").write_text(
        _collection(
            _feature("35", "Jawa Timur", 111.0, -7.0, 3.0),
            _feature("13", "Sumatera Barat", 99.5, -0.5, 2.0),
            _feature("51", "Bali", 114.5, -8.1, 1.0),
            _feature("19", "Kepulauan Bangka Belitung", 105.5, -1.5, 1.5),
        )
    )
    (root / "regencies.geojson").write_text(
        _collection(
            _feature("35.73", "Kota Malang", 112.6, -7.9, 0.1),
            _feature("35.07", "Kabupaten Malang", 112.3, -8.0, 0.4),
            _feature("35.05", "Kabupaten Blitar", 111.9, -8.0, 0.4),
            _feature("13.11", "Kabupaten Solok Selatan", 101.2, -1.4, 0.4),
        )
    )
    (root / "districts" / "35.geojson").write_text(
        _collection(_feature("35.73.01", "Blimbing", 112.63, -7.93, 0.05), _feature("35.73.02", "Klojen", 112.6, -7.97))
    )
    settings.GEO_DIR = root
    return root


@pytest.fixture
def world(fast_passwords, transactional_db, personas, offices, region_tree, geo_dir):
    """Denominators, verified BPJS counts March-June 2025 (Kota Malang: March-May; its two kecamatan:
    PU, March-June) and snapshots."""
    for code, (total, pu, bpu) in (WORKERS | KECAMATAN_WORKERS).items():
        region = region_tree[code]
        for group, workers in ((SegmentGroup.TOTAL, total), (SegmentGroup.PU, pu), (SegmentGroup.BPU, bpu)):
            Denominator.objects.create(
                region=region, year=2025, segment_group=group, workers=workers, source="Sakernas Agustus 2024"
            )
    for code, months in (ACTIVE | KECAMATAN_ACTIVE).items():
        for month, (pu, bpu) in months.items():
            for segment, active in (("PU", pu), ("BPU", bpu)):
                if active:
                    ParticipantCount.objects.create(
                        region=region_tree[code],
                        period=date(2025, month, 1),
                        segment=segment,
                        source=Source.BPJS,
                        status=EntryStatus.VERIFIED,
                        active=active,
                    )
    coverage_recompute(periods=MONTHS)
    return {"personas": personas, "offices": offices, "regions": region_tree}


def url(name, **kwargs):
    query = kwargs.pop("query", "")
    return reverse(name, kwargs=kwargs or None) + (f"?{query}" if query else "")


def wait_until(predicate, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def visible_text(page):
    return re.sub(r"\s+", " ", page.inner_text("body"))


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: drives Debian's Chromium through Playwright against the live server")
