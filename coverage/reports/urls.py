"""URLs of the reports (namespace ``coverage``, gathered in coverage/urls.py)."""

from django.urls import path, re_path

from ucj_dashboard.params import REGION_CODE_PATTERN

from . import views

_OFFICE = r"(?P<code>[A-Za-z0-9_-]+)"

urlpatterns = [
    re_path(rf"^laporan/wilayah/(?P<code>{REGION_CODE_PATTERN})/$", views.region_report, name="report_region"),
    re_path(rf"^laporan/kantor/{_OFFICE}/$", views.office_report, name="report_office"),
    path("laporan/tugas/<uuid:pk>/", views.report_job, name="report_job"),
    path("laporan/tugas/<uuid:pk>/status/", views.report_job_status, name="report_job_status"),
    path("laporan/tugas/<uuid:pk>/unduh/", views.report_job_download, name="report_job_download"),
    path("laporan/langganan/", views.subscriptions, name="report_subscriptions"),
    path("laporan/berhenti/<str:token>/", views.unsubscribe, name="report_unsubscribe"),
]
