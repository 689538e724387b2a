"""One settings module for every environment; every value comes from the environment.

Development defaults: SQLite file, Celery tasks run eagerly in-process, local-memory cache,
console e-mail. Production sets DEBUG=false and real URLs for the database, broker and cache.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    # API tokens: expiring, stored hashed (SHA-512), revocable (merchants/api/auth.py).
    "knox",
    # Login throttling and lockout, on the login pages and the token endpoint.
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "common",
    "merchants",
    "review",
    "complaints",
    "ratings",
    "storefront",
    "demo",
    "supervision",
    "config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "common.middleware.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last: turns a locked-out login attempt into the lockout answer (merchants.views.accounts).
    "axes.middleware.AxesMiddleware",
]

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
                "django.template.context_processors.csp",
                "merchants.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # A Redis outage makes pages slower (built without the cache), never broken: common/cache.py.
    CACHES = {
        "default": {
            "BACKEND": "common.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    # One per process. Room for a few thousand public store pages (Django's default is 300).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

AUTH_USER_MODEL = "merchants.User"
# django-axes first: it refuses a locked-out username+address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout: after AXES_FAILURE_LIMIT wrong passwords for one username from one address, that pair
# is locked out for AXES_COOLOFF_MINUTES (login page, admin login and /api/v1/auth/token/ alike).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lockout lasts its cool-off from the last counted failure; tries during it do not prolong it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "merchants.views.accounts.locked_out"
# The client's address as everywhere else (common.net.client_ip): the connection's, or the one
# TRUSTED_PROXY_COUNT proxies vouch for; a client-set X-Forwarded-For never counts.
AXES_CLIENT_IP_CALLABLE = "common.net.client_ip"
AXES_VERBOSE = False
# API tokens (django-rest-knox): valid API_TOKEN_DAYS, only their hash stored; revoked all at
# once when the password changes (merchants.receivers).
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_DAYS", default=30)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": None,
}
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploads: 10 MB per document; the form reads the size and content, not the name.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@assured.example")
# The outbox (common/outbox.py): by default each committed write hands its side effects to the
# dispatcher task at once; with OUTBOX_RELAY=true writes only record them and the
# `outbox_relay` process delivers them in batches (docker-compose runs it).
OUTBOX_RELAY = env.bool("OUTBOX_RELAY", default=False)
OUTBOX_RELAY_INTERVAL = env.float("OUTBOX_RELAY_INTERVAL", default=0.25)
# Text messages (common/sms.py): the console backend prints them, like the console mail backend.
SMS_BACKEND = env.str("SMS_BACKEND", default="common.sms.ConsoleBackend")

# Celery: with no broker configured, tasks run eagerly in-process (development, tests).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A broker that does not answer fails a publish fast; the outbox (common/outbox.py) keeps what
# could not be enqueued and re-delivers it, so a request never waits on a dead broker.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    # One quick retry of a publish, not kombu's default of seconds of back-off per publish.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}

# How many reverse proxies (e.g. the TLS proxy in front of gunicorn) stand before the application.
# 0: the client is REMOTE_ADDR and X-Forwarded-For / X-Forwarded-Proto are ignored. n > 0: the
# client is the n-th address from the right of X-Forwarded-For (common/net.py), and
# X-Forwarded-Proto says whether the request came over HTTPS. Set it only when every request
# passes through those proxies (gunicorn's port not published).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous API call gets 401 with a WWW-Authenticate header.
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # django-filter's backend and DRF's page numbers, refusing a filter or page given twice or
    # empty (common.filters, common.api).
    "DEFAULT_FILTER_BACKENDS": ["common.filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "common.api.PagePagination",
    "PAGE_SIZE": 50,
    # drf-spectacular's, documenting the error answers each operation can give (common/schema.py).
    "DEFAULT_SCHEMA_CLASS": "common.schema.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.api_exception_handler",
    # The throttles take the client's address by the same rule as common.net.client_ip: with 0
    # trusted proxies REMOTE_ADDR only, so a made-up X-Forwarded-For does not dodge them.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    # JSON with a size and depth limit and no NUL; forms and multipart as DRF's.
    # JSON only: DRF reads an HTML form's empty value of an optional field as "not sent", so a
    # form-encoded `address=` would pass where the schema refuses "". The endpoints that take
    # files (or serve the page forms' posts) name their parsers.
    "DEFAULT_PARSER_CLASSES": ["common.parsers.BoundedJSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Assured Consumption Platform API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Authenticate with the session cookie of a logged-in browser, or with a token: POST your "
        "username and password to `/api/v1/auth/token/` and send the answer's `token` as the "
        "header `Authorization: Token <token>`. A token expires at the answer's `expiry` (30 "
        "days by default), is stored only as a hash, is revoked with all your others when your "
        "password changes, and can be listed and revoked by you at `/api/v1/auth/tokens/` (or "
        "on the API tokens page of your account). After 10 wrong passwords for one username from "
        "one address, logging in (page and token endpoint) is locked for 15 minutes and answers "
        "429. Every list and object is limited to your reach: a "
        "merchant's people see their merchants, a regulator the merchants of their region and "
        "below; anything else answers 404. Refused business rules answer 400 with a message."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No online validator badge: the docs page loads nothing from outside the server.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "DeclarationStateEnum": "merchants.models.DeclarationState",
        "CampaignStateEnum": "review.models.Campaign.State",
        "InspectionStateEnum": "review.models.InspectionState",
        "IndustryEnum": "merchants.models.Industry",
        "PoolEnum": "ratings.models.Pool",
        "FlagDecisionEnum": "complaints.models.FlagDecision",
        "ContactMethodEnum": "complaints.models.ContactMethod",
        "MethodEnum": "review.models.inspections.InspectionMethod",
        "ReportDecisionEnum": "merchants.models.reports.CheckedReport.Decision",
    },
}

# Production hardening: the same module, switched on by DEBUG=false.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The container's health checks call gunicorn directly over HTTP, with or without a proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
# Trusted only from a configured proxy: any client could send X-Forwarded-Proto.
if TRUSTED_PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Nothing is loaded from outside the server; inline scripts need the per-request nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Review is due this many working days after submission (Chinese official calendar).
REVIEW_DEADLINE_WORKING_DAYS = env.int("REVIEW_DEADLINE_WORKING_DAYS", default=10)

# External data (DESIGN.md "External data"): the adapter class of each source, by dotted path
# (the complaints app registers the "complaints" source, the platform's own complaints).
# The defaults read the platform's record tables; a deployment replaces one with a client of the
# real service, e.g. EXTERNAL_SOURCE_ADAPTERS="registry=acme.clients.RegistryClient".
EXTERNAL_SOURCE_ADAPTERS = {
    "registry": "merchants.sources.RegistryTableSource",
    "quality": "merchants.sources.QualityTableSource",
    "food_chain": "merchants.sources.FoodChainTableSource",
    "cold_chain": "merchants.sources.ColdChainTableSource",
    "enforcement": "merchants.sources.EnforcementTableSource",
} | env.dict("EXTERNAL_SOURCE_ADAPTERS", default={})

# Complaint intake: at most this many complaints per phone (normalised), per hour and per day...
COMPLAINT_INTAKE_LIMITS = {
    "hour": env.int("COMPLAINT_LIMIT_PER_HOUR", default=5),
    "day": env.int("COMPLAINT_LIMIT_PER_DAY", default=20),
}
# ...and per client address (common.net.client_ip: through TRUSTED_PROXY_COUNT proxies). Higher
# than the phone's: many people can share one address (a mobile carrier's NAT, an office).
COMPLAINT_ADDRESS_LIMITS = {
    "hour": env.int("COMPLAINT_LIMIT_PER_ADDRESS_HOUR", default=20),
    "day": env.int("COMPLAINT_LIMIT_PER_ADDRESS_DAY", default=100),
}

# Finding a complaint again by number and phone: one-time codes sent per phone (normalised)...
COMPLAINT_LOOKUP_LIMITS = {
    "hour": env.int("COMPLAINT_LOOKUP_PER_HOUR", default=3),
    "day": env.int("COMPLAINT_LOOKUP_PER_DAY", default=10),
}
# ...and per client address (a bound on the SMS one address can make the platform send).
COMPLAINT_LOOKUP_ADDRESS_LIMITS = {
    "hour": env.int("COMPLAINT_LOOKUP_PER_ADDRESS_HOUR", default=20),
    "day": env.int("COMPLAINT_LOOKUP_PER_ADDRESS_DAY", default=100),
}

# The platform's public address, for links in e-mails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)
