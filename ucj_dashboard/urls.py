from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from regions import views as region_views

urlpatterns = [
    path("", region_views.home, name="home"),
    path("masuk/", region_views.LoginView.as_view(), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    # Two-factor sign-in (regions/two_factor.py): the second step, and the user's own security page.
    path("akun/kode-masuk/", region_views.two_factor_verify, name="two_factor_verify"),
    path("akun/keamanan/", region_views.account_security, name="account_security"),
    path("akun/keamanan/aplikasi/", region_views.two_factor_enrol, name="two_factor_enrol"),
    path("akun/keamanan/kode-pemulihan/", region_views.two_factor_recovery_codes, name="two_factor_recovery_codes"),
    path(
        "akun/keamanan/kode-pemulihan/baru/",
        region_views.two_factor_recovery_renew,
        name="two_factor_recovery_renew",
    ),
    path("akun/keamanan/nonaktifkan/", region_views.two_factor_disable, name="two_factor_disable"),
    # The in-app inbox of workflow notifications (regions/notifications.py).
    path("kotak-masuk/", region_views.inbox, name="inbox"),
    path("kotak-masuk/<int:pk>/buka/", region_views.inbox_open, name="inbox_open"),
    path("kotak-masuk/baca-semua/", region_views.inbox_read_all, name="inbox_read_all"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("sehat/layanan/", region_views.health_services, name="health_services"),
    # Scheduled jobs: the periodic tasks (edited in the admin) and their last runs (regions/jobs.py).
    path("tugas-terjadwal/", region_views.job_runs, name="job_runs"),
    path("wilayah/", include("regions.urls")),
    path("", include("coverage.urls")),
    path("program/", include("programs.urls")),
]

# A malformed parameter (ucj_dashboard.params.ParamError) is a 400 with its Indonesian reason.
handler400 = "ucj_dashboard.errors.bad_request"
