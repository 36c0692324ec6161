"""Settings, all taken from the environment with safe development defaults.

Every variable is documented in README.md and .env.example.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from config.database import env_milliseconds, with_web_limits

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("REGISTRY_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no.")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. It is required when DJANGO_DEBUG is off: "
            "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(50))'` "
            "and put it in the environment (see .env.example)."
        )
    SECRET_KEY = "insecure-development-key-only-for-debug-mode"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "csp",
    "registry",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RejectNulBytes",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions (the chosen language may live there), before CommonMiddleware.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp): everything comes from this server (plotly.js and
# Swagger UI included, no CDN); no inline or eval'd scripts. Inline styles are allowed
# because plotly.js and Swagger UI set them from their own scripts. Nothing may frame
# the pages. CSP_REPORT_ONLY=1 reports violations in the browser instead of blocking.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY, CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY, None

# Login brute force: django-axes counts failed logins on /accounts/login/ and
# /admin/login/ per username and address; after AXES_FAILURE_LIMIT failures that pair is
# locked out for AXES_COOLOFF_MINUTES. Administrators unlock in the admin (Access
# attempts: delete the row) or with `manage.py axes_reset_username NAME`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=float(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# Behind a reverse proxy, the number of proxies whose X-Forwarded-For to trust.
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("AXES_PROXY_COUNT", "0")) or None
AXES_VERBOSE = False

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "registry.context_processors.permissions",
            ],
        },
    },
]

# The embedded default is a SQLite file inside the project; production sets a
# postgres:// URL. The code runs unchanged on both.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Let a web process and a worker share the file without "database is locked".
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The summary indexes carry the patient key for index-only scans on PostgreSQL;
    # SQLite indexes the same key columns without it, which is all the embedded default
    # needs, so its "non-key columns ignored" warning is not shown at every start.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
# The web process (config/wsgi.py marks it) cancels any query that outlives a request.
WEB_PROCESS = env_bool("DJANGO_WEB_PROCESS", False)
WEB_DB_STATEMENT_TIMEOUT_MS = env_milliseconds("WEB_DB_STATEMENT_TIMEOUT_MS", 20_000, 0, 600_000)
WEB_DB_CONNECTION_CHECK_INTERVAL_MS = env_milliseconds(
    "WEB_DB_CONNECTION_CHECK_INTERVAL_MS", 2_000, 0, 600_000
)
if WEB_PROCESS:
    DATABASES["default"] = with_web_limits(
        DATABASES["default"],
        statement_timeout_ms=WEB_DB_STATEMENT_TIMEOUT_MS,
        check_interval_ms=WEB_DB_CONNECTION_CHECK_INTERVAL_MS,
    )
# A second connection to the same database, for the few writes that must commit while a
# long transaction is open on "default": the progress of an import, which the status
# page reads while the import's own transaction is still writing. In tests it is the
# test database too (a mirror), never a database of its own.
DATABASES["progress"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "registry.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# English is the default; a browser asking for German (Accept-Language) or a user who
# picks it in the header's switcher (a cookie) gets German. Catalogues live in locale/;
# the compiled .mo files are committed so a fresh clone speaks German without gettext.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own date/number formats per language (ISO dates in English, d.m.Y in German).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Uploaded interchange files wait here for a worker, one private folder per import job;
# the data files are deleted when the job ends, its error report stays. Not under any
# served URL. Web and worker processes must share it (one volume in docker-compose.yml).
IMPORT_UPLOAD_ROOT = Path(os.environ.get("IMPORT_UPLOAD_ROOT", VAR_DIR / "imports"))

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# plotly.js is plotly's "basic" bundle (static/vendor/plotly, see scripts/vendor-plotly):
# the plots use scatter traces only, and it is a quarter of the full bundle.
STATICFILES_DIRS = [BASE_DIR / "static"]
# Static files (including the plotting library: clinic networks are closed, no CDN)
# are served by the app itself through WhiteNoise. In production (DEBUG off) they are
# collected with content hashes in their names, gzip- and Brotli-compressed beside the
# originals, and WhiteNoise serves hashed names with a ten-year immutable Cache-Control;
# `collectstatic` must run with the production settings (the Dockerfile does).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Only the hashed names are kept (and compressed): half the build time and image size,
# and no page can link a stale unhashed copy.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    # Production is served over HTTPS only: plain HTTP is redirected, and browsers are
    # told (HSTS) never to use it for this host. Behind a reverse proxy that terminates
    # TLS, set BEHIND_TLS_PROXY=1 (the proxy must set X-Forwarded-Proto itself).
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Rate limits of the API live in the cache: set CACHE_URL (a Redis database of its own,
# never the broker's) so that all web processes share them; without it each process
# counts for itself.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Answers kept between requests (the dashboard scatter) need one cache for every web
# process, or a change seen by one process would not reach the others' copies.
CACHE_SHARED = bool(CACHE_URL)
# Sessions are then read from that cache (and written to it and to the database): one
# query fewer on every page. Signing out deletes the session from both, and the cached
# copy expires with the session, so neither outlives it in any process.
if CACHE_SHARED:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
API_RATE_USER = os.environ.get("API_RATE_USER", "2000/hour")
API_RATE_ANON = os.environ.get("API_RATE_ANON", "60/hour")
API_BAD_TOKEN_LIMIT = int(os.environ.get("API_BAD_TOKEN_LIMIT", "10"))
# API tokens expire this many hours after they were created (0: never).
API_TOKEN_TTL_HOURS = float(os.environ.get("API_TOKEN_TTL_HOURS", str(30 * 24)))

REST_FRAMEWORK = {
    "DEFAULT_THROTTLE_CLASSES": ["config.api_auth.UserRate", "config.api_auth.AnonRate"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.api_auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "config.api_parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "registry.api_pagination.EstimatedCountPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # drf-spectacular's AutoSchema, plus error answers and measurement ranges.
    "DEFAULT_SCHEMA_CLASS": "registry.api.ApiSchema",
}
# The API's schema and Swagger UI are for signed-in users unless this opens them.
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", False)
SPECTACULAR_SETTINGS = {
    "TITLE": "MS mobility registry API",
    "DESCRIPTION": "Pseudonymised clinical records and mobility phenotypes (synthetic demo data).",
    "VERSION": "1",
    # The schema endpoint documents the API, not itself.
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets from the installed sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery. A broker URL (or REDIS_URL) selects a real broker; without one the
# embedded default uses kombu's filesystem transport, so a worker and beat run
# on a laptop with no Redis installed.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
BROKER_DIR = Path(os.environ.get("BROKER_DIR", VAR_DIR / "broker"))


def filesystem_broker_options(folder: Path) -> dict:
    """kombu's filesystem transport in `folder` (made if missing)."""
    for name in ("queue", "processed", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(BROKER_DIR)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A reanalysis of a large cohort takes minutes; these bound a stuck one.
CLUSTERING_SOFT_TIME_LIMIT = int(os.environ.get("CLUSTERING_SOFT_TIME_LIMIT", "1800"))
CLUSTERING_TIME_LIMIT = int(os.environ.get("CLUSTERING_TIME_LIMIT", "1860"))


# Processes for a reanalysis' independent fits (empty or 0: one per CPU the process may
# use) and BLAS/OpenMP threads per process (1: parallel by process only).
def _whole_number(name: str, default: str, minimum: int) -> int:
    raw = os.environ.get(name, "").strip() or default
    if not raw.isdigit() or int(raw) < minimum:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not allowed; use a whole number >= {minimum}."
        )
    return int(raw)


