"""Settings for mfgcost, read from the environment (the production set: docs/deploy.md).

``DATABASE_URL``       database (default: a SQLite file ``var/mfgcost.sqlite3``).
``CELERY_BROKER_URL``  broker; unset means tasks run in process (eager).
``CACHE_URL``          shared cache, ``redis://host:6379/2`` (default: local memory, one per
                       process). The API throttle counts through it, so set it whenever more than
                       one process serves the API; use a Redis database of its own, not the
                       broker's (clearing the cache empties its whole database).
``DJANGO_SECRET_KEY``  secret key (default: a development key; set it in production).
``DJANGO_DEBUG``       "1" for debug pages (default off, whatever else is set).
``DJANGO_ALLOWED_HOSTS`` comma separated (default: localhost names).
``DJANGO_HTTPS``       "1" behind HTTPS: redirect to HTTPS, secure cookies, HSTS (default off).
``DJANGO_HSTS_SECONDS`` HSTS max-age with ``DJANGO_HTTPS`` (31536000); ``DJANGO_HSTS_SUBDOMAINS``
                       and ``DJANGO_HSTS_PRELOAD`` "0" to leave those out (default "1").
``DJANGO_PROXY_SSL_HEADER`` "1" to trust ``X-Forwarded-Proto: https`` from the proxy in front.
``DJANGO_CSRF_TRUSTED_ORIGINS`` comma separated origins (``https://costing.example.com``).
``MFGCOST_ADJUST_COST_HOUR`` hour (UTC) of the nightly Adjust Cost run, as first seeded in the
beat schedule in the database (2); later changes are made in the admin.
``MFGCOST_CELERY_VISIBILITY_TIMEOUT`` seconds before Redis delivers an unacknowledged task
    again (100); task time limits are derived from it.
``MFGCOST_ADJUST_RUN_STALE_SECONDS`` a running Adjust Cost run without a heartbeat for this
    long is marked abandoned (default: the visibility timeout).
``MFGCOST_CLOSE_DAY``  day of the month of the scheduled close of the last ended period (3).
``CELERY_TASK_DEFAULT_QUEUE`` the queue tasks go to when no route names one ("celery").
``MFGCOST_BACKFLUSH_HOUR`` hour (UTC) of the month-end backflush run on the 1st (1, at :30).
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MFGCOST_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
# Debug pages show settings and code: only when asked for by name (``make demo`` does not).
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get(
    "DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver"
).split(",")
CSRF_TRUSTED_ORIGINS = [
    origin for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if origin
]

# HTTPS: one switch for the redirect, the cookies and HSTS (``manage.py check --deploy``).
HTTPS = os.environ.get("DJANGO_HTTPS", "0") == "1"
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS and os.environ.get("DJANGO_HSTS_SUBDOMAINS", "1") == "1"
SECURE_HSTS_PRELOAD = HTTPS and os.environ.get("DJANGO_HSTS_PRELOAD", "1") == "1"
if os.environ.get("DJANGO_PROXY_SSL_HEADER", "0") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "mfgcost.core.admin_apps.InsiderAdminConfig",  # django.contrib.admin, outside users kept out
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "django_celery_beat",
    "mfgcost.core",
    "ledger",
    "mfgcost.items",
    "mfgcost.inventory",
    "mfgcost.production",
    "mfgcost.costing",
    "subcontracting",
    "mfgcost.costacct",
    "mfgcost.close",
    "mfgcost.lean",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "mfgcost.core.parsers.ControlCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mfgcost.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "mfgcost.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'mfgcost.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Wait for the write lock instead of failing at once when a second process writes.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the API throttle's counters: shared through Redis when CACHE_URL names one,
# else one local memory per process (then N processes allow N times the rate).
CACHE_URL = os.environ.get("CACHE_URL") or None
if CACHE_URL and CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "mfgcost"),
        }
    }
elif CACHE_URL:
    raise ValueError(f"CACHE_URL must be a redis:// URL, not {CACHE_URL!r}")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    # Login and model permissions for every method, reads included; vendors' users refused.
    "DEFAULT_PERMISSION_CLASSES": ["mfgcost.core.permissions.ModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "mfgcost.core.api.LimitOffsetPagination",
    "DEFAULT_PARSER_CLASSES": [
        "mfgcost.core.parsers.JSONParser",
        "mfgcost.core.parsers.FormParser",
        "mfgcost.core.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "mfgcost.core.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "mfgcost.core.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}

API_DESCRIPTION = """Manufacturing costing: ledgers, inventory, standard costs, production,
subcontracting.

**Authentication.** Every operation needs a token: `POST /api/auth/token/` with a username and
password answers `{"token": "..."}`; send it as `Authorization: Token <key>`. Staff need the
model permissions of what they call; a vendor's user (made by purchasing) reaches only
`/api/subcontracting/vendor/`. The guide with a quick start is `docs/api.md` in the source.

