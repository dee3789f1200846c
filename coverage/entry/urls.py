"""URLs of the entry workflow (namespace ``coverage``, gathered in coverage/urls.py)."""

from django.urls import path, re_path

from ucj_dashboard.params import OFFICE_CODE, REGION_CODE_PATTERN

from . import exports, views

REGION = rf"(?P<code>{REGION_CODE_PATTERN})"

OFFICE = rf"(?P<code>{OFFICE_CODE})"

urlpatterns = [
    re_path(rf"^entri/{REGION}/$", views.entry_grid, name="entry_grid"),
    path("entri/riwayat/<int:pk>/", views.count_history, name="count_history"),
    path("verifikasi/", views.verification_queue, name="verification_queue"),
    path("pengajuan/", views.submission_tracker, name="submission_tracker"),
    re_path(
        r"^pengajuan/kelengkapan/unduh/(?P<fmt>csv|xlsx)/$", exports.completeness_export, name="completeness_export"
    ),
    path("tindak-lanjut/", views.followups, name="followups"),
    path("impor/", views.import_counts, name="import_counts"),
    path("impor/bpjs/", views.import_bpjs, name="import_bpjs"),
    path("impor/templat/", views.import_template, name="import_template"),
    path("impor/target/", views.import_targets, name="import_targets"),
    path("impor/penyebut/", views.import_denominators, name="import_denominators"),
    re_path(rf"^kantor/{OFFICE}/selisih/$", views.source_discrepancies, name="source_discrepancies"),
]
