from django.urls import path, re_path
from django.views.generic import RedirectView

from ucj_dashboard.params import REGION_CODE

from . import views

REGION = rf"^wilayah/(?P<code>{REGION_CODE})/batch/"

app_name = "programs"

_COMMITMENT = rf"^wilayah/(?P<code>{REGION_CODE})/komitmen/(?P<kind>regulasi|alokasi)/"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="programs:simulator"), name="index"),
    path("simulasi/", views.simulator, name="simulator"),
    path("simulasi/unduh.xlsx", views.simulator_export, name="simulator_export"),
    re_path(rf"{REGION}$", views.batch_list, name="batch_list"),
    re_path(rf"{REGION}baru/$", views.batch_create, name="batch_create"),
    re_path(rf"{REGION}impor/$", views.batch_import, name="batch_import"),
    re_path(rf"{REGION}templat\.xlsx$", views.batch_import_template, name="batch_import_template"),
    path("batch/<int:pk>/ubah/", views.batch_edit, name="batch_edit"),
    path("batch/<int:pk>/hapus/", views.batch_delete, name="batch_delete"),
    # The Inpres 2/2021 commitment register, its provincial semester summary, and the dossier.
    re_path(rf"^wilayah/(?P<code>{REGION_CODE})/komitmen/$", views.commitments, name="commitments"),
    re_path(rf"{_COMMITMENT}baru/$", views.commitment_edit, name="commitment_create"),
    re_path(rf"{_COMMITMENT}(?P<pk>[0-9]+)/$", views.commitment_edit, name="commitment_edit"),
    re_path(rf"{_COMMITMENT}(?P<pk>[0-9]+)/hapus/$", views.commitment_delete, name="commitment_delete"),
    re_path(r"^provinsi/(?P<code>\d{2})/komitmen/$", views.semester_summary, name="semester_summary"),
    re_path(rf"^wilayah/(?P<code>{REGION_CODE})/dosir/$", views.dossier, name="dossier"),
]
