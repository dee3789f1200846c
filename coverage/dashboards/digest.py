"""The weekly digest: each branch head's action list by e-mail."""

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from regions.models import Role, UserRole

from .selectors import action_list


def weekly_digest_messages(*, period=None):
    """One e-mail per branch head with an address: the action list of their office."""
    messages = []
    roles = UserRole.objects.filter(role=Role.BRANCH_HEAD).select_related("user", "office").order_by("user_id")
    for assignment in roles:
        if not assignment.user.email or not assignment.user.is_active:
            continue
        context = {
            "user": assignment.user,
            "office": assignment.office,
            "actions": action_list(office=assignment.office, period=period),
        }
        subject = render_to_string("coverage/email/weekly_digest_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject, render_to_string("coverage/email/weekly_digest.txt", context), to=[assignment.user.email]
        )
        message.attach_alternative(render_to_string("coverage/email/weekly_digest.html", context), "text/html")
        messages.append(message)
    return messages
