from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ucj_dashboard import params

from . import two_factor
from .forms import AppCodeForm, ReplaceDeviceForm, SignInCodeForm
from .health import health_report
from .jobs import job_overview
from .models import JobStatus, Notification, Role
from .notifications import notification_mark_read
from .selectors import home_office, home_region, regions_search, user_has_role, user_is_admin, user_roles


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
    headed = next((r.region for r in user_roles(user) if r.role == Role.PEMDA_HEAD), None)
    if headed is not None:  # a Pemda head reads their region's dashboard
        return redirect(_first_reversible(("coverage:region_dashboard", {"code": headed.code})))
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
    message = _("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(minutes)s menit.") % {
        "minutes": round(settings.AXES_COOLOFF_TIME * 60)
    }
    return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")


# --- two-factor sign-in (regions/two_factor.py) ---------------------------------------------------


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site only: redirect() would take "²" or "home" for a view name (NoReverseMatch, a 500).
    host, https = {request.get_host()}, request.is_secure()
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=host, require_https=https):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _code_refused(check):
    if check.wait_seconds:
        return ngettext(
            "Terlalu banyak kode yang salah. Tunggu %(seconds)s detik, lalu coba lagi.",
            "Terlalu banyak kode yang salah. Tunggu %(seconds)s detik, lalu coba lagi.",
            check.wait_seconds,
        ) % {"seconds": check.wait_seconds}
    return _("Kode salah atau sudah kedaluwarsa. Periksa juga jam di ponsel Anda.")


@never_cache
@login_required
def two_factor_verify(request):
    """The second step of signing in: a code from the authenticator app or a recovery code."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if two_factor.totp_device_of(user) is None:  # an admin reset the device meanwhile
        request.session[two_factor.SESSION_HAS_DEVICE] = False
        return redirect(_next_url(request))
    if two_factor.sign_in_locked(request, user):
        logout(request)
        return login_locked(request)
    form = SignInCodeForm(request.POST or None)
    if form.is_valid():
        check = two_factor.second_factor_check(user=user, code=form.cleaned_data["otp_token"])
        if check.accepted:
            two_factor.two_factor_verified(request, check.device)
            if two_factor.is_recovery_device(check.device):
                left = two_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "Kode pemulihan terpakai; sisa %(left)s. Buat kode baru di halaman Keamanan akun.",
                        "Kode pemulihan terpakai; sisa %(left)s. Buat kode baru di halaman Keamanan akun.",
                        left,
                    )
                    % {"left": left},
                )
            return redirect(_next_url(request))
        if not check.wait_seconds and two_factor.sign_in_failed(request, user):
            logout(request)  # five failures, codes and passwords together: start again after the lockout
            return login_locked(request)
        form.add_error("otp_token", _code_refused(check))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@login_required
def account_security(request):
    """The user's two-factor status: enrol, renew recovery codes, or switch it off where optional."""
    user = request.user
    device = two_factor.totp_device_of(user)
    form = SignInCodeForm()
    form.fields["otp_token"].widget.attrs.pop("autofocus")
    context = {
        "device": device,
        "codes_left": two_factor.recovery_codes_left(user) if device else 0,
        "required": two_factor.two_factor_required(user),
        "form": form,
    }
    return render(request, "registration/account_security.html", context)


@never_cache
@login_required
def two_factor_enrol(request):
    """Show a new secret (text and QR code), confirm it with a code, then show the recovery codes once.
    With a device already, the confirmed new one replaces it (a new phone)."""
    user = request.user
    device = two_factor.totp_device_start(user=user)
    replacing = two_factor.has_totp_device(user)
    form = (ReplaceDeviceForm if replacing else AppCodeForm)(request.POST or None)
    if form.is_valid():
        data = form.cleaned_data
        result = two_factor.totp_device_confirm(
            user=user, device=device, code=data["otp_token"], current_code=data.get("current_token", "")
        )
        if result.codes is not None:
            two_factor.two_factor_verified(request, result.new.device)
            request.session[two_factor.SESSION_NEW_CODES] = result.codes
            messages.success(request, _("Verifikasi dua langkah aktif untuk akun Anda."))
            return redirect("two_factor_recovery_codes")
        if not result.new.accepted:
            form.add_error("otp_token", _code_refused(result.new))
        else:
            form.add_error("current_token", _code_refused(result.current))
    context = {
        "form": form,
        "secret": two_factor.totp_secret_text(device),
        "qr": two_factor.totp_qr_data_uri(device),
        "account": f"{settings.OTP_TOTP_ISSUER}: {user.get_username()}",
        "required": two_factor.two_factor_required(user),
        "replacing": replacing,
    }
    return render(request, "registration/two_factor_enrol.html", context)


