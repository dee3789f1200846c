"""URLs of the coverage app: the dashboards', the entry workflow's, the reports' and the API's, in one
namespace (coverage:api_snapshots, coverage:openapi-json...)."""

from django.urls import include, path

from .api import urlpatterns as api_urls
from .dashboards.urls import urlpatterns as dashboard_urls
from .entry.urls import urlpatterns as entry_urls
from .reports.urls import urlpatterns as report_urls

app_name = "coverage"

urlpatterns = [*dashboard_urls, *entry_urls, *report_urls, path("api/v1/", include(api_urls))]
