"""Dashboards read snapshots from a PostgreSQL read replica; everything else uses the primary.

Active only when ``DATABASE_REPLICA_URL`` is set (settings.py adds the ``replica`` alias and this
router). The rule is deliberately narrow:

- Only the engine's derived rows (``REPLICA_MODELS``: snapshots and their target rows) are read
  from the replica, and only outside a transaction. Nobody but the engine writes them, so no user
  ever misses their own write on a lagging replica; master data, counts, sessions, users and roles
  are small, often read right after a write (admin, entry grid), and stay on the primary.
- Every write, every read inside ``transaction.atomic()`` (the engine, the entry services, the
  importers, row locks), raw SQL through ``connection`` and every migration go to the primary.

Replication lag: a recompute commits on the primary, then bumps the cache generation that every
cached page and chart keys on. A page rendered from a replica that has not replayed the commit yet
would be cached under the *new* generation with the *old* figures. So the bump first waits until
the replica has replayed the primary's WAL position (``replica_catch_up``, bounded by
``DATABASE_REPLICA_WAIT_SECONDS``); see docs/OPERATIONS.md.
"""

import logging
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
REPLICA_MODELS = {"coverage.snapshot", "coverage.snapshottarget"}


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    """Snapshot reads outside a transaction go to the replica; everything else to the primary."""

    def db_for_read(self, model, **hints):
        if (
            model._meta.label_lower in REPLICA_MODELS
            and replica_configured()
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data: a snapshot read from the replica may point at a region
        # read from the primary.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA, None}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def replica_catch_up(*, timeout=None) -> bool:
    """Wait until the replica has replayed everything the primary has written so far.

    True at once without a replica, or when the replica is not a streaming standby (nothing to
    wait for); False when ``timeout`` seconds (default ``DATABASE_REPLICA_WAIT_SECONDS``) pass
    first, or the replica cannot be reached.
    """
    if not replica_configured():
        return True
    timeout = settings.DATABASE_REPLICA_WAIT_SECONDS if timeout is None else timeout
    deadline = time.monotonic() + timeout
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            # The insert position, not the written one: the engine commits with synchronous_commit
            # off, so its commit record may not be written yet when this runs.
            cursor.execute("SELECT pg_current_wal_insert_lsn()")
            target = cursor.fetchone()[0]
        with connections[REPLICA].cursor() as cursor:
            while True:
                cursor.execute(
                    "SELECT pg_is_in_recovery(), COALESCE(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)", [target]
                )
                in_recovery, replayed = cursor.fetchone()
                if not in_recovery or replayed:
                    return True
                if time.monotonic() >= deadline:
                    logger.warning("Replica has not replayed %s after %.1f s.", target, timeout)
                    return False
                time.sleep(0.01)
    except Exception:  # an unreachable replica must not stop a recompute from being announced
        logger.warning("Could not check the replica's replay position.", exc_info=True)
        return False
