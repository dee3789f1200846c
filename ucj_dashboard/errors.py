"""The 400 answer (``handler400``): the Indonesian reason of a ``ParamError`` as a page, or as
``{"detail": ...}`` for the JSON endpoints. Any other bad request gets a generic sentence."""

from django.http import HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from .params import ParamError

# The endpoints that answer JSON (their clients parse the body, whatever the status).
JSON_VIEWS = {
    # The API (coverage/api): a NUL in its query is refused by the middleware before ninja sees it.
    "coverage:api_snapshots",
    "coverage:api_regions",
    "coverage:api_offices",
    "coverage:api_targets",
    "coverage:api_completeness",
    "coverage:api_funded",
    "coverage:api_summary",
    "coverage:api_counts",
    "coverage:api_open_data",
    "coverage:api_open_data_metadata",
    "coverage:openapi-json",
    "coverage:chart_json",
    "coverage:office_chart_json",
    "coverage:boundaries_json",
    "regions:search",
    "health_services",
}


def bad_request(request, exception=None):
    message = str(exception) if isinstance(exception, ParamError) else _("Permintaan tidak valid.")
    if _view_name(request) in JSON_VIEWS:
        return JsonResponse({"detail": message}, status=400)
    try:
        content = render_to_string("400.html", {"message": message}, request)
    except Exception:  # noqa: BLE001 - a broken request may not render the layout; the reason still goes out
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    return HttpResponseBadRequest(content)


def _view_name(request):
    """The view the request was for (a middleware may refuse it before the URL is resolved)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    return match.view_name
