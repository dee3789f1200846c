"""Fixtures of the trust tests: a small world with real snapshots, one count and one funded batch."""

import socket
import threading
from datetime import date

import pytest

from coverage.engine import coverage_recompute
from coverage.models import EntryStatus, ParticipantCount, Source
from programs.models import FundedBatch, FundingScheme, Package, WorkerCategory
from programs.services import programs_seed
from regions.health import worker_heartbeat_record
from regions.models import Denominator, SegmentGroup

PERIOD = date(2025, 6, 1)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Six personas per test: PBKDF2 would dominate the run time; the hasher is not under test here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The fuzz sends hundreds of requests to the public open data: past its per-address limit every one
    # would be the same 429, and the parameters would go untried.
    settings.OPEN_DATA_REQUESTS_PER_MINUTE = 0


@pytest.fixture
def world(personas, region_tree, offices):
    """Kota Malang, June 2025 (DOMAIN.md): 134.167 active of 413.600 workers = 32,44%, as snapshots;
    a Pemda count entered by its operator and a funded batch of Kota Malang."""
    kota = region_tree["35.73"]
    Denominator.objects.create(
        region=kota, year=2025, segment_group=SegmentGroup.TOTAL, workers=413_600, source="Sakernas Agustus 2024"
    )
    ParticipantCount.objects.create(
        region=kota, period=PERIOD, segment="PU", source=Source.BPJS, status=EntryStatus.VERIFIED, active=134_167
    )
    coverage_recompute(periods=[PERIOD])
    count = ParticipantCount.objects.create(
        region=kota,
        period=PERIOD,
        segment="BPU",
        source=Source.PEMDA,
        status=EntryStatus.SUBMITTED,
        active=4_754,
        entered_by=personas["operator_kota_malang"],
    )
    programs_seed()
    batch = FundedBatch.objects.create(
        region=kota,
        scheme=FundingScheme.objects.order_by("pk").first(),
        category=WorkerCategory.objects.order_by("pk").first(),
        package=Package.objects.get(code="bpu-jkk-jkm"),
        workers=742,
        start_month=date(2025, 1, 1),
        end_month=date(2025, 3, 1),
        fiscal_year=2025,
    )
    worker_heartbeat_record()  # as the beat-driven task does every minute
    return {"personas": personas, "count": count, "batch": batch, "kota": kota, "offices": offices}


@pytest.fixture
def hung_redis():
    """A local listener that accepts connections and never answers (a hung Redis, not a stopped one):
    yields its redis:// URL. Ports 16300-16399."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    for port in range(16300, 16400):
        try:
            server.bind(("127.0.0.1", port))
            break
        except OSError:
            continue
    server.listen(128)
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(server.accept()[0])  # kept open, never read nor written
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()
    for connection in accepted:
        connection.close()
