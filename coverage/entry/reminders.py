"""Reminder and overdue e-mails to Pemda operators who have not submitted last month's figures."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from ucj_dashboard.formats import format_period
from ucj_dashboard.months import add_months

from ..models import ReminderKind, SubmissionReminder
from ..rules import due_date
from .selectors import submission_tracker_rows


def submission_reminders_send(*, today=None) -> int:
    """E-mail the operators of regions that have not submitted last month's figures.

    A reminder goes out from REMINDER_DAYS_BEFORE days before the due date, an overdue notice
    after it; each at most once per operator, region and month, so re-running is harmless.
    """
    today = today or timezone.localdate()
    period = add_months(today, -1)
    due = due_date(period)
    if today > due:
        kind = ReminderKind.OVERDUE
    elif (due - today).days <= settings.SUBMISSION_REMINDER_DAYS_BEFORE:
        kind = ReminderKind.REMINDER
    else:
        return 0
    sent = 0
    for row in submission_tracker_rows(period=period, today=today):
        if row.submitted:
            continue
        for operator in row.operators:
            if not operator.email or not operator.is_active:
                continue
            _reminder, created = SubmissionReminder.objects.get_or_create(
                user=operator, region=row.region, period=period, kind=kind
            )
            if not created:
                continue
            send_mail(*_reminder_mail(kind, row.region, period, due), [operator.email])
            sent += 1
    return sent


def _reminder_mail(kind, region, period, due):
    params = {"region": region.name, "period": format_period(period), "due": f"{due.day} {format_period(due)}"}
    if kind == ReminderKind.OVERDUE:
        subject = _("Terlambat: data kepesertaan %(period)s %(region)s belum diajukan") % params
        body = (
            _(
                "Data kepesertaan %(region)s untuk %(period)s belum diajukan, padahal batas waktunya %(due)s.\n"
                "Buka menu Entri Data di Dashboard UCJ, isi atau impor angkanya, lalu ajukan."
            )
            % params
        )
    else:
        subject = _("Pengingat: data kepesertaan %(period)s %(region)s, batas %(due)s") % params
        body = (
            _(
                "Data kepesertaan %(region)s untuk %(period)s belum diajukan. Batas waktunya %(due)s.\n"
                "Buka menu Entri Data di Dashboard UCJ, isi atau impor angkanya, lalu ajukan."
            )
            % params
        )
    return subject, body, settings.DEFAULT_FROM_EMAIL
