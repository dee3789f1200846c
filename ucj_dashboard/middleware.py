"""Project middleware: the Indonesian-first language rule, the security headers Django 5.2 does
not set by itself, and the refusal of NUL characters in requests."""

from django.conf import settings
from django.utils.translation import gettext as _

from .params import ParamError


class ContentSecurityPolicyMiddleware:
    """Adds ``Content-Security-Policy`` (settings.CONTENT_SECURITY_POLICY) to every response.

    Scripts come from our own origin only: pages load static files and read their data from
    ``json_script`` blocks, so no inline script is needed (and none is allowed). A view may set
    its own header; it is then left as it is.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response


class IndonesianFirstMiddleware:
    """Indonesian unless the user chose otherwise with the language switcher.

    Django would follow the browser's Accept-Language header, and many officers' browsers and
    laptops are set to English; the product is Indonesian first, so only an explicit choice (the
    language cookie the switcher sets) leads to English. Runs before LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RefuseNulMiddleware:
    """A NUL character in the path, the query string or a form's fields is a 400.

    PostgreSQL cannot store NUL in text and psycopg2 refuses it in a query (a server error), and no
    legitimate input carries one. Views parse their parameters with ``ucj_dashboard.params``, which
    refuses NUL too; this guard also covers what no view of ours reads (Django admin's search, the
    names of parameters). The CSRF check reads the form before any view anyway. Runs after
    authentication, so the 400 page has its layout.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        data = [request.GET]
        if request.method == "POST" and request.content_type in FORM_TYPES:
            data.append(request.POST)  # the fields only: an uploaded file's bytes are the importers' to judge
        if "\x00" in request.path or any(_has_nul(query) for query in data):
            raise ParamError(_("Permintaan memuat karakter yang tidak diizinkan (NUL)."))
        return self.get_response(request)


def _has_nul(query):
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())
