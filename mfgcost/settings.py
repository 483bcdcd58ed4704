"""Settings for mfgcost, read from the environment.

``DATABASE_URL``       database (default: a SQLite file ``var/mfgcost.sqlite3``).
``CELERY_BROKER_URL``  broker; unset means tasks run in process (eager).
``DJANGO_SECRET_KEY``  secret key (default: a development key; set it in production).
``DJANGO_DEBUG``       "1" for debug pages (default on only without a secret key).
``DJANGO_ALLOWED_HOSTS`` comma separated (default: localhost names).
``MFGCOST_ADJUST_COST_HOUR`` hour (UTC) of the nightly Adjust Cost run under Celery beat (2).
``MFGCOST_BACKFLUSH_HOUR`` hour (UTC) of the month-end backflush run on the 1st (1, at :30).
``MFGCOST_BROKER_VISIBILITY_TIMEOUT`` seconds before Redis redelivers a lost worker's task (3600).
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MFGCOST_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = os.environ.get("DJANGO_DEBUG", "1" if "DJANGO_SECRET_KEY" not in os.environ else "0") == "1"
ALLOWED_HOSTS = os.environ.get(
    "DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver"
).split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
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
    "mfgcost.core",
    "ledger",
    "mfgcost.items",
    "mfgcost.inventory",
    "mfgcost.production",
    "mfgcost.costing",
    "subcontracting",
    "mfgcost.lean",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.DjangoModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "mfgcost.core.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "mfgcost API",
    "DESCRIPTION": "Manufacturing costing: ledgers, inventory, standard costs, production, "
    "subcontracting.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets used by more than one field get one name.
    "ENUM_NAME_OVERRIDES": {
        "AccountTypeEnum": "ledger.models.Account.AccountType",
        "AccountStatementEnum": "ledger.models.Account.Statement",
        "DimensionRuleEnum": "ledger.models.Account.DimensionRule",
        "CostCenterKindEnum": "ledger.models.CostCenter.Kind",
        "PeriodStatusEnum": "ledger.models.Period.Status",
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
CELERY_TASK_ACKS_LATE = False
# How long a task taken by a worker that was lost stays invisible before Redis hands it out
# again (Celery's default for Redis is an hour).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("MFGCOST_BROKER_VISIBILITY_TIMEOUT", "3600"))
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 30
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 25
CELERY_TIMEZONE = TIME_ZONE
# The period jobs (``celery -A mfgcost beat``, or a worker started with ``-B``). Adjust Cost
# works only on what changed since its last run, so a nightly run is cheap when nothing did.
CELERY_BEAT_SCHEDULE = {
    "adjust-cost-nightly": {
        "task": "mfgcost.costing.adjust_cost",
        "schedule": crontab(hour=int(os.environ.get("MFGCOST_ADJUST_COST_HOUR", "2")), minute=0),
    },
    # Backflush costing of every production flow for the month just ended (the 1st, early).
    "backflush-month-end": {
        "task": "mfgcost.lean.backflush_month_end",
        "schedule": crontab(
            day_of_month="1", hour=int(os.environ.get("MFGCOST_BACKFLUSH_HOUR", "1")), minute=30
        ),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Money: the currency's precision (2 places) is the only rounding point, see mfgcost.core.money.
MFGCOST_CURRENCY = os.environ.get("MFGCOST_CURRENCY", "USD")
