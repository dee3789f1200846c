"""The desa list of a kecamatan is read from the same inputs as the engine, so it adds up."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coverage.dashboards.villages import village_figures
from coverage.engine import coverage_recompute, funded_workers_replace
from coverage.models import FundedWorkers, ParticipantCount, Snapshot
from tests.factories import current_snapshot, make_count, make_region

pytestmark = pytest.mark.django_db

MAY = date(2025, 5, 1)
DESA = ["35.73.01.1001", "35.73.01.1002", "35.73.01.1003"]
CELL = st.tuples(
    st.sampled_from(DESA),
    st.sampled_from(["PU", "BPU", "JAKON", "PMI"]),
    st.sampled_from(["bpjs", "pemda"]),
    st.sampled_from(["draft", "submitted", "verified", "returned"]),
    st.integers(min_value=0, max_value=50_000),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(CELL, max_size=10), funded=st.dictionaries(st.sampled_from(DESA), st.integers(1, 3_000)))
def test_the_desa_of_a_kecamatan_add_up_to_its_snapshot(cells, funded):
    ParticipantCount.objects.all().delete()
    FundedWorkers.objects.all().delete()
    Snapshot.objects.all().delete()
    kecamatan = make_region("35.73.01", "Blimbing")
    desa = {code: make_region(code) for code in DESA}
    seen = set()
    for code, segment, source, status, active in cells:
        if (code, segment, source) not in seen:  # one row per cell and source
            seen.add((code, segment, source))
            make_count(desa[code], MAY, segment, active, source=source, status=status)
    for code, workers in funded.items():
        funded_workers_replace(reference=f"test:{code}", region=desa[code], months=[MAY], workers=workers)
    coverage_recompute(periods=[MAY])

    listed = village_figures(district=kecamatan, period=MAY)
    snapshot = current_snapshot(kecamatan, MAY)
    if snapshot is None or snapshot.active_total is None:
        assert listed == []  # no counted figure in the kecamatan: no figure, funded workers or not
    else:
        assert sum(v["active_total"] for v in listed) == snapshot.active_total
        assert sum(v["active_funded"] or 0 for v in listed) == (snapshot.active_funded or 0)
        for segment in ("pu", "bpu", "jakon", "pmi"):
            assert sum(v[f"active_{segment}"] or 0 for v in listed) == (getattr(snapshot, f"active_{segment}") or 0)