**Conventions.** Amounts, quantities and unit costs are decimal strings (`"50.000000"`,
`"1250.00"`). Lists are pages (`limit`, `offset`; `count`, `next`, `previous`, `results`).
Filters: `<field>_after` / `<field>_before` for dates (inclusive), `search` for text; older
names still work and are marked deprecated. Errors have one body, `{"field": ["message"]}`
(`{"detail": "message"}` for authentication, permission, not found and throttling), and bad
input changes nothing. A document's number, source key or `Idempotency-Key` makes a repeat
return the first result.
"""

SPECTACULAR_SETTINGS = {
    "TITLE": "mfgcost API",
    "DESCRIPTION": API_DESCRIPTION,
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema and its docs pages describe every route: staff only, never vendors' users.
    "SERVE_PERMISSIONS": ["mfgcost.core.permissions.IsStaffInsider"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Enum names first, then an example for every body without a hand-written one.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mfgcost.core.schema.schema_examples_complete",
    ],
    # Choice sets used by more than one field get one name (no auto-named ``Kind1edEnum``).
    "ENUM_NAME_OVERRIDES": {
        "AccountTypeEnum": "ledger.models.Account.AccountType",
        "AccountStatementEnum": "ledger.models.Account.Statement",
        "DimensionRuleEnum": "ledger.models.Account.DimensionRule",
        "CostCenterKindEnum": "ledger.models.CostCenter.Kind",
        "PeriodStatusEnum": "ledger.models.Period.Status",
        "ItemLedgerEntryTypeEnum": "mfgcost.inventory.models.ItemLedgerEntry.EntryType",
        "ValueEntryEntryTypeEnum": "mfgcost.inventory.models.ValueEntry.EntryType",
        "LocationKindEnum": "mfgcost.inventory.models.Location.Kind",
        "OutputKindEnum": "mfgcost.items.models.BomOutput.Kind",
        "StandardCostStatusEnum": "mfgcost.items.models.StandardCost.Status",
        "ProductionOrderStatusEnum": "mfgcost.production.models.ProductionOrder.Status",
        "AdjustCostRunStatusEnum": "mfgcost.costing.models.CostAdjustmentRun.Status",
        "SubcontractingOrderStatusEnum": "subcontracting.models.SubcontractingOrder.Status",
        "ProposalOutputStatusEnum": "subcontracting.models.WorksheetProposal.Status",
        "VendorReportOutputStatusEnum": "subcontracting.models.VendorReport.Status",
        "CostAccountingDimensionEnum": "mfgcost.costacct.models.Dimension",
    },
}

# Celery: without a broker, tasks run in the calling process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
# Results go back through Redis when the broker is Redis, else over the broker (rpc).
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or (
    None
    if CELERY_BROKER_URL is None
    else CELERY_BROKER_URL
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    else "rpc://"
)
# The queue tasks go to when no route names one (a test worker listens on a queue of its own).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE") or "celery"
CELERY_TASK_ACKS_LATE = False
# How long a task taken by a worker that was lost stays invisible before Redis hands it out
# again (Celery's default for Redis is an hour).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("MFGCOST_BROKER_VISIBILITY_TIMEOUT", "3600"))
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis delivers a message again when it is not acknowledged within the visibility timeout: a
# task acknowledged late (Adjust Cost) whose worker is lost is picked up again after it. Every
# task's time limit stays below it, so a task still running is never delivered twice; Adjust
# Cost stops at 60 % of it and continues in a new task (see mfgcost/costing/tasks.py).
MFGCOST_CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("MFGCOST_CELERY_VISIBILITY_TIMEOUT", "100"))
# Workers look for such messages every ``unacked_restore_interval`` seconds (kombu's default
# sweep is 10 s x a throttle of 10: up to 100 s more), so a lost task is picked up again within
# the timeout plus a tenth of it (110 s by default).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": MFGCOST_CELERY_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": max(1, MFGCOST_CELERY_VISIBILITY_TIMEOUT // 10),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_TIME_LIMIT = int(MFGCOST_CELERY_VISIBILITY_TIMEOUT * 0.9)
CELERY_TASK_SOFT_TIME_LIMIT = int(MFGCOST_CELERY_VISIBILITY_TIMEOUT * 0.8)
# A run still "running" with no heartbeat for this long is marked abandoned (default: the
# visibility timeout, after which its task has been delivered again).
MFGCOST_ADJUST_RUN_STALE_SECONDS = int(
    os.environ.get("MFGCOST_ADJUST_RUN_STALE_SECONDS", str(MFGCOST_CELERY_VISIBILITY_TIMEOUT))
)
CELERY_TIMEZONE = TIME_ZONE
# The period jobs (``celery -A mfgcost beat``, or a worker started with ``-B``) are scheduled
# in the database (django-celery-beat), editable in the admin under "Periodic tasks". The
# nightly Adjust Cost is seeded there after migrate, at MFGCOST_ADJUST_COST_HOUR (UTC); Adjust
# Cost works only on what changed since its last run, so a nightly run is cheap when nothing
# did.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
MFGCOST_ADJUST_COST_HOUR = int(os.environ.get("MFGCOST_ADJUST_COST_HOUR", "2"))
# The month-end close of the last open period that has ended, seeded likewise (docs/close.md).
MFGCOST_CLOSE_DAY = int(os.environ.get("MFGCOST_CLOSE_DAY", "3"))
# Backflush costing of every production flow for the month just ended, on the 1st at :30.
MFGCOST_BACKFLUSH_HOUR = int(os.environ.get("MFGCOST_BACKFLUSH_HOUR", "1"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Money: the currency's precision (2 places) is the only rounding point, see mfgcost.core.money.
MFGCOST_CURRENCY = os.environ.get("MFGCOST_CURRENCY", "USD")
