"""The API other systems use (issue #17; docs/API.md), built on django-ninja: typed parameters
and bodies, the OpenAPI 3 schema at /api/v1/schema/ and its documentation page at /api/v1/docs/
(Swagger UI served from our own static files: the product works offline).

Authentication: an API key (``coverage.models.APIKey``; ``Authorization: Bearer <key>`` or
``X-API-Key``), throttled per key, or the browser's session. Errors are ``{"detail": "..."}`` in
Indonesian: 400 for bad input, 401 without a usable key or session, 429 over the key's rate.
"""

from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from ucj_dashboard.params import ParamError

from .auth import AUTH, PerKeyThrottle
from .counts import router as counts_router
from .opendata import router as opendata_router
from .resources import router as resources_router
from .snapshots import router as snapshots_router


class UCJNinjaAPI(NinjaAPI):
    def get_content_type(self):
        """``application/json`` as the first API (Django's JsonResponse) sent it: JSON is UTF-8 by
        definition (RFC 8259), and clients compare the header."""
        return self.renderer.media_type


api = UCJNinjaAPI(
    title="UCJ Dashboard API",
    version="1",
    description=_(
        "Cakupan kepesertaan jaminan sosial ketenagakerjaan: snapshot, wilayah, kantor, target, kelengkapan "
        "laporan, pekerja didanai Pemda, dan pengiriman jumlah peserta. Lihat docs/API.md."
    ),
    auth=AUTH,
    throttle=[PerKeyThrottle()],
    urls_namespace="coverage",
    openapi_url="/schema/",
    docs_url="/docs/",
    # The page loads Swagger UI from our static files; no validator badge (it would call swagger.io).
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
)
api.add_router("", snapshots_router)
api.add_router("", resources_router)
api.add_router("", counts_router)
api.add_router("", opendata_router)


@api.exception_handler(ParamError)
def _bad_parameter(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.exception_handler(NinjaValidationError)
def _bad_input(request, exc):
    """A parameter or body that does not fit the schema: 400 with each field's problem."""
    problems = []
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "body", "payload"))
        message = _("wajib diisi") if error.get("type") == "missing" else str(error.get("msg", ""))
        problems.append(f"{where}: {message}" if where else message)
    detail = _("Masukan tidak valid: %(problems)s") % {"problems": "; ".join(problems)[:1_000]}
    return api.create_response(request, {"detail": detail}, status=400)


@api.exception_handler(RawPostDataException)
def _not_json(request, exc):
    """A form (multipart) body: the NUL guard read it as a form already, and it is not JSON anyway."""
    return api.create_response(
        request, {"detail": _("Badan permintaan harus JSON (Content-Type: application/json).")}, status=400
    )


@api.exception_handler(AuthenticationError)
def _not_authenticated(request, exc):
    detail = exc.message if exc.message != "Unauthorized" else None
    detail = detail or _(
        "Perlu masuk terlebih dahulu (autentikasi sesi) atau kirim kunci API (Authorization: Bearer <kunci>)."
    )
    response = api.create_response(request, {"detail": detail}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="ucj"'
    return response


@api.exception_handler(HttpError)
def _refused(request, exc):
    """Ninja's own refusals; the one a client meets (a session's POST without its CSRF token) in Indonesian."""
    detail = str(exc)
    if exc.status_code == 403 and "CSRF" in detail:
        detail = _("Token CSRF tidak ada atau salah: kirim header X-CSRFToken, atau pakai kunci API.")
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


@api.exception_handler(Throttled)
def _throttled(request, exc):
    detail = _("Terlalu banyak permintaan untuk kunci API ini; coba lagi dalam %(seconds)s detik.") % {
        "seconds": exc.wait or 60
    }
    return api.create_response(request, {"detail": detail}, status=429)


# The API's URLs, put into the coverage namespace by coverage/urls.py (coverage:api_snapshots...).
# Ninja's own "api-root" (/api/v1/, a 404 naming the docs) stays: the schema's paths are built from it.
urlpatterns = api.urls[0]
