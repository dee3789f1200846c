"""{% may_approve user as approver %}: has the user a queue in the approval chain? (navigation)"""

from django import template

from ..entry.approvals import may_approve as _may_approve

register = template.Library()


@register.simple_tag
def may_approve(user):
    return _may_approve(user)
