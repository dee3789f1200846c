"""Settings for the UCJ dashboard: one file, every value from the environment.

With nothing set the product runs anywhere: a SQLite file, tasks executed in-process and a
local-memory cache. ``DATABASE_URL`` switches to PostgreSQL, ``REDIS_URL`` to Redis as the
Celery broker and (in the paired database) the cache, with a real worker. Malformed values fail at
start-up.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# CORE
DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105 - DEBUG only
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Demo data is marked as such in the UI (a banner on every page).
DEMO_MODE = env_bool("DEMO_MODE", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # django-ninja: the API (coverage/api); listed so its docs page uses the bundled Swagger UI files.
    "ninja",
    # Periodic tasks in the database, edited in the admin; beat's DatabaseScheduler (CELERY).
    "django_celery_beat",
    "regions",
    "coverage",
    "programs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ucj_dashboard.middleware.IndonesianFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(), then the two-factor gate (regions/two_factor.py).
    "django_otp.middleware.OTPMiddleware",
    "regions.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ucj_dashboard.middleware.RefuseNulMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ucj_dashboard.middleware.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ucj_dashboard.urls"
WSGI_APPLICATION = "ucj_dashboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "regions.context_processors.navigation",
            ],
        },
    },
]

# DATABASE
# PostgreSQL through psycopg2 when DATABASE_URL is set; a SQLite file otherwise.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from exc
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 30},
        }
    }
if env_str("TEST_DB_NAME"):
    # Lets several test runs share one server (e.g. parallel checkouts) without clashing.
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DB_NAME")}
# A PostgreSQL read replica of DATABASE_URL (a streaming standby): the dashboards read snapshots and
# their versions from it; writes, the engine, transactions and migrations stay on the primary
# (ucj_dashboard/db_router.py).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    if not DATABASE_URL:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL (the primary) as well.")
    try:
        DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is malformed: {exc}") from exc
    # The test suite never creates a second database: the replica alias mirrors the test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["ucj_dashboard.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# REDIS
# REDIS_URL (database n) is the Celery broker's. The cache uses the other database of the pair
# (n XOR 1: 0 and 1, 2 and 3, ... 14 and 15) unless CACHE_REDIS_URL names one: clearing the cache
# must never drop queued tasks (docs/OPERATIONS.md, "Redis"). CELERY_BROKER_URL may name another broker.
REDIS_URL = env_str("REDIS_URL")


def redis_pair_url(url):
    """The same Redis server, the other database of the pair: redis://h:6379/0 -> redis://h:6379/1."""
    parts = urlsplit(url)
    database = parts.path.strip("/") or "0"
    if parts.scheme not in ("redis", "rediss") or not database.isdigit():
        raise ImproperlyConfigured(f"Set CACHE_REDIS_URL: no database pair can be derived from REDIS_URL {url!r}")
    return urlunsplit(parts._replace(path=f"/{int(database) ^ 1}"))


CACHE_REDIS_URL = env_str("CACHE_REDIS_URL") or (redis_pair_url(REDIS_URL) if REDIS_URL else "")

# CACHE
if CACHE_REDIS_URL:
    CACHES = {
        "default": {
            # A Redis outage makes pages slower, never broken (ucj_dashboard/cache.py).
            "BACKEND": "ucj_dashboard.cache.ResilientRedisCache",
            "LOCATION": CACHE_REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "ucj"),
            "TIMEOUT": 60 * 60,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# CELERY
# With REDIS_URL: Redis is the broker and a worker runs the tasks. Without it, tasks run
# in-process so the product works with nothing installed.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Jakarta"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A save must not hang while the broker is down or hung (accepts connections, never answers): every
# socket operation gives up after 2 s, and the recompute waits in the outbox instead. Workers are
# unaffected: they poll with BRPOP timeouts of 1 s.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_timeout": 2, "socket_connect_timeout": 2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Beat reads the periodic tasks from the database (admin: Periodic Tasks); the defaults are
# ucj_dashboard.celery.DEFAULT_BEAT_SCHEDULE, installed by migrate. Runs of the periodic and recompute
# tasks are recorded by regions.jobs (the job page, /tugas-terjadwal/), in-process tasks too.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# No result backend, so nothing for beat's daily celery.backend_cleanup to clean.
CELERY_RESULT_EXPIRES = None
# Runs kept per task on the job page (the oldest are deleted as new ones finish).
JOB_RUNS_KEPT = env_int("JOB_RUNS_KEPT", 500)

# AUTH
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)

