"""URLs of the coverage app: the dashboards' and the entry workflow's, in one namespace."""

from .dashboards.urls import urlpatterns as dashboard_urls
from .entry.urls import urlpatterns as entry_urls

app_name = "coverage"

urlpatterns = [*dashboard_urls, *entry_urls]
