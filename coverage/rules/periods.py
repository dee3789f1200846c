"""Reporting months: when a month's figures are due."""

import calendar
from datetime import date

from django.conf import settings

from ucj_dashboard.months import add_months


def due_date(period: date) -> date:
    """Submissions of ``period`` are due on SUBMISSION_DUE_DAY of the next month (or its last day)."""
    following = add_months(period, 1)
    last_day = calendar.monthrange(following.year, following.month)[1]
    return following.replace(day=min(settings.SUBMISSION_DUE_DAY, last_day))


def month_is_settled(*, period: date, units_expected, units_reported, is_published: bool, today: date) -> bool:
    """Whether a month can be a viewer's default view of a scope (a region or an office).

    A month is settled once it is published (closed), once every reporting unit below the scope has
    reported (kab/kota for provinces, the nation and offices; the region itself below that), or once
    its due date has passed (late units then show with their carried figure, marked). Before that it
    is partial: one click away, marked "Sementara: 1 dari 38 kab/kota sudah melapor", never the
    default.
    """
    if is_published:
        return True
    if units_expected and (units_reported or 0) >= units_expected:
        return True
    return today > due_date(period)
