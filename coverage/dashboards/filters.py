"""The query parameters every dashboard shares (``?periode=2025-05&segmen=PU``).

Parsed by ``ucj_dashboard.params``: empty means the latest month and every segment; a malformed
value is a 400 with its reason (``ParamError``), never silently another view.
"""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from ucj_dashboard import params
from ucj_dashboard.months import Span
from ucj_dashboard.params import ParamError


def parse_period(text):
    """'2025-05' -> date(2025, 5, 1); anything else -> None (for commands and tasks, which report it)."""
    try:
        return params.period(text)
    except ParamError:
        return None


def parse_segment(text):
    try:
        return params.segment(text)
    except ParamError:
        return ""


@dataclass(frozen=True)
class Filters:
    """The query parameters every dashboard shares (``?periode=2025-05&segmen=PU``).

    On the region and office dashboards and the league table ``periode`` may also be a quarter
    (``2025-Q2``), a semester (``2025-S1``) or a year (``2025``): ``span``, with ``period`` empty
    (the page picks the span's month for its stock figures).
    """

    period: date | None = None
    segment: str = ""
    span: Span | None = None

    @classmethod
    def from_query(cls, query, *, spans=False):
        """The filters of a request's query string; raises ``ParamError`` for a malformed value, and
        for a quarter, semester or year on a page that shows months only (``spans=False``)."""
        segment = params.segment(query.get("segmen"))
        if not spans:
            return cls(period=params.period(query.get("periode")), segment=segment)
        span = params.span(query.get("periode"))
        if span is None or span.is_month:
            return cls(period=span.start if span else None, segment=segment)
        return cls(segment=segment, span=span)

    @property
    def period_key(self):
        """``periode`` as written in a URL: '2025-05', '2025-Q2', or '' for the default month."""
        if self.span is not None:
            return self.span.key
        return f"{self.period:%Y-%m}" if self.period else ""

    def query(self, **overrides):
        values = {"periode": self.period_key, "segmen": self.segment, **overrides}
        return urlencode({k: v for k, v in values.items() if v})

    @property
    def suffix(self):
        """``?periode=...&segmen=...`` to append to a link, or nothing."""
        query = self.query()
        return f"?{query}" if query else ""
