"""URLs of the dashboards (namespace ``coverage``, gathered in coverage/urls.py)."""

from django.urls import path, re_path

from ucj_dashboard.params import OFFICE_CODE, REGION_CODE_PATTERN

from . import exports, views

# A Kemendagri code, an office code (ucj_dashboard.params) and the charts of each page.
REGION = rf"(?P<code>{REGION_CODE_PATTERN})"
_OFFICE = rf"(?P<code>{OFFICE_CODE})"
_REGION_CHART = r"(?P<chart>tren|segmen|peringkat|bawahan|peta)"
_OFFICE_CHART = r"(?P<chart>tren|segmen|cabang|wilayah)"

urlpatterns = [
    path("sehat/", views.health, name="health"),
    re_path(rf"^wilayah/{REGION}/$", views.region_dashboard, name="region_dashboard"),
    re_path(rf"^wilayah/{REGION}/grafik/{_REGION_CHART}/$", views.chart_json, name="chart_json"),
    re_path(rf"^wilayah/{REGION}/batas/$", views.boundaries_json, name="boundaries_json"),
    re_path(rf"^kantor/{_OFFICE}/$", views.office_dashboard, name="office_dashboard"),
    re_path(rf"^kantor/{_OFFICE}/grafik/{_OFFICE_CHART}/$", views.office_chart_json, name="office_chart_json"),
    re_path(rf"^kantor/{_OFFICE}/prioritas/$", views.action_list, name="action_list"),
    path("peringkat/", views.league_table, name="league_table"),
    re_path(r"^peringkat/unduh/(?P<fmt>csv|xlsx)/$", exports.league_table_export, name="league_table_export"),
    path("peringkat/kartu-skor/", views.scorecard_page, name="scorecard"),
    path("peringkat/kartu-skor/unduh/xlsx/", exports.scorecard_export, name="scorecard_export"),
]
