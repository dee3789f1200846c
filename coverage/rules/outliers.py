"""Robust outlier checks of a reported figure: median and MAD, with seasonality.

Beside the jump rules (a change of more than 25% from last month), which flag every seasonal peak
and miss a figure that should have moved and did not, a figure is compared with what the region's own
series leads to expect:

- **seasonal** (with at least ``MIN_POINTS`` year-on-year ratios among the 12 months before): the same
  month a year earlier times the median of the year-on-year ratios of those months
  (x[t] / x[t-12]), so a December peak that comes every year is expected;
- otherwise **month on month** (with at least ``MIN_POINTS`` ratios x[t] / x[t-1]): last month's figure
  times the median of those ratios;
- otherwise no expectation (a series too short says nothing).

The expected range is ``base x (median ± K x 1.4826 x MAD)`` of the ratios (1.4826 x MAD estimates
the standard deviation of normal data); the spread is at least ``MIN_SPREAD`` of the median ratio, so
a perfectly stable series does not flag a change of a few participants. Pure functions, no ORM.
"""

from dataclasses import dataclass
from statistics import median

from ucj_dashboard.months import add_months

K = 3.5
MIN_POINTS = 3
MIN_SPREAD = 0.02
SEASONAL, MONTHLY = "seasonal", "monthly"


@dataclass(frozen=True)
class ExpectedRange:
    low: int
    high: int
    expected: int
    method: str  # SEASONAL or MONTHLY
    points: int

    def contains(self, value) -> bool:
        return self.low <= value <= self.high


def _ratios(series, period, lag):
    out = []
    for back in range(1, 13):
        month = add_months(period, -back)
        now, before = series.get(month), series.get(add_months(month, -lag))
        if now is not None and before:
            out.append(now / before)
    return out


def _range(base, ratios, method):
    centre = median(ratios)
    mad = median(abs(ratio - centre) for ratio in ratios)
    spread = max(K * 1.4826 * mad, MIN_SPREAD * centre)
    return ExpectedRange(
        low=max(0, int(base * (centre - spread))),
        high=int(base * (centre + spread) + 0.999999),
        expected=round(base * centre),
        method=method,
        points=len(ratios),
    )


def expected_range(series: dict, period) -> ExpectedRange | None:
    """What ``series`` ({month: figure}, the months before ``period``) leads to expect for ``period``."""
    last_year = series.get(add_months(period, -12))
    if last_year:
        ratios = _ratios(series, period, 12)
        if len(ratios) >= MIN_POINTS:
            return _range(last_year, ratios, SEASONAL)
    last_month = series.get(add_months(period, -1))
    if last_month:
        ratios = _ratios(series, period, 1)
        if len(ratios) >= MIN_POINTS:
            return _range(last_month, ratios, MONTHLY)
    return None
