"""Reads of the programs app.

- ``pricing``: premium pricing by date (a month is priced with the rates in force on its first day);
- ``panel``: the funding panel of the region dashboard and the batch list;
- ``commitments``: the Inpres 2/2021 register on the region page and the semester summary of a province;
- ``simulator``: the budget simulator (baseline, the engine's what-if, targets, inverse, legal basis).
"""

from .commitments import commitments, commitments_panel_context, semester_summary
from .panel import (
    ENDING_SOON_DAYS,
    PANEL_YEARS,
    batches_for_region,
    funded_batch_starts,
    funding_panel,
    funding_panel_context,
)
from .pricing import Budget, MonthPrice, PricingError, budget_calculate, package_premiums
from .simulator import (
    Baseline,
    Figures,
    LegalBasis,
    Simulation,
    TargetGap,
    WhatIf,
    budget_simulate,
    scheme_legal_basis,
    simulation_baseline,
    simulation_what_if,
    target_participants,
)

__all__ = [
    "ENDING_SOON_DAYS",
    "PANEL_YEARS",
    "Baseline",
    "Budget",
    "Figures",
    "LegalBasis",
    "MonthPrice",
    "PricingError",
    "Simulation",
    "TargetGap",
    "WhatIf",
    "batches_for_region",
    "budget_calculate",
    "budget_simulate",
    "commitments",
    "commitments_panel_context",
    "funded_batch_starts",
    "funding_panel",
    "funding_panel_context",
    "package_premiums",
    "scheme_legal_basis",
    "semester_summary",
    "simulation_baseline",
    "simulation_what_if",
    "target_participants",
]
