"""Snapshot versions: numbers the engine bumps in the same transaction as the snapshots it writes.

They live in the database (``SnapshotVersion``), so every process sees a recompute at once: the web
workers, a Celery worker, a ``recompute_coverage`` run by hand, with Redis or without it (the
embedded default's local-memory cache is per process; the versions are not). Dashboard caches key
on the versions of the scopes they read:

- ``all``: bumped by every recompute and publication;
- ``period:YYYY-MM``: a month's snapshots changed;
- ``region:<province code>``: snapshots in a province's subtree changed (``region:ID``: the nation);
  a run over every region bumps ``region:*`` instead of each province;
- ``offices``: branch and Kanwil snapshots changed (every recompute touches them).
"""

from contextvars import ContextVar

from django.core.signals import request_finished, request_started
from django.db.models import F

from regions.models import NATIONAL_CODE

from ..models import SnapshotVersion

ALL = "all"
ALL_REGIONS = "region:*"
OFFICES = "offices"


def period_scope(period):
    return f"period:{period:%Y-%m}"


def region_scope(code):
    """The scope of a region's snapshots: its province's (the nation's for the root)."""
    return f"region:{code.split('.')[0]}"


# Within one request the versions are read once: a page's many cached reads agree with each other
# and cost one query. Outside requests (workers, commands) every call reads the database.
_request_versions: ContextVar[dict | None] = ContextVar("snapshot_versions", default=None)


def _start_request(**kwargs):
    _request_versions.set({})


def _finish_request(**kwargs):
    _request_versions.set(None)


request_started.connect(_start_request, dispatch_uid="coverage.snapshot_versions.start")
request_finished.connect(_finish_request, dispatch_uid="coverage.snapshot_versions.finish")


def snapshot_versions(*scopes) -> tuple:
    """The current versions of ``scopes`` (0 for a scope never bumped), in one query."""
    memo = _request_versions.get()
    if memo is not None and all(scope in memo for scope in scopes):
        return tuple(memo[scope] for scope in scopes)
    found = dict(SnapshotVersion.objects.filter(scope__in=scopes).values_list("scope", "version"))
    values = {scope: found.get(scope, 0) for scope in scopes}
    if memo is not None:
        memo.update(values)
    return tuple(values[scope] for scope in scopes)


def snapshot_generation() -> int:
    """The version of everything: what a cache that reads across scopes keys on."""
    return snapshot_versions(ALL)[0]


def bump_versions(*, periods=(), region_codes=None):
    """Bump ``all``, the months, the offices and the regions' provinces (every region when
    ``region_codes`` is None). Call inside the transaction that writes the snapshots."""
    scopes = {ALL, OFFICES, *(period_scope(p) for p in periods)}
    if region_codes is None:
        scopes.add(ALL_REGIONS)
    else:
        scopes |= {region_scope(code) for code in region_codes} | {region_scope(NATIONAL_CODE)}
    scopes = sorted(scopes)  # a fixed order: two transactions never lock the rows crosswise
    SnapshotVersion.objects.bulk_create([SnapshotVersion(scope=s, version=0) for s in scopes], ignore_conflicts=True)
    SnapshotVersion.objects.filter(scope__in=scopes).update(version=F("version") + 1)
