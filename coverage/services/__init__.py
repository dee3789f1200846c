"""Writes of the coverage app. Views, forms, admin, importers and tasks all call these.

- ``recompute``: snapshots from counts, denominators, targets and bands (set-based SQL);
- ``publishing``: closing a month publishes its snapshots; reopening and revisions;
- ``entry``: Pemda entry, validation rules and the verification workflow.
"""

from ..selectors.entry import period_is_closed
from .publishing import period_close, period_reopen
from .recompute import coverage_recompute, recompute_drain_outbox, recompute_schedule, snapshot_generation

__all__ = [
    "coverage_recompute",
    "period_close",
    "period_is_closed",
    "period_reopen",
    "recompute_drain_outbox",
    "recompute_schedule",
    "snapshot_generation",
]
