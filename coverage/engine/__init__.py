"""The engine: the only writer of snapshots, the cache generation and the recompute queue.

- ``recompute``: ``coverage_recompute`` runs the SQL of ``sql`` under a per-month lock;
- ``outbox``: ``recompute_schedule`` records a needed recompute with the change and queues it;
- ``generation``: the number dashboard caches key on, bumped by every recompute;
- ``publishing``: closing a month publishes its snapshots; reopening; the closed-month check;
- ``funded``: how other apps hand funded workers to the engine;
- ``whatif``: what a planned change would do, computed by the engine and rolled back;
- ``tasks``: the Celery tasks around these.
"""

from .funded import funded_workers_replace
from .generation import snapshot_generation
from .outbox import recompute_drain_outbox, recompute_schedule
from .publishing import closed_periods, period_close, period_is_closed, period_reopen
from .recompute import RecomputeResult, coverage_recompute
from .whatif import coverage_what_if

__all__ = [
    "RecomputeResult",
    "closed_periods",
    "coverage_recompute",
    "coverage_what_if",
    "funded_workers_replace",
    "period_close",
    "period_is_closed",
    "period_reopen",
    "recompute_drain_outbox",
    "recompute_schedule",
    "snapshot_generation",
]
