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


# Above this many values an ``__in`` filter becomes one array parameter: Django prepares and sends
# every value of a list as its own parameter (100,000 region ids cost seconds before the query runs).
MANY_VALUES = 1_000


def values_in(values, *, sql_type="bigint"):
    """The right-hand side of an ``__in`` lookup for many values: a list below ``MANY_VALUES`` (and on
    SQLite), else ``SELECT unnest(%s::bigint[])`` with one array parameter."""
    from django.db.models.expressions import RawSQL

    if sql_type not in ("bigint", "text"):
        raise ValueError(f"values_in: unsupported type {sql_type}")
    values = list(values)
    if connection.vendor != "postgresql" or len(values) < MANY_VALUES:
        return values
    # The SQL is one of two fixed strings; the values travel as a parameter.
    return RawSQL(f"SELECT unnest(%s::{sql_type}[])", (values,))  # noqa: S611
