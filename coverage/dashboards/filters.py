"""The query parameters every dashboard shares (``?periode=2025-05&segmen=PU``).

Parsed by ``ucj_dashboard.params``: empty means the latest month and every segment; a malformed
value is a 400 with its reason (``ParamError``), never silently another view.
"""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from ucj_dashboard import params
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
    """The query parameters every dashboard shares (``?periode=2025-05&segmen=PU``)."""

    period: date | None = None
    segment: str = ""

    @classmethod
    def from_query(cls, query):
        """The filters of a request's query string; raises ``ParamError`` for a malformed value."""
        return cls(period=params.period(query.get("periode")), segment=params.segment(query.get("segmen")))

    def query(self, **overrides):
        values = {"periode": f"{self.period:%Y-%m}" if self.period else "", "segmen": self.segment, **overrides}
        return urlencode({k: v for k, v in values.items() if v})

    @property
    def suffix(self):
        """``?periode=...&segmen=...`` to append to a link, or nothing."""
        query = self.query()
        return f"?{query}" if query else ""
