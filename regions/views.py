from urllib.parse import urlsplit

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ucj_dashboard import params

from .health import health_report
from .models import Role
from .selectors import home_office, home_region, regions_search, user_has_role, user_is_admin


def _first_reversible(*candidates):
    for name, kwargs in candidates:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return reverse("admin:index")


class LoginView(auth_views.LoginView):
    """Django's sign-in page. A signed-in user is sent on at once, and a ``next`` that points back at
    this page is ignored (with it Django would redirect to itself and raise: a 500)."""

    redirect_authenticated_user = True

    def get_redirect_url(self):
        url = super().get_redirect_url()
        return "" if url and urlsplit(url).path == self.request.path else url


@login_required
def home(request):
    """Send each role to the page it works on: branch heads to their branch, operators to entry."""
    user = request.user
    office = home_office(user)
    if user_has_role(user, Role.BRANCH_HEAD) and office:
        return redirect(_first_reversible(("coverage:office_dashboard", {"code": office.code})))
    if user_has_role(user, Role.VERIFIER):
        return redirect(_first_reversible(("coverage:verification_queue", None)))
    region = home_region(user)
    if region is not None:
        return redirect(_first_reversible(("coverage:entry_grid", {"code": region.code})))
    if user_is_admin(user):
        return redirect(_first_reversible(("coverage:region_dashboard", {"code": "ID"})))
    return redirect(_first_reversible(("coverage:region_dashboard", {"code": "ID"})))


@login_required
def region_search(request):
    """Small JSON lookup for region pickers: code prefix or name."""
    term = params.text(request.GET.get("q"), name="q", max_length=100)
    if len(term) < 2:
        return JsonResponse({"results": []})
    results = [{"code": r.code, "name": r.name, "level": r.get_level_display()} for r in regions_search(term=term)]
    return JsonResponse({"results": results})


@never_cache
@require_GET
def health_services(request):
    """Readiness for monitoring: database, Redis and the worker's heartbeat; 503 if one fails.
    Open without login (a monitor has no session) and it names no host, user or secret."""
    report = health_report()
    return JsonResponse(report, status=200 if report["ok"] else 503)


def login_locked(request, credentials=None, *args, **kwargs):
    """django-axes' response once a username and address pair is locked out (AXES_LOCKOUT_CALLABLE)."""
    from django.conf import settings

    message = _("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(minutes)s menit.") % {
        "minutes": round(settings.AXES_COOLOFF_TIME * 60)
    }
    return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
