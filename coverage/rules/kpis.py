"""Derived KPIs of a snapshot: pure functions, no database.

Participants needed per month to reach a target by December, the monthly pace, the projected
year-end coverage and the month the target would be reached at that pace.
"""

import math

from ucj_dashboard.months import add_months


def months_remaining(period):
    """Months left in the year after ``period``, the current month counting as done (June -> 6)."""
    return 12 - period.month


def participants_needed_per_month(gap, period):
    """Participants to add each month to close ``gap`` by December: ceil(gap / months remaining).

    0 when the target is already reached; None when unknown or when no month is left (December).
    Kota Malang, June 2025: ceil(42,586 / 6) = 7,098.
    """
    if gap is None:
        return None
    if gap <= 0:
        return 0
    remaining = months_remaining(period)
    if remaining == 0:
        return None
    return math.ceil(gap / remaining)


def monthly_pace(points, period, window=3):
    """Average monthly change of active participants over the last ``window`` months.

    ``points``: (period, active) pairs. Uses the change from the oldest month in the window that has
    a figure (at best ``window`` months back) to ``period``; None without two figures.
    """
    by_period = {p: value for p, value in points if value is not None}
    current = by_period.get(period)
    if current is None:
        return None
    for back in range(window, 0, -1):
        earlier = by_period.get(add_months(period, -back))
        if earlier is not None:
            return (current - earlier) / back
    return None


def projected_year_end(*, active, workers, pace, period):
    """Active participants and coverage (%) in December if the pace holds."""
    if active is None or pace is None:
        return None, None
    projected = max(0, active + pace * months_remaining(period))
    coverage = projected * 100.0 / workers if workers else None
    return round(projected), coverage


def month_target_reached(*, active, target, pace, period):
    """The month in which ``active`` reaches ``target`` at ``pace``; None if it never does."""
    if active is None or target is None:
        return None
    if active >= target:
        return period
    if not pace or pace <= 0:
        return None
    return add_months(period, math.ceil((target - active) / pace))
