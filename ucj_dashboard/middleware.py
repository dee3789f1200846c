"""Project middleware: the Indonesian-first language rule and the security headers Django 5.2 does
not set by itself."""

from django.conf import settings


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
