from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "programs"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="programs:simulator"), name="index"),
    path("simulasi/", views.simulator, name="simulator"),
    path("simulasi/unduh.xlsx", views.simulator_export, name="simulator_export"),
    path("wilayah/<str:code>/batch/", views.batch_list, name="batch_list"),
    path("wilayah/<str:code>/batch/baru/", views.batch_create, name="batch_create"),
    path("wilayah/<str:code>/batch/impor/", views.batch_import, name="batch_import"),
    path("wilayah/<str:code>/batch/templat.xlsx", views.batch_import_template, name="batch_import_template"),
    path("batch/<int:pk>/ubah/", views.batch_edit, name="batch_edit"),
    path("batch/<int:pk>/hapus/", views.batch_delete, name="batch_delete"),
]
