from django.conf import settings

from .models import Role
from .notifications import unread_count
from .selectors import home_office, home_region, user_has_role, user_is_admin


def navigation(request):
    """What the base layout needs to draw the navigation for the user's roles."""
    user = request.user
    if not user.is_authenticated:
        return {"demo_mode": settings.DEMO_MODE}
    return {
        "demo_mode": settings.DEMO_MODE,
        "nav": {
            "is_admin": user_is_admin(user),
            "is_operator": user_has_role(user, Role.OPERATOR),
            "is_verifier": user_has_role(user, Role.VERIFIER),
            "is_branch_head": user_has_role(user, Role.BRANCH_HEAD),
            "is_pemda_head": user_has_role(user, Role.PEMDA_HEAD),
            "unread": unread_count(user),
            "office": home_office(user),
            "region": home_region(user),
        },
    }
