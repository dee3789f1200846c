"""Calendar months: periods are stored as the first day of their month."""

from dataclasses import dataclass
from datetime import date


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """Number of months from ``start`` to ``end`` inclusive (both first days of months)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def month_range(start: date, end: date) -> list[date]:
    return [add_months(start, i) for i in range(max(months_between(start, end), 0))]


# The kinds of period a dashboard shows: a month, or a quarter, semester or year of months.
MONTH, QUARTER, SEMESTER, YEAR = "bulan", "triwulan", "semester", "tahun"
SPAN_MONTHS = {MONTH: 1, QUARTER: 3, SEMESTER: 6, YEAR: 12}


@dataclass(frozen=True)
class Span:
    """A run of whole months of one kind: ``Span.of(QUARTER, 2025, 2)`` is April-June 2025.

    ``key`` is how it is written in a URL (``?periode=2025-05``, ``2025-Q2``, ``2025-S1``, ``2025``).
    """

    kind: str
    start: date
    end: date

    @classmethod
    def of(cls, kind, year, index=1):
        """The ``index``-th span of ``kind`` in ``year`` (a month 1-12, a quarter 1-4, a semester 1-2)."""
        size = SPAN_MONTHS[kind]
        start = date(year, (index - 1) * size + 1, 1)
        return cls(kind, start, add_months(start, size - 1))

    @classmethod
    def containing(cls, kind, day):
        """The span of ``kind`` that holds ``day``'s month."""
        return cls.of(kind, day.year, (day.month - 1) // SPAN_MONTHS[kind] + 1)

    @property
    def index(self):
        return (self.start.month - 1) // SPAN_MONTHS[self.kind] + 1

    @property
    def key(self):
        if self.kind == MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == YEAR:
            return str(self.start.year)
        return f"{self.start.year}-{'Q' if self.kind == QUARTER else 'S'}{self.index}"

    @property
    def is_month(self):
        return self.kind == MONTH

    def __contains__(self, day):
        return self.start <= day <= self.end