# I18N
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
# Django never groups digits itself: with grouping on, every {{ x.pk }}, year and code in a form value,
# URL or data attribute came out as "79.709" / "2.025" and broke the forms that post them back. Every
# displayed figure goes through the explicit Indonesian/English formats instead (regions/templatetags/
# ucj.py: angka, persen, rupiah...; ucj_dashboard/formats.py in Python), checked over rendered pages by
# tests/test_number_formats_on_pages.py. A number left unformatted shows as "134167": visible, never a broken form.
USE_THOUSAND_SEPARATOR = False

# STATIC
from importlib.util import find_spec  # noqa: E402 - kept in this section

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# plotly.js is served from the plotly package's own file (no CDN, always the version the Python
# package was built for): static/vendor/plotly/plotly.min.js. Pages load it as an external
# script and draw from json_script data, so a CSP without 'unsafe-inline' scripts works.
# Located without importing plotly (34 ms) at start-up.
PLOTLY_JS_DIR = Path(find_spec("plotly").origin).resolve().parent / "package_data"
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/plotly", PLOTLY_JS_DIR)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# SECURITY
# Production runs behind TLS: `manage.py check --deploy` is clean with DEBUG=false, a 50+ character
# SECRET_KEY, ALLOWED_HOSTS, SECURE_SSL_REDIRECT=true and SECURE_HSTS_SECONDS=31536000 (docs/SECURITY.md).
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Sessions end after SESSION_COOKIE_AGE (8 hours, AUTH) and when the browser closes.
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (gunicorn behind nginx or a load balancer).
if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SECURE_HSTS_SECONDS > 0)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=SECURE_HSTS_SECONDS > 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline scripts anywhere (figures are passed with json_script). Styles allow 'unsafe-inline'
# because plotly.js injects <style> elements and style attributes into the charts at run time;
# a style cannot run code. ucj_dashboard.middleware sets the header.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)
# Request bodies: 5 MB of form fields; uploaded files stream to a temporary file past 5 MB and are
# refused by the importers past their own limits (coverage.importers: 10 MB, zip bombs, 100.000 rows).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000
# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins (passwords and two-factor codes)
# from one IP address for one username that pair is locked for AXES_COOLOFF_MINUTES; a complete sign-in
# resets the count. Attempts are kept in the database (admin: Axes). The tests switch it off
# (pyproject.toml) except where they test it.
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Reset once a sign-in is complete, i.e. after the second step where there is one (regions/two_factor.py):
# a right password followed by wrong codes must not wipe the failures counted so far.
AXES_RESET_ON_SUCCESS = False
# Wrong two-factor codes are reported as failed logins too; their value is masked in the attempt log.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]
AXES_LOCKOUT_CALLABLE = "regions.views.login_locked"
# The client address is REMOTE_ADDR (no django-ipware): behind a proxy every client shares the proxy's
# address, so the lockout becomes per username (docs/OPERATIONS.md).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# TWO-FACTOR SIGN-IN
# TOTP (django-otp) with single-use recovery codes. Required for admins (superusers, the admin role,
# staff) and verifiers when TWO_FACTOR_REQUIRED is on, which is the default unless DEBUG (the demo of
# `make run` runs with DEBUG, so two-factor is optional there); optional for everyone else. A user who
# has enrolled always goes through the second step. Wrong codes slow the device down (1, 2, 4, 8 ...
# seconds, OTP_*_THROTTLE_FACTOR) and count as failed logins for django-axes.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", default=not DEBUG)
TWO_FACTOR_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Dashboard UCJ")
# Django admin shows neither a device's secret nor its recovery codes (an admin could sign in as the user).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# API
# Requests per minute allowed to one API key (coverage/api; counted in the cache, a 429 past it);
# 0 switches the limit off. Browser sessions are not counted.
API_KEY_REQUESTS_PER_MINUTE = env_int("API_KEY_REQUESTS_PER_MINUTE", 120)
# The public open data (/api/v1/open-data/, Satu Data Indonesia): requests per minute per client address
# (0 = no limit), and what its metadata names as publisher, licence and contact.
OPEN_DATA_REQUESTS_PER_MINUTE = env_int("OPEN_DATA_REQUESTS_PER_MINUTE", 30)
OPEN_DATA_PUBLISHER = env_str("OPEN_DATA_PUBLISHER", "BPJS Ketenagakerjaan dan Pemerintah Daerah (Dashboard UCJ)")
OPEN_DATA_LICENSE = env_str("OPEN_DATA_LICENSE", "Creative Commons Atribusi 4.0 Internasional (CC BY 4.0)")
OPEN_DATA_CONTACT = env_str("OPEN_DATA_CONTACT", "ucj-dashboard@localhost")

