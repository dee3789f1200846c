"""Two-factor sign-in: TOTP devices (django-otp) and single-use recovery codes.

The password step is Django's LoginView with django-axes. A user with a confirmed TOTP device is then
signed in but not *verified*: ``TwoFactorMiddleware`` lets that session reach only the code step,
sign-out, the language switch and the health checks until a code from the authenticator app or a
recovery code verifies it (``django_otp.login``). Where two-factor is required
(``settings.TWO_FACTOR_REQUIRED``: admins, staff and verifiers) a user without a device is held on the
enrolment page instead, Django admin included.

Guessing codes is limited three ways:
- each wrong code doubles the device's wait (django-otp's throttling: 1, 2, 4, 8 ... seconds). It is
  stored on the device, so signing in again with the password does not reset it;
- each wrong code at the sign-in step counts as a failed login for django-axes: five failures, codes
  and passwords together, lock the username and address pair for 15 minutes;
- axes' count is cleared only once the sign-in is complete, not by the right password alone
  (``AXES_RESET_ON_SUCCESS`` is off; ``two_factor_verified`` and, for a user with no second step,
  ``_password_step_succeeded`` clear it).

Changing an existing second factor (a new phone, new recovery codes, switching it off) needs a current
code as well, so a session left open on a shared PC cannot take the account's second factor over.
"""

import math
from base64 import b32encode, b64encode
from dataclasses import dataclass

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Role
from .selectors import user_has_role, user_is_admin

VERIFY = "two_factor_verify"
ENROL = "two_factor_enrol"
# Views a session may reach before its second step: sign-out, the language switch, health checks.
OPEN_VIEWS = {"logout", "admin:logout", "set_language", "health_services", "coverage:health"}
# Whether the user had a confirmed device when the password step succeeded (bool, in the session).
SESSION_HAS_DEVICE = "ucj_two_factor_device"
# Recovery codes waiting to be shown once, by the page that follows enrolment or renewal.
SESSION_NEW_CODES = "ucj_two_factor_new_codes"
TOTP_NAME = "Aplikasi autentikator"
RECOVERY_NAME = "Kode pemulihan"


# --- policy and reads -----------------------------------------------------------------------------


def two_factor_required(user):
    """Admins (superusers, the admin role, staff, who reach Django admin) and verifiers must use a
    second factor when settings.TWO_FACTOR_REQUIRED is on; for everyone else it is optional."""
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    return user.is_staff or user_is_admin(user) or user_has_role(user, Role.VERIFIER)


