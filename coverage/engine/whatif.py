"""What a change would do to the snapshots, computed by the engine itself and rolled back.

The entry screens' "coverage impact" and the budget simulator's what-if are not estimates written
beside the engine: the planned change is written inside a savepoint, the engine recomputes the
affected regions, the caller reads the snapshots as they would be, and everything is rolled back
(the snapshot versions too, so no cache is invalidated by a what-if).
"""

from django.db import transaction

from .recompute import coverage_recompute


class _RollBack(Exception):
    pass


def coverage_what_if(*, change, periods, regions, read):
    """``change()`` writes the planned inputs; ``read()`` returns what to keep from the recomputed
    snapshots (plain values: model instances read inside are gone after the rollback).

    Returns ``read()``'s value. Nothing of the change or the recompute survives.
    """
    result = None
    try:
        with transaction.atomic():
            change()
            coverage_recompute(periods=periods, regions=regions)
            result = read()
            raise _RollBack
    except _RollBack:
        pass
    return result