# EMAIL
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ucj-dashboard@localhost")
# The address links in e-mails and webhook messages point to (no trailing slash needed).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# NOTIFICATIONS
# Workflow notifications (regions/notifications.py): the in-app inbox always; these channels besides it.
# "email", and "webhook": a JSON POST (HMAC-SHA256 signed) to NOTIFICATION_WEBHOOK_URL, e.g. a WhatsApp
# Business gateway (https://; plain http only to localhost).
NOTIFICATION_CHANNELS = env_list("NOTIFICATION_CHANNELS", "email")
NOTIFICATION_WEBHOOK_URL = env_str("NOTIFICATION_WEBHOOK_URL")
NOTIFICATION_WEBHOOK_SECRET = env_str("NOTIFICATION_WEBHOOK_SECRET")
NOTIFICATION_WEBHOOK_TIMEOUT = env_int("NOTIFICATION_WEBHOOK_TIMEOUT", 5)
if "webhook" in NOTIFICATION_CHANNELS and not (NOTIFICATION_WEBHOOK_URL and NOTIFICATION_WEBHOOK_SECRET):
    raise ImproperlyConfigured("The webhook channel needs NOTIFICATION_WEBHOOK_URL and NOTIFICATION_WEBHOOK_SECRET.")

# DOMAIN
# Region boundaries (GeoJSON) are read at run time from here, never copied into the repo.
GEO_DIR = Path(env_str("GEO_DIR", str(BASE_DIR.parent / "shared" / "geo")))
# Simplified boundaries, built once from GEO_DIR and served as files (coverage.dashboards.maps).
GEO_BUILD_DIR = Path(env_str("GEO_BUILD_DIR", str(BASE_DIR / "var" / "geo")))
# Pemda entry: a month's figures are due on this day of the next month (then "overdue");
# reminder e-mails start this many days before.
SUBMISSION_DUE_DAY = env_int("SUBMISSION_DUE_DAY", 10)
if not 1 <= SUBMISSION_DUE_DAY <= 31:
    raise ImproperlyConfigured(f"SUBMISSION_DUE_DAY must be a day of the month (1-31), got {SUBMISSION_DUE_DAY}")
SUBMISSION_REMINDER_DAYS_BEFORE = env_int("SUBMISSION_REMINDER_DAYS_BEFORE", 3)
# Reports made on demand (PDF, DOCX) are kept this many days, then deleted by a nightly task.
REPORT_JOB_DAYS = env_int("REPORT_JOB_DAYS", 7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step at INFO.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}
