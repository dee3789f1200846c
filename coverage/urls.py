"""URLs of the coverage app: the dashboards', the entry workflow's and the reports', in one namespace."""

from .dashboards.urls import urlpatterns as dashboard_urls
from .entry.urls import urlpatterns as entry_urls
from .reports.urls import urlpatterns as report_urls

app_name = "coverage"

urlpatterns = [*dashboard_urls, *entry_urls, *report_urls]