def has_totp_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_device_of(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def recovery_device_of(user):
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def is_recovery_device(device):
    return isinstance(device, StaticDevice)


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def pending_step(request):
    """The view a signed-in session that is not verified must go through first (VERIFY or ENROL), or
    None. Where two-factor is optional the answer noted at sign-in is used (no query per request)."""
    user = request.user
    if two_factor_required(user):
        return VERIFY if has_totp_device(user) else ENROL
    has_device = request.session.get(SESSION_HAS_DEVICE)
    if has_device is None:  # a session from before two-factor existed
        has_device = request.session[SESSION_HAS_DEVICE] = has_totp_device(user)
    return VERIFY if has_device else None


def totp_secret_text(device):
    """The secret as an authenticator app asks for it when typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_data_uri(device):
    """The otpauth:// address as a QR code, drawn here as SVG and inlined as a data: URI (the CSP allows
    data: images): nothing is requested from anywhere, and the secret never leaves the page."""
    import qrcode
    from qrcode.image.svg import SvgPathFillImage

    image = qrcode.make(device.config_url, image_factory=SvgPathFillImage, border=2)
    return "data:image/svg+xml;base64," + b64encode(image.to_string()).decode()


# --- checking a code ------------------------------------------------------------------------------


@dataclass
class CodeCheck:
    """What became of a code: the device that accepted it, or the wait imposed by throttling."""

    device: object = None
    wait_seconds: int = 0

    @property
    def accepted(self):
        return self.device is not None


def _normalised(code):
    return "".join((code or "").split()).replace("-", "").lower()


def _check(user, device, code):
    """Verify ``code`` on ``device`` with django-otp's locking verify (the device row is locked, so two
    requests cannot both use one recovery code or slip past the throttle)."""
    allowed, details = device.verify_is_allowed()
    if not allowed:
        wait = (details["locked_until"] - timezone.now()).total_seconds() if details.get("locked_until") else 1
        return CodeCheck(wait_seconds=max(1, math.ceil(wait)))
    return CodeCheck(device=django_otp.verify_token(user, device.persistent_id, code))


def second_factor_check(*, user, code):
    """Six digits go to the authenticator app's device, anything else to the recovery codes, so a
    mistyped code slows down only the device it was meant for."""
    code = _normalised(code)
    totp = totp_device_of(user)
    if totp is not None and code.isdigit() and len(code) == totp.digits:
        return _check(user, totp, code)
    recovery = recovery_device_of(user)
    if recovery is not None and code:
        return _check(user, recovery, code)
    return CodeCheck()


# --- writes ---------------------------------------------------------------------------------------


def totp_device_start(*, user):
    """The unconfirmed device of an enrolment in progress: reloading the page keeps its secret, so a
    QR code already scanned stays valid."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def recovery_codes_renew(*, user):
    """Replace the user's recovery codes with new single-use ones and return them (shown once)."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@dataclass
class Enrolment:
    """The outcome of confirming a new device: the check of its code, the check of the current second
    factor where one is replaced, and the new recovery codes once confirmed."""

    new: CodeCheck
    current: CodeCheck | None = None
    codes: list | None = None


def totp_device_confirm(*, user, device, code, current_code=""):
    """Confirm an enrolment with a code from the new app. A user who has a device already (a new phone)
    also gives ``current_code``, from the old app or a recovery code. On success the new device replaces
    any earlier one and new recovery codes are made.

    The new code is checked first: a mistyped new code then costs nothing but a wait for the next one,
    never a recovery code."""
    result = Enrolment(new=_check(user, device, _normalised(code)))
    if not result.new.accepted:
        return result
    if has_totp_device(user):
        result.current = second_factor_check(user=user, code=current_code)
        if not result.current.accepted:
            return result
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        result.new.device.confirmed = True
        result.new.device.save(update_fields=["confirmed"])
        result.codes = recovery_codes_renew(user=user)
    return result


def two_factor_remove(*, user):
    """Delete the user's authenticator devices and recovery codes (the user leaves two-factor, or an
    admin resets it); returns how many devices went. Where two-factor is required the user enrols
    again at the next sign-in."""
    with transaction.atomic():
        totp, _ = TOTPDevice.objects.filter(user=user).delete()
        static, _ = StaticDevice.objects.filter(user=user).delete()
    return totp + static


# --- the session ----------------------------------------------------------------------------------


def _axes_clear(request, user):
    """Clear django-axes' failures of this username and address (the lockout parameters), as axes
    does itself on a successful login when AXES_RESET_ON_SUCCESS is on."""
    if settings.AXES_ENABLED:
        axes_reset(ip=get_client_ip_address(request), username=user.get_username())


def _credentials(user):
    return {settings.AXES_USERNAME_FORM_FIELD: user.get_username()}


def sign_in_locked(request, user):
    """django-axes holds this username and address: the code step is closed like the password step."""
    return settings.AXES_ENABLED and AxesProxyHandler.is_locked(request, _credentials(user))


def sign_in_failed(request, user):
    """A wrong code at the sign-in step counts as a failed login (django-axes listens to this signal,
    sets ``request.axes_locked_out`` at the limit and logs the attempt with the code masked)."""
    user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)
    return bool(getattr(request, "axes_locked_out", False))


def two_factor_verified(request, device):
    """The second step succeeded: the session is verified by ``device`` under a new session key (its
    privilege changed), and the sign-in is complete."""
    django_otp.login(request, device)
    request.session.cycle_key()
    request.session[SESSION_HAS_DEVICE] = True
    _axes_clear(request, request.user)


@receiver(user_logged_in, dispatch_uid="regions.two_factor.password_step")
def _password_step_succeeded(sender, request, user, **kwargs):
    """Note whether a second step follows; without one the sign-in is complete already."""
    if request is None or not hasattr(request, "session"):
        return
    has_device = has_totp_device(user)
    request.session[SESSION_HAS_DEVICE] = has_device
    if not has_device:
        _axes_clear(request, user)


class TwoFactorMiddleware:
    """Holds a signed-in session that still owes its second step (or, where required, its enrolment) on
    that step: every other view, Django admin included, redirects there. Runs after django-otp's
    OTPMiddleware (which sets ``request.user.is_verified``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        step = pending_step(request)
        name = request.resolver_match.view_name if request.resolver_match else ""
        if step is None or name == step or name in OPEN_VIEWS:
            return None
        url = reverse(step)
        if request.method == "GET" and step == VERIFY:
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)
