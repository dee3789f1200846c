"""Who is calling: an API key (``Authorization: Bearer <key>`` or ``X-API-Key: <key>``) or the
browser's session. Keys are throttled per key (settings.API_KEY_REQUESTS_PER_MINUTE)."""

from ninja.errors import AuthenticationError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth
from ninja.throttling import BaseThrottle

from ..models import APIKey
from .keys import KeyRefused, api_key_authenticate, api_key_throttle


def _key(raw):
    try:
        return api_key_authenticate(raw)
    except KeyRefused as exc:
        raise AuthenticationError(message=str(exc)) from exc


class BearerKey(HttpBearer):
    """``Authorization: Bearer ucj_...``."""

    def authenticate(self, request, token):
        return _key(token)


class HeaderKey(APIKeyHeader):
    """``X-API-Key: ucj_...`` (for clients that cannot set Authorization)."""

    param_name = "X-API-Key"

    def authenticate(self, request, key):
        return _key(key) if key else None


class Session(SessionAuth):
    """The browser's session, as on the pages (CSRF token required for a POST)."""

    def _get_key(self, request):
        # The CSRF check matters only when the session signs the request in: without a signed-in user
        # the answer is the 401 that names both ways in, not a 403 about a token.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        return request.user if request.user.is_authenticated else None


AUTH = [BearerKey(), HeaderKey(), Session()]


class PerKeyThrottle(BaseThrottle):
    """N requests per minute per key, counted in Django's cache; sessions are not throttled here
    (a person at a browser is not the load this guards against)."""

    def __init__(self):
        self._wait = None

    def allow_request(self, request):
        key = getattr(request, "auth", None)
        if not isinstance(key, APIKey):
            return True
        self._wait = api_key_throttle(key=key) or None
        return self._wait is None

    def wait(self):
        return self._wait


def caller_user(request):
    """The account behind the request: the session's user, or the user a key acts as."""
    auth = request.auth
    return auth.user if isinstance(auth, APIKey) else auth


def caller_key(request):
    return request.auth if isinstance(request.auth, APIKey) else None
