from django.urls import path  # noqa: F401

app_name = "coverage"

urlpatterns = []

# --- dashboards (region, office, league table, action list, API) ---
from django.urls import re_path  # noqa: E402

from .views import api as api_views  # noqa: E402
from .views import dashboards as dashboard_views  # noqa: E402

# A Kemendagri code (ID, 35, 35.73, 35.73.01, 35.73.01.1001) and the charts of each page.
_REGION = r"(?P<code>ID|\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?)"
_OFFICE = r"(?P<code>[A-Za-z0-9_-]+)"
_REGION_CHART = r"(?P<chart>tren|segmen|peringkat|bawahan|peta)"
_OFFICE_CHART = r"(?P<chart>tren|segmen|cabang|wilayah)"

urlpatterns += [
    path("sehat/", dashboard_views.health, name="health"),
    re_path(rf"^wilayah/{_REGION}/$", dashboard_views.region_dashboard, name="region_dashboard"),
    re_path(rf"^wilayah/{_REGION}/grafik/{_REGION_CHART}/$", dashboard_views.chart_json, name="chart_json"),
    re_path(rf"^wilayah/{_REGION}/batas/$", dashboard_views.boundaries_json, name="boundaries_json"),
    re_path(rf"^kantor/{_OFFICE}/$", dashboard_views.office_dashboard, name="office_dashboard"),
    re_path(
        rf"^kantor/{_OFFICE}/grafik/{_OFFICE_CHART}/$", dashboard_views.office_chart_json, name="office_chart_json"
    ),
    re_path(rf"^kantor/{_OFFICE}/prioritas/$", dashboard_views.action_list, name="action_list"),
    path("peringkat/", dashboard_views.league_table, name="league_table"),
    re_path(r"^peringkat/unduh/(?P<fmt>csv|xlsx)/$", dashboard_views.league_table_export, name="league_table_export"),
    path("api/v1/snapshot/", api_views.api_snapshots, name="api_snapshots"),
]

# --- entry (entry grid, import, verification, tracker) ---
from .views import entry as entry_views  # noqa: E402

urlpatterns += [
    re_path(rf"^entri/{_REGION}/$", entry_views.entry_grid, name="entry_grid"),
    path("entri/riwayat/<int:pk>/", entry_views.count_history, name="count_history"),
    path("verifikasi/", entry_views.verification_queue, name="verification_queue"),
    path("pengajuan/", entry_views.submission_tracker, name="submission_tracker"),
    path("impor/", entry_views.import_counts, name="import_counts"),
    path("impor/templat/", entry_views.import_template, name="import_template"),
]