ANALYTICS_JOBS = _whole_number("ANALYTICS_JOBS", "0", 0) or None
ANALYTICS_THREADS = _whole_number("ANALYTICS_THREADS", "1", 1)
# An upload import stops (and fails, writing nothing) after the soft limit; the hard limit
# kills a worker stuck past it, and the restarted worker fails the job.
IMPORT_SOFT_TIME_LIMIT = int(os.environ.get("IMPORT_SOFT_TIME_LIMIT", "3600"))
IMPORT_TIME_LIMIT = int(os.environ.get("IMPORT_TIME_LIMIT", "3660"))
# Long jobs (reanalysis runs, upload imports) hold a lease on their row that a heartbeat
# renews every JOB_HEARTBEAT_SECONDS; a job whose lease is older than JOB_LEASE_SECONDS has
# lost its worker and is failed by the next claimant or by the sweep every
# JOB_SWEEP_SECONDS (a lost import's uploaded files are deleted then).
JOB_LEASE_SECONDS = int(os.environ.get("JOB_LEASE_SECONDS", "120"))
JOB_HEARTBEAT_SECONDS = float(os.environ.get("JOB_HEARTBEAT_SECONDS", "20"))
JOB_SWEEP_SECONDS = float(os.environ.get("JOB_SWEEP_SECONDS", "60"))
if not 0 < JOB_HEARTBEAT_SECONDS < JOB_LEASE_SECONDS:
    raise ImproperlyConfigured(
        f"JOB_HEARTBEAT_SECONDS = {JOB_HEARTBEAT_SECONDS} is outside the allowed range "
        f"0 … JOB_LEASE_SECONDS ({JOB_LEASE_SECONDS}), both exclusive."
    )
CELERY_BEAT_SCHEDULE = {
    "fail lost jobs": {
        "task": "registry.fail_lost_jobs",
        "schedule": JOB_SWEEP_SECONDS,
        "options": {"expires": JOB_SWEEP_SECONDS},
    },
}
# An import that changed visits, gait sessions or MRI scans queues a reanalysis.
RECLUSTER_AFTER_IMPORT = env_bool("RECLUSTER_AFTER_IMPORT", True)
# Upload limits: each file of an upload at most IMPORT_MAX_UPLOAD_MB (said on the page);
# validation of a file stops after IMPORT_MAX_ERRORS_PER_FILE errors (the report says so).
IMPORT_MAX_UPLOAD_MB = float(os.environ.get("IMPORT_MAX_UPLOAD_MB", "25"))
IMPORT_MAX_ERRORS_PER_FILE = int(os.environ.get("IMPORT_MAX_ERRORS_PER_FILE", "1000"))
# Error reports of upload imports quote cells of the files; they are deleted after this.
IMPORT_REPORT_RETENTION_DAYS = int(os.environ.get("IMPORT_REPORT_RETENTION_DAYS", "90"))
# A clean dry run's files wait this long for "Import these files now".
IMPORT_DRY_RUN_KEEP_HOURS = int(os.environ.get("IMPORT_DRY_RUN_KEEP_HOURS", "24"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
