"""Small PostgreSQL helpers shared by the bulk loaders."""

from django.db import connection


def tables_analyze(*models):
    """Refresh the planner's statistics of tables a bulk load has just written.

    Autovacuum may be off or late (it is off on the development machines): without this, a fresh
    database's planner expects a few dozen desa instead of 83,762 and picks slow plans. Runs inside
    the caller's transaction too (ANALYZE sees the rows that transaction wrote). No-op on SQLite.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model if isinstance(model, str) else model._meta.db_table
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
