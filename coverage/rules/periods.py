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
