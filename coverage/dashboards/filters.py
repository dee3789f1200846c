"""The query parameters every dashboard shares (``?periode=2025-05&segmen=PU``)."""

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

SEGMENTS = ("PU", "BPU")

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(text):
    """'2025-05' -> date(2025, 5, 1); anything else -> None (the page then shows the latest month)."""
    match = _PERIOD.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


def parse_segment(text):
    text = (text or "").strip().upper()
    return text if text in SEGMENTS else ""


@dataclass(frozen=True)
class Filters:
    """The query parameters every dashboard shares (``?periode=2025-05&segmen=PU``)."""

    period: date | None = None
    segment: str = ""

    @classmethod
    def from_query(cls, params):
        return cls(period=parse_period(params.get("periode")), segment=parse_segment(params.get("segmen")))

    def query(self, **overrides):
        values = {"periode": f"{self.period:%Y-%m}" if self.period else "", "segmen": self.segment, **overrides}
        return urlencode({k: v for k, v in values.items() if v})

    @property
    def suffix(self):
        """``?periode=...&segmen=...`` to append to a link, or nothing."""
        query = self.query()
        return f"?{query}" if query else ""
