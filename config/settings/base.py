"""Settings shared by every environment, read from the environment.

``local`` (the default of ``manage.py``), ``test`` and ``production`` import this module and
change only what differs; see ``docs/ARCHITECTURE.md``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("HULAO_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite file, uploads and the embedded broker live here


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY", "dev-insecure-hulao-secret-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "core.admin_site.HulaoAdminConfig",  # django.contrib.admin, for superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "auditlog",
    "axes",
    "rest_framework",  # the API for the systems around Hulao (api/, /api/v1/)
    "drf_spectacular",  # its OpenAPI schema
    "drf_spectacular_sidecar",  # Swagger UI's files, served by the app itself (no CDN)
    # Hulao
    "core",
    "organization",
    "leads",
    "cases",
    "rectification",
    "publicity",
    "reports",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "core.audit.AuditActorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.hulao",
            ],
            # {% url %} with the argument-less URLs reversed once per process (issue 18)
            "builtins": ["core.templatetags.hulao_urls"],
            # {% load i18n %}: Django's, with literal {% translate %} kept per language (issue 18)
            "libraries": {"i18n": "core.templatetags.hulao_i18n"},
        },
    },
]
# templates.W003 warns that the name "i18n" is used by two tag modules: that is the point of the
# mapping above (Django's own library, with literal {% translate %} kept per language).
SILENCED_SYSTEM_CHECKS = ["templates.W003"]

# --- Database -----------------------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://user:pass@127.0.0.1:5432/hulao; default: a SQLite file under var/.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'hulao.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        # A connection that died (e.g. PostgreSQL restarted) is replaced before the next request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organization.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-in while a username is locked out
    "django.contrib.auth.backends.ModelBackend",
]
# Login protection (django-axes): after AXES_FAILURE_LIMIT failed sign-ins for one username from
# one address, that pair is locked for AXES_COOLOFF_MINUTES. Per username *and* address, so that
# one bad actor behind an office's shared address cannot lock everybody out.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
# Behind a reverse proxy (issue 16): the addresses or networks of the office's proxies, e.g.
# TRUSTED_PROXIES=127.0.0.1,10.0.0.0/24. X-Forwarded-For is read only when the direct peer is one
# of them (the rightmost hop that is not a trusted proxy is the client: core.net.client_ip). Empty
# (the default): REMOTE_ADDR, and any X-Forwarded-For is ignored. The login lockout, the rate
# limits, the public uploads' daily cap and the audit trail all use that one address.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "core.net.client_ip"
RATELIMIT_IP_META_KEY = "core.net.client_ip"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "core.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time: Chinese first -----------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -------------------------------------------------------------------
# Third-party assets come from the npm registry into node_modules/ (``make setup``) and are
# served by the app itself under /static/vendor/: offices run on closed networks, no CDN.
NODE_MODULES = BASE_DIR / "node_modules"
STATIC_URL = "static/"
# The image collects them at build into /app/staticfiles (Dockerfile), outside the data volume that
# is mounted on HULAO_VAR_DIR: a volume would keep serving the first image's files after an upgrade.
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True  # production serves the collected (hashed, compressed) files instead
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded files live outside the static root and are served only by views that check visibility.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/_protected/"  # never routed: files are served only by views that check visibility
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Excel imports (issue 16): an .xlsx is refused before parsing when its parts unpack to more than
# this, or one of its sheets has more rows than this (core.uploads.check_workbook).
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 50 * 1024 * 1024)
IMPORT_MAX_SHEET_ROWS = env_int("IMPORT_MAX_SHEET_ROWS", 25_000)
# Background jobs (issue 17, core.jobs): a list export of more rows than this runs as a job (the
# page shows its progress and offers the file); the worker writes progress every N rows; a
# running job whose progress has not moved for this long is taken over (its worker died).
EXPORT_INSTANT_MAX_ROWS = env_int("EXPORT_INSTANT_MAX_ROWS", 2000)
JOBS_PROGRESS_EVERY = env_int("JOBS_PROGRESS_EVERY", 200)
JOBS_STALE_SECONDS = env_int("JOBS_STALE_SECONDS", 300)

# --- Forms ---------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Informant protection ------------------------------------------------------------------------
# Fernet keys (comma-separated; the first encrypts, all decrypt, so keys can be rotated).
# Generate one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEY")
# A separate key for the keyed hashes that let staff match phone numbers without decrypting.
FIELD_HASH_KEY = env("FIELD_HASH_KEY", SECRET_KEY)

# --- Audit trail (django-auditlog with our own entry model that also keeps a reason) -------------
AUDITLOG_LOGENTRY_MODEL = "core.AuditEntry"
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_DISABLE_ON_RAW_SAVE = True
# auditlog's own migrations create its default table even when the entry model is swapped; that
# orphan table would reference users and break flushes. Our entry model lives in core's migrations.
MIGRATION_MODULES = {"auditlog": None}

# --- Cache ---------------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # Redis down or hung: cache operations give up within a second and count as misses
    # (core.cache), pages keep working without the cache.
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The rate limits (public tip form, receipt look-up) count in the cache. Without it they let requests
# through rather than refuse every tip; the honeypot and the daily upload caps (in the database) still apply.
RATELIMIT_FAIL_OPEN = True

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Celery --------------------------------------------------------------------------------------
# With REDIS_URL the broker is Redis. Without it, an embedded broker on the filesystem
# (kombu's filesystem transport) lets `make run` start a worker and beat with nothing but Python.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_FS_DIR = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem"):
    for _folder in ("queue", "processed", "control"):
        (CELERY_FS_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FS_DIR / "queue"),
        "data_folder_out": str(CELERY_FS_DIR / "queue"),
        "processed_folder": str(CELERY_FS_DIR / "processed"),
        "control_folder": str(CELERY_FS_DIR / "control"),
        "store_processed": False,
    }
else:
    # A broker that is down or hung must not hold a web request: connecting gives up after
    # BROKER_CONNECT_TIMEOUT s, a command after BROKER_SOCKET_TIMEOUT s (above kombu's 1 s BRPOP
    # poll, so workers are unaffected), and a publish is retried once (a stale pooled connection
    # after a broker restart). What could not be queued waits in the database for a periodic job.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": float(env("BROKER_CONNECT_TIMEOUT", "1")),
        "socket_timeout": float(env("BROKER_SOCKET_TIMEOUT", "2")),
    }
CELERY_BROKER_CONNECTION_TIMEOUT = float(env("BROKER_CONNECT_TIMEOUT", "1"))
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    "send-pending-mail": {
        "task": "core.tasks.send_pending_mail",
        "schedule": 60.0,
    },
    # core: background jobs (imports, big exports) the broker never delivered or whose worker died
    "core-pending-jobs": {
        "task": "core.tasks.run_pending_jobs",
        "schedule": 60.0,
    },
    # Each app adds its periodic jobs here, one entry per job, keyed by its own name.
    "leads-daily-deadlines": {
        "task": "leads.tasks.daily_deadlines",
        # every morning at 8 (Asia/Shanghai), before the working day; idempotent (outbox key per unit and day)
        "schedule": crontab(minute=0, hour=8),
    },
    # leads: files held for public tip forms never sent, and old bookkeeping rows (issue 16)
    "leads-public-cleanup": {
        "task": "leads.tasks.public_cleanup",
        "schedule": crontab(minute=15),
    },
    # rectification: each unit's reminder of overdue inspections and measures (idempotent per day)
    "rectification-daily-digests": {
        "task": "rectification.tasks.daily_digests",
        "schedule": crontab(minute=30, hour=8),
    },
    # reports: reminders to units that have not submitted (the 17th), and the monthly report,
    # checked daily and compiled on the campaign's report day (the 20th); Asia/Shanghai time.
    "reports-submission-reminders": {
        "task": "reports.tasks.submission_reminders",
        "schedule": crontab(
            minute=0, hour=env_int("REPORTS_REMINDER_HOUR", 9), day_of_month=env("REPORTS_REMINDER_DAY", "17")
        ),
    },
    "reports-monthly-report": {
        "task": "reports.tasks.monthly_report_due",
        "schedule": crontab(minute=0, hour=env_int("REPORTS_SEND_HOUR", 18)),
    },
    # reports asked for on the web page while the broker was down, or whose worker was killed
    # (its heartbeat stopped; exactly once: see report_generate)
    "reports-pending": {
        "task": "reports.tasks.generate_pending_reports",
        "schedule": 60.0,
    },
    # api: deliveries to another Hulao deployment that failed while it was down, sent again at a
    # growing interval for a week (api.federation.retry_failed; a refusal waits for a person)
    "api-retry-deliveries": {
        "task": "api.tasks.retry_failed_deliveries",
        "schedule": crontab(minute=40),
    },
}

# --- E-mail --------------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "护老系统 <hulao@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_SUBJECT_PREFIX = "[护老] "
# Where the app is reached: every link in an e-mail is SITE_URL + a path ("https://hulao.example.org").
# Required in production; `make run` serves http://127.0.0.1:8000.
SITE_URL = (env("SITE_URL") or "http://127.0.0.1:8000").rstrip("/")
# How many times the outbox tries to send one e-mail before it is marked failed.
MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 8)
# The units no e-mail reaches, listed on the outbox page (core knows no area: config wires it).
OUTBOX_UNREACHABLE_UNITS = "organization.contacts.unreachable_units"

# --- Reports (monthly report, reminders, scorecard, dashboard) -------------------------------------
# Who receives the monthly report (comma-separated), besides the recipients kept in the admin.
REPORTS_RECIPIENTS = env_list("REPORTS_RECIPIENTS")
REPORTS_SEND_HOUR = env_int("REPORTS_SEND_HOUR", 18)  # the monthly job; a period ends at this hour
REPORTS_TASK_TIME_LIMIT = env_int("REPORTS_TASK_TIME_LIMIT", 10 * 60)
# A generating task touches its claim every REPORTS_HEARTBEAT_SECONDS; a claim whose heartbeat is
# older than REPORTS_STALE_SECONDS (three heartbeats: its worker was killed) is taken over by the
# pending-reports job (every minute).
REPORTS_HEARTBEAT_SECONDS = env_int("REPORTS_HEARTBEAT_SECONDS", 30)
REPORTS_STALE_SECONDS = env_int("REPORTS_STALE_SECONDS", 3 * REPORTS_HEARTBEAT_SECONDS)
# How long the dashboard's figures are cached (seconds).
REPORTS_DASHBOARD_CACHE_SECONDS = env_int("REPORTS_DASHBOARD_CACHE_SECONDS", 180)

# --- Security defaults (production tightens them) -----------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

# --- Logging: never the informants' identities (they are never passed to a logger) --------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Benchmarks (benchmarks/run.py): per-request SQL count header, no rate limits -----------------
BENCHMARK_MODE = env_bool("HULAO_BENCHMARK", False)
if BENCHMARK_MODE:
    MIDDLEWARE.insert(0, "core.middleware.QueryCountHeaderMiddleware")
    RATELIMIT_ENABLE = False

# --- The API (api/, /api/v1/) -----------------------------------------------------------------------
# Token authentication per office or system (api.ApiToken), scoped like a person of the token's
# unit; every call logged (api.ApiCall). Rate limits per token by its kind, counted in the cache
# (Redis when REDIS_URL is set), e.g. API_RATE_SYSTEM=600/min.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_THROTTLE_RATES = {
    "office": env("API_RATE_OFFICE", "300/min"),
    "system": env("API_RATE_SYSTEM", "600/min"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "护老 Hulao API",
    "DESCRIPTION": "读取令牌范围内的线索、案件、机构和报表数据，登记线索（12345热线、网格系统、上级转办）。"
    "举报人身份从不出现在接口中，只能经有权限的令牌说明原因后查看，并被记录。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Hulao ---------------------------------------------------------------------------------------
HULAO_SITE_NAME = _("护老 · 打击整治养老诈骗专项行动")

# --- Working-day calendar (core/workdays.py) ------------------------------------------------------
# The street office is asked to enter a year's holiday arrangement (banner, /healthz/, check) when a
# day from today to today + this many days falls in a year neither chinesecalendar nor it covers.
CALENDAR_LOOKAHEAD_DAYS = env_int("CALENDAR_LOOKAHEAD_DAYS", 60)

# --- Leads (issue 3) -----------------------------------------------------------------------------
# Default feedback deadline per lead source, in working days (the admin's 默认反馈期限 overrides it).
LEADS_DEADLINE_WORKDAYS = {"higher": 10, "public": 15, "community": 15, "member_unit": 15, "review": 20, "default": 15}
LEADS_DUE_SOON_WORKDAYS = env_int("LEADS_DUE_SOON_WORKDAYS", 3)
# Still overdue this many working days after the deadline: marked for public naming (通报).
LEADS_NAMING_AFTER_WORKDAYS = env_int("LEADS_NAMING_AFTER_WORKDAYS", 5)
# Share of unfounded (查否) closures of non-major leads sent to a second review (二次核查).
LEADS_SECOND_REVIEW_SHARE = float(env("LEADS_SECOND_REVIEW_SHARE", "0.2"))
LEADS_TIP_RATE = env("LEADS_TIP_RATE", "10/h")
LEADS_RECEIPT_RATE = env("LEADS_RECEIPT_RATE", "30/h")
# The public tip form (issue 16). Minimum seconds between showing the form and sending it; 0 (the
# default) checks only that the form was issued by us (signed) within LEADS_TIP_FORM_MAX_AGE_HOURS.
# A relative pasting a prepared text is not a bot: the rate limit, the daily upload cap and the
# honeypot stop floods. Even when set, a refused form comes back with everything kept.
LEADS_TIP_MIN_SECONDS = env_int("LEADS_TIP_MIN_SECONDS", 0)
LEADS_TIP_FORM_MAX_AGE_HOURS = env_int("LEADS_TIP_FORM_MAX_AGE_HOURS", 24)
# Files: per tip (or per supplement), and per client address and calendar day (counted in the
# database, so the caps hold while Redis is down). Files held for a form that was never sent are
# removed after LEADS_HELD_FILES_HOURS (beat: leads-public-cleanup).
LEADS_TIP_MAX_FILES = env_int("LEADS_TIP_MAX_FILES", 10)
LEADS_TIP_MAX_BYTES = env_int("LEADS_TIP_MAX_BYTES", 50 * 1024 * 1024)
LEADS_PUBLIC_DAILY_FILES = env_int("LEADS_PUBLIC_DAILY_FILES", 30)
LEADS_PUBLIC_DAILY_BYTES = env_int("LEADS_PUBLIC_DAILY_BYTES", 150 * 1024 * 1024)
LEADS_HELD_FILES_HOURS = env_int("LEADS_HELD_FILES_HOURS", 24)
# The receipt page shows the new code again on reload for this long (same browser session only).
LEADS_RECEIPT_SHOW_SECONDS = env_int("LEADS_RECEIPT_SHOW_SECONDS", 15 * 60)
# An informant's supplement (receipt code) shows as 新补充 on the lead lists for this many days.
LEADS_NEW_SUPPLEMENT_DAYS = env_int("LEADS_NEW_SUPPLEMENT_DAYS", 7)

# --- Rectification (institutions, risk grades, inspections) ---------------------------------------
# Inspection interval in days per risk grade (0 ungraded … 4 red); admin rows (RiskGradeSetting)
# win over these, which win over rectification.choices.DEFAULT_INSPECTION_INTERVAL_DAYS.
RECTIFICATION_INSPECTION_INTERVAL_DAYS: dict[int, int | None] = {}
# Banks monitor illegal fund-raising for themselves (plan §(六)): these units are seeded as units
# of that sector (rectification.SectorSupervisor, each street its own from its own units by code);
# afterwards each street office keeps its mapping on the sectors page (rectification:sectors).
RECTIFICATION_BANK_UNIT_CODES = env_list("RECTIFICATION_BANK_UNIT_CODES") or ["rural_bank"]
# At most this many rows per section in a unit's daily reminder e-mail.
RECTIFICATION_DIGEST_LIMIT = env_int("RECTIFICATION_DIGEST_LIMIT", 50)
