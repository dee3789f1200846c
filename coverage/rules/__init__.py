"""The coverage rules, each written once; the engine's SQL and every Python reader use these.

- ``periods``: when a month's figures are due, and when a month is settled enough to be the default view;
- ``kpis``: the derived KPIs of a snapshot (pace, projection, participants needed per month);
- ``outliers``: the range a region's own series (median and MAD, seasonal) leads to expect for a figure.

docs/RULES.md states every rule with its examples; docs/ARCHITECTURE.md says where each lives.
"""

from .kpis import (
    month_target_reached,
    monthly_pace,
    months_remaining,
    participants_needed_per_month,
    projected_year_end,
)
from .outliers import ExpectedRange, expected_range
from .periods import due_date, month_is_settled

__all__ = [
    "ExpectedRange",
    "due_date",
    "expected_range",
    "month_is_settled",
    "month_target_reached",
    "monthly_pace",
    "months_remaining",
    "participants_needed_per_month",
    "projected_year_end",
]
