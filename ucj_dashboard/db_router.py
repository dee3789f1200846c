"""Dashboards read snapshots from a PostgreSQL read replica; everything else uses the primary.

Active only when ``DATABASE_REPLICA_URL`` is set (settings.py adds the ``replica`` alias and this
router). The rule is deliberately narrow:

- Only what the engine alone writes is read from the replica (``REPLICA_MODELS``: snapshots, their
  target rows and the snapshot versions), and only outside a transaction. No user ever misses their
  own write on a lagging replica: counts, master data, sessions, users and roles are small, often
  read right after a write (admin, entry grid, sign-in), and stay on the primary.
- Every write, every read inside ``transaction.atomic()`` (the engine, the entry services, the
  importers, row locks), raw SQL through ``connection`` and every migration go to the primary.

Replication lag: the engine bumps the snapshot versions (``coverage.engine.generation``) in the same
transaction as the snapshots it writes, and both are read from the replica. A replica replays that
transaction at once, so a request that sees the new versions also reads the new snapshots: no page
is ever cached stale under new versions; a figure simply appears when the replica has it (lag
measured in tests/trust/test_read_replica.py; see docs/OPERATIONS.md).
"""

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
REPLICA_MODELS = {"coverage.snapshot", "coverage.snapshottarget", "coverage.snapshotversion"}


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    """Engine-written rows read outside a transaction go to the replica; everything else to the primary."""

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