@never_cache
@login_required
def two_factor_recovery_codes(request):
    """New recovery codes, shown once: they leave the session as this page is drawn."""
    codes = request.session.pop(two_factor.SESSION_NEW_CODES, None)
    if not codes:
        return redirect("account_security")
    return render(request, "registration/two_factor_codes.html", {"codes": codes})


def _current_code_refused(request):
    """None when the POST carries a current code of the user's second factor; else a redirect back to the
    security page with the reason (no device yet, a wrong code, or the wait after wrong codes)."""
    user = request.user
    if not two_factor.has_totp_device(user):
        messages.error(request, _("Aktifkan verifikasi dua langkah lebih dulu."))
        return redirect("account_security")
    form = SignInCodeForm(request.POST)
    check = two_factor.second_factor_check(user=user, code=form.cleaned_data["otp_token"]) if form.is_valid() else None
    if check is None or not check.accepted:
        messages.error(request, _code_refused(check or two_factor.CodeCheck()))
        return redirect("account_security")
    return None


@require_POST
@login_required
def two_factor_recovery_renew(request):
    """New recovery codes (the old ones stop working), with a current code."""
    refused = _current_code_refused(request)
    if refused:
        return refused
    request.session[two_factor.SESSION_NEW_CODES] = two_factor.recovery_codes_renew(user=request.user)
    return redirect("two_factor_recovery_codes")


@require_POST
@login_required
def two_factor_disable(request):
    """Switch two-factor off with a current code; refused where it is required (an admin resets it)."""
    user = request.user
    if two_factor.two_factor_required(user):
        messages.error(request, _("Verifikasi dua langkah wajib untuk peran Anda dan tidak dapat dinonaktifkan."))
        return redirect("account_security")
    refused = _current_code_refused(request)
    if refused:
        return refused
    two_factor.two_factor_remove(user=user)
    request.session[two_factor.SESSION_HAS_DEVICE] = False
    messages.success(request, _("Verifikasi dua langkah dinonaktifkan."))
    return redirect("account_security")


# --- inbox -----------------------------------------------------------------------------------


@login_required
def inbox(request):
    """The user's own notifications, newest first (the navigation shows the unread count)."""
    page = Paginator(Notification.objects.filter(user=request.user), 30).get_page(request.GET.get("halaman"))
    return render(request, "regions/inbox.html", {"page": page})


@require_POST
@login_required
def inbox_open(request, pk):
    """Mark one of the user's notifications read and go where it points (404 for anyone else's)."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    notification_mark_read(user=request.user, notification=notification)
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("inbox")
    return redirect(target)


@require_POST
@login_required
def inbox_read_all(request):
    changed = notification_mark_read(user=request.user)
    messages.success(request, ngettext("%(n)s notifikasi ditandai dibaca.", "%(n)s notifikasi ditandai dibaca.",
                                       changed) % {"n": changed})  # fmt: skip
    return redirect("inbox")


# --- scheduled jobs (regions/jobs.py) ---------------------------------------------------------------


@login_required
@require_GET
def job_runs(request):
    """The periodic tasks and the last runs of each task: durations and failures (admins only; the
    schedules are edited in the admin)."""
    if not (user_is_admin(request.user) or request.user.is_staff):
        raise PermissionDenied(_("Halaman ini hanya untuk admin."))
    task = params.text(request.GET.get("tugas"), name="tugas", max_length=200)
    status = params.choice(request.GET.get("status"), name="status", choices=["", *JobStatus.values], default="")
    summaries, recent = job_overview(task=task, status=status)
    context = {"summaries": summaries, "recent": recent, "task": task, "status": status, "statuses": JobStatus.choices}
    return render(request, "regions/job_runs.html", context)
